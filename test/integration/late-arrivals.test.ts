import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, dayStartMs } from '../../domain/logical-date';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import { RUN_DAG_WORKFLOW_TYPE, type RunDagSummary } from '../../workflows/contracts';
import { DAY, NOW, simConfig, startSim } from '../helpers/fetch-fixtures';
import { startTestWorkers, testClient, uniqueName } from '../helpers/stack';

// Late-federated statuses (created on D, ID hours into D+1) are invisible to D's own scan. The
// next day's run re-aggregates D (look-back) and then also reads D+1's pages for them, so D's
// count ends up exact: every status created on D that was visible when the fetch ran.
describe('late-federated statuses are attributed to their day by the look-back run', () => {
  let sim: MastodonSim;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let config: ReturnType<typeof simConfig>;

  beforeAll(async () => {
    sim = await startSim({ statusesPerDay: 3000, lateIdShare: 0.5, backdatedShare: 0, rateLimit: false });
    // Maps in the activity's own thread (worker.mapThreads: 0): the other end-to-end tests use
    // the map threads, so both paths are covered against exact counts.
    config = simConfig('late', sim, {}, { worker: { mapThreads: 0 } });
    workers = await startTestWorkers(config);
    temporal = await testClient();
  });
  afterAll(async () => {
    await workers?.stop();
    await temporal?.close();
    await sim?.close();
  });

  async function run(day: string, lookbackDays: number): Promise<void> {
    const handle = await temporal.client.workflow.start(RUN_DAG_WORKFLOW_TYPE, {
      workflowId: uniqueName(`dag/mastodon_daily/${day}`),
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: 'mastodon_daily', logicalDate: day, params: { lookbackDays } }],
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
    });
    expect(((await handle.result()) as RunDagSummary).state).toBe('success');
  }

  async function tootsOn(day: string): Promise<number> {
    const db = await DuckDBInstance.create(config.duckdb.path, { access_mode: 'READ_ONLY' });
    const conn = await db.connect();
    const rows = (
      await conn.runAndReadAll(
        `SELECT value FROM metrics_kv WHERE metric = 'toots_per_day' AND day = $1::DATE AND key = $1`,
        [day],
      )
    ).getRows();
    conn.closeSync();
    db.closeSync();
    return Number(rows[0]?.[0] ?? 0);
  }

  it('counts every status created on D once D+1 has been fetched', async () => {
    const start = dayStartMs(DAY);
    const end = start + 86_400_000;
    let all = 0;
    let late = 0;
    for (const e of sim.world.iterateDay(DAY, { visibleAt: NOW, atMs: NOW })) {
      if (e.createdMs < start || e.createdMs >= end) continue;
      all++;
      if (e.idMs >= end + 5_000) late++;
    }
    expect(late).toBeGreaterThan(0);

    await run(DAY, 0);
    expect(await tootsOn(DAY)).toBe(all - late);

    await run(addDays(DAY, 1), 1);
    expect(await tootsOn(DAY)).toBe(all);
  });
});
