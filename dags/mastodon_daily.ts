import { MastodonDailyParams } from '../domain/mastodon-daily-params';
import { defineDag } from './define-dag';

// The daily Mastodon DAG, ingestion part: raw pages and a `_manifest.json` per (instance,
// source, day) in S3. Map/reduce/load tasks hang off `fetch` (or off `plan_fetch`, whose output
// lists every item's manifest key: fan-out results never reach downstream tasks, keys do).
//
// Why plan + expand rather than one task per source: a DAG spec is static data, but instances,
// hashtags and accounts come from the worker's config. `plan_fetch` turns the config into the
// run's list of (instance, source, day) items (domain/fetch-plan.ts) and `fetch` runs once per
// item, so the Temporal UI shows one activity per instance and source (activity ID `fetch[3]`,
// summary `fetch <instance> <source> <day>` from the item's label), each retried on its own and
// resumed from its heartbeat cursor. The rate limiter paces every
// instance across items (one per instance per worker), so concurrency only bounds slots.
/**
 * The tasks whose failure the failure notification reports (its deps, and its args to name them).
 * Not purge_raw: one_failed fires at the first failure, and report is decided as soon as load
 * is, so with these two the message never names a task that is still running; a failed purge
 * shows in the run and is caught up by the next day's.
 */
const FAILURE_WATCH = ['load', 'report'] as const;
/** A webhook POST: short attempts, 9 in all over about six minutes of backoff (5xx, timeouts; 4xx is not retried). */
const NOTIFY_OPTIONS = { retries: 8, initialBackoff: '2s', maxBackoff: '2m', startToCloseTimeout: '1m' } as const;

export const mastodonDaily = defineDag({
  id: 'mastodon_daily',
  description:
    'Daily Mastodon analytics: fetch every configured instance and source of the day into raw/, map/reduce the statuses into exact metrics, load them into DuckDB (+ Parquet), purge old raw data, write a daily report to S3 and notify a webhook',
  // 02:00 UTC processes yesterday, once its posts have federated (the config's default cron).
  schedule: { cron: '0 2 * * *', timezone: 'UTC', catchupWindow: '1d' },
  // heartbeatTimeout: every task heartbeats while it runs (taskActivity's keep-alive), so a task
  // whose worker died is retried after 30 s, not after its 5-minute start-to-close timeout.
  // retries: a worker killed under a task costs an attempt, and a task is idempotent; with 2 the
  // chaos campaigns saw a run fail when one map part's worker was killed three times in a row.
  defaultTaskOptions: {
    retries: 4,
    initialBackoff: '1s',
    maxBackoff: '1m',
    startToCloseTimeout: '5m',
    heartbeatTimeout: '30s',
  },
  maxActiveTasks: 8,
  params: MastodonDailyParams,
  tasks: [
    { id: 'plan_fetch', activity: 'mastodonPlanFetch' },
    {
      id: 'fetch',
      activity: 'mastodonFetchSource',
      deps: ['plan_fetch'],
      expand: { from: 'plan_fetch', field: 'items', concurrency: 8 },
      // Long pagers: a day at Mastodon's paging limit (300 pages / 15 min) can take hours. The
      // heartbeat timeout notices a dead worker within a minute; the fetch then resumes from its
      // cursor on another one, so many attempts are cheap (5xx, timeouts, cut bodies).
      options: { retries: 49, startToCloseTimeout: '12h', heartbeatTimeout: '1m' },
    },
    // Aggregation. plan_aggregate reads the fetch manifests and lists map parts (each a run of
    // one source's pages with its own ID range, so overlapping pages count once) and one reduce
    // group per (instance, day); map and reduce fan out over those lists.
    { id: 'plan_aggregate', activity: 'mastodonPlanAggregate', deps: ['fetch'] },
    {
      id: 'map',
      activity: 'mastodonMapPart',
      deps: ['plan_aggregate'],
      expand: { from: 'plan_aggregate', field: 'parts', concurrency: 8 },
      options: { startToCloseTimeout: '15m', heartbeatTimeout: '2m' },
    },
    {
      id: 'reduce',
      activity: 'mastodonReduce',
      deps: ['plan_aggregate', 'map'],
      expand: { from: 'plan_aggregate', field: 'groups', concurrency: 4 },
    },
    {
      // The store queue: the one worker process that owns the DuckDB file.
      id: 'load',
      activity: 'mastodonLoad',
      deps: ['plan_aggregate', 'reduce'],
      expand: { from: 'plan_aggregate', field: 'groups', concurrency: 1 },
      options: { taskQueue: 'mastoflow-store' },
    },
    // After the load, three kinds of tasks that must not decide whether the day's data succeeded
    // (`failsRun: false`, Airflow's teardown rule): the run's state comes from `load`, so a
    // failed report, purge or notification leaves the day "success" and `backfill --reprocess
    // failed` does not fetch it again, while a failed load still fails the run even though the
    // tasks after it ran (without the flag, purge_raw's all_done success would hide it).
    //
    // Retention runs after the load whatever the fetches did, so a failing source never keeps
    // old raw data forever. A failed purge is caught up by the next day's (it deletes everything
    // older than the retention).
    { id: 'purge_raw', activity: 'mastodonPurgeRaw', deps: ['load'], triggerRule: 'all_done', failsRun: false },
    // The day's report (report.md, report.txt, PNG charts) under reports/<instance>/<date>/.
    // all_success: a report over a partly loaded day would show wrong numbers as if final; when
    // the load fails the report is upstream_failed and the re-run writes it. Store queue: it reads
    // the DuckDB file.
    {
      id: 'report',
      activity: 'mastodonReport',
      deps: ['load'],
      triggerRule: 'all_success',
      failsRun: false,
      options: { taskQueue: 'mastoflow-store', startToCloseTimeout: '10m', heartbeatTimeout: '2m' },
    },
    // Notifications (Airflow's on_success / on_failure callbacks, as tasks so Temporal retries
    // them). No webhook configured: they succeed without sending.
    {
      id: 'notify_success',
      activity: 'notifyWebhook',
      deps: ['report'],
      triggerRule: 'all_success',
      failsRun: false,
      args: { on: 'success' },
      options: NOTIFY_OPTIONS,
    },
    {
      // one_failed: runs when the load or the report did not succeed; skipped on a clean run. The
      // message says whether the data failed (load) or only the report did.
      id: 'notify_failure',
      activity: 'notifyWebhook',
      deps: [...FAILURE_WATCH],
      triggerRule: 'one_failed',
      failsRun: false,
      args: { on: 'failure', watch: [...FAILURE_WATCH], dataTask: 'load' },
      options: NOTIFY_OPTIONS,
    },
  ],
});
