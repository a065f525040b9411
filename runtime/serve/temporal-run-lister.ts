import { ApplicationFailure } from '@temporalio/common';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import type { DayRunRecord } from '../../domain/status-grid';
import { listDagRuns } from '../dag-client';
import { type RunDagSummary, type TaskRunInfo, type TaskStatesView, taskStatesQuery } from '../../workflows/contracts';
import type { DagRunView, RunLister, TaskStateView } from './run-lister';
import { RunsUnavailableError } from './run-lister';
import { mapLimit } from '../../domain/map-limit';

// RunLister over the Temporal client: runs from visibility (runtime/dag-client.ts, the index
// `mastoflow status` reads), task states from each run itself: a finished run's result (or its
// DagRunFailed details) holds the summary and is read from history, with no worker involved; a
// running run answers the taskStates query, which needs a worker: bounded by QUERY_TIMEOUT_MS.

const QUERY_TIMEOUT_MS = 2_000;
const PARALLEL = 8;

function taskView(t: TaskRunInfo): TaskStateView {
  return {
    state: t.state,
    attempts: t.attempts,
    ...(t.error ? { error: t.error } : {}),
    ...(t.items ? { items: { total: t.items.total, succeeded: t.items.succeeded, failed: t.items.failed } } : {}),
  };
}

const tasksOf = (states: TaskStatesView | undefined) =>
  states ? Object.fromEntries(Object.entries(states).map(([id, t]) => [id, taskView(t)])) : null;

async function taskStates(client: Client, run: DayRunRecord): Promise<Record<string, TaskStateView> | null> {
  const handle = client.workflow.getHandle(run.workflowId, run.runId);
  try {
    if (run.state === 'success') return tasksOf(((await handle.result()) as RunDagSummary).tasks);
    if (run.state === 'failed') {
      try {
        await handle.result();
      } catch (err) {
        const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
        const summary =
          cause instanceof ApplicationFailure ? (cause.details?.[0] as RunDagSummary | undefined) : undefined;
        return tasksOf(summary?.tasks);
      }
      return null;
    }
    if (run.state === 'running') {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((r) => {
        timer = setTimeout(() => r(undefined), QUERY_TIMEOUT_MS);
      });
      try {
        return tasksOf(await Promise.race([handle.query(taskStatesQuery), timeout]));
      } finally {
        clearTimeout(timer);
      }
    }
  } catch {
    // A run whose history is gone (retention) or whose query failed: its states are unknown.
  }
  return null;
}

export function createTemporalRunLister(opts: {
  /** The client, created on first use (so the API starts while Temporal is down). */
  client: () => Promise<Client>;
  namespace: string;
  /** e.g. http://127.0.0.1:8233; without it runs carry no UI link. */
  temporalUiUrl?: string;
}): RunLister {
  const link = (r: DayRunRecord) =>
    opts.temporalUiUrl
      ? `${opts.temporalUiUrl}/namespaces/${encodeURIComponent(opts.namespace)}/workflows/${encodeURIComponent(r.workflowId)}/${encodeURIComponent(r.runId)}/history`
      : undefined;
  return {
    async listRuns(dag, from, to) {
      let client: Client;
      let records: DayRunRecord[];
      try {
        client = await opts.client();
        records = await listDagRuns(client, dag, from, to);
      } catch (err) {
        throw new RunsUnavailableError(`Temporal is unreachable: ${(err as Error).message}`);
      }
      records.sort((a, b) => a.day.localeCompare(b.day) || a.startMs - b.startMs);
      return mapLimit(records, PARALLEL, async (r): Promise<DagRunView> => {
        const url = link(r);
        return {
          day: r.day,
          workflowId: r.workflowId,
          runId: r.runId,
          state: r.state,
          ...(r.runType ? { runType: r.runType } : {}),
          ...(r.backfillId ? { backfillId: r.backfillId } : {}),
          startTime: new Date(r.startMs).toISOString(),
          ...(r.closeMs !== undefined ? { closeTime: new Date(r.closeMs).toISOString() } : {}),
          ...(url ? { temporalUiUrl: url } : {}),
          tasks: await taskStates(client, r),
        };
      });
    },
  };
}
