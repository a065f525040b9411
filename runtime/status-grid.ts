import type { Client } from '@temporalio/client';
import { buildStatusGrid, latestRunPerDay, type DayRunState, type StatusGrid } from '../domain/status-grid';
import { listDagRuns } from './dag-client';

// A DAG's runs over a range of days as `status` and the backfill dry run see them: built on the
// DAG client's visibility listing.

export async function fetchStatusGrid(client: Client, dagId: string, from: string, to: string): Promise<StatusGrid> {
  return buildStatusGrid(dagId, from, to, await listDagRuns(client, dagId, from, to));
}

/** State of each day's latest run, for the backfill dry run. */
export async function fetchDayStates(
  client: Client,
  dagId: string,
  from: string,
  to: string,
): Promise<Map<string, DayRunState>> {
  const latest = latestRunPerDay(await listDagRuns(client, dagId, from, to));
  return new Map([...latest].map(([day, run]) => [day, run.state] as const));
}
