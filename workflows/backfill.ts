import {
  condition,
  continueAsNew,
  isCancellation,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  BackfillRequest,
  checkBackfillRange,
  initialProgress,
  isFinished,
  markFinished,
  markLaunched,
  nextDay,
  planBackfill,
  progressSummary,
  type BackfillPlan,
  type BackfillProgress,
  type DayOutcome,
} from '../domain/backfill-plan';
import { invalidInput, parseOrFail } from '../domain/failures';
import { BackfillIdKey, DagIdKey, RunTypeKey } from '../domain/search-attributes';
import { backfillProgressQuery, type BackfillInput } from './contracts';
import { assertDagRunnable, runDayAsChild } from './dag-run-child';

// backfillDag: run a DAG over [from, to], at most `maxActive` day runs open at once.
//
// Each day is a child runDag with ID `dag/<dagId>/<day>`; the reprocess mode becomes the child's
// ID reuse policy, so "already done" is decided by the server. A refused start is skipped (already
// done) or, when that day is running elsewhere, waited for (see dag-run-child.ts).
//
// Cancelling a backfill stops it launching days and closes it at once; days already running are
// left to finish (parent close policy ABANDON, child cancellation type ABANDON): a day's run
// overwrites its own outputs and is safe to complete, and killing it mid-way would only turn a
// nearly finished day into a failed one. Running the same backfill again attaches to those days.
// (`mastoflow backfill --cancel --cancel-runs` cancels them too.)
//
// History: every `daysPerRun` launched days (or when Temporal suggests it) the workflow stops
// launching, waits for its open children (continue-as-new would cut them off from the parent) and
// continues as new with the progress, so history stays far below its limits.

export async function backfillDag(raw: BackfillInput): Promise<BackfillProgress> {
  const { state, ...requestRaw } = (raw ?? {}) as BackfillInput;
  const request = parseOrFail(BackfillRequest, requestRaw, 'bad backfill input');
  // Order and width of the range; no clock here (see checkBackfillRange).
  const range = checkBackfillRange(request);
  if (!range.ok) throw invalidInput('bad backfill input', range.message);
  assertDagRunnable('bad backfill input', request.dagId, request.params);
  const plan = planBackfill(request);
  let progress: BackfillProgress = state ?? initialProgress(plan);
  let version = 0;
  setHandler(backfillProgressQuery, () => progress);
  tagForVisibility(plan);

  const update = (next: BackfillProgress): void => {
    progress = next;
    version += 1;
    publishDetails(progress);
  };

  const launch = async (day: string): Promise<void> => {
    let outcome: DayOutcome;
    try {
      outcome = await runDayAsChild({
        dagId: plan.request.dagId,
        day,
        runType: 'backfill',
        backfillId: plan.backfillId,
        params: plan.request.params,
        reprocess: plan.request.reprocess,
        parentClosePolicy: 'ABANDON',
        cancellationType: 'ABANDON',
      });
    } catch (err) {
      // Our own cancellation: the main loop handles it; this day is left running.
      if (isCancellation(err)) return;
      outcome = { kind: 'failed', attached: false, message: err instanceof Error ? err.message : String(err) };
    }
    update(markFinished(progress, day, outcome));
  };

  let launchedHere = 0;
  const shouldRollOver = (): boolean =>
    launchedHere >= plan.request.daysPerRun || workflowInfo().continueAsNewSuggested;

  try {
    publishDetails(progress);
    for (;;) {
      while (progress.running.length < plan.request.maxActive && !shouldRollOver()) {
        const day = nextDay(plan, progress);
        if (day === undefined) break;
        launchedHere += 1;
        update(markLaunched(progress, day));
        void launch(day);
      }
      if (isFinished(progress)) break;
      if (progress.running.length === 0 && shouldRollOver()) {
        await continueAsNew<typeof backfillDag>({
          ...plan.request,
          state: { ...progress, generation: progress.generation + 1 },
        });
      }
      const seen = version;
      await condition(() => version !== seen);
    }
  } catch (err) {
    if (isCancellation(err)) {
      progress = { ...progress, phase: 'cancelled' };
      publishDetails(progress);
    }
    throw err;
  }
  progress = { ...progress, phase: 'completed' };
  publishDetails(progress);
  return progress;
}

/** DagId, RunType=backfill and BackfillId on the backfill itself, unless the starter set them. */
function tagForVisibility(plan: BackfillPlan): void {
  if (workflowInfo().typedSearchAttributes.get(BackfillIdKey) !== undefined) return;
  upsertSearchAttributes([
    { key: DagIdKey, value: plan.request.dagId },
    { key: RunTypeKey, value: 'backfill' },
    { key: BackfillIdKey, value: plan.backfillId },
  ]);
}

/** Progress for the Temporal UI's "current details" (Markdown). */
function publishDetails(p: BackfillProgress): void {
  const head = `**Backfill ${p.dagId}** ${p.from} … ${p.to} (reprocess ${p.reprocess}, max ${p.maxActive} active) — ${p.phase}`;
  const lines = [head, '', progressSummary(p)];
  if (p.running.length > 0) lines.push('', `Running: ${p.running.join(', ')}`);
  if (p.failedDays.length > 0) {
    const shown = p.failedDays.slice(-20);
    const more = p.failedDays.length > shown.length ? ` (+${p.failedDays.length - shown.length} more)` : '';
    lines.push('', `Failed: ${shown.join(', ')}${more}`);
  }
  setCurrentDetails(lines.join('\n'));
}
