import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { addDays } from '../domain/logical-date';
import { BackfillIdKey, LogicalDateKey, RunTypeKey } from '../domain/search-attributes';
import {
  buildStatusGrid,
  dayStateFromStatus,
  latestRunPerDay,
  type DayRunRecord,
  type DayRunState,
  type StatusGrid,
} from '../domain/status-grid';

// Reads DAG runs from Temporal visibility (the same index the UI filters on) for `status` and
// the backfill dry run. Visibility is eventually consistent: a run started a moment ago may
// show up a second later.

/**
 * The visibility query for one DAG's runs with a logical date in [from, to]. The upper bound is
 * the exclusive start of the next day: an inclusive `<= 'to T00:00:00Z'` misses `to` itself on
 * the SQLite visibility store, which compares the stored datetime text with different precision.
 */
export function dayRunsQuery(dagId: string, from: string, to: string): string {
  const quote = (s: string) => `'${s.replace(/'/g, "\\'")}'`;
  return [
    `WorkflowType = 'runDag'`,
    `DagId = ${quote(dagId)}`,
    `LogicalDate >= ${quote(`${from}T00:00:00Z`)}`,
    `LogicalDate < ${quote(`${addDays(to, 1)}T00:00:00Z`)}`,
  ].join(' AND ');
}

const RUN_ID_RE = /^dag\/[^/]+\/(\d{4}-\d{2}-\d{2})$/;

/** The day of a run: from its canonical ID, else from its LogicalDate search attribute. */
function dayOf(info: WorkflowExecutionInfo): string | undefined {
  const fromId = RUN_ID_RE.exec(info.workflowId)?.[1];
  if (fromId) return fromId;
  const date = info.typedSearchAttributes.get(LogicalDateKey);
  return date instanceof Date ? date.toISOString().slice(0, 10) : undefined;
}

export function toDayRunRecord(info: WorkflowExecutionInfo): DayRunRecord | undefined {
  const day = dayOf(info);
  if (!day) return undefined;
  const runType = info.typedSearchAttributes.get(RunTypeKey);
  const backfillId = info.typedSearchAttributes.get(BackfillIdKey);
  return {
    day,
    workflowId: info.workflowId,
    runId: info.runId,
    state: dayStateFromStatus(info.status.name),
    ...(runType ? { runType } : {}),
    ...(backfillId ? { backfillId } : {}),
    startMs: info.startTime.getTime(),
    ...(info.closeTime ? { closeMs: info.closeTime.getTime() } : {}),
  };
}

/** Every execution (re-runs included) of the DAG's day runs in [from, to]. */
export async function fetchDayRuns(client: Client, dagId: string, from: string, to: string): Promise<DayRunRecord[]> {
  const records: DayRunRecord[] = [];
  for await (const info of client.workflow.list({ query: dayRunsQuery(dagId, from, to) })) {
    const record = toDayRunRecord(info);
    if (record && record.day >= from && record.day <= to) records.push(record);
  }
  return records;
}

export async function fetchStatusGrid(client: Client, dagId: string, from: string, to: string): Promise<StatusGrid> {
  return buildStatusGrid(dagId, from, to, await fetchDayRuns(client, dagId, from, to));
}

/** State of each day's latest run, for the backfill dry run. */
export async function fetchDayStates(
  client: Client,
  dagId: string,
  from: string,
  to: string,
): Promise<Map<string, DayRunState>> {
  const latest = latestRunPerDay(await fetchDayRuns(client, dagId, from, to));
  return new Map([...latest].map(([day, run]) => [day, run.state] as const));
}
