import { z } from 'zod';
import { Slug } from './dag-spec';
import { CalendarDay, parseDateRange, type DayLimits } from './date-range';
import { backfillWorkflowId } from './keys';
import { daysInRange } from './logical-date';
import type { DayRunState } from './status-grid';

// A backfill as data: which days, in which order, how a day that already has a run is treated,
// and the bookkeeping the backfill workflow carries (and hands over on continue-as-new). Pure,
// so the workflow, the CLI's dry run and the unit tests share one definition of each rule.

// ---------------------------------------------------------------------------------------------
// Request

/**
 * How a day that already has a run is treated (Airflow's reprocess behaviour):
 * - missing: only days with no run at all; a failed day stays failed (re-run it with `failed`).
 * - failed:  days with no run, plus days whose latest run failed, was cancelled or terminated.
 * - all:     every day, successful ones included.
 * A day whose run is in progress is never started twice in any mode: the backfill waits for it.
 */
export const ReprocessMode = z.enum(['missing', 'failed', 'all']);
export type ReprocessMode = z.output<typeof ReprocessMode>;

/** Most days one workflow run launches before continuing as new (keeps history far below limits). */
export const DEFAULT_DAYS_PER_RUN = 100;

/**
 * The widest backfill, in days: two years (a leap day included). A wider range is nearly always a
 * typo (`--from 2016` for `2026`); a deliberate one is split into several backfills, each of
 * which stays a readable unit in the Temporal UI.
 */
export const MAX_BACKFILL_DAYS = 731;

/** An upper bound on open runs, so a typo (`--max-active 500`) cannot flood the workers. */
export const MAX_ACTIVE_LIMIT = 64;

export const BackfillRequest = z.strictObject({
  dagId: Slug,
  from: CalendarDay,
  to: CalendarDay,
  reprocess: ReprocessMode.default('missing'),
  /** Newest day first: the most useful recent days are filled before the old ones. */
  backwards: z.boolean().default(false),
  maxActive: z
    .number()
    .int()
    .min(1, { error: 'expected maxActive >= 1' })
    .max(MAX_ACTIVE_LIMIT, { error: `expected maxActive <= ${MAX_ACTIVE_LIMIT}` })
    .default(1),
  /** Run params handed to every day's runDag (validated there against the DAG's schema). */
  params: z.record(z.string(), z.unknown()).optional(),
  daysPerRun: z.number().int().min(1).max(1000).default(DEFAULT_DAYS_PER_RUN),
});
export type BackfillRequest = z.output<typeof BackfillRequest>;
export type BackfillRequestInput = z.input<typeof BackfillRequest>;

/**
 * The range rules of a backfill (domain/date-range.ts): from <= to, at most MAX_BACKFILL_DAYS,
 * and the surface's day limits: the CLI passes today (no future days, none before 2000); the
 * workflow passes none (it reads no clock; a range starting tomorrow is the CLI's to refuse).
 * `names` are the caller's words for the two ends (`--from`/`--to` on the CLI).
 */
export function checkBackfillRange(
  request: Pick<BackfillRequest, 'from' | 'to'>,
  limits: DayLimits & { names?: { from: string; to: string } } = { earliest: null },
): { ok: true } | { ok: false; parameter: string; message: string } {
  const range = parseDateRange(request, { ...limits, maxDays: MAX_BACKFILL_DAYS });
  return range.ok ? { ok: true } : range;
}

// ---------------------------------------------------------------------------------------------
// Temporal policies per mode

/** The literal values of Temporal's WorkflowIdReusePolicy that the modes use. */
export type DayReusePolicy = 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE_FAILED_ONLY' | 'ALLOW_DUPLICATE';

/**
 * A day's workflow ID is `dag/<dagId>/<day>`, so "does this day need a run?" is exactly what the
 * server's ID reuse policy decides at start time, atomically, without a racy lookup first.
 */
export function reusePolicyFor(mode: ReprocessMode): DayReusePolicy {
  switch (mode) {
    case 'missing':
      return 'REJECT_DUPLICATE';
    case 'failed':
      return 'ALLOW_DUPLICATE_FAILED_ONLY';
    case 'all':
      return 'ALLOW_DUPLICATE';
  }
}

/**
 * A running day is attached to, never started again. (The backfill workflow itself is started
 * with this conflict policy; day runs are child workflows, which have no conflict policy, so the
 * workflow implements "attach" itself: a start refused because the ID is running → wait for it.)
 */
export const RUNNING_DAY_CONFLICT_POLICY = 'USE_EXISTING' as const;

