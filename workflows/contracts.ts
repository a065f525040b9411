import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { BackfillProgress, BackfillRequestInput, DayOutcome } from '../domain/backfill-plan';
import type { RunDagInput, RunType, TaskState } from '../domain/dag-spec';
import { Slug } from '../domain/dag-spec';
import { CalendarDay } from '../domain/date-range';
import type { Lease, LeaseRequest, LedgerState, LedgerStats } from '../domain/rate-lease';
import type { BudgetSnapshot, ThrottleSpecs } from '../domain/rate-budget';
import type { ForgetInput as ForgetInputSchema } from '../domain/erasure';
import type { ExpandChunkResult } from './run-dag-expand';

// The contract between mastoflow's workflows and everything that starts, queries or reads them
// (CLI, runtime/ clients, benchmarks, tests, schedules, parent workflows): each workflow type
// name, query, input and result is defined here once. The type names are public: users paste
// them into the Temporal UI's start form (docs/manual-runs.md), so they never change.
// workflows/index.ts exports a function under each name (test/unit/workflow-contracts.test.ts).

// ---------------------------------------------------------------------------------------------
// Workflow type names

/** One run of one DAG for one logical day (workflows/run-dag.ts). */
export const RUN_DAG_WORKFLOW_TYPE = 'runDag';
/** One chunk of a fan-out task's items, a child of runDag (workflows/run-dag-expand.ts). */
export const RUN_DAG_EXPAND_CHUNK_WORKFLOW_TYPE = 'runDagExpandChunk';
/** What a DAG's Temporal Schedule starts (workflows/scheduled-run.ts). */
export const SCHEDULED_RUN_WORKFLOW_TYPE = 'scheduledDagRun';
/** A DAG over a range of days (workflows/backfill.ts). */
export const BACKFILL_WORKFLOW_TYPE = 'backfillDag';
/** Every fetcher of every instance for one day, outside a DAG (workflows/fetch-day.ts). */
export const FETCH_DAY_WORKFLOW_TYPE = 'fetchDay';
/** The platform smoke check (workflows/smoke.ts). */
export const SMOKE_WORKFLOW_TYPE = 'smokeWorkflow';
/** One instance's request budget, leased to every worker process (workflows/rate-budget-keeper.ts). */
export const RATE_BUDGET_KEEPER_WORKFLOW_TYPE = 'rateBudgetKeeper';
/** Erasure of one account, named by its keyed hash (workflows/forget.ts, `mastoflow forget`). */
export const FORGET_WORKFLOW_TYPE = 'forgetAccount';

export const WORKFLOW_TYPES = [
  RUN_DAG_WORKFLOW_TYPE,
  RUN_DAG_EXPAND_CHUNK_WORKFLOW_TYPE,
  SCHEDULED_RUN_WORKFLOW_TYPE,
  BACKFILL_WORKFLOW_TYPE,
  FETCH_DAY_WORKFLOW_TYPE,
  SMOKE_WORKFLOW_TYPE,
  RATE_BUDGET_KEEPER_WORKFLOW_TYPE,
  FORGET_WORKFLOW_TYPE,
] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

// ---------------------------------------------------------------------------------------------
// runDag: input (the zod schema RunDagInput in domain/dag-spec.ts), task states, summary

/** runDag's input as a starter writes it (the Temporal UI's JSON form, CLI, schedules, backfills). */
export type RunDagStartInput = z.input<typeof RunDagInput>;

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
   * waiting for the next attempt), see runtime/dag-client.ts `withPendingAttempts`.
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

/** runDag's result; on failure, the details[0] of its DagRunFailed failure. */
export interface RunDagSummary {
  dagId: string;
  logicalDate: string;
  runType: RunType;
  backfillId?: string;
  /** The run's workflow ID (`dag/<dagId>/<day>` when started by mastoflow). */
  runId: string;
  state: 'success' | 'failed';
  tasks: TaskStatesView;
}

/** The signature a client starts runDag with. */
export type RunDagWorkflow = (input?: RunDagStartInput) => Promise<RunDagSummary>;

// Queries answer from workflow memory and add nothing to history. Signals: none yet.

/** Each task's state, attempts, small output and error; `{}` until the input is validated. */
export const taskStatesQuery = defineQuery<TaskStatesView>('taskStates');

/**
 * Live counts of one fan-out chunk (workflow `runDagExpandChunk`, ID from
 * `expandChunkWorkflowId(runId, taskId, chunk)`). The parent learns a chunk's counts only when it
 * ends; clients that want item-level progress query the running chunk.
 */
export const chunkProgressQuery = defineQuery<ExpandChunkResult>('chunkProgress');

// ---------------------------------------------------------------------------------------------
// scheduledDagRun

export const ScheduledRunInput = z.strictObject({
  dagId: Slug,
  params: z.record(z.string(), z.unknown()).optional(),
  /**
   * Also re-run this many days before the logical date, one after another, once the day itself
   * has run (re-processing them picks up late-federated posts). 0 = off.
   */
  rerunPreviousDays: z.number().int().min(0).max(7).default(0),
  /** Only for starting this workflow by hand outside a schedule: the day to process. */
  logicalDate: CalendarDay.optional(),
});
export type ScheduledRunInput = z.input<typeof ScheduledRunInput>;

export interface ScheduledRunResult {
  dagId: string;
  /** ISO-8601, from TemporalScheduledStartTime (absent when started by hand with a logicalDate). */
  scheduledTime?: string;
  logicalDate: string;
  workflowId: string;
  outcome: DayOutcome['kind'];
  reruns: Array<{ logicalDate: string; workflowId: string; outcome: DayOutcome['kind'] }>;
}

