import type { Command } from 'commander';
import { Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, type SearchAttributePair } from '@temporalio/common';
import { createDagCatalog } from '../../dags/catalog';
import type { MastoflowConfig } from '../../domain/config';
import { parseDagParams, type RunDagInput } from '../../domain/dag-spec';
import { dagRunWorkflowId, expandChunkWorkflowId } from '../../domain/keys';
import { isValidDay, yesterdayUtc } from '../../domain/logical-date';
import { dagRunSearchAttributes } from '../../domain/search-attributes';
import { connectTemporalClient } from '../../runtime/clients';
import { chunkProgressQuery, taskStatesQuery, type TaskRunInfo, type TaskStatesView } from '../../workflows/messages';
import type { runDag, RunDagSummary } from '../../workflows/run-dag';
import { configFrom } from '../context';

// `mastoflow run <dag>`: a manual run of one DAG for one day, as the workflow `runDag` with ID
// `dag/<dagId>/<day>`. A day that is running is never started twice (conflict policy FAIL); a
// finished day may be run again (reuse policy ALLOW_DUPLICATE: a manual run means "do it again").

export interface StartDagRunOptions {
  dagId: string;
  /** Default: yesterday (UTC). */
  logicalDate?: string;
  params?: Record<string, unknown>;
}

export type DagRunHandle = WorkflowHandle<typeof runDag>;

