import {
  ChildWorkflowFailure,
  proxyActivities,
  startChild,
  workflowInfo,
  type ChildWorkflowCancellationType,
  type ChildWorkflowHandle,
  type ParentClosePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type SearchAttributePair } from '@temporalio/common';
import type { DagRunActivities } from '../activities/dag-runs';
import { lookupDag } from '../dags/index';
import { parseDagParams } from '../domain/dag-spec';
import { FAILURE_TYPES, invalidInput, nonRetryableFailure } from '../domain/failures';
import { reuseAllowed, reusePolicyFor, type DayOutcome, type ReprocessMode } from '../domain/backfill-plan';
import { dagRunWorkflowId } from '../domain/keys';
import { dagRunSearchAttributes, type RunTypeValue } from '../domain/search-attributes';
import { dayStateFromStatus } from '../domain/status-grid';
import { dayRunSummary, oneLine } from '../domain/task-summary';
import { RUN_DAG_WORKFLOW_TYPE, type RunDagWorkflow } from './contracts';

// Start one day's runDag as a child of a backfill or a scheduled run, or attach to it.
//
// The day's workflow ID is fixed (`dag/<dagId>/<day>`), so the server decides atomically whether
// a new run may start (the reuse policy of the reprocess mode). A refused start means the ID is
// either running or closed in a way the policy keeps; child starts cannot say which (no conflict
// policy for children), so the `awaitDagRun` activity looks: closed → the day is already done
// (skipped); running → wait for it and report its outcome (attached, never started twice).

/**
 * Refuse, at once, a backfill or scheduled run of a DAG this worker does not know or with params
 * its schema refuses: each day's runDag would refuse them anyway, one failed day at a time, while
 * the parent looked healthy. Throws a non-retryable InvalidInput failure naming the field.
 */
export function assertDagRunnable(what: string, dagId: string, params: Record<string, unknown> | undefined): void {
  const found = lookupDag(dagId);
  if (!found.ok) {
    if (found.reason === 'unknown') throw invalidInput(what, `dagId: ${found.message}`);
    throw nonRetryableFailure(FAILURE_TYPES.invalidDag, `DAG "${dagId}" is invalid: ${found.message}`);
  }
  const parsed = parseDagParams(found.dag, params);
  if (!parsed.ok) throw invalidInput(what, parsed.message);
}

/** Attach to the day's run: wait for it and report how it ended (summary: which run, for the UI). */
function awaitDagRun(workflowId: string): ReturnType<DagRunActivities['awaitDagRun']> {
  return proxyActivities<DagRunActivities>({
    // Waiting for another run may take as long as that run: heartbeats, not the start-to-close
    // timeout, detect a lost worker.
    startToCloseTimeout: '7d',
    heartbeatTimeout: '1m',
    retry: { initialInterval: '1s', maximumInterval: '1m', backoffCoefficient: 2 },
    summary: oneLine(`await ${workflowId}`),
  }).awaitDagRun({ workflowId });
}

export interface DayRunRequest {
  dagId: string;
  day: string;
  runType: RunTypeValue;
  backfillId?: string;
  params?: Record<string, unknown>;
  reprocess: ReprocessMode;
  /** See the callers for why each picks its policy. */
  parentClosePolicy: ParentClosePolicy;
  cancellationType: ChildWorkflowCancellationType;
}

/**
 * The memo a day run inherits from the workflow starting it: `storeTaskQueue` tells runDag which
 * queue serves DuckDB writes in this deployment (see workflows/activity-options.ts).
 */
export function inheritedRunMemo(): Record<string, unknown> | undefined {
  const store = workflowInfo().memo?.storeTaskQueue;
  return typeof store === 'string' && store !== '' ? { storeTaskQueue: store } : undefined;
}

export type DayRunResult = DayOutcome & { workflowId: string };

/** How many times a refused start is retried when the blocking run closed in between. */
const START_ATTEMPTS = 3;

export async function runDayAsChild(req: DayRunRequest): Promise<DayRunResult> {
  const workflowId = dagRunWorkflowId(req.dagId, req.day);
  const memo = inheritedRunMemo();
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    let handle: ChildWorkflowHandle<RunDagWorkflow>;
    try {
      handle = await startChild<RunDagWorkflow>(RUN_DAG_WORKFLOW_TYPE, {
        workflowId,
        staticSummary: dayRunSummary({ dagId: req.dagId, day: req.day, runType: req.runType }),
        args: [
          {
            dagId: req.dagId,
            logicalDate: req.day,
            runType: req.runType,
            ...(req.backfillId ? { backfillId: req.backfillId } : {}),
            ...(req.params ? { params: req.params } : {}),
          },
        ],
        workflowIdReusePolicy: reusePolicyFor(req.reprocess),
        typedSearchAttributes: dagRunSearchAttributes({
          dagId: req.dagId,
          logicalDate: req.day,
          runType: req.runType,
          backfillId: req.backfillId,
        }) as SearchAttributePair[],
        parentClosePolicy: req.parentClosePolicy,
        cancellationType: req.cancellationType,
        ...(memo ? { memo } : {}),
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const existing = await awaitDagRun(workflowId);
      const state = dayStateFromStatus(existing.status);
      if (existing.wasRunning) {
        return state === 'success'
          ? { kind: 'succeeded', attached: true, workflowId }
          : {
              kind: 'failed',
              attached: true,
              message: `attached run ended ${existing.status.toLowerCase()}`,
              workflowId,
            };
      }
      // Closed when we looked. If the policy keeps such a run, the day is done; otherwise the
      // run was still open at our start and closed since: try the start again.
      if (state === 'running' || !reuseAllowed(req.reprocess, state)) {
        return { kind: 'skipped', reason: `latest run ${existing.status.toLowerCase()}`, workflowId };
      }
      continue;
    }
    try {
      await handle.result();
      return { kind: 'succeeded', attached: false, workflowId };
    } catch (err) {
      // Only the child's own ending is the day's outcome (a day cancelled by someone counts as
      // failed); anything else, e.g. the caller being cancelled, propagates.
      if (!(err instanceof ChildWorkflowFailure)) throw err;
      return { kind: 'failed', attached: false, message: describeFailure(err), workflowId };
    }
  }
  return {
    kind: 'failed',
    attached: false,
    message: `could not start ${workflowId}: its runs kept closing and reopening`,
    workflowId,
  };
}

/** The innermost message of a child failure (runDag's own ApplicationFailure names the task). */
function describeFailure(err: unknown): string {
  let current: unknown = err;
  let message = String(err);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    message = current.message || message;
    current = (current as { cause?: unknown }).cause;
  }
  return message;
}
