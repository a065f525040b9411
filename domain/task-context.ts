import type { DataInterval } from './logical-date';

// The contract between runDag and every activity a DAG task names: what a task activity
// receives, what it may return, and how a result carries the attempt that produced it.
// Payloads carry references (S3 keys, counts, cursors), never data: Temporal warns at 256 KB per
// payload, fails at 2 MB, and every result is kept in the run's history (50 MB cap).

/**
 * The single argument of every DAG task activity (and of each item call of a fan-out task). `P`
 * is the run params as the DAG's params schema outputs them: an activity that reads params names
 * their type, and dags/define-dag.ts lets only DAGs whose params fit call it.
 */
export interface TaskContext<P = Record<string, unknown>> {
  dagId: string;
  /** The run's workflow ID, `dag/<dagId>/<YYYY-MM-DD>` for runs started by mastoflow. */
  runId: string;
  /** The UTC day the run processes (YYYY-MM-DD). */
  logicalDate: string;
  /** [logicalDate 00:00Z, logicalDate+1 00:00Z): the data a task should read. */
  dataInterval: DataInterval;
  /** The run's params, validated against the DAG's params schema (defaults filled in). */
  params: P;
  taskId: string;
  /** The task's `args` from the DAG spec, as written (empty object when none). */
  args: Record<string, unknown>;
  /**
   * Outputs of the task's direct upstream tasks that succeeded, by task id. For a fan-out item
   * the list it expands over is removed from `upstream[expand.from]` (the item is in `item`),
   * so 10,000 item calls do not each carry the whole list.
   */
  upstream: Record<string, unknown>;
  /**
   * Fan-out only: this call's element of the upstream list (without the `label` that names it in
   * the UI, see domain/task-summary.ts), and its index in that list.
   */
  item?: unknown;
  itemIndex?: number;
}

// ---------------------------------------------------------------------------------------------
// Attempts. Temporal retries an activity on the server; the workflow only sees the final result
// or failure, never which attempt produced it. Activities defined with `taskActivity()`
// (activities/task-activity.ts) report it: a result comes wrapped in a TaskResultEnvelope, and
// a failure carries a TaskAttemptDetail as its last `details` entry.

export interface TaskResultEnvelope {
  mastoflowTask: 1;
  attempt: number;
  output: unknown;
}

export interface TaskAttemptDetail {
  mastoflowTaskAttempt: number;
}

export function taskResultEnvelope(output: unknown, attempt: number): TaskResultEnvelope {
  return { mastoflowTask: 1, attempt, output };
}

export function isTaskResultEnvelope(value: unknown): value is TaskResultEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<TaskResultEnvelope>;
  return v.mastoflowTask === 1 && typeof v.attempt === 'number' && 'output' in v;
}

/** A result as runDag sees it: the output, and the attempt when the activity reported it. */
export function unwrapTaskResult(value: unknown): { output: unknown; attempt?: number } {
  return isTaskResultEnvelope(value) ? { output: value.output, attempt: value.attempt } : { output: value };
}

/** The attempt recorded in a failure's details by taskActivity(), if any. */
export function attemptFromDetails(details: readonly unknown[] | null | undefined): number | undefined {
  for (let i = (details?.length ?? 0) - 1; i >= 0; i--) {
    const d = details?.[i] as Partial<TaskAttemptDetail> | null | undefined;
    if (d && typeof d === 'object' && typeof d.mastoflowTaskAttempt === 'number') return d.mastoflowTaskAttempt;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Output size guard

/** A task output is a reference: counts, keys, cursors. */
export const TASK_OUTPUT_LIMIT_BYTES = 64 * 1024;

/**
 * A task that a fan-out expands over returns the list itself, so it may be larger: 1 MB holds
 * 10,000 items of up to ~100 bytes each, well under Temporal's 2 MB payload limit (the list
 * travels once more, split into chunk inputs). Bigger lists belong in S3: return a key and let
 * the items be keys or ranges.
 */
export const EXPAND_SOURCE_OUTPUT_LIMIT_BYTES = 1024 * 1024;

/** UTF-8 size of the value as JSON (what the payload converter writes), without TextEncoder. */
export function jsonByteLength(value: unknown): number {
  const text = JSON.stringify(value);
  if (text === undefined) return 0;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4; // a surrogate pair is one 4-byte code point
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function formatKb(bytes: number): string {
  return `${Math.round((bytes / 1024) * 10) / 10} KB`;
}

/** Why the output is too big to keep in the run, or undefined when it fits. */
export function oversizeOutputMessage(taskId: string, output: unknown, limitBytes: number): string | undefined {
  const bytes = jsonByteLength(output);
  if (bytes <= limitBytes) return undefined;
  return (
    `output of task "${taskId}" is ${formatKb(bytes)} of JSON, over the ${formatKb(limitBytes)} limit: ` +
    'task outputs travel through Temporal history, so write large data to S3 and return its key (and counts) instead'
  );
}
