import {
  ApplicationFailure,
  condition,
  executeChild,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { lookupDag } from '../dags/index';
import {
  isTerminalTaskState,
  parseDagParams,
  parseRunDagInput,
  resolveTaskOptions,
  type DagSpec,
  type RunType,
  type TaskSpec,
  type TaskState,
} from '../domain/dag-spec';
import { FAILURE_TYPES, invalidInput as invalidInputFailure, nonRetryableFailure } from '../domain/failures';
import { dagRunSearchAttributes } from '../domain/search-attributes';
import { checkDay } from '../domain/date-range';
import { dataInterval, logicalDateFromScheduledTime, yesterdayUtc } from '../domain/logical-date';
import { expandChunkWorkflowId } from '../domain/keys';
import {
  EXPAND_SOURCE_OUTPUT_LIMIT_BYTES,
  jsonByteLength,
  oversizeOutputMessage,
  TASK_OUTPUT_LIMIT_BYTES,
  unwrapTaskResult,
  type TaskContext,
} from '../domain/task-context';
import { nextSchedulingStep, runFinalState } from '../domain/trigger-rules';
import { runDetailsMarkdown } from '../domain/run-details';
import { chunkSummary, taskSummary } from '../domain/task-summary';
import { taskCallOptions, toActivityOptions, type RunQueues, type TaskCallOptions } from './activity-options';
import { taskStatesQuery, type RunDagSummary, type TaskRunInfo, type TaskStatesView } from './contracts';
import {
  chunkRanges,
  EXPAND_CHUNK_SIZE,
  EXPAND_MAX_ERRORS,
  emptyChunkResult,
  expandItems,
  mergeChunkResults,
  runDagExpandChunk,
  withoutField,
  type ExpandChunkResult,
} from './run-dag-expand';
import { scheduledStartTime } from './scheduled-start-time';
import { attemptsFromFailure, describeFailure } from './task-failures';

// runDag: one run of one DAG for one logical day — the Airflow DagRun on Temporal.
//
// Input: one JSON object `{ dagId, logicalDate?, params?, runType?, backfillId? }` (the Temporal
// UI's start form, the CLI, schedules and backfills all send this), parsed here with zod. A bad
// input, an unknown DAG or bad params fail the run at once with a non-retryable
// ApplicationFailure of type InvalidInput whose message names the field. (Throwing a plain
// Error from workflow code would instead fail the *workflow task*, which Temporal retries forever.)
//
// Scheduling: tasks run when their trigger rule says so (domain/trigger-rules.ts, Airflow's
// rules with upstream_failed / skipped propagation), in parallel where deps allow, at most
// `maxActiveTasks` activity calls in flight (a fan-out holds min(concurrency, maxActiveTasks)).
// Each task is one activity with Temporal's retry policy from its options; a fan-out task runs
// its items in child workflows (run-dag-expand.ts). The run fails when a leaf task failed or is
// upstream_failed (Airflow's leaf rule; tasks marked `failsRun: false` are left out, as Airflow
// leaves out teardown tasks, see domain/trigger-rules.ts): the workflow then fails with a non-retryable
// ApplicationFailure (type DagRunFailed) whose details hold the summary; otherwise it returns it.

/**
 * Outputs shown in the query and summary at most this big; bigger ones (a fan-out's list) are
 * noted by size. Keeps the summary, which is also the result or failure details, far below
 * Temporal's 2 MB payload limit even for DAGs of hundreds of tasks.
 */
const SHOWN_OUTPUT_LIMIT_BYTES = 4 * 1024;

type TaskActivities = Record<string, (ctx: TaskContext) => Promise<unknown>>;

function invalidInput(message: string): ApplicationFailure {
  return invalidInputFailure('invalid runDag input', message);
}

interface RunSetup {
  dag: DagSpec;
  logicalDate: string;
  runType: RunType;
  backfillId?: string;
  params: Record<string, unknown>;
}

function prepareRun(raw: unknown): RunSetup {
  const parsed = parseRunDagInput(raw);
  if (!parsed.ok) throw invalidInput(parsed.message);
  const input = parsed.value;
  const found = lookupDag(input.dagId);
  if (!found.ok) {
    if (found.reason === 'unknown') throw invalidInput(`dagId: ${found.message}`);
    throw nonRetryableFailure(FAILURE_TYPES.invalidDag, `DAG "${input.dagId}" is invalid: ${found.message}`);
  }
  const params = parseDagParams(found.dag, input.params);
  if (!params.ok) throw invalidInput(params.message);

  const scheduled = scheduledStartTime();
  // Default day: yesterday (UTC) of the run's start. Date.now inside a workflow would be safe too
  // (the sandbox makes it the deterministic time of the current workflow task, replayed from
  // history), but workflows/ reads no clock at all (test/unit/architecture.test.ts), and the
  // start time, recorded in history, is the better anchor: it does not move on a retry.
  const logicalDate =
    input.logicalDate ??
    (scheduled ? logicalDateFromScheduledTime(scheduled.getTime()) : yesterdayUtc(workflowInfo().startTime.getTime()));
  // Workflow-input limits: a real day, no clock (schedule backfills and tests name any day).
  const day = checkDay(logicalDate, 'logicalDate', { earliest: null });
  if (!day.ok) throw invalidInput(day.message);
  return {
    dag: found.dag,
    logicalDate,
    runType: input.runType ?? (scheduled ? 'scheduled' : 'manual'),
    ...(input.backfillId !== undefined ? { backfillId: input.backfillId } : {}),
    params: (params.value ?? {}) as Record<string, unknown>,
  };
}

/**
 * Starters set the search attributes at start (visible before the first workflow task); runs
 * started from the UI or by a schedule may not have them, so the workflow makes sure, and skips
 * the upsert (one history event) when they are already right.
 */
function ensureSearchAttributes(setup: RunSetup): void {
  const wanted = dagRunSearchAttributes({
    dagId: setup.dag.id,
    logicalDate: setup.logicalDate,
    runType: setup.runType,
    ...(setup.backfillId !== undefined ? { backfillId: setup.backfillId } : {}),
  });
  const current = workflowInfo().typedSearchAttributes;
  const missing = wanted.filter(({ key, value }) => {
    const have = current.get(key) as unknown;
    if (value instanceof Date) return !(have instanceof Date && have.getTime() === value.getTime());
    return have !== value;
  });
  if (missing.length > 0) upsertSearchAttributes(missing as SearchAttributeUpdatePair[]);
}

function shownOutput(output: unknown): unknown {
  const bytes = jsonByteLength(output);
  return bytes <= SHOWN_OUTPUT_LIMIT_BYTES ? output : { omitted: `output of ${bytes} bytes not shown` };
}

export async function runDag(raw?: unknown): Promise<RunDagSummary> {
  const tasks: TaskStatesView = {};
  setHandler(taskStatesQuery, () => tasks);

  const setup = prepareRun(raw);
  const { dag, logicalDate, runType, params } = setup;
  ensureSearchAttributes(setup);

  const info = workflowInfo();
  const runId = info.workflowId;
  const memoStoreQueue = info.memo?.storeTaskQueue;
  const queues: RunQueues = {
    workflowQueue: info.taskQueue,
    ...(typeof memoStoreQueue === 'string' && memoStoreQueue ? { storeQueue: memoStoreQueue } : {}),
  };
  const specs = new Map(dag.tasks.map((task) => [task.id, task] as const));
  const expandSources = new Set(dag.tasks.flatMap((task) => (task.expand ? [task.expand.from] : [])));
  const outputs = new Map<string, unknown>();
  for (const task of dag.tasks) tasks[task.id] = { state: 'pending', attempts: 0 };

  let changed = false;
  const touch = (): void => {
    changed = true;
  };
  const entry = (id: string): TaskRunInfo => tasks[id] as TaskRunInfo;

  const publishProgress = (): void =>
    setCurrentDetails(
      runDetailsMarkdown(
        {
          dagId: dag.id,
          logicalDate,
          runType,
          ...(setup.backfillId !== undefined ? { backfillId: setup.backfillId } : {}),
          runId,
        },
        tasks,
      ),
    );

  const finish = (id: string, state: TaskState, extra: Partial<TaskRunInfo> = {}): void => {
    Object.assign(entry(id), { state, ...extra });
    touch();
  };

  const contextFor = (task: TaskSpec): TaskContext => {
    const upstream: Record<string, unknown> = {};
    for (const dep of task.deps) {
      if (!outputs.has(dep)) continue;
      const output = outputs.get(dep);
      upstream[dep] = task.expand && task.expand.from === dep ? withoutField(output, task.expand.field) : output;
    }
    return {
      dagId: dag.id,
      runId,
      logicalDate,
      dataInterval: dataInterval(logicalDate),
      params,
      taskId: task.id,
      args: (task.args ?? {}) as Record<string, unknown>,
      upstream,
    };
  };

  const callOptions = (task: TaskSpec): TaskCallOptions => taskCallOptions(resolveTaskOptions(dag, task), queues);

  const runSingle = async (task: TaskSpec): Promise<void> => {
    const options = callOptions(task);
    const summary = taskSummary({ taskId: task.id, logicalDate });
    const call = proxyActivities<TaskActivities>(toActivityOptions(options, task.id, summary))[task.activity];
    try {
      if (!call) throw ApplicationFailure.nonRetryable(`no activity proxy for "${task.activity}"`);
      const { output, attempt } = unwrapTaskResult(await call(contextFor(task)));
      const limit = expandSources.has(task.id) ? EXPAND_SOURCE_OUTPUT_LIMIT_BYTES : TASK_OUTPUT_LIMIT_BYTES;
      const tooBig = oversizeOutputMessage(task.id, output, limit);
      if (tooBig) return finish(task.id, 'failed', { attempts: attempt ?? 1, error: tooBig });
      outputs.set(task.id, output);
      finish(task.id, 'success', { attempts: attempt ?? 1, output: shownOutput(output) });
    } catch (err) {
      if (isCancellation(err)) {
        finish(task.id, 'failed', { error: 'cancelled' });
        return;
      }
      finish(task.id, 'failed', {
        attempts: attemptsFromFailure(err, options.retry.maximumAttempts),
        error: describeFailure(err),
      });
    }
  };

  const runExpand = async (task: TaskSpec, concurrency: number): Promise<void> => {
    const expand = task.expand!;
    const list = expandItems(outputs.get(expand.from), expand.from, expand.field);
    if (!list.ok) return finish(task.id, 'failed', { error: list.message });
    // Airflow: a mapped task over an empty list is skipped.
    if (list.items.length === 0)
      return finish(task.id, 'skipped', { error: `upstream "${expand.from}" returned no items` });

    const options = callOptions(task);
    const context = contextFor(task);
    const ranges = chunkRanges(list.items.length, EXPAND_CHUNK_SIZE);
    const progress = { total: list.items.length, succeeded: 0, failed: 0, chunks: ranges.length, chunksDone: 0 };
    entry(task.id).items = progress;
    let total: ExpandChunkResult = emptyChunkResult();
    // Chunks run one after the other, each with the full concurrency: at most `concurrency` item
    // calls are in flight for the task, and a chunk boundary costs only a short tail.
    for (const range of ranges) {
      let result: ExpandChunkResult;
      try {
        result = await executeChild(runDagExpandChunk, {
          workflowId: expandChunkWorkflowId(runId, task.id, range.chunk),
          staticSummary: chunkSummary({ taskId: task.id, logicalDate, ...range, total: list.items.length }),
          args: [
            {
              taskId: task.id,
              activity: task.activity,
              options,
              concurrency,
              context,
              items: list.items.slice(range.start, range.end),
              offset: range.start,
              total: list.items.length,
            },
          ],
        });
      } catch (err) {
        if (isCancellation(err)) return finish(task.id, 'failed', { error: 'cancelled' });
        const count = range.end - range.start;
        result = {
          total: count,
          succeeded: 0,
          failed: count,
          maxAttempt: 0,
          errors: [{ index: range.start, error: `chunk ${range.chunk} failed: ${describeFailure(err)}` }],
        };
      }
      total = mergeChunkResults(total, result);
      Object.assign(progress, {
        succeeded: total.succeeded,
        failed: total.failed,
        chunksDone: progress.chunksDone + 1,
      });
      touch();
    }
    const output = { items: total.total, succeeded: total.succeeded, failed: total.failed, chunks: ranges.length };
    if (total.failed > 0) {
      const first = total.errors
        .slice(0, EXPAND_MAX_ERRORS)
        .map((e) => `[${e.index}] ${e.error}`)
        .join('; ');
      return finish(task.id, 'failed', {
        attempts: total.maxAttempt,
        output,
        error: `${total.failed} of ${total.total} items failed; first errors: ${first}`,
      });
    }
    outputs.set(task.id, output);
    finish(task.id, 'success', { attempts: total.maxAttempt, output });
  };

  // ---- the scheduling loop
  let slotsInUse = 0;
  let inFlight = 0;
  const slotsFor = (task: TaskSpec): number =>
    task.expand ? Math.min(task.expand.concurrency, dag.maxActiveTasks) : 1;

  const start = (task: TaskSpec): void => {
    const slots = slotsFor(task);
    slotsInUse += slots;
    inFlight++;
    entry(task.id).state = 'running';
    const body = task.expand ? runExpand(task, slots) : runSingle(task);
    // runSingle / runExpand record every outcome themselves; this catch only guards against a
    // bug there leaving the task running forever (and an unhandled rejection).
    void body
      .catch((err: unknown) => finish(task.id, 'failed', { error: `internal error: ${describeFailure(err)}` }))
      .finally(() => {
        slotsInUse -= slots;
        inFlight--;
        touch();
      });
  };

  for (;;) {
    const step = nextSchedulingStep(dag, Object.fromEntries(Object.entries(tasks).map(([id, t]) => [id, t.state])));
    for (const [id, state] of Object.entries(step.states)) {
      const task = entry(id);
      if (task.state === state) continue;
      task.state = state;
      const deps = (specs.get(id)?.deps ?? []).map((dep) => `${dep}=${entry(dep).state}`).join(', ');
      task.error = `${state === 'skipped' ? 'skipped' : 'upstream failed'} by trigger rule ${specs.get(id)?.triggerRule} (${deps})`;
    }
    for (const id of step.runnable) {
      const task = specs.get(id)!;
      if (slotsInUse + slotsFor(task) > dag.maxActiveTasks) continue;
      start(task);
    }
    publishProgress();
    if (Object.values(tasks).every((t) => isTerminalTaskState(t.state))) break;
    if (inFlight === 0) {
      // Cannot happen with a valid graph: every rule decides once its upstreams are done.
      throw nonRetryableFailure(FAILURE_TYPES.dagRunStuck, `DAG "${dag.id}": no task can run and none is running`);
    }
    changed = false;
    await condition(() => changed);
  }

  const states = Object.fromEntries(Object.entries(tasks).map(([id, t]) => [id, t.state]));
  const state = runFinalState(states, dag) === 'success' ? 'success' : 'failed';
  const summary: RunDagSummary = {
    dagId: dag.id,
    logicalDate,
    runType,
    ...(setup.backfillId !== undefined ? { backfillId: setup.backfillId } : {}),
    runId,
    state,
    tasks,
  };
  publishProgress();
  if (state === 'failed') {
    const failed = Object.entries(tasks)
      .filter(([, t]) => t.state === 'failed')
      .map(([id]) => id);
    const upstreamFailed = Object.entries(tasks)
      .filter(([, t]) => t.state === 'upstream_failed')
      .map(([id]) => id);
    log.info('DAG run failed', { dagId: dag.id, logicalDate, failed, upstreamFailed });
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.dagRunFailed,
      nonRetryable: true,
      message:
        `DAG "${dag.id}" run for ${logicalDate} failed: failed tasks ${failed.join(', ') || 'none'}` +
        (upstreamFailed.length ? `; upstream_failed ${upstreamFailed.join(', ')}` : '') +
        firstErrorSuffix(tasks, failed),
      details: [summary],
    });
  }
  return summary;
}

function firstErrorSuffix(tasks: TaskStatesView, failed: string[]): string {
  const first = failed[0];
  const error = first !== undefined ? tasks[first]?.error : undefined;
  return error ? ` (${first}: ${error})` : '';
}
