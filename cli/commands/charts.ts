import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { ChartFormat } from '../../activities/report/chart-renderer';
import { openReadOnly } from '../../activities/store/duckdb-store';
import type { ViewRow } from '../../domain/charts/chart-data';
import { chartSpec } from '../../domain/charts/vega-lite-spec';
import type { ViewDeclaration } from '../../domain/metrics/catalog-types';
import { configFrom } from '../context';
import { plain } from './sql';

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

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const VIEW_NAME = /^v_[a-z0-9_]+$/;

/**
 * One chart file per charted view over [from, to] (logical days, inclusive), from the DuckDB store
 * opened read-only, so it runs beside a live worker between loads. Views with no rows in the range
 * or not (yet) in the store are reported and skipped, not errors.
 */
export async function writeCharts(req: ChartsRequest): Promise<ChartWritten[]> {
  const log = req.log ?? (() => {});
  if (!ISO_DAY.test(req.from) || !ISO_DAY.test(req.to)) throw new Error('--from and --to take YYYY-MM-DD');
  if (req.from > req.to) throw new Error(`--from ${req.from} is after --to ${req.to}`);
  const charted = req.catalog.filter((v) => v.chart);
  mkdirSync(req.outDir, { recursive: true });
  const subtitle = `${req.instance ?? 'all instances'} · ${req.from === req.to ? req.from : `${req.from} – ${req.to}`}`;
  // Vega and resvg load here, not with the CLI: other commands should not pay for them.
  const { renderChart } = await import('../../activities/report/chart-renderer');
  const written: ChartWritten[] = [];
  const db = await openReadOnly(req.duckdbPath);
  try {
    const conn = await db.connect();
    try {
      for (const [i, view] of charted.entries()) {
        const step = `[${i + 1}/${charted.length}] ${view.name}`;
        if (!VIEW_NAME.test(view.name)) throw new Error(`catalog view name "${view.name}" is not v_<snake_case>`);
        const started = performance.now();
        let rows: ViewRow[];
        try {
          const reader = await conn.runAndReadAll(
            `SELECT * FROM ${view.name} WHERE day BETWEEN ?::DATE AND ?::DATE${req.instance ? ' AND instance = ?' : ''} ORDER BY instance, day`,
            req.instance ? [req.from, req.to, req.instance] : [req.from, req.to],
          );
          rows = reader
            .getRowObjects()
            .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])));
        } catch (err) {
          log(`${step}: skipped, ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
          continue;
        }
        if (rows.length === 0) {
          log(`${step}: skipped, no rows`);
          continue;
        }
        const file = path.join(req.outDir, `${view.name.replace(/^v_/, '')}.${req.format}`);
        writeFileSync(file, await renderChart(chartSpec(view, rows, { subtitle }), req.format));
        written.push({ view: view.name, file, rows: rows.length });
        log(`${step}: ${rows.length} rows → ${file} (${Math.round(performance.now() - started)} ms)`);
      }
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
        if (opts.format !== 'svg' && opts.format !== 'png') throw new Error('--format takes svg or png');
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
