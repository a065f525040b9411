import { proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities, StoreActivities } from '../activities';
import type { AggregatePlan } from '../activities/aggregate/activities';
import type { RawDayScrub } from '../activities/erasure/scrub-raw';
import { ForgetInput, type DayRef } from '../domain/erasure';
import { FAILURE_TYPES, parseOrFail } from '../domain/failures';
import { addDays, dataInterval } from '../domain/logical-date';
import type { MastodonDailyParams } from '../domain/mastodon-daily-params';
import { unwrapTaskResult, type TaskContext } from '../domain/task-context';
import { forgetProgressQuery, type ForgetProgress, type ForgetResult } from './contracts';

// forgetAccount: erase one account, named only by its keyed hash (the CLI computes it; the name
// never enters this history). In order, so that a crash anywhere can be resumed by running the
// workflow again (every step is idempotent):
//   1. begin: refuse an account the config tracks; put the hash on the erasure list (from now on
//      every fetch and map drops the account); list the days whose raw is kept;
//   2. raw: rewrite each such day's pages and segments without the account (manifests record it);
//   3. reaggregate: each stored day whose raw held the account, or whose late band reads such a
//      day's pages (the day before), runs map → reduce → load again from the rewritten raw, so
//      its totals drop by exactly the account's contribution;
//   4. purged: days in the store whose raw is gone lose the account from their derived objects;
//   5. finish (store queue): account-level rows of those days deleted and the days marked,
//      erasure log written, DuckDB checkpointed, Parquet results rewritten.

const ERASED_DAG = 'mastodon_daily';
const RAW_CONCURRENCY = 4;
const MAP_CONCURRENCY = 4;

const dayKey = (d: DayRef): string => `${d.instance}#${d.day}`;

async function pool<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

export async function forgetAccount(raw: unknown): Promise<ForgetResult> {
  const input = parseOrFail(ForgetInput, raw ?? {}, 'bad forgetAccount input');
  const info = workflowInfo();
  const memoStore = info.memo?.storeTaskQueue;
  const storeQueue = typeof memoStore === 'string' && memoStore !== '' ? memoStore : `${info.taskQueue}-store`;
  const startedAt = info.startTime.toISOString();
  const progress: ForgetProgress = { phase: 'begin', done: 0, total: 1 };
  setHandler(forgetProgressQuery, () => progress);
  const step = (phase: ForgetProgress['phase'], done: number, total: number, what: string): void => {
    progress.phase = phase;
    progress.done = done;
    progress.total = total;
    setCurrentDetails(`${phase}: ${done}/${total} ${what}`);
  };

  const retry = {
    maximumAttempts: 5,
    nonRetryableErrorTypes: [FAILURE_TYPES.invalidInput, FAILURE_TYPES.missingPseudonymKey],
  };
  const acts = proxyActivities<Activities>({ startToCloseTimeout: '1h', heartbeatTimeout: '5m', retry });
  const store = proxyActivities<StoreActivities>({ taskQueue: storeQueue, startToCloseTimeout: '1h', retry });
  const hash = { accountHash: input.accountHash, reason: input.reason };

  step('begin', 0, 1, 'checking the config, adding the account to the erasure list');
  const { rawDays } = await acts.forgetBegin(hash);
  const { days: storedDays } = await store.forgetStoreDays();
  const stored = new Set(storedDays.map(dayKey));

  step('raw', 0, rawDays.length, 'days of raw rewritten');
  let scrubbed = 0;
  const scrubs: RawDayScrub[] = await pool(rawDays, RAW_CONCURRENCY, async (d) => {
    const r = await acts.forgetScrubRawDay({ ...hash, ...d, at: startedAt });
    step('raw', ++scrubbed, rawDays.length, 'days of raw rewritten');
    return r;
  });
  const touched = new Set(scrubs.filter((s) => s.touched).map(dayKey));
  const rawKept = new Set(rawDays.map(dayKey));
  // A day's aggregation also reads the next day's pages (late-federated statuses): the day
  // before a touched day is affected too.
  const reaggregate = rawDays.filter(
    (d) =>
      stored.has(dayKey(d)) &&
      (touched.has(dayKey(d)) || touched.has(dayKey({ instance: d.instance, day: addDays(d.day, 1) }))),
  );

  for (const [i, d] of reaggregate.entries()) {
    step('reaggregate', i, reaggregate.length, `days aggregated again (${d.instance} ${d.day})`);
    await acts.forgetClearDerivedDay(d);
    const ctx: TaskContext<MastodonDailyParams> = {
      dagId: ERASED_DAG,
      runId: info.workflowId,
      logicalDate: d.day,
      dataInterval: dataInterval(d.day),
      // Only this day and instance: look-back 0 (the day's own pages and its late band).
      params: { instances: [d.instance], lookbackDays: 0 },
      taskId: 'plan_aggregate',
      args: {},
      upstream: {},
    };
    const plan = unwrapTaskResult(await acts.mastodonPlanAggregate(ctx)).output as AggregatePlan;
    await pool(
      plan.parts.map(({ label: _label, ...part }, itemIndex) => ({ part, itemIndex })),
      MAP_CONCURRENCY,
      ({ part, itemIndex }) => acts.mastodonMapPart({ ...ctx, taskId: 'map', item: part, itemIndex }),
    );
    for (const [itemIndex, { label: _label, ...group }] of plan.groups.entries()) {
      await acts.mastodonReduce({ ...ctx, taskId: 'reduce', item: group, itemIndex });
      await store.mastodonLoad({ ...ctx, taskId: 'load', item: group, itemIndex });
    }
  }

  const purged = storedDays.filter((d) => !rawKept.has(dayKey(d)));
  for (const [i, d] of purged.entries()) {
    step('purged', i, purged.length, 'days without raw cleaned');
    await acts.forgetScrubPurgedDerived({ accountHash: input.accountHash, rowKeys: input.rowKeys, ...d });
  }

  await acts.forgetScrubPosterSets({ accountHash: input.accountHash, rowKeys: input.rowKeys });

  step('finish', 0, 1, 'store rows, marks, log, checkpoint, Parquet');
  const totals = {
    statusesRemoved: scrubs.reduce((n, s) => n + s.statusesRemoved, 0),
    objectsRewritten: scrubs.reduce((n, s) => n + s.objectsRewritten, 0),
    objectsDeleted: scrubs.reduce((n, s) => n + s.objectsDeleted, 0),
  };
  const fin = await store.forgetStoreFinish({
    ...input,
    startedAt,
    reaggregated: reaggregate,
    ...totals,
  });
  // Reports whose charts and dashboard reach a touched day are written again from the store.
  const { days: reportDays } = await acts.forgetReportDays({ days: [...reaggregate, ...fin.purgedDaysMarked] });
  for (const [i, d] of reportDays.entries()) {
    step('reports', i, reportDays.length, `reports written again (${d.instance} ${d.day})`);
    await store.mastodonReport({
      dagId: ERASED_DAG,
      runId: info.workflowId,
      logicalDate: d.day,
      dataInterval: dataInterval(d.day),
      params: { instances: [d.instance] },
      taskId: 'report',
      args: {},
      upstream: {},
    });
  }
  step('done', 1, 1, 'erased');
  return {
    accountHash: input.accountHash,
    reaggregated: reaggregate,
    purgedDaysMarked: fin.purgedDaysMarked,
    ...totals,
    rowsDeleted: fin.rowsDeleted,
    logKey: fin.logKey,
  };
}
