import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// One writer of the DuckDB file, by construction. DuckDB lets one process write a file, but the
// store worker opens the file only during a load, so DuckDB's own lock cannot tell a second store
// worker that it is not wanted: both would start, and their loads would fail or wait on each
// other at random. So a process that serves the store queue takes `<file>.store-worker` first,
// created exclusively, holding {pid, host, since}, and touches it every HEARTBEAT_MS while it
// lives. Another process finds it and refuses to start, naming the holder. A lock whose holder is
// gone (same host, no such PID) or whose heartbeat stopped STALE_MS ago (a crashed worker in
// another container or host sharing the volume) is taken over. Within one process the lock is
// re-entrant: one process is one DuckDB writer (activities share one instance per file).

const HEARTBEAT_MS = 30_000;
const STALE_MS = 120_000;

interface Holder {
  pid: number;
  host: string;
  since: string;
}

export interface StoreWriterLock {
  /** The lock file. */
  readonly file: string;
  release(): void;
}

export class StoreWriterTakenError extends Error {}

const held = new Map<string, { count: number; timer: NodeJS.Timeout }>();

export function storeWriterLockPath(duckdbPath: string): string {
  return `${path.resolve(duckdbPath)}.store-worker`;
}

function readHolder(file: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string'
      ? { pid: h.pid, host: h.host, since: String(h.since) }
      : undefined;
  } catch {
    return undefined; // being written, or unreadable: judged by its age
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why the existing lock no longer holds, or undefined when it does. */
function staleReason(file: string, holder: Holder | undefined, nowMs: number): string | undefined {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    return 'gone';
  }
  if (nowMs - mtimeMs > STALE_MS) return `no heartbeat for ${Math.round((nowMs - mtimeMs) / 1000)} s`;
  if (holder && holder.host === os.hostname() && !pidAlive(holder.pid)) return `process ${holder.pid} is gone`;
  return undefined;
}

/**
 * Take the store writer lock of `duckdbPath` for this process, or throw StoreWriterTakenError
 * naming the process that holds it.
 */
export function acquireStoreWriterLock(duckdbPath: string, nowMs = Date.now()): StoreWriterLock {
  const file = storeWriterLockPath(duckdbPath);
  const release = () => {
    const mine = held.get(file);
    if (!mine || --mine.count > 0) return;
    clearInterval(mine.timer);
    held.delete(file);
    const holder = readHolder(file);
    if (holder?.pid === process.pid && holder.host === os.hostname()) rmSync(file, { force: true });
  };
  const mine = held.get(file);
  if (mine) {
    mine.count++;
    return { file, release };
  }
  mkdirSync(path.dirname(file), { recursive: true }); // the store's folder may not exist before the first load
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      const holder: Holder = { pid: process.pid, host: os.hostname(), since: new Date(nowMs).toISOString() };
      writeSync(fd, JSON.stringify(holder));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(file);
      const stale = staleReason(file, holder, nowMs);
      if (stale === undefined || attempt > 0) {
        const who = holder ? `process ${holder.pid} on ${holder.host} (since ${holder.since})` : 'another process';
        throw new StoreWriterTakenError(
          `the store queue of ${path.resolve(duckdbPath)} is already served by ${who}: DuckDB allows one ` +
            `writing process. Run this worker without --store (or with MASTOFLOW_SERVE_STORE=false), or stop ` +
            `the other one. A lock left by a crashed worker (${file}) is taken over ${STALE_MS / 60_000} min after ` +
            'its last heartbeat.',
        );
      }
      rmSync(file, { force: true }); // stale: take it over (once)
    }
  }
  const timer = setInterval(() => {
    const t = new Date();
    try {
      utimesSync(file, t, t);
    } catch {
      // removed under us: the next start will see no lock; nothing to do here
    }
  }, HEARTBEAT_MS);
  timer.unref();
  held.set(file, { count: 1, timer });
  return { file, release };
}