export type ScheduledRunWorkflow = (input: ScheduledRunInput) => Promise<ScheduledRunResult>;

// ---------------------------------------------------------------------------------------------
// backfillDag (its request schema, BackfillRequest, is domain/backfill-plan.ts)

/** The workflow input: the request, plus the progress handed over by continue-as-new. */
export type BackfillInput = BackfillRequestInput & { state?: BackfillProgress };

export type BackfillWorkflow = (input: BackfillInput) => Promise<BackfillProgress>;

/** The live bookkeeping; works on a closed backfill too (the result is the same shape). */
export const backfillProgressQuery = defineQuery<BackfillProgress>('progress');

// ---------------------------------------------------------------------------------------------
// fetchDay

export const FetchDayInput = z.strictObject({
  logicalDate: CalendarDay,
  instances: z.array(z.string().min(1)).optional(),
  lookbackDays: z.number().int().min(0).max(7).default(0),
  /** Fetch activities in flight at once. */
  concurrency: z.number().int().min(1).max(64).default(8),
  /** Heartbeat timeout of the fetch activities: how fast a dead worker's fetch moves on. */
  heartbeatTimeoutMs: z.number().int().min(1000).default(60_000),
  /**
   * Attempts per fetch (5xx, timeouts, cut bodies are retried with backoff). Generous because a
   * long fetch resumes from its cursor: attempts count sporadic errors over hours of paging,
   * not repeated work. With the 1 min cap, a dead instance is given up after about 45 minutes.
   */
  maximumAttempts: z.number().int().min(1).max(1000).default(50),
  initialRetryMs: z.number().int().min(10).default(1_000),
  maxRetryIntervalMs: z.number().int().min(10).default(60_000),
  pageLimit: z.number().int().min(1).max(80).optional(),
  marginMs: z.number().int().min(0).optional(),
  httpTimeoutMs: z.number().int().min(100).optional(),
  maxPages: z.number().int().min(1).optional(),
});
export type FetchDayInput = z.input<typeof FetchDayInput>;

export interface FetchDayItemResult {
  instance: string;
  day: string;
  source: string;
  manifestKey: string;
  pages: number;
  statusesInWindow: number;
  complete: boolean;
  unavailable?: { reason: string; httpStatus: number };
}

export interface FetchDayFailure {
  instance: string;
  day: string;
  source: string;
  manifestKey: string;
  message: string;
  type?: string;
}

export interface FetchDayResult {
  logicalDate: string;
  results: FetchDayItemResult[];
  failed: FetchDayFailure[];
  totals: { sources: number; pages: number; statusesInWindow: number; unavailable: number; failed: number };
}

export type FetchDayWorkflow = (input: FetchDayInput) => Promise<FetchDayResult>;

// ---------------------------------------------------------------------------------------------
// smokeWorkflow

export const SmokeInput = z.strictObject({
  runId: z.string().min(1).optional(),
  failFirstAttempt: z.boolean().default(true),
  storeTaskQueue: z.string().min(1).default('mastoflow-store'),
});
export type SmokeInput = z.input<typeof SmokeInput>;

export interface SmokeResult {
  objectKey: string;
  objectAttempt: number;
  duckdbRows: number;
}

export type SmokeWorkflow = (input?: SmokeInput) => Promise<SmokeResult>;

// ---------------------------------------------------------------------------------------------
// rateBudgetKeeper: one per (task queue, instance, identity); ID from domain/keys.ts
// rateBudgetWorkflowId. Fetch activities start it with update-with-start (USE_EXISTING).

export interface RateBudgetKeeperInput {
  /** The instance's throttle shapes (the first process to start the keeper decides them). */
  specs: ThrottleSpecs;
  /** Carried across continue-as-new. */
  state?: LedgerState;
  /** Continue-as-new after this many leases (bounds the history); default 500. */
  leasesPerRun?: number;
  /** End after this long without a lease request; default max(60 s, 2 × the longest period). */
  idleMs?: number;
}

export type RateBudgetKeeperWorkflow = (input: RateBudgetKeeperInput) => Promise<LedgerStats>;

/** A process asks for slots (and reports what the server said since its last lease). */
export const leaseUpdate = defineUpdate<Lease, [LeaseRequest]>('lease');

export type RateBudgetFigures = LedgerStats & { cursorMs: number; budget: BudgetSnapshot; leasesThisRun: number };
/** The keeper's figures: leases and slots granted (per holder), reports, the budget now. */
export const rateBudgetQuery = defineQuery<RateBudgetFigures>('rateBudget');

// ---------------------------------------------------------------------------------------------
// forgetAccount: input ForgetInput (domain/erasure.ts, hashes only); result counts and days

export interface ForgetResult {
  accountHash: string;
  /** Days whose raw was kept and held the account (or precede one that did): aggregated again. */
  reaggregated: Array<{ instance: string; day: string }>;
  /** Days whose raw was purged: account-level rows removed, totals marked in erasure_marks. */
  purgedDaysMarked: Array<{ instance: string; day: string }>;
  statusesRemoved: number;
  objectsRewritten: number;
  objectsDeleted: number;
  rowsDeleted: number;
  logKey: string;
}

/** What `forget` shows while it runs (query `forgetProgress`). */
export interface ForgetProgress {
  phase: 'begin' | 'raw' | 'reaggregate' | 'purged' | 'finish' | 'reports' | 'done';
  done: number;
  total: number;
}
export const forgetProgressQuery = defineQuery<ForgetProgress>('forgetProgress');

export type ForgetWorkflow = (input: z.input<typeof ForgetInputSchema>) => Promise<ForgetResult>;
