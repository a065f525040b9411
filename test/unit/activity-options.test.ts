import { describe, expect, it } from 'vitest';
import { TaskOptions } from '../../domain/dag-spec';
import { resolveTaskQueue, taskCallOptions, toActivityOptions } from '../../workflows/activity-options';

describe('resolveTaskQueue', () => {
  const queues = { workflowQueue: 'mastoflow' };
  it("treats the default queue names as aliases of the run's queues", () => {
    expect(resolveTaskQueue(undefined, queues)).toBeUndefined();
    expect(resolveTaskQueue('mastoflow', { workflowQueue: 'test-1' })).toBeUndefined();
    expect(resolveTaskQueue('mastoflow-store', queues)).toBe('mastoflow-store');
    expect(resolveTaskQueue('mastoflow-store', { workflowQueue: 'test-1' })).toBe('test-1-store');
    expect(resolveTaskQueue('mastoflow-store', { workflowQueue: 'test-1', storeQueue: 'duckdb-writer' })).toBe(
      'duckdb-writer',
    );
    expect(resolveTaskQueue('gpu', queues)).toBe('gpu');
  });
});

describe('taskCallOptions / toActivityOptions', () => {
  it('maps Airflow-style retries and durations onto a Temporal retry policy', () => {
    const options = TaskOptions.parse({
      retries: 3,
      initialBackoff: '2s',
      maxBackoff: '1m',
      startToCloseTimeout: '5m',
      heartbeatTimeout: '30s',
      taskQueue: 'mastoflow-store',
    });
    const call = taskCallOptions(options, { workflowQueue: 'q' });
    expect(call).toEqual({
      startToCloseTimeoutMs: 300_000,
      heartbeatTimeoutMs: 30_000,
      taskQueue: 'q-store',
      retry: { maximumAttempts: 4, initialIntervalMs: 2000, maximumIntervalMs: 60_000, backoffCoefficient: 2 },
    });
    expect(toActivityOptions(call, 'load')).toEqual({
      activityId: 'load',
      startToCloseTimeout: 300_000,
      heartbeatTimeout: 30_000,
      taskQueue: 'q-store',
      retry: { maximumAttempts: 4, initialInterval: 2000, maximumInterval: 60_000, backoffCoefficient: 2 },
    });
  });

  it('omits unset options and never lets the maximum interval fall below the initial one', () => {
    const call = taskCallOptions(TaskOptions.parse({ retries: 0, initialBackoff: '10m', maxBackoff: '1m' }), {
      workflowQueue: 'q',
    });
    expect(call.retry).toEqual({
      maximumAttempts: 1,
      initialIntervalMs: 600_000,
      maximumIntervalMs: 600_000,
      backoffCoefficient: 2,
    });
    expect(Object.keys(toActivityOptions(call, 't')).sort()).toEqual(['activityId', 'retry', 'startToCloseTimeout']);
  });

  it('names the call in the UI when given a summary', () => {
    const call = taskCallOptions(TaskOptions.parse({}), { workflowQueue: 'q' });
    expect(toActivityOptions(call, 'fetch[3]', 'fetch sim.local public-local 2026-11-20')).toMatchObject({
      activityId: 'fetch[3]',
      summary: 'fetch sim.local public-local 2026-11-20',
    });
  });
});
