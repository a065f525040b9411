import type { DuckDBConnection } from '@duckdb/node-api';
import { type DayFinality, dayFinality, type LoadRecord } from '../../domain/day-finality';

// Two tables next to metrics_kv, written by the load activity in the partition's transaction:
//
//   loads(instance, day, run_id, run_logical_date, lookback_days, rows, loaded_at)
//     append-only: one row per load of an (instance, day) partition. Whether a day is final
//     (re-read by a later run's look-back) is computed from it: domain/day-finality.ts.
//   metric_labels(metric, instance, day, key, label_name, label, run_id)
//     text that belongs to a metrics_kv row (metrics_kv values are DOUBLE), e.g. the URL of a
//     viral toot: (viral_toots, <status id>, 'url', 'https://…'). Replaced with the partition.

export const LOADS_TABLE = 'loads';
export const LABELS_TABLE = 'metric_labels';

export interface LabelInput {
  metric: string;
  key: string;
  labelName: string;
  label: string;
}

export async function ensureLoadLogSchema(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE TABLE IF NOT EXISTS ${LOADS_TABLE} (
    instance         VARCHAR   NOT NULL,
    day              DATE      NOT NULL,
    run_id           VARCHAR   NOT NULL,
    run_logical_date DATE      NOT NULL,
    lookback_days    INTEGER   NOT NULL,
    rows             INTEGER   NOT NULL,
    loaded_at        TIMESTAMP NOT NULL
  )`);
  await conn.run(`CREATE TABLE IF NOT EXISTS ${LABELS_TABLE} (
    metric     VARCHAR NOT NULL,
    instance   VARCHAR NOT NULL,
    day        DATE    NOT NULL,
    key        VARCHAR NOT NULL,
    label_name VARCHAR NOT NULL,
    label      VARCHAR NOT NULL,
    run_id     VARCHAR NOT NULL
  )`);
}

/** Append one load to the log, in the caller's (partition) transaction. */
export async function recordLoad(
  conn: DuckDBConnection,
  l: { instance: string; day: string; runId: string; runLogicalDate: string; lookbackDays: number; rows: number },
  loadedAt: Date,
): Promise<void> {
  await conn.run(
    `INSERT INTO ${LOADS_TABLE} VALUES ($1, $2::DATE, $3, $4::DATE, $5::INTEGER, $6::INTEGER, $7::TIMESTAMP)`,
    [l.instance, l.day, l.runId, l.runLogicalDate, l.lookbackDays, l.rows, loadedAt.toISOString()],
  );
}

/** Replace the partition's labels, in the caller's transaction (the one replacing metrics_kv). */
export async function replaceLabels(
  conn: DuckDBConnection,
  p: { instance: string; day: string; runId: string; labels: readonly LabelInput[] },
): Promise<number> {
  await conn.run(`DELETE FROM ${LABELS_TABLE} WHERE instance = $1 AND day = $2::DATE`, [p.instance, p.day]);
  for (const l of p.labels)
    await conn.run(`INSERT INTO ${LABELS_TABLE} VALUES ($1, $2, $3::DATE, $4, $5, $6, $7)`, [
      l.metric,
      p.instance,
      p.day,
      l.key,
      l.labelName,
      l.label,
      p.runId,
    ]);
  return p.labels.length;
}

/**
 * Runs SQL with positional parameters and returns its rows: a connection (`rowsOf`) or the HTTP
 * API's shared read-only store reader, so the finality rule reads the loads one way for both.
 */
export type RowsQuery = (sql: string, params: string[]) => Promise<ReadonlyArray<readonly unknown[]>>;

export const rowsOf =
  (conn: DuckDBConnection): RowsQuery =>
  async (sql, params) =>
    (await conn.runAndReadAll(sql, params)).getRows();

/** The recorded loads per (instance, day), for the finality rule. */
export async function readLoads(
  query: RowsQuery,
  where: { instance?: string; fromDay: string; toDay: string },
): Promise<Map<string, LoadRecord[]>> {
  const exists = await query(`SELECT count(*) FROM information_schema.tables WHERE table_name = $1`, [LOADS_TABLE]);
  const out = new Map<string, LoadRecord[]>();
  if (Number(exists[0]?.[0] ?? 0) === 0) return out;
  const params = [where.fromDay, where.toDay, ...(where.instance ? [where.instance] : [])];
  const rows = await query(
    `SELECT instance, strftime(day, '%Y-%m-%d'), run_id, strftime(run_logical_date, '%Y-%m-%d'), lookback_days,
              strftime(loaded_at, '%Y-%m-%dT%H:%M:%S.%gZ')
       FROM ${LOADS_TABLE} WHERE day BETWEEN $1::DATE AND $2::DATE ${where.instance ? 'AND instance = $3' : ''}
       ORDER BY loaded_at`,
    params,
  );
  for (const [instance, day, runId, runLogicalDate, lookback, loadedAt] of rows) {
    const k = loadsKey(String(instance), String(day));
    const list = out.get(k) ?? [];
    list.push({
      runId: String(runId),
      runLogicalDate: String(runLogicalDate),
      lookbackDays: Number(lookback),
      loadedAt: String(loadedAt),
    });
    out.set(k, list);
  }
  return out;
}

export const loadsKey = (instance: string, day: string): string => `${instance}#${day}`;

/**
 * Finality of every loaded (instance, day) in [fromDay, toDay], by the one rule of
 * domain/day-finality.ts: what `mastoflow status` shows next to its run grid.
 */
export async function readDayFinalities(
  query: RowsQuery,
  where: { fromDay: string; toDay: string; instance?: string },
  lookbackDays: number,
): Promise<Array<{ instance: string; day: string; finality: DayFinality }>> {
  const loads = await readLoads(query, where);
  return [...loads.entries()]
    .map(([k, records]) => {
      const [instance, day] = k.split('#') as [string, string];
      return { instance, day, finality: dayFinality(day, records, lookbackDays) };
    })
    .sort((a, b) => (a.instance === b.instance ? (a.day < b.day ? -1 : 1) : a.instance < b.instance ? -1 : 1));
}
