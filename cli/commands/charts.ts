import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { ChartFormat } from '../../activities/report/chart-renderer';
import { openReadOnly } from '../../activities/store/duckdb-store';
import { renderViewCharts } from '../../activities/report/view-charts';
import type { ViewDeclaration } from '../../domain/metrics/catalog-types';
import { parseDateRange } from '../../domain/date-range';
import { utcDayOf } from '../../domain/logical-date';
import { configFrom } from '../context';

export interface ChartsRequest {
  duckdbPath: string;
  /** The views to chart (those without a chart declaration are skipped). */
  catalog: readonly ViewDeclaration[];
  from: string;
  to: string;
  instance?: string;
  outDir: string;
  format: ChartFormat;
  log?: (line: string) => void;
}

export interface ChartWritten {
  view: string;
  file: string;
  rows: number;
}

/** The widest chart range: three years, as the HTTP API's and the report's. */
export const MAX_CHART_DAYS = 3 * 365 + 1;

/**
 * One chart file per charted view over [from, to] (logical days, inclusive), from the DuckDB store
 * opened read-only, so it runs beside a live worker between loads. Views with no rows in the range
 * or not (yet) in the store are reported and skipped, not errors.
 */
export async function writeCharts(req: ChartsRequest): Promise<ChartWritten[]> {
  const log = req.log ?? (() => {});
  const range = parseDateRange(
    { from: req.from, to: req.to },
    { today: utcDayOf(Date.now()), maxDays: MAX_CHART_DAYS, names: { from: '--from', to: '--to' } },
  );
  if (!range.ok) throw new Error(range.message);
  mkdirSync(req.outDir, { recursive: true });
  // Vega and resvg load here, not with the CLI: other commands should not pay for them.
  const { renderChart } = await import('../../activities/report/chart-renderer');
  const written: ChartWritten[] = [];
  const db = await openReadOnly(req.duckdbPath);
  try {
    const conn = await db.connect();
    try {
      await renderViewCharts(
        conn,
        req.catalog,
        { from: req.from, to: req.to, ...(req.instance ? { instance: req.instance } : {}) },
        {
          format: req.format,
          render: renderChart,
          log,
          onChart: (chart) => {
            const file = path.join(req.outDir, chart.file);
            writeFileSync(file, chart.bytes);
            written.push({ view: chart.view, file, rows: chart.rows });
            return file;
          },
        },
      );
    } finally {
      conn.closeSync();
    }
  } finally {
    db.closeSync();
  }
  return written;
}

export function registerChartsCommand(program: Command, loadCatalog: () => Promise<readonly ViewDeclaration[]>): void {
  program
    .command('charts')
    .description('render one chart per metric view (kinds from the metric catalog) as SVG or PNG files')
    .requiredOption('--from <day>', 'first logical day, YYYY-MM-DD')
    .requiredOption('--to <day>', 'last logical day, YYYY-MM-DD (inclusive)')
    .option('--instance <name>', 'only this instance (default: all, one series or bar group each)')
    .requiredOption('--out <dir>', 'directory for the chart files (created if missing)')
    .option('--format <format>', 'svg or png', 'png')
    .action(
      async (opts: { from: string; to: string; instance?: string; out: string; format: string }, cmd: Command) => {
        if (opts.format !== 'svg' && opts.format !== 'png')
          throw new Error(`--format takes svg or png, got ${opts.format}`);
        const { config } = configFrom(cmd);
        const written = await writeCharts({
          duckdbPath: config.duckdb.path,
          catalog: await loadCatalog(),
          from: opts.from,
          to: opts.to,
          instance: opts.instance,
          outDir: opts.out,
          format: opts.format,
          log: (line) => console.log(line),
        });
        console.log(`${written.length} chart${written.length === 1 ? '' : 's'} in ${opts.out}`);
      },
    );
}
