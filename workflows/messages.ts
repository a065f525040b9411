import { defineQuery } from '@temporalio/workflow';
import type { TaskState } from '../domain/dag-spec';
import type { ExpandChunkResult } from './run-dag-expand';

// Queries of runDag (signals: none yet). Clients (CLI, status) import these definitions, so the
// names and shapes live in one place. Query answers come from workflow memory and add nothing
// to history.

/** Progress of a fan-out task (its items run in child workflows, `chunkSize` items each). */
export interface ExpandProgress {
  total: number;
  succeeded: number;
  failed: number;
  chunks: number;
  chunksDone: number;
}

/** One task of a run, as the `taskStates` query and the run summary report it. */
export interface TaskRunInfo {
  /**
   * pending | running | success | failed | upstream_failed | skipped. runDag never reports
   * `up_for_retry` itself: Temporal retries activities on the server, invisibly to workflow code.
   * Clients derive it from the run's pending activities (activity ID = task ID; attempt > 1 and
   * waiting for the next attempt), see cli/commands/run.ts `withPendingAttempts`.
   */
  state: TaskState;
  /**
   * The final attempt number (0 = never started). Exact for activities defined with
   * `taskActivity()` and for any activity whose retries ran out; 1 for a success of an activity
   * that does not report attempts. For a fan-out task: the highest attempt of any item.
   */
  attempts: number;
  /** The task's output when it is small (≤ 4 KB of JSON), else `{ omitted: 'output of N bytes not shown' }`. */
  output?: unknown;
  /** Why the task failed, was skipped or is upstream_failed. */
  error?: string;
  /** Fan-out tasks only. */
  items?: ExpandProgress;
}

export type TaskStatesView = Record<string, TaskRunInfo>;

/** Each task's state, attempts, small output and error; `{}` until the input is validated. */
export const taskStatesQuery = defineQuery<TaskStatesView>('taskStates');

/**
 * Live counts of one fan-out chunk (workflow `runDagExpandChunk`, ID from
 * `expandChunkWorkflowId(runId, taskId, chunk)`). The parent learns a chunk's counts only when it
 * ends; clients that want item-level progress query the running chunk.
 */
export const chunkProgressQuery = defineQuery<ExpandChunkResult>('chunkProgress');
