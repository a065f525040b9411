import { z } from 'zod';
import type { DagSpecInput } from '../../domain/dag-spec';
import { defineDag } from '../../dags/define-dag';

// DAGs for the integration tests and the orchestration benchmark (ids prefixed `test_`). They are
// not in the production registry: test/dags/registry.ts registers them in the test process and
// test/dags/workflows.ts in the workflow bundle of the workers tests and benchmarks start (runDag
// looks DAGs up inside the bundle). They use builtin activities only and have no schedule.

const fast = { retries: 0, initialBackoff: '100ms', maxBackoff: '1s', startToCloseTimeout: '30s' } as const;

/**
 * Every trigger rule against upstreams that succeed, fail and are skipped, in parallel branches.
 * Expected states are in test/integration/run-dag.test.ts. maxActiveTasks 3 also bounds the run.
 */
export const testTriggerRules = defineDag({
  id: 'test_trigger_rules',
  description: 'Test: each trigger rule over success / failed / skipped upstreams',
  defaultTaskOptions: fast,
  maxActiveTasks: 3,
  tasks: [
    { id: 'ok', activity: 'noop' },
    { id: 'ok2', activity: 'noop' },
    { id: 'bad', activity: 'failTask', args: { message: 'bad on purpose' } },
    // one_failed with no failed upstream → skipped: the source of every "skipped" below.
    { id: 'skip', activity: 'noop', deps: ['ok'], triggerRule: 'one_failed' },
    // A skip that is decided only after `bad` has failed. Verdicts are given "at once", as by
    // Airflow's scheduler, so all_success over [bad, skip] would depend on which finished first.
    { id: 'after_bad', activity: 'noop', deps: ['bad'], triggerRule: 'all_done' },
    { id: 'skip_late', activity: 'noop', deps: ['after_bad'], triggerRule: 'one_failed' },

    { id: 'as_ok', activity: 'noop', deps: ['ok', 'ok2'] },
    { id: 'as_fail', activity: 'noop', deps: ['ok', 'bad'] },
    { id: 'as_skip', activity: 'noop', deps: ['ok', 'skip'] },
    { id: 'as_fail_skip', activity: 'noop', deps: ['bad', 'skip_late'] },

    { id: 'ad_mixed', activity: 'noop', deps: ['ok', 'bad', 'skip'], triggerRule: 'all_done' },

    { id: 'nf_skip', activity: 'noop', deps: ['ok', 'skip'], triggerRule: 'none_failed' },
    { id: 'nf_fail', activity: 'noop', deps: ['ok', 'bad'], triggerRule: 'none_failed' },
    { id: 'nf_all_skip', activity: 'noop', deps: ['skip'], triggerRule: 'none_failed' },

    { id: 'of_fail', activity: 'noop', deps: ['ok', 'bad'], triggerRule: 'one_failed' },
    { id: 'of_ok', activity: 'noop', deps: ['ok', 'ok2'], triggerRule: 'one_failed' },

    { id: 'os_mixed', activity: 'noop', deps: ['ok', 'bad'], triggerRule: 'one_success' },
    { id: 'os_all_skip', activity: 'noop', deps: ['skip'], triggerRule: 'one_success' },
    { id: 'os_fail', activity: 'noop', deps: ['bad'], triggerRule: 'one_success' },
    { id: 'os_fail_skip', activity: 'noop', deps: ['bad', 'skip'], triggerRule: 'one_success' },

    { id: 'al_mixed', activity: 'noop', deps: ['bad', 'skip'], triggerRule: 'always' },

    // Propagation: verdicts cascade to the tasks below them.
    { id: 'after_upstream_failed', activity: 'noop', deps: ['as_fail'] },
    { id: 'after_skipped', activity: 'noop', deps: ['as_skip'] },
    { id: 'cleanup', activity: 'noop', deps: ['after_upstream_failed'], triggerRule: 'always' },
  ],
});

/** A failure absorbed by a downstream one_failed task: the leaf succeeds, so the run does. */
export const testAbsorbedFailure = defineDag({
  id: 'test_absorbed_failure',
  description: 'Test: a failure handled downstream does not fail the run (leaf rule)',
  defaultTaskOptions: fast,
  tasks: [
    { id: 'bad', activity: 'failTask' },
    { id: 'on_failure', activity: 'noop', deps: ['bad'], triggerRule: 'one_failed' },
  ],
});

