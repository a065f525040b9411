import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ApplicationFailure, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { z } from 'zod';
import { formatIssues, Slug } from '../domain/dag-spec';
import { dagRunWorkflowId } from '../domain/keys';
import { addDays, isValidDay, logicalDateFromScheduledTime } from '../domain/logical-date';
import { LogicalDateKey } from '../domain/search-attributes';
import { runDayAsChild, type DayRunResult } from './dag-run-child';

// scheduledDagRun: what a DAG's Temporal Schedule starts.
//
// A schedule names its workflows `<action workflowId>-<scheduled time>` and passes no scheduled
// time as an argument, so the schedule cannot start runDag directly without breaking the
// `dag/<dagId>/<day>` convention that reprocessing, backfills and `status` rely on. This thin
// workflow reads the time the schedule meant to fire from the `TemporalScheduledStartTime` search
// attribute the server sets (recorded in history, so replay-safe; never the wall clock), derives
// the logical date (the UTC day before that instant's UTC date) and runs that day's runDag as a
// child under its canonical ID. It waits for the child, so the schedule's overlap policy governs
// day runs, not just this wrapper.
//
// Policies: a scheduled fire never redoes a day that already succeeded (e.g. filled by a
// backfill) but does re-run a failed one (reuse ALLOW_DUPLICATE_FAILED_ONLY); a day running
// elsewhere is waited for. Cancelling this workflow cancels its day run (REQUEST_CANCEL).

export const SCHEDULED_RUN_WORKFLOW_TYPE = 'scheduledDagRun';

/** Set by the server on every workflow a schedule starts (manual triggers included). */
export const TemporalScheduledStartTimeKey = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

export const ScheduledRunInput = z.strictObject({
  dagId: Slug,
  params: z.record(z.string(), z.unknown()).optional(),
  /**
   * Also re-run this many days before the logical date, one after another, once the day itself
   * has run (re-processing them picks up late-federated posts). 0 = off.
   */
  rerunPreviousDays: z.number().int().min(0).max(7).default(0),
  /** Only for starting this workflow by hand outside a schedule: the day to process. */
  logicalDate: z.string().refine(isValidDay, { error: 'expected YYYY-MM-DD (a real calendar day)' }).optional(),
});
export type ScheduledRunInput = z.input<typeof ScheduledRunInput>;

export interface ScheduledRunResult {
  dagId: string;
  /** ISO-8601, from TemporalScheduledStartTime (absent when started by hand with a logicalDate). */
  scheduledTime?: string;
  logicalDate: string;
  workflowId: string;
  outcome: DayRunResult['kind'];
  reruns: Array<{ logicalDate: string; workflowId: string; outcome: DayRunResult['kind'] }>;
}

export async function scheduledDagRun(raw: ScheduledRunInput): Promise<ScheduledRunResult> {
  const parsed = ScheduledRunInput.safeParse(raw ?? {}, { reportInput: true });
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `bad scheduled run input: ${formatIssues(parsed.error.issues).join('; ')}`,
      'BadInput',
    );
  }
  const input = parsed.data;
  const scheduled = scheduledStartTime();
  const logicalDate = input.logicalDate ?? (scheduled ? logicalDateFromScheduledTime(scheduled) : undefined);
  if (logicalDate === undefined) {
    throw ApplicationFailure.nonRetryable(
      'scheduledDagRun was not started by a schedule (no TemporalScheduledStartTime search attribute): pass logicalDate, or start runDag instead',
      'BadInput',
    );
  }
  upsertSearchAttributes([{ key: LogicalDateKey, value: new Date(`${logicalDate}T00:00:00.000Z`) }]);
  const workflowId = dagRunWorkflowId(input.dagId, logicalDate);
  setCurrentDetails(`Scheduled at ${scheduled?.toISOString() ?? '(by hand)'} → runs **${workflowId}**`);

  const common = {
    dagId: input.dagId,
    runType: 'scheduled' as const,
    params: input.params,
    parentClosePolicy: 'REQUEST_CANCEL' as const,
    cancellationType: 'WAIT_CANCELLATION_COMPLETED' as const,
  };
  const main = await runDayAsChild({ ...common, day: logicalDate, reprocess: 'failed' });

  const reruns: ScheduledRunResult['reruns'] = [];
  for (let back = 1; back <= input.rerunPreviousDays; back++) {
    const day = addDays(logicalDate, -back);
    // Re-processing is the point here, so even a successful day runs again.
    const rerun = await runDayAsChild({ ...common, day, reprocess: 'all' });
    reruns.push({ logicalDate: day, workflowId: rerun.workflowId, outcome: rerun.kind });
  }

  const result: ScheduledRunResult = {
    dagId: input.dagId,
    ...(scheduled ? { scheduledTime: scheduled.toISOString() } : {}),
    logicalDate,
    workflowId,
    outcome: main.kind,
    reruns,
  };
  const detail = main.kind === 'skipped' ? ` (${main.reason})` : '';
  setCurrentDetails(`Scheduled at ${result.scheduledTime ?? '(by hand)'} → **${workflowId}**: ${main.kind}${detail}`);
  // A failed day fails this workflow too, so the schedule's recent actions show it.
  if (main.kind === 'failed') {
    throw ApplicationFailure.nonRetryable(
      `${workflowId} failed: ${main.message ?? 'see the run'}`,
      'DagRunFailed',
      result,
    );
  }
  return result;
}

function scheduledStartTime(): Date | undefined {
  const info = workflowInfo();
  const typed = info.typedSearchAttributes.get(TemporalScheduledStartTimeKey);
  if (typed instanceof Date) return typed;
  // Older servers send it without the type metadata the typed view needs.
  const untyped = info.searchAttributes?.TemporalScheduledStartTime?.[0];
  if (untyped instanceof Date) return untyped;
  if (typeof untyped === 'string' && Number.isFinite(Date.parse(untyped))) return new Date(Date.parse(untyped));
  return undefined;
}
