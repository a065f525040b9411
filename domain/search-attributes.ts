import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// The search attributes every DAG run carries so the Temporal UI and `mastoflow status` can
// filter runs. Registered by the dev launcher (infra/local-servers.ts) and by compose.
export const DagIdKey = defineSearchAttributeKey('DagId', SearchAttributeType.KEYWORD);
export const LogicalDateKey = defineSearchAttributeKey('LogicalDate', SearchAttributeType.DATETIME);
export const RunTypeKey = defineSearchAttributeKey('RunType', SearchAttributeType.KEYWORD);
export const BackfillIdKey = defineSearchAttributeKey('BackfillId', SearchAttributeType.KEYWORD);

/**
 * Set by the server on every workflow a Temporal Schedule starts (manual triggers included): the
 * time the schedule meant to fire. Read by workflows/scheduled-start-time.ts.
 */
export const TemporalScheduledStartTimeKey = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

export type RunTypeValue = 'scheduled' | 'manual' | 'backfill';

/** Typed search attribute pairs for a DAG run; `logicalDate` is the UTC day, stored at 00:00Z. */
export function dagRunSearchAttributes(a: {
  dagId: string;
  logicalDate: string;
  runType: RunTypeValue;
  backfillId?: string;
}) {
  const pairs = [
    { key: DagIdKey, value: a.dagId },
    { key: LogicalDateKey, value: new Date(`${a.logicalDate}T00:00:00.000Z`) },
    { key: RunTypeKey, value: a.runType },
  ] as Array<{
    key: typeof DagIdKey | typeof LogicalDateKey | typeof RunTypeKey | typeof BackfillIdKey;
    value: string | Date;
  }>;
  if (a.backfillId) pairs.push({ key: BackfillIdKey, value: a.backfillId });
  return pairs;
}
