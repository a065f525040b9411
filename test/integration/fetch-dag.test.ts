import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawManifestKey } from '../../domain/keys';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import { RUN_DAG_WORKFLOW_TYPE, type RunDagSummary } from '../../workflows/contracts';
import { DAY, groundTruth, manifestOf, simConfig, startSim, sourcesOn } from '../helpers/fetch-fixtures';
import { startTestWorkers, testClient, testS3, uniqueName } from '../helpers/stack';

// The mastodon_daily DAG's fetch part through the DAG engine: plan_fetch lists the configured
// (instance, source) items, fetch expands over them, each item writes its manifest.

describe('mastodon_daily DAG end to end: fetch, map, reduce, load', () => {
  let sim: MastodonSim;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let config: ReturnType<typeof simConfig>;

  beforeAll(async () => {
    sim = await startSim({ statusesPerDay: 800 });
    config = simConfig('fetch-dag', sim, {
      sources: sourcesOn('publicLocal', 'publicRemote', 'hashtags', 'instance', 'activity', 'peers', 'trends'),
      hashtags: ['fediverse'],
    });
    workers = await startTestWorkers(config);
    temporal = await testClient();
  });
  afterAll(async () => {
    await workers?.stop();
    await temporal?.close();
    await sim?.close();
  });

  it("fetches every planned item of the logical day (and the look-back day's timelines)", async () => {
    const handle = await temporal.client.workflow.start(RUN_DAG_WORKFLOW_TYPE, {
      workflowId: uniqueName('dag/mastodon_daily'),
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: 'mastodon_daily', logicalDate: DAY, params: { lookbackDays: 1 } }],
    });
    const summary = (await handle.result()) as RunDagSummary;
    expect(summary.state).toBe('success');
    expect(Object.fromEntries(Object.entries(summary.tasks).map(([id, t]) => [id, t.state]))).toEqual({
      plan_fetch: 'success',
      fetch: 'success',
      plan_aggregate: 'success',
      map: 'success',
      reduce: 'success',
      load: 'success',
      purge_raw: 'success',
      report: 'success',
      notify_success: 'success',
      notify_failure: 'skipped',
    });
    // No webhook URL in the worker's environment: the notification succeeds without sending.
    expect(summary.tasks.notify_success?.output).toEqual({
      sent: false,
      reason: 'no webhook: MASTOFLOW_WEBHOOK_URL is not set',
    });

    const s3 = testS3(config);
    const truth = groundTruth(sim);
    const local = await manifestOf(s3, config, rawManifestKey('sim.local', DAY, 'public-local'));
    expect(local.complete).toBe(true);
    expect(local.statusesInWindow).toBe(truth.local.size);
    for (const source of ['public-remote', 'tag-fediverse', 'instance', 'activity', 'peers', 'trends']) {
      expect((await manifestOf(s3, config, rawManifestKey('sim.local', DAY, source))).complete).toBe(true);
    }
    // Look-back: the previous day's timelines were scanned too.
    const previous = await manifestOf(s3, config, rawManifestKey('sim.local', '2026-03-02', 'public-local'));
    expect(previous.statusesInWindow).toBe(groundTruth(sim, '2026-03-02').local.size);
    s3.destroy();

    // The load: every status the fetch counted for the day is counted once in DuckDB, for the
    // day and for the look-back day, and the snapshot metrics are there.
    const remote = await manifestOf(testS3(config), config, rawManifestKey('sim.local', DAY, 'public-remote'));
    const db = await DuckDBInstance.create(config.duckdb.path, { access_mode: 'READ_ONLY' });
    const conn = await db.connect();
    const value = async (metric: string, key: string, day = DAY) =>
      Number(
        (
          await conn.runAndReadAll(
            `SELECT value FROM metrics_kv WHERE instance = 'sim.local' AND day = $1::DATE AND metric = $2 AND key = $3`,
            [day, metric, key],
          )
        ).getRows()[0]?.[0],
      );
    expect(await value('toots_per_day', DAY)).toBe(local.statusesInWindow + remote.statusesInWindow);
    expect(await value('map_counts', 'quarantined')).toBe(0);
    expect(await value('peers_count', 'all')).toBeGreaterThan(0);
    expect(await value('toots_per_day', '2026-03-02', '2026-03-02')).toBeGreaterThan(0);
    const views = (
      await conn.runAndReadAll(`SELECT toots, active_accounts FROM v_daily_summary WHERE day = $1::DATE`, [DAY])
    ).getRowObjects();
    expect(Number(views[0]?.toots)).toBe(local.statusesInWindow + remote.statusesInWindow);
    conn.closeSync();
    db.closeSync();
  });
});
