// The whole mastodon_daily DAG (fetch → plan → map parts → reduce → load, through Temporal, S3
// and DuckDB) against the independent oracle: the status metrics loaded into `metrics_kv` for a
// day equal a DuckDB SQL computation over the raw pages the run fetched, and running the day
// again leaves the table identical.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../activities/mastodon/manifest';
import { postersSeenKey, rawManifestKey, rawSourcePrefix } from '../../domain/keys';
import { addDays } from '../../domain/logical-date';
import type { KvRow } from '../../domain/metrics/types';
import { ADMIN_MEASURES } from '../../infra/mastodon-sim/config';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import { RUN_DAG_WORKFLOW_TYPE, type RunDagSummary } from '../../workflows/contracts';
import { DAY, getObject, startSim, sourcesOn } from '../helpers/fetch-fixtures';
import { startTestWorkers, testClient, testConfig, testS3, testStack, uniqueName } from '../helpers/stack';
import { diffRows, ORACLE_SENTIMENT_METRICS, ORACLE_SQL_METRICS, runOracle } from '../oracle/metrics-oracle';

const INSTANCE = 'sim.example';
const STATUS_METRICS: readonly string[] = [...ORACLE_SQL_METRICS, ...ORACLE_SENTIMENT_METRICS];
const SOURCES = ['public-local', 'public-remote'] as const;

