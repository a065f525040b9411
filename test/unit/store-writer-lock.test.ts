import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  acquireStoreWriterLock,
  StoreWriterTakenError,
  storeWriterLockPath,
} from '../../activities/store/store-writer-lock';

// The store writer lock on a real file system: one process serving the store queue per DuckDB file.

const dir = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lockHeldBy(db: string, holder: { pid: number; host: string }, ageMs = 0): string {
  const file = storeWriterLockPath(db);
  writeFileSync(file, JSON.stringify({ ...holder, since: '2026-12-01T00:00:00.000Z' }));
  const t = new Date(Date.now() - ageMs);
  utimesSync(file, t, t);
  return file;
}

describe('store writer lock', () => {
  it('is taken, re-entrant within a process, and removed when the last holder releases it', () => {
    const db = path.join(dir, 'a.duckdb');
    const first = acquireStoreWriterLock(db);
    const second = acquireStoreWriterLock(db);
    expect(JSON.parse(readFileSync(first.file, 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname() });
    first.release();
    expect(existsSync(first.file)).toBe(true);
    second.release();
    expect(existsSync(first.file)).toBe(false);
  });

  it('is taken before the store file and its folder exist (a fresh checkout)', () => {
    const lock = acquireStoreWriterLock(path.join(dir, 'not', 'yet', 'there.duckdb'));
    expect(existsSync(lock.file)).toBe(true);
    lock.release();
  });

  it('refuses while another live process on this host holds it, naming it', () => {
    const db = path.join(dir, 'b.duckdb');
    lockHeldBy(db, { pid: process.ppid, host: os.hostname() });
    expect(() => acquireStoreWriterLock(db)).toThrow(StoreWriterTakenError);
    expect(() => acquireStoreWriterLock(db)).toThrow(`already served by process ${process.ppid} on ${os.hostname()}`);
  });

  it('refuses a holder on another host while its heartbeat is fresh', () => {
    const db = path.join(dir, 'c.duckdb');
    lockHeldBy(db, { pid: 1, host: 'other-container' }, 10_000);
    expect(() => acquireStoreWriterLock(db)).toThrow('on other-container');
  });

  it('takes over a lock whose process is gone, or whose heartbeat stopped', () => {
    const gone = path.join(dir, 'd.duckdb');
    lockHeldBy(gone, { pid: 2 ** 22 + 17, host: os.hostname() }); // above pid_max: no such process
    acquireStoreWriterLock(gone).release();
    const silent = path.join(dir, 'e.duckdb');
    lockHeldBy(silent, { pid: 1, host: 'other-container' }, 5 * 60_000);
    const lock = acquireStoreWriterLock(silent);
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});
