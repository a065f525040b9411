import type { DayRef } from '../../domain/erasure';
import { safeSegment } from '../../domain/keys';
import type { ActivityDeps } from '../deps';
import { withConnection } from '../store/duckdb-store';
import { exportPartitionParquet } from '../store/metrics-store';
import { childPrefixes, deleteKeys } from '../store/s3-listing';

// After rows leave a day that is not reloaded (an erasure, an opt-out seen later), the day's
// Parquet results under results/ must follow: written again from the store, and the objects of
// metrics the day no longer has (they would keep the removed rows) deleted.

/** The day's Parquet results written again from the store; metrics the day no longer has are removed. */
export async function rewriteDayParquet(deps: ActivityDeps, d: DayRef): Promise<void> {
  const written = await withConnection(deps.duckdbPath, (conn) =>
    exportPartitionParquet(conn, deps.s3, deps.bucket, d),
  );
  const stale: string[] = [];
  const tail = `date=${d.day}/instance=${safeSegment(d.instance)}.parquet`;
  for (const metricPrefix of await childPrefixes(deps.s3, deps.bucket, 'results/v1/')) {
    const key = `${metricPrefix}${tail}`;
    if (!written.includes(key)) stale.push(key);
  }
  await deleteKeys(deps.s3, deps.bucket, stale);
}
