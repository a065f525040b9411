import type { ActivityOptions } from '@temporalio/workflow';
import { maximumAttempts, type TaskOptions } from '../domain/dag-spec';

// Task options (DAG defaults overlaid with the task's own) → Temporal activity options.
// TaskCallOptions is the plain-JSON form, so a fan-out hands the same options to its chunk
// child workflows.

/** Queue names a DAG spec may use; they are resolved relative to the run's own task queue. */
export const DEFAULT_TASK_QUEUE = 'mastoflow';
export const DEFAULT_STORE_TASK_QUEUE = 'mastoflow-store';

export interface TaskCallOptions {
  startToCloseTimeoutMs: number;
  heartbeatTimeoutMs?: number;
  /** Unset: the run's own task queue. */
  taskQueue?: string;
  retry: {
    maximumAttempts: number;
    initialIntervalMs: number;
    maximumIntervalMs: number;
    backoffCoefficient: number;
  };
}

export interface RunQueues {
  /** The queue the run's workflow task runs on (workflowInfo().taskQueue). */
  workflowQueue: string;
  /** The store queue named by the starter (memo `storeTaskQueue`), if any. */
  storeQueue?: string;
}

/**
 * The queue a task's activity goes to. A spec says 'mastoflow-store' (DuckDB writes) or
 * 'mastoflow', the default names; a deployment (or a test) may call its queues differently, so
 * those two names are aliases: 'mastoflow' → the run's queue; 'mastoflow-store' → the starter's
 * memo `storeTaskQueue` if set, else `<run's queue>-store` (which is 'mastoflow-store' with the
 * default config). Any other name is used as written.
 */
export function resolveTaskQueue(specQueue: string | undefined, queues: RunQueues): string | undefined {
  if (specQueue === undefined || specQueue === DEFAULT_TASK_QUEUE) return undefined;
  if (specQueue === DEFAULT_STORE_TASK_QUEUE) return queues.storeQueue ?? `${queues.workflowQueue}-store`;
  return specQueue;
}

export function taskCallOptions(options: TaskOptions, queues: RunQueues): TaskCallOptions {
  const taskQueue = resolveTaskQueue(options.taskQueue, queues);
  return {
    startToCloseTimeoutMs: options.startToCloseTimeout,
    ...(options.heartbeatTimeout !== undefined ? { heartbeatTimeoutMs: options.heartbeatTimeout } : {}),
    ...(taskQueue !== undefined ? { taskQueue } : {}),
    retry: {
      maximumAttempts: maximumAttempts(options),
      initialIntervalMs: options.initialBackoff,
      // Temporal refuses a maximum interval below the initial one.
      maximumIntervalMs: Math.max(options.maxBackoff, options.initialBackoff),
      backoffCoefficient: options.backoffCoefficient,
    },
  };
}

/**
 * Temporal activity options. `activityId` is the task ID (or `task[index]` for a fan-out item):
 * the UI's pending-activity list and `describe()` then say which task is retrying. `summary`
 * names the call in the UI's timeline (domain/task-summary.ts).
 */
export function toActivityOptions(o: TaskCallOptions, activityId: string, summary?: string): ActivityOptions {
  return {
    activityId,
    ...(summary !== undefined ? { summary } : {}),
    startToCloseTimeout: o.startToCloseTimeoutMs,
    ...(o.heartbeatTimeoutMs !== undefined ? { heartbeatTimeout: o.heartbeatTimeoutMs } : {}),
    ...(o.taskQueue !== undefined ? { taskQueue: o.taskQueue } : {}),
    retry: {
      maximumAttempts: o.retry.maximumAttempts,
      initialInterval: o.retry.initialIntervalMs,
      maximumInterval: o.retry.maximumIntervalMs,
      backoffCoefficient: o.retry.backoffCoefficient,
    },
  };
}
