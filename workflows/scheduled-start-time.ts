import { workflowInfo } from '@temporalio/workflow';
import { TemporalScheduledStartTimeKey } from '../domain/search-attributes';

/**
 * The time the Temporal Schedule meant to fire this run, if a schedule started it: from the
 * `TemporalScheduledStartTime` search attribute the server sets (recorded in history, so
 * replay-safe; never the wall clock). Shared by runDag and scheduledDagRun.
 */
export function scheduledStartTime(): Date | undefined {
  const info = workflowInfo();
  const typed = info.typedSearchAttributes.get(TemporalScheduledStartTimeKey);
  if (typed instanceof Date && Number.isFinite(typed.getTime())) return typed;
  // Older servers/SDK paths only fill the untyped map, without the type metadata the typed view
  // needs (values may arrive as ISO strings).
  const untyped = info.searchAttributes?.TemporalScheduledStartTime?.[0];
  if (untyped instanceof Date || typeof untyped === 'string') {
    const date = new Date(untyped as string | Date);
    if (Number.isFinite(date.getTime())) return date;
  }
  return undefined;
}
