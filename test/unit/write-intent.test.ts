import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clearWriteIntent,
  raiseWriteIntent,
  writeIntentPath,
  writerWaiting,
} from '../../activities/store/write-intent';

// The store worker's "I want the file" flag as readers (the HTTP API) judge it, on a real file.

const dir = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-intent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function flag(name: string, text: string, ageMs = 0): string {
  const file = path.join(dir, name);
  writeFileSync(writeIntentPath(file), text);
  const t = new Date(Date.now() - ageMs);
  utimesSync(writeIntentPath(file), t, t);
  return file;
}

describe('write intent', () => {
  it('is up while this process raised it, and down once cleared', () => {
    const file = path.join(dir, 'own.duckdb');
    expect(writerWaiting(file)).toBe(false);
    raiseWriteIntent(file);
    expect(writerWaiting(file)).toBe(true);
    clearWriteIntent(file);
    expect(writerWaiting(file)).toBe(false);
  });

  it('ignores a flag of a process of this host that is gone', () => {
    expect(writerWaiting(flag('gone.duckdb', `${2 ** 22 + 17} ${os.hostname()}`))).toBe(false);
  });

  it('counts a flag from another host or container (its PID cannot be asked) until it is stale', () => {
    // PID 1 exists here too: a PID check would be answered by the wrong process.
    expect(writerWaiting(flag('other.duckdb', '4242 worker-container'))).toBe(true);
    expect(writerWaiting(flag('old.duckdb', '4242 worker-container', 11 * 60_000))).toBe(false);
  });
});
