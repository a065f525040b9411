import { statSync } from 'node:fs';
import path from 'node:path';
import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBResultReader,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { READ_ONLY_CONFIG } from '../../activities/store/duckdb-store';
import { noteLocalReader, writerWaiting } from '../../activities/store/write-intent';

// Read-only access to the DuckDB store for the HTTP API. DuckDB lets one process write a file,
// and only while no other process has it open (even read-only), so the API must never keep the
// file open in a way that starves the store worker's next load:
// - one shared read-only instance serves concurrent requests (opening costs tens of ms on a
//   year of data: far too slow per request);
// - as soon as the store worker raises its write intent (activities/store/write-intent.ts), new
//   requests wait, the in-flight ones finish, the file is closed, and it is reopened only once
//   the writer is done; a request waits at most `busyWaitMs` for that, then gets StoreBusyError
//   (the API answers 503 + Retry-After);
// - it is also closed when idle for `idleMs`, and after `leaseMs` whatever happens, then stays
//   closed for `gapMs`: a window for writers that do not raise the intent (they retry the lock).
// Answers are memoised per file version (`memo`): the file can only change while no reader holds
// it, so each open compares the file's (size, mtime) and those of its WAL with the last open's,
// and drops the memo when they differ. A dashboard's repeated requests then cost no query.
// The instance is opened with access_mode=READ_ONLY, enable_external_access=false (no file,
// network or extension access from SQL) and lock_configuration=true (SQL cannot undo either).

export interface StoreReaderOptions {
  /** Memoised answers, in bytes (0 disables the memo). */
  memoBytes?: number;
  leaseMs?: number;
  idleMs?: number;
  gapMs?: number;
  busyWaitMs?: number;
}

export type QueryParams = Record<string, string | number> | Array<string | number>;

/** A statement's answer as the API encodes it: column names and types, and the rows. */
export function queryResultOf(reader: DuckDBResultReader): QueryResult {
  const names = reader.columnNames();
  const types = reader.columnTypes();
  return { columns: names.map((name, i) => ({ name, type: types[i] as DuckDBType })), rows: reader.getRows() };
}

/** Runs `fn` with a connection of the shared read-only instance (for readers written on connections). */
export type ConnectFn = <R>(fn: (conn: DuckDBConnection) => Promise<R>) => Promise<R>;

export interface QueryResult {
  columns: Array<{ name: string; type: DuckDBType }>;
  rows: DuckDBValue[][];
}

/** The store file is held by a writer (a load) longer than the API waits. */
export class StoreBusyError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('the DuckDB store is being written by a load; retry shortly');
  }
}

/** The store file does not exist yet (no load has run). */
export class StoreMissingError extends Error {}

interface Lease {
  instance: Promise<DuckDBInstance>;
  openedAt: number;
  inFlight: number;
  retiring: boolean;
  closed: Promise<void>;
  close: () => void;
  idleTimer?: NodeJS.Timeout;
}

