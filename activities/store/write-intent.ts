import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// A writer's "I want the file" flag, next to the DuckDB file. DuckDB lets a process write the
// file only while no other process has it open, and a read-only reader cannot see a writer
// waiting: its lock attempt just fails. So the store worker writes `<file>.write-intent` (its
// PID) before opening the file, and removes it after closing; readers that hold the file open
// for a while (the HTTP API) close it while the flag is up and reopen once it is gone.

const STALE_MS = 10 * 60_000;

export function writeIntentPath(file: string): string {
  return `${file}.write-intent`;
}

/** `<pid> <host>`: a PID says something only on the host (container) that wrote it. */
export function raiseWriteIntent(file: string): void {
  writeFileSync(writeIntentPath(file), `${process.pid} ${os.hostname()}`);
}

export function clearWriteIntent(file: string): void {
  rmSync(writeIntentPath(file), { force: true });
}

/**
 * True while a live writer has raised the flag. A flag left by a dead process of this host, or a
 * very old one, is ignored; a writer on another host or container (compose's worker beside
 * serve, sharing the volume) cannot be asked, so its flag counts until it is STALE_MS old.
 */
export function writerWaiting(file: string, nowMs = Date.now()): boolean {
  const flag = writeIntentPath(file);
  try {
    if (nowMs - statSync(flag).mtimeMs > STALE_MS) return false;
    const [pidText, host] = readFileSync(flag, 'utf8').trim().split(' ');
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    if (host !== undefined && host !== os.hostname()) return true;
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user; it is alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Read-only instances of each file open in this process. File locks do not exclude a process
 * from itself, so when the store worker and a reader (the HTTP API) share a process, as in tests
 * or an all-in-one deployment, the writer waits for these to close (a reader does not open while
 * the intent is up), as another process's lock would make it.
 */
const localReaders = new Map<string, number>();

export function noteLocalReader(file: string, delta: 1 | -1): void {
  const key = path.resolve(file);
  const n = (localReaders.get(key) ?? 0) + delta;
  if (n <= 0) localReaders.delete(key);
  else localReaders.set(key, n);
}

export function localReaderCount(file: string): number {
  return localReaders.get(path.resolve(file)) ?? 0;
}
