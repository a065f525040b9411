import type { Client, WorkflowExecutionInfo, WorkflowHandle } from '@temporalio/client';
import { temporalUiNamespaceUrl, temporalUiWorkflowUrl } from '../domain/temporal-ui';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  type SearchAttributePair,
  type WorkflowIdReusePolicy,
} from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { createDagCatalog } from '../dags/catalog';
import type { MastoflowConfig } from '../domain/config';
import { parseDagParams, type RunType } from '../domain/dag-spec';
import { dagRunWorkflowId, expandChunkWorkflowId } from '../domain/keys';
import { checkDay, type DayLimits } from '../domain/date-range';
import { addDays, yesterdayUtc } from '../domain/logical-date';
import { BackfillIdKey, dagRunSearchAttributes, LogicalDateKey, RunTypeKey } from '../domain/search-attributes';
import { dayStateFromStatus, type DayRunRecord } from '../domain/status-grid';
import {
  chunkProgressQuery,
  RUN_DAG_WORKFLOW_TYPE,
  taskStatesQuery,
  type RunDagStartInput,
  type RunDagSummary,
  type RunDagWorkflow,
  type TaskStatesView,
} from '../workflows/contracts';
import { dayRunSummary } from '../domain/task-summary';
import { ConnectionNotices, probeTemporal, untilReachable, type ReconnectOptions } from './temporal-reconnect';

// The client side of DAG runs, shared by the CLI, the benchmarks and the HTTP server: start a
// run under its canonical ID, follow its task states, get its outcome, list a DAG's runs over a
// range of days, and link to them in the Temporal UI. Formatting stays with each caller.

export type DagRunHandle = WorkflowHandle<RunDagWorkflow>;

/** What the library reads from the config: task queues, and the server for UI links. */
export type DagClientConfig = Pick<MastoflowConfig, 'temporal' | 'dev'>;

// ---------------------------------------------------------------------------------------------
// Start

export interface StartDagRunOptions {
  dagId: string;
  /** Default: yesterday (UTC). */
  logicalDate?: string;
  params?: Record<string, unknown>;
  /** Default `manual`. */
  runType?: RunType;
  backfillId?: string;
  /**
   * Default ALLOW_DUPLICATE: a manual run means "do it again" even when the day succeeded. A day
   * that is running is never started twice (conflict policy FAIL) whatever this says.
   */
  workflowIdReusePolicy?: WorkflowIdReusePolicy;
}

type StartConfig = {
  temporal: Pick<MastoflowConfig['temporal'], 'taskQueue' | 'storeTaskQueue'>;
  loadExamples?: boolean;
};

/**
 * The checks runDag makes (DAG known, day real, params valid), made here with no connection, so
 * a mistake is an error before anything is contacted rather than a failed run. Throws naming
 * what is wrong; startDagRun makes them again. `day` holds the caller's limits for the day
 * (domain/date-range.ts): the CLI passes today and names its flag `--date`; without them any
 * real day is accepted, as runDag itself does.
 */
export function checkDagRunRequest(
  config: StartConfig,
  opts: StartDagRunOptions,
  day: DayLimits & { parameter?: string } = { earliest: null },
): void {
  // The DAGs this deployment's workers serve: the production ones (plus tests' registered ones),
  // and the examples when the config loads them.
  const dag = createDagCatalog({ loadExamples: config.loadExamples ?? false }).get(opts.dagId);
  const logicalDate = opts.logicalDate ?? yesterdayUtc(Date.now());
  const checked = checkDay(logicalDate, day.parameter ?? 'logicalDate', day);
  if (!checked.ok) throw new Error(checked.message);
  const params = parseDagParams(dag, opts.params ?? {});
  if (!params.ok) throw new Error(`invalid params for DAG "${dag.id}": ${params.message}`);
}

