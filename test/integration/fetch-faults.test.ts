import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawManifestKey } from '../../domain/keys';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import { FETCH_DAY_WORKFLOW_TYPE, type FetchDayInput } from '../../workflows/contracts';
import {
  DAY,
  groundTruth,
  manifestOf,
  setEquals,
  simConfig,
  startSim,
  storedDayIds,
  sourcesOn,
} from '../helpers/fetch-fixtures';
import { startTestWorkers, testClient, testS3, uniqueName } from '../helpers/stack';

// Each fault a real instance (or its proxy) throws at a fetcher, one at a time: the fetch ends
// complete with exactly the day's statuses, and the history shows how it got there (Temporal
// retries for 5xx, timeouts, cut and non-JSON bodies; in-activity waits for 429).

const FAST_RETRY: Partial<FetchDayInput> = {
  initialRetryMs: 50,
  maxRetryIntervalMs: 400,
  maximumAttempts: 200,
  pageLimit: 10,
};

describe('fetch faults', () => {
  let temporal: Awaited<ReturnType<typeof testClient>>;
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    temporal = await testClient();
  });
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
    await temporal?.close();
  });

  /** A sim with the fault, its own config and workers; fetch the local timeline of DAY. */
  async function fetchWith(
    faults: Parameters<MastodonSim['setFaults']>[0],
    input: Partial<FetchDayInput> = {},
    during?: (sim: MastodonSim) => Promise<void>,
    simOptions: Parameters<typeof startSim>[0] = {},
  ) {
    const sim = await startSim({ statusesPerDay: 600, faults, ...simOptions });
    const config = simConfig('fetch-fault', sim, {
      sources: sourcesOn('publicLocal'),
    });
    const workers = await startTestWorkers(config);
    cleanup.push(async () => {
      await workers.stop();
      await sim.close();
    });
    const handle: WorkflowHandle = await temporal.client.workflow.start(FETCH_DAY_WORKFLOW_TYPE, {
      workflowId: uniqueName('fetch-fault'),
      taskQueue: config.temporal.taskQueue,
      args: [{ logicalDate: DAY, ...FAST_RETRY, ...input }],
    });
    if (during) await during(sim);
    const result = (await handle.result()) as { results: { complete: boolean }[]; failed: unknown[] };
    const s3 = testS3(config);
    const manifest = await manifestOf(s3, config, rawManifestKey('sim.local', DAY, 'public-local'));
    const stored = await storedDayIds(s3, config.s3.bucket, manifest);
    s3.destroy();
    const history = await handle.fetchHistory();
    const fetchStarts = (history.events ?? [])
      .map((e) => e.activityTaskStartedEventAttributes)
      .filter((a): a is NonNullable<typeof a> => !!a)
      .filter((a) => a.attempt !== undefined);
    const last = fetchStarts[fetchStarts.length - 1];
    return {
      sim,
      result,
      manifest,
      stored,
      truth: groundTruth(sim).local,
      lastAttempt: last?.attempt ?? 0,
      lastFailure: last?.lastFailure,
    };
  }

  function expectWholeDay(r: Awaited<ReturnType<typeof fetchWith>>) {
    expect(r.result.failed).toEqual([]);
    expect(r.manifest.complete).toBe(true);
    expect(r.manifest.statusesInWindow).toBe(r.truth.size);
    expect(setEquals(r.stored.ids, r.truth)).toEqual({ missing: [], extra: [] });
    expect(r.stored.total).toBe(r.truth.size);
  }

  it('5xx answers are retried by Temporal with backoff and the fetch resumes from its cursor', async () => {
    const r = await fetchWith({ serverErrorRate: 0.15 });
    expectWholeDay(r);
    expect(r.sim.stats().faults.serverErrors).toBeGreaterThan(0);
    expect(r.lastAttempt).toBeGreaterThan(1);
    expect(r.lastFailure?.applicationFailureInfo?.type).toBe('MastodonServerError');
    expect(r.lastFailure?.message).toMatch(
      /^sim\.local: GET \/api\/v1\/timelines\/public\?local=true answered HTTP 503$/,
    );
    expect(r.manifest.attempts).toBe(r.lastAttempt);
  });

  it('bodies cut short (complete answer, half the JSON) are retried', async () => {
    const r = await fetchWith({ truncateRate: 0.15, truncateMode: 'body' });
    expectWholeDay(r);
    expect(r.sim.stats().faults.truncated).toBeGreaterThan(0);
    expect(r.lastFailure?.applicationFailureInfo?.type).toBe('MastodonInvalidBody');
  });

  it('connections cut mid-answer are retried', async () => {
    const r = await fetchWith({ truncateRate: 0.15, truncateMode: 'connection' });
    expectWholeDay(r);
    expect(r.sim.stats().faults.truncated).toBeGreaterThan(0);
    expect(r.lastFailure?.applicationFailureInfo?.type).toBe('MastodonNetworkError');
  });

  it('HTML error pages with status 200 are retried', async () => {
    const r = await fetchWith({ invalidJsonRate: 0.15 });
    expectWholeDay(r);
    expect(r.sim.stats().faults.invalidJson).toBeGreaterThan(0);
    expect(r.lastFailure?.message).toMatch(/not valid JSON/);
  });

  it('timeouts are retried', async () => {
    const r = await fetchWith({ latencyMs: 1_500 }, { httpTimeoutMs: 300 }, async (sim) => {
      // Let the first attempt time out, then heal the instance.
      const deadline = Date.now() + 20_000;
      while (sim.stats().requests < 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      await new Promise((res) => setTimeout(res, 400));
      sim.setFaults({});
    });
    expectWholeDay(r);
    expect(r.lastAttempt).toBeGreaterThan(1);
    expect(r.lastFailure?.applicationFailureInfo?.type).toBe('MastodonTimeout');
  });

  it('429: waits for the reset and keeps every status (a noisy neighbour drains the budget)', async () => {
    const rateLimit = { limit: 300, windowMs: 5_000, pagedLimit: 40, pagedWindowMs: 2_000 };
    let stop = false;
    let neighbour: Promise<void> = Promise.resolve();
    const r = await fetchWith(
      {},
      {},
      async (sim) => {
        // Another client on the same IP spends the paging budget in bursts, every window.
        neighbour = (async () => {
          while (!stop) {
            await Promise.all(
              Array.from({ length: 40 }, () =>
                fetch(`${sim.url}/api/v1/timelines/public?local=true&max_id=1&limit=1`).then((x) => x.arrayBuffer()),
              ),
            );
            await new Promise((res) => setTimeout(res, 700));
          }
        })();
      },
      { rateLimit },
    ).finally(() => {
      stop = true;
    });
    await neighbour;
    expectWholeDay(r);
    expect(r.manifest.rateLimit.http429).toBeGreaterThan(0);
    // 429s are waited out inside the activity, not retried by Temporal.
    expect(r.lastAttempt).toBe(1);
  });
});
