import { isCancellation, proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  oversizeOutputMessage,
  TASK_OUTPUT_LIMIT_BYTES,
  unwrapTaskResult,
  type TaskContext,
} from '../domain/task-context';
import { itemLabel, taskSummary, withoutItemLabel } from '../domain/task-summary';
import { toActivityOptions, type TaskCallOptions } from './activity-options';
import { chunkProgressQuery } from './contracts';
import { attemptsFromFailure, describeFailure } from './task-failures';

// Dynamic fan-out (`expand`). runDag splits the list into chunks of EXPAND_CHUNK_SIZE items and
// runs each chunk as a child workflow `runDagExpandChunk`, one after the other; a chunk runs its
// items with at most `concurrency` activity calls in flight and returns only an aggregate
// (counts, the highest attempt, the first few errors). Per-item results never reach the parent.
//
// History budget: an item costs its chunk ~3 events (scheduled, started, completed) plus a share
// of workflow-task events, so 1,000 items stay around 4–7k events, far below the 51,200 limit,
// and the parent pays a handful of events per chunk: a 10,000-item fan-out is 10 children.
// The list itself arrives in the parent as the upstream task's result (≤ 1 MB, see
// EXPAND_SOURCE_OUTPUT_LIMIT_BYTES) and is passed on once more, sliced into chunk inputs. Lists
// beyond that belong in S3 (the upstream returns a key, items become keys or ranges).

export const EXPAND_CHUNK_SIZE = 1000;
/** Errors kept per chunk and per task: enough to see what went wrong, bounded in size. */
export const EXPAND_MAX_ERRORS = 5;

export interface ExpandChunkInput {
  taskId: string;
  activity: string;
  options: TaskCallOptions;
  concurrency: number;
  /** The task's context without item / itemIndex (the list removed from its upstream). */
  context: TaskContext;
  /** The chunk's items as planned: a `label` on an item names its call in the UI and is taken off the item. */
  items: unknown[];
  /** Index in the full list of items[0]. */
  offset: number;
  /** Length of the full list (for `task i/n` summaries of unlabelled items). */
  total: number;
}

export interface ExpandItemError {
  index: number;
  error: string;
}

export interface ExpandChunkResult {
  total: number;
  succeeded: number;
  failed: number;
  /** Highest attempt any item needed (0 when no item ran). */
  maxAttempt: number;
  /** The first EXPAND_MAX_ERRORS errors, by item index. */
  errors: ExpandItemError[];
}

// ---------------------------------------------------------------------------------------------
// Pure helpers (unit-tested)

export interface ChunkRange {
  chunk: number;
  start: number;
  end: number;
}

/** [start, end) ranges of `size` items covering `total` items. */
export function chunkRanges(total: number, size: number = EXPAND_CHUNK_SIZE): ChunkRange[] {
  if (!Number.isInteger(total) || total < 0) throw new Error(`expected a count >= 0, got ${total}`);
  if (!Number.isInteger(size) || size < 1) throw new Error(`expected a chunk size >= 1, got ${size}`);
  const ranges: ChunkRange[] = [];
  for (let start = 0, chunk = 0; start < total; start += size, chunk++) {
    ranges.push({ chunk, start, end: Math.min(total, start + size) });
  }
  return ranges;
}

/** The list to expand over, or why the upstream output has none. */
export function expandItems(
  output: unknown,
  from: string,
  field: string,
): { ok: true; items: unknown[] } | { ok: false; message: string } {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) {
    return { ok: false, message: `expand: output of upstream task "${from}" is not an object with a "${field}" list` };
  }
  const list = (output as Record<string, unknown>)[field];
  if (!Array.isArray(list)) {
    const got = list === undefined ? 'no such field' : `a ${typeof list}`;
    return { ok: false, message: `expand: field "${field}" of upstream task "${from}" is not a list (${got})` };
  }
  return { ok: true, items: list };
}

/** The upstream output with the expanded list taken out (each item call gets its own item). */
export function withoutField(output: unknown, field: string): unknown {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) return output;
  const { [field]: _list, ...rest } = output as Record<string, unknown>;
  return rest;
}

export function emptyChunkResult(): ExpandChunkResult {
  return { total: 0, succeeded: 0, failed: 0, maxAttempt: 0, errors: [] };
}

/** Two aggregates as one (errors: the first EXPAND_MAX_ERRORS by index). */
export function mergeChunkResults(a: ExpandChunkResult, b: ExpandChunkResult): ExpandChunkResult {
  return {
    total: a.total + b.total,
    succeeded: a.succeeded + b.succeeded,
    failed: a.failed + b.failed,
    maxAttempt: Math.max(a.maxAttempt, b.maxAttempt),
    errors: [...a.errors, ...b.errors].sort((x, y) => x.index - y.index).slice(0, EXPAND_MAX_ERRORS),
  };
}

// ---------------------------------------------------------------------------------------------
// The chunk workflow

type TaskActivities = Record<string, (ctx: TaskContext) => Promise<unknown>>;

/** Runs one chunk of a fan-out task's items; never fails because items do (it counts them). */
export async function runDagExpandChunk(input: ExpandChunkInput): Promise<ExpandChunkResult> {
  const result = emptyChunkResult();
  result.total = input.items.length;
  setHandler(chunkProgressQuery, () => result);
  let next = 0;
  const concurrency = Math.max(1, Math.min(input.concurrency, input.items.length));
  const progress = (): void =>
    setCurrentDetails(
      `**${input.context.dagId}** · task \`${input.taskId}\` · items ${input.offset}–${input.offset + input.items.length - 1}\n\n` +
        `${result.succeeded + result.failed}/${result.total} items done` +
        (result.failed ? `, ${result.failed} failed` : '') +
        ` (of parent run ${workflowInfo().parent?.workflowId ?? input.context.runId})`,
    );

  const fail = (index: number, error: string): void => {
    result.failed++;
    if (result.errors.length < EXPAND_MAX_ERRORS) result.errors.push({ index, error });
  };

  const runItem = async (local: number): Promise<void> => {
    const index = input.offset + local;
    const item = input.items[local];
    const label = itemLabel(item);
    const summary = taskSummary({
      taskId: input.taskId,
      logicalDate: input.context.logicalDate,
      item: { ...(label !== undefined ? { label } : {}), index, total: input.total },
    });
    const activities = proxyActivities<TaskActivities>(
      toActivityOptions(input.options, `${input.taskId}[${index}]`, summary),
    );
    const call = activities[input.activity];
    try {
      if (!call) throw new Error(`no activity proxy for "${input.activity}"`);
      const raw = await call({ ...input.context, item: withoutItemLabel(item), itemIndex: index });
      const { output, attempt } = unwrapTaskResult(raw);
      result.maxAttempt = Math.max(result.maxAttempt, attempt ?? 1);
      const tooBig = oversizeOutputMessage(`${input.taskId}[${index}]`, output, TASK_OUTPUT_LIMIT_BYTES);
      if (tooBig) fail(index, tooBig);
      else result.succeeded++;
    } catch (err) {
      // A cancelled chunk (its parent run was cancelled) ends as cancelled, not as N failures.
      if (isCancellation(err)) throw err;
      result.maxAttempt = Math.max(result.maxAttempt, attemptsFromFailure(err, input.options.retry.maximumAttempts));
      fail(index, describeFailure(err));
    }
    progress();
  };

  // `concurrency` lanes each take the next item until none are left.
  const lane = async (): Promise<void> => {
    while (next < input.items.length) {
      const local = next++;
      await runItem(local);
    }
  };
  progress();
  await Promise.all(Array.from({ length: concurrency }, lane));
  return result;
}