/** Validate locally (checkDagRunRequest), then start `dag/<dagId>/<day>`; a running day is a clear error. */
export async function startDagRun(
  client: Client,
  config: StartConfig,
  opts: StartDagRunOptions,
): Promise<DagRunHandle> {
  checkDagRunRequest(config, opts);
  const dag = createDagCatalog({ loadExamples: config.loadExamples ?? false }).get(opts.dagId);
  const logicalDate = opts.logicalDate ?? yesterdayUtc(Date.now());
  const runType = opts.runType ?? 'manual';
  const workflowId = dagRunWorkflowId(dag.id, logicalDate);
  // The raw params go over the wire: runDag parses them once more (it is also started from the
  // UI and by schedules), and the parsed form may hold values JSON cannot carry.
  const input: RunDagStartInput = {
    dagId: dag.id,
    logicalDate,
    runType,
    ...(opts.backfillId !== undefined ? { backfillId: opts.backfillId } : {}),
    ...(opts.params ? { params: opts.params } : {}),
  };
  try {
    return await client.workflow.start<RunDagWorkflow>(RUN_DAG_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      args: [input],
      typedSearchAttributes: dagRunSearchAttributes({
        dagId: dag.id,
        logicalDate,
        runType,
        ...(opts.backfillId !== undefined ? { backfillId: opts.backfillId } : {}),
      }) as SearchAttributePair[],
      // Tells runDag which queue is the store queue here (tasks that name 'mastoflow-store').
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
      // The run's name in the Temporal UI's list and timeline, as child day runs get it.
      staticSummary: dayRunSummary({ dagId: dag.id, day: logicalDate, runType }),
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: opts.workflowIdReusePolicy ?? 'ALLOW_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const status = (await client.workflow.getHandle(workflowId).describe()).status.name;
    if (status === 'RUNNING') {
      throw new Error(
        `DAG "${dag.id}" is already running for ${logicalDate} (workflow ${workflowId}); ` +
          'wait for it to finish, or cancel/terminate it in the Temporal UI before starting it again',
      );
    }
    throw new Error(
      `DAG "${dag.id}" already ran for ${logicalDate} (workflow ${workflowId}, ${status}); ` +
        `reuse policy ${opts.workflowIdReusePolicy} refuses another run`,
    );
  }
}

/** The (latest) run of a DAG for a day. */
export function getDagRun(client: Client, dagId: string, logicalDate: string): DagRunHandle {
  return client.workflow.getHandle<RunDagWorkflow>(dagRunWorkflowId(dagId, logicalDate));
}

// ---------------------------------------------------------------------------------------------
// Task states. up_for_retry: runDag cannot see Temporal's retries, but the server can. Pending
// activities carry the task ID as activity ID, their attempt and the last failure.

interface PendingActivityLike {
  activityId?: string | null;
  attempt?: number | null;
  /** 1 scheduled (waiting for a worker or for the retry backoff), 2 started, 3 cancel requested. */
  state?: number | null;
  lastFailure?: { message?: string | null } | null;
}

const PENDING_SCHEDULED = 1;

/**
 * The query's task states with Temporal's view of running tasks folded in: a running task whose
 * activity is on attempt > 1 shows that attempt, and is `up_for_retry` while it waits for the
 * next attempt (with the last failure as its error), as in Airflow.
 */
export function withPendingAttempts(
  states: TaskStatesView,
  pending: readonly PendingActivityLike[] | null | undefined,
): TaskStatesView {
  const merged: TaskStatesView = { ...states };
  for (const activity of pending ?? []) {
    const id = activity.activityId ?? '';
    const task = merged[id];
    const attempt = activity.attempt ?? 1;
    if (task?.state !== 'running' || attempt <= 1) continue;
    const waiting = activity.state === PENDING_SCHEDULED;
    merged[id] = {
      ...task,
      state: waiting ? 'up_for_retry' : 'running',
      attempts: attempt,
      ...(activity.lastFailure?.message ? { error: activity.lastFailure.message } : {}),
    };
  }
  return merged;
}

/**
 * A running fan-out task's counts with its running chunk's live counts added (runDag itself
 * learns a chunk's counts only when the chunk ends).
 */
async function withLiveChunks(handle: WorkflowHandle, states: TaskStatesView): Promise<TaskStatesView> {
  const merged: TaskStatesView = { ...states };
  await Promise.all(
    Object.entries(states).map(async ([id, task]) => {
      if (task.state !== 'running' || !task.items || task.items.chunksDone >= task.items.chunks) return;
      try {
        const chunkId = expandChunkWorkflowId(handle.workflowId, id, task.items.chunksDone);
        const live = await handle.client.getHandle(chunkId).query(chunkProgressQuery);
        merged[id] = {
          ...task,
          items: {
            ...task.items,
            succeeded: task.items.succeeded + live.succeeded,
            failed: task.items.failed + live.failed,
          },
        };
      } catch {
        // the chunk is starting or just ended: the parent's counts will do
      }
    }),
  );
  return merged;
}

/** The run's task states as a client can best see them: query + pending activities + live chunks. */
export async function liveTaskStates(handle: WorkflowHandle): Promise<TaskStatesView> {
  const [states, description] = await Promise.all([handle.query(taskStatesQuery), handle.describe()]);
  return withLiveChunks(handle, withPendingAttempts(states, description.raw.pendingActivities));
}

// ---------------------------------------------------------------------------------------------
// Outcome and following a run

export interface DagRunOutcome {
  /** The run summary: the result, or the details of its DagRunFailed failure. */
  summary?: RunDagSummary;
  /** Why the run failed (absent on success). */
  error?: string;
}

/** Wait for the run to close; its summary whether it succeeded or failed with DagRunFailed. */
export async function dagRunOutcome(handle: WorkflowHandle): Promise<DagRunOutcome> {
  try {
    return { summary: (await handle.result()) as RunDagSummary };
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
      const summary = err.cause.details?.[0] as RunDagSummary | undefined;
      return { ...(summary?.tasks ? { summary } : {}), error: err.cause.message };
    }
    if (err instanceof WorkflowFailedError) return { error: err.cause?.message ?? err.message };
    throw err;
  }
}

