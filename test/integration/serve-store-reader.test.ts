// The API's read-only DuckDB reader and the store worker's load, in two processes as in
// production: while the API is busy (a client querying without pause), a load from another
// process still gets the file (the reader lets go on the write intent) within seconds, requests
// meanwhile wait or get StoreBusyError (never a wrong answer), and the first answer after the load
// shows the new data (the memo is dropped with the file's old version).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../activities/store/duckdb-store';
import { ensureMetricsSchema, replacePartition } from '../../activities/store/metrics-store';
import { localReaderCount, writeIntentPath } from '../../activities/store/write-intent';
import { StoreBusyError, StoreReader } from '../../runtime/serve/store-reader';

const run = promisify(execFile);
const DAY = '2026-03-03';

describe('store reader vs a load from another process', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-serve-reader-'));
    file = path.join(dir, 'store.duckdb');
    await withTransaction(file, async (conn) => {
      await ensureMetricsSchema(conn);
      await replacePartition(conn, {
        instance: 'a.example',
        day: DAY,
        runId: 'seed',
        rows: [{ metric: 'toots_per_day', key: 'all', value: 1 }],
      });
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a load gets in while the API is busy; the next answer shows its data', async () => {
    // A lease longer than the test: only the write intent can make the reader let go.
    const reader = new StoreReader(file, { busyWaitMs: 5_000, leaseMs: 120_000 });
    const toots = () =>
      reader.memo(
        'toots',
        () => 1,
        async (q) => Number((await q('SELECT toots FROM v_toots_per_day WHERE day = $1::DATE', [DAY])).rows[0]?.[0]),
      );
    expect(await toots()).toBe(1);

    let stop = false;
    let busy = 0;
    const seen = new Set<number>();
    const client = (async () => {
      while (!stop) {
        // Requests arrive through I/O: a memo hit alone would never yield to the event loop.
        await new Promise((r) => setImmediate(r));
        try {
          seen.add(await toots());
        } catch (err) {
          if (!(err instanceof StoreBusyError)) throw err;
          busy++;
        }
      }
    })();
    try {
      const child = await run(
        process.execPath,
        ['--import', 'tsx', path.resolve('test/helpers/store-load-process.ts'), file, 'a.example', DAY, '42'],
        { timeout: 45_000 },
      );
      const { ms } = JSON.parse(child.stdout) as { ms: number };
      // The load waited for the reader to let go, but not for long (its own open + commit included).
      expect(ms).toBeLessThan(5_000);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      stop = true;
      await client;
    }
    expect(await toots()).toBe(42);
    expect([...seen].every((v) => v === 1 || v === 42)).toBe(true);
    expect(seen.has(42)).toBe(true);
    expect(reader.stats.opens).toBeGreaterThanOrEqual(2);
    expect(busy).toBe(0);
    await reader.close();
    expect(existsSync(writeIntentPath(file))).toBe(false);
  }, 90_000);
  it('in one process (no file lock between them) a reader starting to open and a load never hold the file together', async () => {
    const reader = new StoreReader(file, { busyWaitMs: 5_000, leaseMs: 120_000, idleMs: 50 });
    const events: string[] = [];
    const toots = async (): Promise<number> => {
      const r = await reader.query('SELECT toots FROM v_toots_per_day WHERE day = $1::DATE', [DAY]);
      return Number(r.rows[0]?.[0]);
    };
    const before = await toots(); // leaves the intent check memoised ("no writer") for 20 ms
    await reader.close();
    // The reader is noted the moment it starts opening, so a load started in the same turn waits.
    const reading = toots().then((v) => {
      events.push('read');
      return v;
    });
    expect(localReaderCount(file)).toBe(1);
    const loading = withTransaction(file, async (conn) => {
      events.push('write');
      await replacePartition(conn, {
        instance: 'a.example',
        day: DAY,
        runId: 'in-process',
        rows: [{ metric: 'toots_per_day', key: 'all', value: before + 1 }],
      });
    });
    expect(await reading).toBe(before);
    await loading;
    expect(events).toEqual(['read', 'write']);
    // And a reader that comes while the load holds the file waits for it, then sees its data.
    expect(await toots()).toBe(before + 1);
    await reader.close();
    expect(localReaderCount(file)).toBe(0);
  }, 60_000);
});
