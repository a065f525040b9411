import type { DuckDBConnection } from '@duckdb/node-api';
import type {
  DayKpiRow,
  ReportInput,
  RollUp,
  SnapshotGapRow,
  TopKind,
  TopRow,
  TrackedRow,
  ViralRow,
} from '../../domain/report/model';
import { readFrom } from '../../domain/report/model';
import { openReadOnly } from '../store/duckdb-store';
import { LABELS_TABLE, readLoads, rowsOf } from '../store/load-log';

// Reads what the report needs from the DuckDB store, read-only, through the typed views of
// README "Querying results" and metrics_kv (for engagement_total, which has no view yet), plus
// the load log and labels. Rows come out plain; domain/report/model.ts does the rest.

export interface ReportQuery {
  from: string;
  to: string;
  by: RollUp;
  /** Configured instances, in config order; `instance` narrows to one. */
  instances: readonly string[];
  instance?: string;
  lookbackDays: number;
}

type Row = Record<string, unknown>;

async function rows(conn: DuckDBConnection, sql: string, params: unknown[]): Promise<Row[]> {
  return (await conn.runAndReadAll(sql, params as never)).getRowObjects();
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

async function tableExists(conn: DuckDBConnection, name: string): Promise<boolean> {
  const r = await rows(conn, 'SELECT count(*) AS n FROM information_schema.tables WHERE table_name = $1', [name]);
  return Number(r[0]?.n ?? 0) > 0;
}

async function viewExists(conn: DuckDBConnection, name: string): Promise<boolean> {
  const r = await rows(conn, 'SELECT count(*) AS n FROM duckdb_views() WHERE view_name = $1', [name]);
  return Number(r[0]?.n ?? 0) > 0;
}

/** One (instance, day) row of KPI inputs per loaded partition. */
const KPI_SQL = `
  WITH parts AS (SELECT DISTINCT instance, day FROM metrics_kv
                 WHERE day BETWEEN $1::DATE AND $2::DATE AND ($3::VARCHAR IS NULL OR instance = $3)),
  eng AS (SELECT instance, day, max(value) FILTER (WHERE key = 'total') AS total
          FROM metrics_kv WHERE metric = 'engagement_total' GROUP BY instance, day),
  vs AS (SELECT instance, day, max(value) FILTER (WHERE key = 'viral_toots') AS viral
         FROM metrics_kv WHERE metric = 'viral_stats' GROUP BY instance, day)
  SELECT p.instance, strftime(p.day, '%Y-%m-%d') AS day,
         coalesce(d.toots, 0) AS toots, a.accounts AS active_accounts, b.bot_toots,
         c.media_share, s.scored, s.mean_compound, s.negative, s.neutral, s.positive,
         eng.total AS engagement, q.records, q.quarantined, q.duplicates, vs.viral AS viral_count
  FROM parts p
  LEFT JOIN v_toots_per_day d USING (instance, day)
  LEFT JOIN v_active_accounts a USING (instance, day)
  LEFT JOIN v_bot_vs_human b USING (instance, day)
  LEFT JOIN v_content_shares c USING (instance, day)
  LEFT JOIN v_sentiment_daily s USING (instance, day)
  LEFT JOIN v_quarantine q USING (instance, day)
  LEFT JOIN eng USING (instance, day)
  LEFT JOIN vs USING (instance, day)
  ORDER BY p.instance, p.day`;

const TOPS: Record<TopKind, string> = {
  hashtags: 'SELECT instance, day, hashtag AS key, toots AS n FROM v_top_hashtags',
  languages: 'SELECT instance, day, language AS key, toots AS n FROM v_languages',
  apps: 'SELECT instance, day, app AS key, toots AS n FROM v_client_apps',
};

export async function readReportInput(conn: DuckDBConnection, q: ReportQuery): Promise<ReportInput> {
  const instances = q.instance ? [q.instance] : [...q.instances];
  const base: ReportInput = {
    from: q.from,
    to: q.to,
    by: q.by,
    instances,
    lookbackDays: q.lookbackDays,
    kpis: [],
    tops: [],
    tracked: [],
    viral: [],
    loads: new Map(),
  };
  if (!(await tableExists(conn, 'metrics_kv'))) return base;
  // The period before the first one, for its deltas; details only for the days asked.
  const params = [readFrom(q.from, q.by), q.to, q.instance ?? null];
  const detail = [q.from, q.to, q.instance ?? null];
  const where = `WHERE day BETWEEN $1::DATE AND $2::DATE AND ($3::VARCHAR IS NULL OR instance = $3)`;

  const kpis: DayKpiRow[] = (await rows(conn, KPI_SQL, params)).map((r) => ({
    instance: String(r.instance),
    day: String(r.day),
    toots: Number(r.toots),
    activeAccounts: num(r.active_accounts),
    botToots: num(r.bot_toots),
    mediaShare: num(r.media_share),
    scored: num(r.scored),
    meanSentiment: num(r.mean_compound),
    negative: num(r.negative),
    neutral: num(r.neutral),
    positive: num(r.positive),
    engagement: num(r.engagement),
    records: num(r.records),
    quarantined: num(r.quarantined),
    duplicates: num(r.duplicates),
    viralCount: num(r.viral_count),
  }));

  const tops: TopRow[] = [];
  for (const [kind, sql] of Object.entries(TOPS) as [TopKind, string][]) {
    for (const r of await rows(conn, `SELECT * FROM (${sql}) ${where}`, detail))
      tops.push({ instance: String(r.instance), day: dayText(r.day), kind, key: String(r.key), count: Number(r.n) });
  }

  // Snapshot status is absent from stores loaded before it was recorded: read it when there.
  const status = await viewExists(conn, 'v_snapshot_status');
  const tracked: TrackedRow[] = (
    await rows(
      conn,
      status
        ? `SELECT t.*, s.status IS NOT NULL AS previous_not_observed FROM v_tracked_accounts t
           LEFT JOIN v_snapshot_status s ON s.instance = t.instance AND s.day = t.day - 1
             AND s.source = 'account:' || t.account AND s.status <> 'observed'
           WHERE t.day BETWEEN $1::DATE AND $2::DATE AND ($3::VARCHAR IS NULL OR t.instance = $3)
           ORDER BY t.instance, t.day, t.account`
        : `SELECT *, false AS previous_not_observed FROM v_tracked_accounts ${where} ORDER BY instance, day, account`,
      detail,
    )
  ).map((r) => ({
    instance: String(r.instance),
    day: dayText(r.day),
    account: String(r.account),
    followers: Number(r.followers),
    statuses: Number(r.statuses),
    followersDelta: num(r.followers_delta),
    statusesDelta: num(r.statuses_delta),
    ...(r.previous_not_observed === true ? { previousNotObserved: true } : {}),
  }));
  const snapshotGaps: SnapshotGapRow[] = status
    ? (
        await rows(
          conn,
          `SELECT instance, day, source, reason FROM v_snapshot_status ${where} AND status <> 'observed' ORDER BY ALL`,
          detail,
        )
      ).map((r) => ({
        instance: String(r.instance),
        day: dayText(r.day),
        source: String(r.source),
        reason: String(r.reason),
      }))
    : [];

  const labels = await tableExists(conn, LABELS_TABLE);
  const viral: ViralRow[] = (
    await rows(
      conn,
      labels
        ? `SELECT v.*, l.label AS url FROM v_viral_toots v
           LEFT JOIN ${LABELS_TABLE} l ON l.metric = 'viral_toots' AND l.label_name = 'url'
             AND l.instance = v.instance AND l.day = v.day AND l.key = v.status_id
           WHERE v.day BETWEEN $1::DATE AND $2::DATE AND ($3::VARCHAR IS NULL OR v.instance = $3)`
        : `SELECT *, NULL AS url FROM v_viral_toots ${where}`,
      detail,
    )
  ).map((r) => ({
    instance: String(r.instance),
    day: dayText(r.day),
    statusId: String(r.status_id),
    engagement: Number(r.engagement),
    url: r.url === null || r.url === undefined ? null : String(r.url),
  }));

  const loads = await readLoads(rowsOf(conn), { fromDay: q.from, toDay: q.to, instance: q.instance });
  return {
    ...base,
    kpis,
    tops,
    tracked,
    snapshotGaps,
    viral,
    loads,
    erasedInTotals: await readErasedInTotals(conn, detail),
  };
}

/**
 * Days marked by an erasure (activities/erasure: raw already purged, totals kept) and not loaded
 * since: a later load computed them from raw fetched with the erasure list in force.
 */
async function readErasedInTotals(conn: DuckDBConnection, detail: unknown[]): Promise<Set<string>> {
  if (!(await tableExists(conn, 'erasure_marks'))) return new Set();
  const since = (await tableExists(conn, 'loads'))
    ? 'AND NOT EXISTS (SELECT 1 FROM loads l WHERE l.instance = m.instance AND l.day = m.day AND l.loaded_at > m.marked_at)'
    : '';
  const marked = await rows(
    conn,
    `SELECT DISTINCT m.instance, strftime(m.day, '%Y-%m-%d') AS day FROM erasure_marks m
     WHERE m.day BETWEEN $1::DATE AND $2::DATE AND ($3::VARCHAR IS NULL OR m.instance = $3) ${since}`,
    detail,
  );
  return new Set(marked.map((r) => `${String(r.instance)}#${String(r.day)}`));
}

/** DuckDB DATE values print as YYYY-MM-DD. */
function dayText(v: unknown): string {
  return String(v).slice(0, 10);
}

/** Open the store read-only (as `mastoflow sql` does) and read the report's rows. */
export async function readReportFromStore(duckdbPath: string, q: ReportQuery): Promise<ReportInput> {
  const db = await openReadOnly(duckdbPath);
  try {
    const conn = await db.connect();
    try {
      return await readReportInput(conn, q);
    } finally {
      conn.closeSync();
    }
  } finally {
    db.closeSync();
  }
}
