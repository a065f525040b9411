import type { DuckDBConnection } from '@duckdb/node-api';
import { readReportInput } from '../../activities/report/read-report';
import { type DashboardBundle, type DayQuality, encodeBundle, type Row } from '../../domain/dashboard/bundle';
import { DEFAULT_TOP_K } from '../../domain/charts/chart-data';
import { dayFinality, finalityLabel } from '../../domain/day-finality';
import { compareDecimalIds } from '../../domain/metrics/records';
import type { ViewDeclaration } from '../../domain/metrics/catalog-types';
import { toPlainRows } from '../serve/encode';
import { type ConnectFn, queryResultOf, type StoreReader } from '../serve/store-reader';

// Reads the dashboard's data bundle (domain/dashboard/bundle.ts) from the DuckDB store through a
// StoreReader: the rows of every charted view over the range, and the report's per-day rows
// (read by the report's own reader, so KPIs mean the same in `report` and on the dashboard).
// Everything is read under one lease and memoised per file version: a dashboard polling every
// 30 s costs no query until a load changes the file.

export interface BundleQuery {
  from: string;
  to: string;
  /** Configured instances, in order; `instance` narrows to one. */
  instances: readonly string[];
  instance?: string;
  lookbackDays: number;
  /** The catalog's views; those with a chart are read. */
  views: readonly ViewDeclaration[];
  /** The bundle's time stamp (the caller's clock). */
  now: Date;
}

type Query = StoreReader['query'];

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Rows a ranked chart keeps per (instance, day): its top k over any days comes from them unless an
 * item is that far down on some days (the views are per-day top-k lists already: a sum over days
 * is as approximate there). Keeps 90 days of leaderboards to a few hundred KB.
 */
export const KEEP_PER_DAY_FACTOR = 2;
/** Viral toots kept per (instance, day): the table's top over any days is exact with these. */
export const VIRAL_KEPT_PER_DAY = 20;

async function readViewRows(query: Query, view: ViewDeclaration, q: BundleQuery): Promise<Row[]> {
  const dayName = view.dayColumn ?? 'day';
  const day = quoteIdent(dayName);
  const names = ['instance', dayName, ...view.columns.map((c) => c.name)];
  const chart = view.chart;
  const ranked =
    chart?.kind === 'leaderboard'
      ? { by: chart.value, tie: chart.label, k: chart.k ?? DEFAULT_TOP_K }
      : chart?.kind === 'bar_topk'
        ? { by: chart.value, tie: chart.category, k: chart.k ?? DEFAULT_TOP_K }
        : undefined;
  const result = await query(
    `SELECT ${names.map(quoteIdent).join(', ')} FROM ${quoteIdent(view.name)}
     WHERE ${day} BETWEEN $from::DATE AND $to::DATE ${q.instance ? 'AND instance = $instance' : ''}
     ${
       ranked
         ? `QUALIFY row_number() OVER (PARTITION BY instance, ${day}
              ORDER BY ${quoteIdent(ranked.by)} DESC NULLS LAST, ${quoteIdent(ranked.tie)}) <= ${ranked.k * KEEP_PER_DAY_FACTOR}`
         : ''
     }
     ORDER BY ALL`,
    { from: q.from, to: q.to, ...(q.instance ? { instance: q.instance } : {}) },
  );
  return toPlainRows(result);
}

async function hasMetrics(query: Query): Promise<boolean> {
  const r = await query(`SELECT count(*) FROM information_schema.tables WHERE table_name = 'metrics_kv'`);
  return Number(r.rows[0]?.[0] ?? 0) > 0;
}

async function readWith(query: Query, connect: ConnectFn, q: BundleQuery): Promise<DashboardBundle> {
  const charted = q.views.filter((v) => v.chart);
  const instances = q.instance ? [q.instance] : [...q.instances];
  const bundle: DashboardBundle = {
    generatedAt: q.now.toISOString(),
    from: q.from,
    to: q.to,
    instances,
    catalog: charted.map(({ source: _source, ...decl }: ViewDeclaration) => decl),
    views: {},
    kpis: [],
    tracked: [],
    viral: [],
    quality: [],
  };
  if (!(await hasMetrics(query))) return bundle;
  for (const view of charted) bundle.views[view.name] = await readViewRows(query, view, q);
  const input = await connect((conn) =>
    readReportInput(conn, {
      from: q.from,
      to: q.to,
      by: 'day',
      instances: q.instances,
      ...(q.instance ? { instance: q.instance } : {}),
      lookbackDays: q.lookbackDays,
    }),
  );
  // The report reads the day before `from` too (for deltas); the dashboard shows [from, to].
  const inRange = (r: { day: string }) => r.day >= q.from && r.day <= q.to;
  bundle.kpis = input.kpis.filter(inRange);
  bundle.tracked = input.tracked.filter(inRange);
  const viralRank = new Map<string, number>();
  bundle.viral = input.viral
    .filter(inRange)
    .sort((a, z) => z.engagement - a.engagement || compareDecimalIds(a.statusId, z.statusId))
    .filter((r) => {
      const key = `${r.instance}#${r.day}`;
      const n = (viralRank.get(key) ?? 0) + 1;
      viralRank.set(key, n);
      return n <= VIRAL_KEPT_PER_DAY;
    });
  // Instances present in the store but not configured still show.
  for (const r of bundle.kpis) if (!bundle.instances.includes(r.instance)) bundle.instances.push(r.instance);
  bundle.quality = bundle.kpis.map((r): DayQuality => {
    const f = dayFinality(r.day, input.loads.get(`${r.instance}#${r.day}`) ?? [], q.lookbackDays);
    return {
      instance: r.instance,
      day: r.day,
      records: r.records,
      quarantined: r.quarantined,
      duplicates: r.duplicates,
      finality: finalityLabel(f),
      reason: f.reason,
    };
  });
  return bundle;
}

/** The bundle for `q` as sent (WireBundle JSON), memoised per store file version (a load invalidates it). */
export async function readDashboardBundle(store: Pick<StoreReader, 'memo'>, q: BundleQuery): Promise<string> {
  const key = `dashboard|${q.from}|${q.to}|${q.instance ?? ''}|${q.instances.join(',')}|${q.lookbackDays}`;
  return store.memo<string>(
    key,
    (s) => s.length,
    async (query, connect) => JSON.stringify(encodeBundle(await readWith(query, connect, q))),
  );
}

/**
 * The same bundle from an open connection: the store worker's report task, which holds the file
 * for writing and so cannot open it read-only beside itself.
 */
export async function readDashboardBundleFrom(conn: DuckDBConnection, q: BundleQuery): Promise<string> {
  const query: Query = async (sql, params) => queryResultOf(await conn.runAndReadAll(sql, params as never));
  return JSON.stringify(encodeBundle(await readWith(query, (fn) => fn(conn), q)));
}
