import { activityInfo, Context } from '@temporalio/activity';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import {
  taskResultEnvelope,
  type TaskAttemptDetail,
  type TaskContext,
  type TaskResultEnvelope,
} from '../domain/task-context';

// Wraps a DAG task activity so runDag learns which attempt produced the final result or failure.
// Temporal retries activities on the server and shows every attempt in history, but the workflow
// only receives the final outcome, without an attempt number. The wrapper adds it: a result is
// returned as a TaskResultEnvelope, a failure gets a TaskAttemptDetail appended to its details
// (message, type, nonRetryable and cause are kept, so retry policies match as before).
// Activities not wrapped still work in a DAG; runDag then knows the attempt only when retries
// were exhausted (it is then maximumAttempts).

export type TaskActivityFn<O = unknown, P = Record<string, unknown>> = (ctx: TaskContext<P>) => Promise<O>;

export function taskActivity<O, P = Record<string, unknown>>(
  fn: TaskActivityFn<O, P>,
): (ctx: TaskContext<P>) => Promise<TaskResultEnvelope> {
  return async (ctx: TaskContext<P>) => {
    const { attempt } = activityInfo();
    const stopKeepAlive = keepAlive();
    try {
      return taskResultEnvelope(await fn(ctx), attempt);
    } catch (err) {
      throw withAttempt(err, attempt);
    } finally {
      stopKeepAlive();
    }
  };
}

/**
 * Heartbeat while the task runs, when its options set a heartbeat timeout. Why: Temporal learns
 * that a worker died (SIGKILL, OOM, a lost machine) only from a missed heartbeat or the
 * start-to-close timeout; a task that never heartbeats (plan, reduce, load) killed with its worker
 * held its run still for the whole start-to-close timeout (5 minutes), as the chaos campaign
 * (bench/chaos) showed. The keep-alive re-sends the task's own last heartbeat details (or those
 * it was retried with), so a task that checkpoints through heartbeats keeps its checkpoint.
 */
function keepAlive(): () => void {
  const info = activityInfo();
  if (!info.heartbeatTimeoutMs || info.isLocal) return () => {};
  const current = Context.current();
  const context = current as unknown as { heartbeatFn: (details?: unknown) => void };
  const send = context.heartbeatFn;
  let last: unknown = info.heartbeatDetails;
  context.heartbeatFn = (details?: unknown) => {
    last = details;
    send(details);
  };
  const timer = setInterval(() => send(last), Math.min(10_000, Math.max(1_000, info.heartbeatTimeoutMs / 4)));
  timer.unref();
  const stop = () => clearInterval(timer);
  keepAlives.set(current, stop);
  return stop;
}

const keepAlives = new WeakMap<Context, () => void>();

/**
 * From now on the running task heartbeats only when it calls `heartbeat` itself: one that then
 * stops (hangs) trips its heartbeat timeout although its process is alive. For tasks that watch
 * their own progress, and for the test DAGs' silent task.
 */
export function stopKeepAlive(): void {
  keepAlives.get(Context.current())?.();
}

function withAttempt(err: unknown, attempt: number): unknown {
  // Cancellation and timeouts are Temporal's own failures: pass them through untouched.
  if (err instanceof TemporalFailure && !(err instanceof ApplicationFailure)) return err;
  const failure = ApplicationFailure.fromError(err);
  const detail: TaskAttemptDetail = { mastoflowTaskAttempt: attempt };
  const annotated = ApplicationFailure.create({
    message: failure.message,
    type: failure.type ?? undefined,
    nonRetryable: failure.nonRetryable ?? false,
    details: [...(failure.details ?? []), detail],
    cause: failure.cause,
    nextRetryDelay: failure.nextRetryDelay ?? undefined,
    category: failure.category ?? undefined,
  });
  annotated.stack = failure.stack ?? '';
  return annotated;
}