const isLockError = (err: unknown) => /Could not set lock|Conflicting lock/i.test(String((err as Error)?.message));
const isMissingError = (err: unknown) =>
  /does not exist|No such file|Cannot open database .* in read-only mode/i.test(String((err as Error)?.message));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class StoreReader {
  readonly file: string;
  private readonly leaseMs: number;
  private readonly idleMs: number;
  private readonly gapMs: number;
  private readonly busyWaitMs: number;
  private lease: Lease | undefined;
  private reopenAt = 0;
  private intentCheckedAt = 0;
  private intentSeen = false;
  private readonly memoBytes: number;
  private readonly memoized = new Map<string, { value: unknown; bytes: number }>();
  private memoTotal = 0;
  private version = '';
  /** Counters for the benchmark and /healthz. */
  readonly stats = { opens: 0, lockRetries: 0, busy: 0, memoHits: 0, memoMisses: 0 };

  constructor(file: string, opts: StoreReaderOptions = {}) {
    this.file = path.resolve(file);
    this.leaseMs = opts.leaseMs ?? 10_000;
    this.idleMs = opts.idleMs ?? 250;
    this.gapMs = opts.gapMs ?? 50;
    this.busyWaitMs = opts.busyWaitMs ?? 3_000;
    this.memoBytes = opts.memoBytes ?? 64 * 1024 * 1024;
  }

  /**
   * The answer memoised under `key` for the file as it is now, else `compute(query)` (its result
   * kept when it is at most an eighth of the memo). The file cannot change meanwhile: the lease is
   * held throughout. A key must name everything the answer depends on.
   */
  async memo<T>(
    key: string,
    bytesOf: (value: T) => number,
    compute: (query: StoreReader['query'], connect: ConnectFn) => Promise<T>,
  ): Promise<T> {
    const lease = await this.acquire();
    try {
      const hit = this.memoized.get(key);
      if (hit) {
        this.stats.memoHits++;
        this.memoized.delete(key); // most recently used last
        this.memoized.set(key, hit);
        return hit.value as T;
      }
      this.stats.memoMisses++;
      const value = await compute(
        (sql, params) => this.run(lease, sql, params),
        (fn) => this.withConnection(lease, fn),
      );
      const bytes = bytesOf(value);
      if (bytes <= this.memoBytes / 8) {
        this.memoized.set(key, { value, bytes });
        this.memoTotal += bytes;
        for (const [k, v] of this.memoized) {
          if (this.memoTotal <= this.memoBytes) break;
          this.memoized.delete(k);
          this.memoTotal -= v.bytes;
        }
      }
      return value;
    } finally {
      this.release(lease);
    }
  }

  private fileVersion(): string {
    const sig = (f: string) => {
      try {
        const s = statSync(f);
        return `${s.size}:${s.mtimeMs}`;
      } catch {
        return '-';
      }
    };
    return `${sig(this.file)}|${sig(`${this.file}.wal`)}`;
  }

  /** Run one parameterised statement on a fresh connection of the shared read-only instance. */
  async query(sql: string, params?: QueryParams): Promise<QueryResult> {
    const lease = await this.acquire();
    try {
      return await this.run(lease, sql, params);
    } finally {
      this.release(lease);
    }
  }

  private async withConnection<R>(lease: Lease, fn: (conn: DuckDBConnection) => Promise<R>): Promise<R> {
    const conn = await (await lease.instance).connect();
    try {
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  }

  private async run(lease: Lease, sql: string, params?: QueryParams): Promise<QueryResult> {
    const conn = await (await lease.instance).connect();
    try {
      return queryResultOf(await conn.runAndReadAll(sql, params as never));
    } finally {
      conn.closeSync();
    }
  }

  /** Close the instance now (server shutdown). */
  async close(): Promise<void> {
    const lease = this.lease;
    if (!lease) return;
    lease.retiring = true;
    if (lease.inFlight === 0) this.shut(lease, 0);
    await lease.closed;
  }

  /**
   * The write-intent flag, looked at most every 20 ms (a stat per request would do, but why);
   * `fresh` looks now whatever the memo holds.
   */
  private writerWaiting(fresh = false): boolean {
    const now = Date.now();
    if (fresh || now - this.intentCheckedAt >= 20) {
      this.intentSeen = writerWaiting(this.file, now);
      this.intentCheckedAt = now;
    }
    return this.intentSeen;
  }

  private async acquire(): Promise<Lease> {
    const deadline = Date.now() + this.busyWaitMs;
    for (;;) {
      const lease = this.lease;
      const writer = this.writerWaiting();
      if (lease && !lease.retiring && (writer || Date.now() - lease.openedAt >= this.leaseMs)) {
        lease.retiring = true;
        if (lease.inFlight === 0) this.shut(lease, this.gapMs);
      }
      if (lease?.retiring) {
        await lease.closed;
        continue;
      }
      if (lease) {
        lease.inFlight++;
        if (lease.idleTimer) clearTimeout(lease.idleTimer);
        lease.idleTimer = undefined;
        try {
          await lease.instance;
          return lease;
        } catch (err) {
          lease.inFlight--;
          if (this.lease === lease) this.lease = undefined;
          if (isMissingError(err)) throw new StoreMissingError(`the DuckDB store ${this.file} does not exist yet`);
          if (!isLockError(err)) throw err;
          this.stats.lockRetries++;
          if (Date.now() > deadline) {
            this.stats.busy++;
            throw new StoreBusyError(1);
          }
          await sleep(25);
          continue;
        }
      }
      // No instance: let a writer finish, respect the window after the last lease, then open.
      if (writer) {
        if (Date.now() > deadline) {
          this.stats.busy++;
          throw new StoreBusyError(1);
        }
        await sleep(25);
        continue;
      }
      const wait = this.reopenAt - Date.now();
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      // The intent afresh, in the same turn as open() notes this reader: a writer of this process
      // (file locks do not exclude a process from itself) then either raised its intent before,
      // and this reader waits, or finds the reader noted and waits for it to let go. With the
      // 20 ms memo or the note made only once opened, both could open the file together, and the
      // reader read a page the writer was writing ("Could not read enough bytes", answered 500).
      if (this.writerWaiting(true)) continue;
      this.lease = this.open();
    }
  }

  private open(): Lease {
    let close: () => void = () => {};
    const closed = new Promise<void>((r) => {
      close = r;
    });
    this.stats.opens++;
    noteLocalReader(this.file, 1);
    // The file's version is read once it is open: from then on no writer can change it.
    const instance = DuckDBInstance.create(this.file, { ...READ_ONLY_CONFIG }).then((opened) => {
      const version = this.fileVersion();
      if (version !== this.version) {
        this.memoized.clear();
        this.memoTotal = 0;
        this.version = version;
      }
      return opened;
    });
    instance.catch(() => {
      noteLocalReader(this.file, -1);
      close();
    });
    return { instance, openedAt: Date.now(), inFlight: 0, retiring: false, closed, close };
  }

  private release(lease: Lease): void {
    lease.inFlight--;
    if (lease.inFlight > 0) return;
    if (lease.retiring || Date.now() - lease.openedAt >= this.leaseMs) {
      this.shut(lease, this.gapMs);
      return;
    }
    lease.idleTimer = setTimeout(() => {
      if (lease.inFlight === 0 && this.lease === lease) this.shut(lease, 0);
    }, this.idleMs);
    lease.idleTimer.unref();
  }

  private shut(lease: Lease, gapMs: number): void {
    lease.retiring = true;
    if (lease.idleTimer) clearTimeout(lease.idleTimer);
    if (this.lease === lease) this.lease = undefined;
    this.reopenAt = Date.now() + gapMs;
    lease.instance
      .then((i) => {
        i.closeSync();
        noteLocalReader(this.file, -1);
      })
      .catch(() => {})
      .finally(() => lease.close());
  }
}