export interface WatchOptions {
  /** Poll interval (default 500 ms). */
  intervalMs?: number;
  /**
   * Outlive a Temporal restart: a lost connection is announced and waited out (see
   * runtime/temporal-reconnect.ts). Without it, a lost connection is an error.
   */
  reconnect?: ReconnectOptions;
  /** Called with the live task states after every poll, and with the final ones. */
  onStates: (tasks: TaskStatesView) => void;
}

/**
 * Poll the run's task states (liveTaskStates) until it closes, handing each snapshot to
 * `onStates`, then return its outcome.
 */
export async function watchDagRun(handle: WorkflowHandle, opts: WatchOptions): Promise<DagRunOutcome> {
  let finished = false;
  const notices = opts.reconnect && new ConnectionNotices(opts.reconnect);
  const follow = () => dagRunOutcome(handle);
  const outcome = (notices ? untilReachable(follow, notices) : follow()).finally(() => {
    finished = true;
  });
  while (!finished) {
    if (notices) await probeTemporal(handle.client.connection, notices);
    try {
      opts.onStates(await liveTaskStates(handle));
    } catch {
      // Not answerable yet (no worker has picked the run up), already closed, or the server is
      // away (the outcome's reconnect announces that): try again.
    }
    await Promise.race([outcome, new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 500))]);
  }
  const result = await outcome;
  if (result.summary) opts.onStates(result.summary.tasks);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Listing runs (Temporal visibility, the index the UI filters on). Visibility is eventually
// consistent: a run started a moment ago may show up a second later.

/**
 * The visibility query for one DAG's runs with a logical date in [from, to]. The upper bound is
 * the exclusive start of the next day: an inclusive `<= 'to T00:00:00Z'` misses `to` itself on
 * the SQLite visibility store, which compares the stored datetime text with different precision.
 */
export function dayRunsQuery(dagId: string, from: string, to: string): string {
  const quote = (s: string) => `'${s.replace(/'/g, "\\'")}'`;
  return [
    `WorkflowType = ${quote(RUN_DAG_WORKFLOW_TYPE)}`,
    `DagId = ${quote(dagId)}`,
    `LogicalDate >= ${quote(`${from}T00:00:00Z`)}`,
    `LogicalDate < ${quote(`${addDays(to, 1)}T00:00:00Z`)}`,
  ].join(' AND ');
}

const RUN_ID_RE = /^dag\/[^/]+\/(\d{4}-\d{2}-\d{2})$/;

/** The day of a run: from its canonical ID, else from its LogicalDate search attribute. */
function dayOf(info: WorkflowExecutionInfo): string | undefined {
  const fromId = RUN_ID_RE.exec(info.workflowId)?.[1];
  if (fromId) return fromId;
  const date = info.typedSearchAttributes.get(LogicalDateKey);
  return date instanceof Date ? date.toISOString().slice(0, 10) : undefined;
}

export function toDayRunRecord(info: WorkflowExecutionInfo): DayRunRecord | undefined {
  const day = dayOf(info);
  if (!day) return undefined;
  const runType = info.typedSearchAttributes.get(RunTypeKey);
  const backfillId = info.typedSearchAttributes.get(BackfillIdKey);
  return {
    day,
    workflowId: info.workflowId,
    runId: info.runId,
    state: dayStateFromStatus(info.status.name),
    ...(runType ? { runType } : {}),
    ...(backfillId ? { backfillId } : {}),
    startMs: info.startTime.getTime(),
    ...(info.closeTime ? { closeMs: info.closeTime.getTime() } : {}),
  };
}

/** Every execution (re-runs included) of the DAG's day runs in [from, to]. */
export async function listDagRuns(client: Client, dagId: string, from: string, to: string): Promise<DayRunRecord[]> {
  const records: DayRunRecord[] = [];
  for await (const info of client.workflow.list({ query: dayRunsQuery(dagId, from, to) })) {
    const record = toDayRunRecord(info);
    if (record && record.day >= from && record.day <= to) records.push(record);
  }
  return records;
}

// ---------------------------------------------------------------------------------------------
// Temporal UI links

/** The Temporal UI page of a workflow, when the server is a local dev server (loopback). */
export function temporalUiLink(config: DagClientConfig, workflowId: string): string | undefined {
  return temporalUiWorkflowUrl(config, workflowId);
}

/** The Temporal UI's list of a DAG's runs (filtered on the DagId search attribute). */
export function temporalUiRunsLink(config: DagClientConfig, dagId: string): string | undefined {
  const base = temporalUiNamespaceUrl(config);
  return base && `${base}/workflows?query=${encodeURIComponent(`DagId="${dagId}"`)}`;
}
