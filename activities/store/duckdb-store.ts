import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { clearWriteIntent, localReaderCount, raiseWriteIntent } from './write-intent';

// DuckDB allows one process to hold a file open for writing. The store task queue is served by
// exactly one worker process; inside it, activities share one instance per file while any of
// them is running, and the file is closed when the last one finishes, so `mastoflow sql` and
// reports can open it read-only between loads. A reader may hold the file at the moment a load
// starts (`mastoflow serve` keeps it open while requests come in): the writer raises its write
// intent (write-intent.ts), which makes such readers let go, and retries the lock meanwhile.

/** How long a load waits for readers to let go of the file before it fails (and Temporal retries it). */
const WRITE_LOCK_WAIT_MS = 60_000;

interface Shared {
  instance: Promise<DuckDBInstance>;
  users: number;
}
const open = new Map<string, Shared>();

async function createWriter(file: string): Promise<DuckDBInstance> {
  if (file === ':memory:') return DuckDBInstance.create(file);
  raiseWriteIntent(file);
  const deadline = Date.now() + WRITE_LOCK_WAIT_MS;
  while (localReaderCount(file) > 0) {
    if (Date.now() > deadline) {
      clearWriteIntent(file);
      throw new Error(`a reader in this process kept ${file} open for ${WRITE_LOCK_WAIT_MS / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  for (;;) {
    try {
      return await DuckDBInstance.create(file);
    } catch (err) {
      if (!/Could not set lock|Conflicting lock/i.test(String((err as Error).message)) || Date.now() > deadline) {
        clearWriteIntent(file);
        throw err;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

function acquire(file: string): Promise<DuckDBInstance> {
  let shared = open.get(file);
  if (!shared) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    shared = { instance: createWriter(file), users: 0 };
    open.set(file, shared);
  }
  shared.users++;
  return shared.instance;
}

async function release(file: string): Promise<void> {
  const shared = open.get(file);
  if (!shared) return;
  shared.users--;
  if (shared.users > 0) return;
  open.delete(file);
  try {
    (await shared.instance).closeSync();
  } finally {
    if (file !== ':memory:') clearWriteIntent(file);
  }
}

/** A connection to the store file, shared-instance and closed after use. */
export async function withConnection<T>(duckdbPath: string, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const file = duckdbPath === ':memory:' ? duckdbPath : path.resolve(duckdbPath);
  try {
    const instance = await acquire(file);
    const conn = await instance.connect();
    try {
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  } finally {
    await release(file);
  }
}

/**
 * Rewrites the store into a fresh file (`COPY FROM DATABASE`) and puts it in place of the old
 * one. A checkpoint after a DELETE leaves the deleted rows' bytes in freed blocks until they are
 * reused (measured on DuckDB 1.5: a deleted acct stays readable in a 900-row table after FORCE
 * CHECKPOINT); erasure needs them gone. Waits until no activity of this process uses the file,
 * and makes those that arrive meanwhile wait for the compacted file.
 */
export async function compactStore(duckdbPath: string): Promise<{ bytesBefore: number; bytesAfter: number }> {
  const file = path.resolve(duckdbPath);
  for (let shared = open.get(file); shared; shared = open.get(file)) {
    await shared.instance.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 25));
  }
  let done!: (i: DuckDBInstance) => void;
  let fail!: (err: unknown) => void;
  const gate: Shared = {
    instance: new Promise<DuckDBInstance>((resolve, reject) => {
      done = resolve;
      fail = reject;
    }),
    users: 0,
  };
  gate.instance.catch(() => {});
  open.set(file, gate);
  const copy = `${file}.compact`;
  try {
    const bytesBefore = statSync(file).size;
    const db = await createWriter(file);
    try {
      const conn = await db.connect();
      try {
        await conn.run('FORCE CHECKPOINT');
        const name = String((await conn.runAndReadAll('SELECT current_database()')).getRows()[0]?.[0]);
        for (const f of [copy, `${copy}.wal`]) rmSync(f, { force: true });
        await conn.run(`ATTACH '${copy.replace(/'/g, "''")}' AS compacted`);
        await conn.run(`COPY FROM DATABASE "${name.replace(/"/g, '""')}" TO compacted`);
        await conn.run('DETACH compacted');
      } finally {
        conn.closeSync();
      }
    } finally {
      db.closeSync();
    }
    renameSync(copy, file);
    if (existsSync(`${file}.wal`)) rmSync(`${file}.wal`);
    done(await DuckDBInstance.create(file));
    return { bytesBefore, bytesAfter: statSync(file).size };
  } catch (err) {
    fail(err);
    throw err;
  } finally {
    // Nobody arrived while it ran: close the fresh instance and let readers in again.
    if (gate.users === 0 && open.get(file) === gate) {
      open.delete(file);
      try {
        (await gate.instance.catch(() => undefined))?.closeSync();
      } finally {
        clearWriteIntent(file);
      }
    }
  }
}

/** Run `fn` inside one transaction; roll back on any error so a partition is never half-replaced. */
export async function withTransaction<T>(duckdbPath: string, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  return withConnection(duckdbPath, async (conn) => {
    await conn.run('BEGIN TRANSACTION');
    try {
      const out = await fn(conn);
      await conn.run('COMMIT');
      return out;
    } catch (err) {
      await conn.run('ROLLBACK');
      throw err;
    }
  });
}

/** Open the file read-only from another process (CLI); retries briefly while a load holds it. */
/**
 * How readers open the store: read-only, and with DuckDB's external access off (no COPY TO a
 * file, no read_text('/etc/passwd'), no extension loading) and the configuration locked, so SQL
 * that reaches a reader cannot turn it back on. `mastoflow sql --allow-files` is the one way
 * to read or write other files (a user's own export).
 */
export const READ_ONLY_CONFIG: Readonly<Record<string, string>> = {
  access_mode: 'READ_ONLY',
  enable_external_access: 'false',
  lock_configuration: 'true',
};

export async function openReadOnly(
  duckdbPath: string,
  opts: { retryMs?: number; allowFiles?: boolean } = {},
): Promise<DuckDBInstance> {
  const deadline = Date.now() + (opts.retryMs ?? 10_000);
  const config = opts.allowFiles ? { access_mode: 'READ_ONLY' } : READ_ONLY_CONFIG;
  for (;;) {
    try {
      return await DuckDBInstance.create(path.resolve(duckdbPath), { ...config });
    } catch (err) {
      const msg = String((err as Error).message);
      if (!/lock/i.test(msg) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