describe('mastodon_daily end to end = DuckDB oracle over the fetched raw pages', () => {
  let sim: MastodonSim;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let config: ReturnType<typeof testConfig>;
  let dir: string;
  // One workflow ID for both runs of the day, as a re-run reuses the day's run ID (its run_id).
  const workflowId = `${uniqueName('dag/mastodon_daily')}/${DAY}`;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-md-oracle-'));
    // Links, cards and newcomers on, so the admin families have something to count.
    sim = await startSim({ statusesPerDay: 3000, rateLimit: false, ...ADMIN_MEASURES });
    const name = uniqueName('md');
    config = testConfig(name, {
      // A bucket of its own: other test files fetch the same day under their instance names.
      s3: { endpoint: testStack().s3Endpoint, bucket: name.toLowerCase(), forcePathStyle: true },
      instances: [
        {
          name: INSTANCE,
          baseUrl: sim.url,
          userAgentContact: 'mailto:t@example.org',
          sources: sourcesOn('publicLocal', 'publicRemote'),
        },
      ],
    });
    workers = await startTestWorkers(config);
    temporal = await testClient();
  });
  afterAll(async () => {
    await workers?.stop();
    await temporal?.close();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function runDay(day = DAY): Promise<RunDagSummary> {
    const handle = await temporal.client.workflow.start(RUN_DAG_WORKFLOW_TYPE, {
      workflowId: day === DAY ? workflowId : `${workflowId.slice(0, -DAY.length)}${day}`,
      taskQueue: config.temporal.taskQueue,
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
      args: [{ dagId: 'mastodon_daily', logicalDate: day }],
    });
    return (await handle.result()) as RunDagSummary;
  }

  async function withStore<T>(
    fn: (q: (sql: string, params?: string[]) => Promise<unknown[][]>) => Promise<T>,
  ): Promise<T> {
    // The worker closes the file between activities; nothing runs now.
    const db = await DuckDBInstance.create(config.duckdb.path, { access_mode: 'READ_ONLY' });
    const conn = await db.connect();
    try {
      return await fn(async (sql, params) => (await conn.runAndReadAll(sql, params)).getRows() as unknown[][]);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }

  /** The day's raw timeline pages, as the manifests list them, copied to local files. */
  async function downloadPages(day: string, opts: { optional?: boolean } = {}): Promise<string[]> {
    const s3 = testS3(config);
    const files: string[] = [];
    try {
      for (const source of SOURCES) {
        const key = rawManifestKey(INSTANCE, day, source);
        const m = await readManifest(s3, config.s3.bucket, key).catch((err: unknown) => {
          if (opts.optional && (err as { name?: string }).name === 'NoSuchKey') return undefined;
          throw err;
        });
        if (m === undefined) continue;
        expect(m.complete).toBe(true);
        const local = path.join(dir, day, source);
        mkdirSync(local, { recursive: true });
        for (const p of m.pages) {
          expect(p.key.startsWith(rawSourcePrefix(INSTANCE, day, source))).toBe(true);
          const file = path.join(local, path.basename(p.key));
          writeFileSync(file, await getObject(s3, config.s3.bucket, p.key));
          files.push(file);
        }
      }
    } finally {
      s3.destroy();
    }
    return files;
  }

  it('loads, for the day and the look-back day, exactly what the oracle computes from the raw pages; a re-run changes nothing', async () => {
    const first = await runDay();
    expect(first.state).toBe('success');

    const loadedDays = await withStore(async (q) =>
      (
        await q(`SELECT DISTINCT strftime(day, '%Y-%m-%d') FROM metrics_kv WHERE instance = $1 ORDER BY 1`, [INSTANCE])
      ).map((r) => String(r[0])),
    );
    // The logical day and its look-back day (config default lookbackDays = 1): both checked.
    expect(loadedDays).toContain(DAY);
    expect(loadedDays).toContain(addDays(DAY, -1));

    // First-seen posters of a day are compared with the posters of the days before it: here the
    // look-back day, which this same run aggregates too (its posters from the oracle).
    let earlier: { day: string; posters: string[] } | undefined;
    for (const day of loadedDays) {
      // A day's statuses are on its own pages, and, once the next day is fetched (the look-back
      // day here), late-federated ones on the next day's pages too (their IDs land up to 6 h
      // past the day; the simulator's latest are 6 h − 1 ms late). The oracle reads both days'
      // pages whole: every status created on the day, each once.
      const own = await downloadPages(day);
      const next = await downloadPages(addDays(day, 1), { optional: true });
      expect(own.length).toBeGreaterThan(50);
      const start = Date.parse(`${day}T00:00:00.000Z`);
      const lookback = earlier?.day === addDays(day, -1) ? earlier : undefined;
      const oracle = await runOracle([...own, ...next], {
        windowStartMs: start,
        windowEndMs: start + 86_400_000,
        ...(lookback ? { earlierPosters: { lookbackDays: 1, accts: lookback.posters } } : {}),
      });
      earlier = { day, posters: oracle.posters };
      const loaded: KvRow[] = await withStore(async (q) =>
        (await q(`SELECT metric, key, value FROM metrics_kv WHERE instance = $1 AND day = $2::DATE`, [INSTANCE, day]))
          .map(([metric, key, value]) => ({ metric: String(metric), key: String(key), value: Number(value) }))
          .filter((r) => STATUS_METRICS.includes(r.metric)),
      );
      const count = (rows: KvRow[], key: string) =>
        rows.find((r) => r.metric === 'map_counts' && r.key === key)?.value ?? 0;
      expect(count(oracle.rows, 'counted'), day).toBeGreaterThan(2000);
      expect(count(loaded, 'counted'), day).toBe(count(oracle.rows, 'counted'));
      // The map_counts of records the run did not read (the next day's pages outside the late
      // band) differ by design; with the day's own pages only, they match too, a status copy
      // outside its map part's ID range being `out_of_range` there instead of a duplicate.
      const sameRecords = next.length === 0;
      if (sameRecords)
        expect(count(loaded, 'out_of_range') + count(loaded, 'duplicates'), day).toBe(count(oracle.rows, 'duplicates'));
      const comparable = (rows: KvRow[]) =>
        rows.filter(
          (r) => r.metric !== 'map_counts' || (sameRecords && r.key !== 'out_of_range' && r.key !== 'duplicates'),
        );
      expect(diffRows(comparable(oracle.rows), comparable(loaded)), day).toEqual([]);
      // Every status metric family is there.
      expect(new Set(loaded.map((r) => r.metric)), day).toEqual(new Set(oracle.rows.map((r) => r.metric)));
      // The admin families had data to count, and the day's posters were kept for later days.
      const value = (metric: string, key: string) => loaded.find((r) => r.metric === metric && r.key === key)?.value;
      expect(value('origin_stats', 'servers'), day).toBeGreaterThan(20);
      expect(value('new_accounts', 'created_on_day'), day).toBeGreaterThan(0);
      expect(value('link_stats', 'with_card'), day).toBeGreaterThan(0);
      expect(value('new_accounts', 'lookback_days'), day).toBe(lookback ? 1 : 0);
      if (lookback) expect(value('new_accounts', 'first_seen'), day).toBeLessThan(value('new_accounts', 'posters')!);
      const s3 = testS3(config);
      try {
        const key = postersSeenKey('mastodon_daily', day, INSTANCE);
        expect(JSON.parse((await getObject(s3, config.s3.bucket, key)).toString()), day).toEqual(oracle.posters);
      } finally {
        s3.destroy();
      }
    }
    // The look-back day had the next day's pages to read (the late band was exercised).
    expect((await downloadPages(addDays(loadedDays[0] as string, 1), { optional: true })).length).toBeGreaterThan(0);

    const snapshot = () =>
      withStore(async (q) =>
        (
          await q(`SELECT metric, instance, strftime(day, '%Y-%m-%d'), key, value, run_id FROM metrics_kv ORDER BY ALL`)
        ).map((r) => JSON.stringify(r)),
      );
    const before = await snapshot();
    const second = await runDay();
    expect(second.state).toBe('success');
    const after = await snapshot();
    expect(after.length).toBe(before.length);
    expect(after).toEqual(before);

    // History is data: a later day loaded since never enters a day's numbers. The next day's run
    // re-aggregates the day (its look-back, now with the next day's pages for late posts) and
    // stores the next day's posters; a reprocess of the day afterwards gives exactly what that
    // run loaded, first-seen included (still compared with the day before only).
    const dayRows = () =>
      withStore(async (q) =>
        (
          await q(`SELECT metric, key, value FROM metrics_kv WHERE instance = $1 AND day = $2::DATE ORDER BY ALL`, [
            INSTANCE,
            DAY,
          ])
        ).map((r) => JSON.stringify(r)),
      );
    expect((await runDay(addDays(DAY, 1))).state).toBe('success');
    const afterLater = await dayRows();
    expect(afterLater).toContain(JSON.stringify(['new_accounts', 'lookback_days', 1]));
    expect((await runDay()).state).toBe('success');
    expect(await dayRows()).toEqual(afterLater);
  }, 900_000);
});