/** Fails once, then succeeds on the retry. */
export const testRetry = defineDag({
  id: 'test_retry',
  description: 'Test: a task that succeeds on its second attempt',
  defaultTaskOptions: { ...fast, retries: 2 },
  tasks: [
    // A backoff long enough for a client to see the task waiting as up_for_retry.
    { id: 'flaky', activity: 'flakyTask', args: { failAttempts: 1 }, options: { initialBackoff: '1500ms' } },
    { id: 'after', activity: 'noop', deps: ['flaky'] },
    // Routed to the store queue by its default name, resolved to this run's store queue.
    { id: 'store', activity: 'storeNoop', deps: ['after'], options: { taskQueue: 'mastoflow-store' } },
  ],
});

/** Timeouts and exhausted retries: each failing task's downstream ends upstream_failed. */
export const testTimeouts = defineDag({
  id: 'test_timeouts',
  description: 'Test: start-to-close and heartbeat timeouts, exhausted and non-retryable failures',
  defaultTaskOptions: fast,
  tasks: [
    { id: 'slow', activity: 'sleepMs', args: { ms: 3000 }, options: { startToCloseTimeout: '500ms' } },
    { id: 'slow_down', activity: 'noop', deps: ['slow'] },
    {
      id: 'silent',
      activity: 'heartbeatingSleep',
      args: { ms: 3000, heartbeatEveryMs: 100, stopHeartbeatsAfterMs: 200 },
      options: { heartbeatTimeout: '1s' },
    },
    { id: 'silent_down', activity: 'noop', deps: ['silent'] },
    { id: 'exhausted', activity: 'flakyTask', args: { failAttempts: 9 }, options: { retries: 1 } },
    { id: 'non_retryable', activity: 'failTask', options: { retries: 3 } },
  ],
});

/** A large fan-out: one S3 object per item, counted by the test. */
export const testFanout = defineDag({
  id: 'test_fanout',
  description: 'Test: fan-out over `count` items (one S3 object each), 32 in flight',
  defaultTaskOptions: { ...fast, retries: 2 },
  maxActiveTasks: 32,
  params: z.strictObject({ count: z.number().int().min(0).max(100_000).default(2000) }),
  tasks: [
    { id: 'emit', activity: 'emitList' },
    { id: 'map', activity: 'writePart', deps: ['emit'], expand: { from: 'emit', field: 'items', concurrency: 32 } },
    { id: 'done', activity: 'noop', deps: ['map'] },
  ],
});

/** Fan-outs that partly fail, and one over an empty list (skipped, as in Airflow). */
export const testFanoutFailures = defineDag({
  id: 'test_fanout_failures',
  description: 'Test: failing fan-out items and an empty fan-out',
  defaultTaskOptions: fast,
  tasks: [
    { id: 'emit', activity: 'emitList', args: { count: 10 } },
    {
      id: 'map',
      activity: 'failTask',
      deps: ['emit'],
      args: { itemIndexes: [3, 7] },
      expand: { from: 'emit', concurrency: 4 },
    },
    { id: 'after_map', activity: 'noop', deps: ['map'] },
    { id: 'empty', activity: 'emitList', args: { count: 0 } },
    { id: 'map_empty', activity: 'noop', deps: ['empty'], expand: { from: 'empty' } },
    { id: 'after_empty', activity: 'noop', deps: ['map_empty'] },
    { id: 'too_big', activity: 'emitList', args: { count: 20_000, prefix: 'an-item-with-a-long-name-' } },
  ],
});

/** Benchmark: a chain of 100 no-op tasks (per-task orchestration overhead). */
export const testBenchChain = defineDag({
  id: 'test_bench_chain',
  description: 'Benchmark: 100 sequential no-op tasks',
  defaultTaskOptions: fast,
  tasks: Array.from({ length: 100 }, (_, i) => ({
    id: `t${String(i).padStart(3, '0')}`,
    activity: 'noop',
    deps: i === 0 ? [] : [`t${String(i - 1).padStart(3, '0')}`],
  })),
});

/** Benchmark: fan-out of `count` no-op items, 32 in flight. */
export const testBenchFanout = defineDag({
  id: 'test_bench_fanout',
  description: 'Benchmark: fan-out of `count` no-op items, 32 in flight',
  defaultTaskOptions: fast,
  maxActiveTasks: 32,
  params: z.strictObject({ count: z.number().int().min(0).max(100_000).default(1000) }),
  tasks: [
    { id: 'emit', activity: 'emitList' },
    { id: 'map', activity: 'noop', deps: ['emit'], expand: { from: 'emit', concurrency: 32 } },
  ],
});

export const TEST_DAGS: readonly DagSpecInput[] = [
  testTriggerRules,
  testAbsorbedFailure,
  testRetry,
  testTimeouts,
  testFanout,
  testFanoutFailures,
  testBenchChain,
  testBenchFanout,
];

export const TEST_DAG_PREFIX = 'test_';
