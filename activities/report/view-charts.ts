import type { DuckDBConnection } from '@duckdb/node-api';
import type { ViewRow } from '../../domain/charts/chart-data';
import { chartSpec } from '../../domain/charts/vega-lite-spec';
import type { ViewDeclaration } from '../../domain/metrics/catalog-types';
import type { ChartFormat } from './chart-renderer';

// One chart per charted catalog view over a day range, from an open DuckDB connection: shared by
// `mastoflow charts` (files, read-only store) and the report task (S3 objects, the store worker's
// own connection). Views with no rows in the range or not (yet) in the store are skipped.

export interface ViewChartsRange {
  from: string;
  to: string;
  instance?: string;
}

export interface ViewChart {
  view: string;
  /** `<view without v_>.<format>`: the file or object name. */
  file: string;
  rows: number;
  bytes: Buffer;
  ms: number;
}

const VIEW_NAME = /^v_[a-z0-9_]+$/;

/** DuckDB values as JSON-friendly plain values (BigInt → number when safe, dates → text). */
export function plainValue(v: unknown): unknown {
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v !== null && typeof v === 'object') return String(v);
  return v;
}

/** The view's rows in the range (instance, then day order). Throws if the view does not exist. */
export async function readViewRows(
  conn: DuckDBConnection,
  view: ViewDeclaration,
  range: ViewChartsRange,
): Promise<ViewRow[]> {
  if (!VIEW_NAME.test(view.name)) throw new Error(`catalog view name "${view.name}" is not v_<snake_case>`);
  const reader = await conn.runAndReadAll(
    `SELECT * FROM ${view.name} WHERE day BETWEEN ?::DATE AND ?::DATE${range.instance ? ' AND instance = ?' : ''} ORDER BY instance, day`,
    range.instance ? [range.from, range.to, range.instance] : [range.from, range.to],
  );
  return reader.getRowObjects().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plainValue(v)])));
}

/**
 * Render every charted view with rows in the range. `log` hears one line per view (rendered or
 * skipped, and why); `render` is the chart renderer (Vega + resvg, imported by the caller on use).
 */
export async function renderViewCharts(
  conn: DuckDBConnection,
  catalog: readonly ViewDeclaration[],
  range: ViewChartsRange,
  opts: {
    format: ChartFormat;
    render: (spec: ReturnType<typeof chartSpec>, format: ChartFormat) => Promise<Buffer>;
    log?: (line: string) => void;
    /**
     * Each chart as soon as it is rendered (a long list need not wait in memory); returns where it
     * went (a file, an object key) for the log line.
     */
    onChart: (chart: ViewChart) => Promise<string> | string;
  },
): Promise<Array<Omit<ViewChart, 'bytes'>>> {
  const log = opts.log ?? (() => {});
  const charted = catalog.filter((v) => v.chart);
  const subtitle = `${range.instance ?? 'all instances'} · ${range.from === range.to ? range.from : `${range.from} – ${range.to}`}`;
  const done: Array<Omit<ViewChart, 'bytes'>> = [];
  for (const [i, view] of charted.entries()) {
    const step = `[${i + 1}/${charted.length}] ${view.name}`;
    if (!VIEW_NAME.test(view.name)) throw new Error(`catalog view name "${view.name}" is not v_<snake_case>`);
    const started = performance.now();
    let rows: ViewRow[];
    try {
      rows = await readViewRows(conn, view, range);
    } catch (err) {
      log(`${step}: skipped, ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      continue;
    }
    if (rows.length === 0) {
      log(`${step}: skipped, no rows`);
      continue;
    }
    const bytes = await opts.render(chartSpec(view, rows, { subtitle }), opts.format);
    const chart = {
      view: view.name,
      file: `${view.name.replace(/^v_/, '')}.${opts.format}`,
      rows: rows.length,
      bytes,
      ms: Math.round(performance.now() - started),
    };
    const where = await opts.onChart(chart);
    log(`${step}: ${rows.length} rows → ${where} (${chart.ms} ms)`);
    done.push({ view: chart.view, file: chart.file, rows: chart.rows, ms: chart.ms });
  }
  return done;
}
