import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { FAILURE_TYPES, nonRetryableFailure, parseOrFail } from '../domain/failures';
import { dagRunWorkflowId } from '../domain/keys';
import { addDays, logicalDateFromScheduledTime } from '../domain/logical-date';
import { LogicalDateKey } from '../domain/search-attributes';
import { ScheduledRunInput, type ScheduledRunResult } from './contracts';
import { assertDagRunnable, runDayAsChild } from './dag-run-child';
import { scheduledStartTime } from './scheduled-start-time';

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

export async function scheduledDagRun(raw: ScheduledRunInput): Promise<ScheduledRunResult> {
  const input = parseOrFail(ScheduledRunInput, raw ?? {}, 'bad scheduled run input');
  assertDagRunnable('bad scheduled run input', input.dagId, input.params);
  const scheduled = scheduledStartTime();
  const logicalDate = input.logicalDate ?? (scheduled ? logicalDateFromScheduledTime(scheduled) : undefined);
  if (logicalDate === undefined) {
    throw nonRetryableFailure(
      FAILURE_TYPES.invalidInput,
      'scheduledDagRun was not started by a schedule (no TemporalScheduledStartTime search attribute): pass logicalDate, or start runDag instead',
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
    throw nonRetryableFailure(
      FAILURE_TYPES.dagRunFailed,
      `${workflowId} failed: ${main.message ?? 'see the run'}`,
      result,
    );
  }
  return result;
}