/** Would the server accept a new run of a day whose latest run closed in `state`? */
export function reuseAllowed(mode: ReprocessMode, state: Exclude<DayRunState, 'running'>): boolean {
  if (state === 'none') return true;
  switch (mode) {
    case 'missing':
      return false;
    case 'failed':
      return state !== 'success';
    case 'all':
      return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Plan

export interface BackfillPlan {
  request: BackfillRequest;
  backfillId: string;
  /** In launch order (newest first when `backwards`). */
  days: string[];
  reusePolicy: DayReusePolicy;
}

export function planBackfill(request: BackfillRequest): BackfillPlan {
  return {
    request,
    backfillId: backfillWorkflowId(request.dagId, request.from, request.to),
    days: daysInRange(request.from, request.to, { backwards: request.backwards }),
    reusePolicy: reusePolicyFor(request.reprocess),
  };
}

export type DryRunAction = 'run' | 'skip' | 'attach';

export interface DryRunDay {
  day: string;
  existing: DayRunState;
  action: DryRunAction;
  reason: string;
}

/** What a backfill would do to one day, given the state of the day's latest run. */
export function dryRunDay(mode: ReprocessMode, day: string, existing: DayRunState): DryRunDay {
  if (existing === 'running') return { day, existing, action: 'attach', reason: 'a run is in progress: wait for it' };
  if (existing === 'none') return { day, existing, action: 'run', reason: 'no run yet' };
  if (reuseAllowed(mode, existing)) {
    return {
      day,
      existing,
      action: 'run',
      reason: mode === 'all' ? `re-run (was ${existing})` : `re-run the ${existing} run`,
    };
  }
  return {
    day,
    existing,
    action: 'skip',
    reason:
      existing === 'success' ? 'already succeeded' : `has a ${existing} run (use --reprocess failed to re-run it)`,
  };
}

/** The dry-run listing: every planned day in launch order with its action. */
export function dryRun(plan: BackfillPlan, existing: ReadonlyMap<string, DayRunState>): DryRunDay[] {
  return plan.days.map((day) => dryRunDay(plan.request.reprocess, day, existing.get(day) ?? 'none'));
}

// ---------------------------------------------------------------------------------------------
// Progress bookkeeping

export type BackfillPhase = 'running' | 'completed' | 'cancelled';

/**
 * What the `progress` query returns and what continue-as-new carries forward. `done` counts days
 * finished in any way (succeeded + failed + skipped); `cursor` indexes the next day of the plan
 * to launch; `running` lists days with an open run (started here or attached to).
 */
export interface BackfillProgress {
  backfillId: string;
  dagId: string;
  from: string;
  to: string;
  reprocess: ReprocessMode;
  backwards: boolean;
  maxActive: number;
  total: number;
  done: number;
  succeeded: number;
  failed: number;
  /** Already done: the reuse policy refused a new run (success in any mode, any run in missing). */
  skipped: number;
  /** Of succeeded + failed: days that were already running elsewhere and were waited for. */
  attached: number;
  running: string[];
  cursor: number;
  /** Failed days, in the order they finished (a backfill's days are bounded, so is this). */
  failedDays: string[];
  phase: BackfillPhase;
  /** How many times the workflow continued as new so far. */
  generation: number;
}

export function initialProgress(plan: BackfillPlan): BackfillProgress {
  const r = plan.request;
  return {
    backfillId: plan.backfillId,
    dagId: r.dagId,
    from: r.from,
    to: r.to,
    reprocess: r.reprocess,
    backwards: r.backwards,
    maxActive: r.maxActive,
    total: plan.days.length,
    done: 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    attached: 0,
    running: [],
    cursor: 0,
    failedDays: [],
    phase: 'running',
    generation: 0,
  };
}

/** The next day to launch, or undefined when every day has been launched. */
export function nextDay(plan: BackfillPlan, progress: BackfillProgress): string | undefined {
  return plan.days[progress.cursor];
}

/** Launch the day at the cursor: it becomes running and the cursor moves on. */
export function markLaunched(progress: BackfillProgress, day: string): BackfillProgress {
  return { ...progress, cursor: progress.cursor + 1, running: [...progress.running, day] };
}

export type DayOutcome =
  | { kind: 'succeeded'; attached: boolean }
  | { kind: 'failed'; attached: boolean; message?: string }
  | { kind: 'skipped'; reason: string };

export function markFinished(progress: BackfillProgress, day: string, outcome: DayOutcome): BackfillProgress {
  const next: BackfillProgress = {
    ...progress,
    running: progress.running.filter((d) => d !== day),
    done: progress.done + 1,
  };
  switch (outcome.kind) {
    case 'succeeded':
      next.succeeded += 1;
      if (outcome.attached) next.attached += 1;
      break;
    case 'failed':
      next.failed += 1;
      if (outcome.attached) next.attached += 1;
      next.failedDays = [...progress.failedDays, day];
      break;
    case 'skipped':
      next.skipped += 1;
      break;
  }
  return next;
}

export function isFinished(progress: BackfillProgress): boolean {
  return progress.cursor >= progress.total && progress.running.length === 0;
}

/** `12/30 days done: 9 succeeded, 1 failed, 2 skipped (already done); 3 running` */
export function progressSummary(p: BackfillProgress): string {
  const parts = [`${p.succeeded} succeeded`, `${p.failed} failed`, `${p.skipped} skipped (already done)`];
  const attached = p.attached > 0 ? `, ${p.attached} waited for` : '';
  return `${p.done}/${p.total} days done: ${parts.join(', ')}${attached}; ${p.running.length} running`;
}