/** Validate locally (DAG, day, params), then start the run; a running day is a clear error. */
export async function startDagRun(
  client: Client,
  config: MastoflowConfig,
  opts: StartDagRunOptions,
): Promise<DagRunHandle> {
  const dag = createDagCatalog(config).get(opts.dagId);
  const logicalDate = opts.logicalDate ?? yesterdayUtc(Date.now());
  if (!isValidDay(logicalDate))
    throw new Error(`--date: expected YYYY-MM-DD (a real calendar day), got "${logicalDate}"`);
  const params = parseDagParams(dag, opts.params ?? {});
  if (!params.ok) throw new Error(`invalid params for DAG "${dag.id}": ${params.message}`);

  const workflowId = dagRunWorkflowId(dag.id, logicalDate);
  const input: RunDagInput = {
    dagId: dag.id,
    logicalDate,
    runType: 'manual',
    ...(opts.params ? { params: opts.params } : {}),
  };
  try {
    return await client.workflow.start<typeof runDag>('runDag', {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      args: [input],
      typedSearchAttributes: dagRunSearchAttributes({
        dagId: dag.id,
        logicalDate,
        runType: 'manual',
      }) as SearchAttributePair[],
      // Tells runDag which queue is the store queue here (tasks that name 'mastoflow-store').
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new Error(
        `DAG "${dag.id}" is already running for ${logicalDate} (workflow ${workflowId}); ` +
          'wait for it to finish, or cancel/terminate it in the Temporal UI before starting it again',
      );
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// up_for_retry: runDag cannot see Temporal's retries, but the server can. Pending activities
// carry the task ID as activity ID, their attempt and the last failure.

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
async function withLiveChunks(handle: DagRunHandle, states: TaskStatesView): Promise<TaskStatesView> {
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
export async function liveTaskStates(handle: DagRunHandle): Promise<TaskStatesView> {
  const [states, description] = await Promise.all([handle.query(taskStatesQuery), handle.describe()]);
  return withLiveChunks(handle, withPendingAttempts(states, description.raw.pendingActivities));
}

// ---------------------------------------------------------------------------------------------
// Output

/** The Temporal UI page of a workflow, when the server is a local dev server (loopback). */
export function temporalUiLink(config: MastoflowConfig, workflowId: string): string | undefined {
  const host = config.temporal.address.replace(/:\d+$/, '');
  const loopback = host === 'localhost' || /^127\./.test(host) || host === '::1' || host === '[::1]';
  if (!loopback) return undefined;
  return `http://${host}:${config.dev.temporalUiPort}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function describeTask(task: TaskRunInfo): string {
  const parts: string[] = [task.state];
  if (task.attempts > 1) parts.push(`attempt ${task.attempts}`);
  if (task.items)
    parts.push(
      `${task.items.succeeded + task.items.failed}/${task.items.total} items${task.items.failed ? `, ${task.items.failed} failed` : ''}`,
    );
  if (task.error && task.state !== 'success') parts.push(oneLine(task.error, 100));
  return parts.join(' · ');
}

/** The run's tasks as a table: task, state, attempts, output or error. */
export function formatSummaryTable(tasks: TaskStatesView): string {
  const ids = Object.keys(tasks);
  const idWidth = Math.max(4, ...ids.map((id) => id.length));
  const lines = [`${'task'.padEnd(idWidth)}  ${'state'.padEnd(15)}  tries  output / error`];
  for (const id of ids) {
    const task = tasks[id] as TaskRunInfo;
    const detail =
      task.state === 'success' ? (task.output === undefined ? '' : JSON.stringify(task.output)) : (task.error ?? '');
    lines.push(
      `${id.padEnd(idWidth)}  ${task.state.padEnd(15)}  ${String(task.attempts).padStart(5)}  ${oneLine(detail, 90)}`,
    );
  }
  return lines.join('\n');
}

/** The summary of a finished run: its result, or the details of its DagRunFailed failure. */
export async function runOutcome(handle: DagRunHandle): Promise<{ summary?: RunDagSummary; error?: string }> {
  try {
    return { summary: await handle.result() };
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
      const summary = err.cause.details?.[0] as RunDagSummary | undefined;
      return { ...(summary?.tasks ? { summary } : {}), error: err.cause.message };
    }
    if (err instanceof WorkflowFailedError) return { error: err.cause?.message ?? err.message };
    throw err;
  }
}

/**
 * Print a line per task state change until the run ends (polling the taskStates query and the
 * pending activities), then return its outcome.
 */
export async function followDagRun(
  handle: DagRunHandle,
  opts: { intervalMs?: number; print?: (line: string) => void } = {},
): Promise<{ summary?: RunDagSummary; error?: string }> {
  const print = opts.print ?? ((line: string) => console.log(line));
  let finished = false;
  const outcome = runOutcome(handle).finally(() => {
    finished = true;
  });
  const seen = new Map<string, string>();
  const report = (tasks: TaskStatesView): void => {
    const width = Math.max(...Object.keys(tasks).map((id) => id.length), 4);
    for (const [id, task] of Object.entries(tasks)) {
      const text = describeTask(task);
      if (seen.get(id) === text || (task.state === 'pending' && !seen.has(id))) continue;
      seen.set(id, text);
      print(`${clock()}  ${id.padEnd(width)}  ${text}`);
    }
  };
  while (!finished) {
    try {
      report(await liveTaskStates(handle));
    } catch {
      // Not answerable yet (no worker has picked the run up) or already closed: try again.
    }
    await Promise.race([outcome, new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 500))]);
  }
  const result = await outcome;
  if (result.summary) report(result.summary.tasks);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Command

function collectParam(value: string, previous: Record<string, unknown>): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new Error(`--param: expected key=value, got "${value}"`);
  const key = value.slice(0, eq);
  const raw = value.slice(eq + 1);
  let parsed: unknown = raw;
  try {
    // Numbers, booleans, JSON lists and objects as typed values; anything else is a string.
    parsed = JSON.parse(raw);
  } catch {
    parsed = raw;
  }
  return { ...previous, [key]: parsed };
}

export function registerRunCommand(program: Command): void {
  program
    .command('run <dag>')
    .description('start a manual run of a DAG for one day (workflow runDag, ID dag/<dag>/<day>)')
    .option('--date <YYYY-MM-DD>', 'logical date: the UTC day to process (default: yesterday, UTC)')
    .option('--param <key=value>', 'a run param (repeatable; values parse as JSON when they can)', collectParam, {})
    .option('--wait', 'follow the run: a line per task change, then the summary table')
    .action(
      async (dagId: string, opts: { date?: string; param: Record<string, unknown>; wait?: boolean }, cmd: Command) => {
        const { config } = configFrom(cmd);
        const connection = await connectTemporalClient(config.temporal);
        try {
          const client = new Client({ connection, namespace: config.temporal.namespace });
          const hasParams = Object.keys(opts.param).length > 0;
          const handle = await startDagRun(client, config, {
            dagId,
            ...(opts.date ? { logicalDate: opts.date } : {}),
            ...(hasParams ? { params: opts.param } : {}),
          });
          console.log(`run: started ${handle.workflowId} on task queue ${config.temporal.taskQueue}`);
          const link = temporalUiLink(config, handle.workflowId);
          console.log(
            link ? `run: ${link}` : `run: workflow ID ${handle.workflowId} (namespace ${config.temporal.namespace})`,
          );
          if (!opts.wait) return;
          const { summary, error } = await followDagRun(handle);
          console.log('');
          if (summary) console.log(formatSummaryTable(summary.tasks));
          console.log('');
          if (summary?.state === 'success') {
            console.log(`run: ${handle.workflowId} succeeded`);
          } else {
            console.log(`run: ${handle.workflowId} failed: ${error ?? 'see the Temporal UI'}`);
            process.exitCode = 1;
          }
        } finally {
          await connection.close();
        }
      },
    );
}
