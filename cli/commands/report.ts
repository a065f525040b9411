import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readReportFromStore } from '../../activities/report/read-report';
import { parseDateRange, parseDayParam } from '../../domain/date-range';
import { utcDayOf, yesterdayUtc } from '../../domain/logical-date';
import { VIEW_CATALOG } from '../../domain/metrics/catalog';
import { formatJson, formatMarkdown, formatText } from '../../domain/report/formats';
import { buildReport, type ReportModel, type RollUp } from '../../domain/report/model';
import type { MastoflowConfig } from '../../domain/config';
import { writeStaticDashboard } from '../../runtime/dashboard/write-static';
import { configFrom } from '../context';

// `mastoflow report`: KPIs with deltas, tops, tracked accounts, viral toots, data quality and
// whether each day is final, from the DuckDB store (read-only, like `mastoflow sql`).
// `--format html` writes the dashboard instead: one self-contained file (README "Dashboard").

interface ReportFlags {
  date?: string;
  from?: string;
  to?: string;
  instance?: string;
  format: string;
  by: string;
  out?: string;
}

const FORMATS: Record<Exclude<ReportFormat, 'html'>, (m: ReportModel) => string> = {
  text: formatText,
  md: formatMarkdown,
  json: formatJson,
};
const FORMAT_NAMES: readonly ReportFormat[] = ['text', 'md', 'html', 'json'];
const ROLL_UPS: readonly RollUp[] = ['day', 'week', 'month'];

/** The widest report range: three years, as the HTTP API's (runtime/serve/params.ts). */
export const MAX_REPORT_DAYS = 3 * 365 + 1;

/** The days asked for: --date, or --from (default: --to) to --to (default: yesterday, UTC). */
export function reportRange(opts: { date?: string; from?: string; to?: string }, nowMs: number): [string, string] {
  if (opts.date && (opts.from || opts.to)) throw new Error('--date cannot be combined with --from/--to');
  const today = utcDayOf(nowMs);
  if (opts.date !== undefined) {
    const day = parseDayParam(opts.date, '--date', today);
    if (!day.ok) throw new Error(day.message);
    return [day.day, day.day];
  }
  const to = opts.to ?? yesterdayUtc(nowMs);
  const range = parseDateRange(
    { from: opts.from ?? to, to },
    { today, maxDays: MAX_REPORT_DAYS, names: { from: '--from', to: '--to' } },
  );
  if (!range.ok) throw new Error(range.message);
  return [range.from, range.to];
}

export type ReportFormat = 'text' | 'md' | 'html' | 'json';

/**
 * The report over [from, to] in `format`, from the store read-only: what `mastoflow report`
 * prints, and what `npm run demo` writes as its static page (`html`: the dashboard).
 */
export async function renderReport(
  config: MastoflowConfig,
  q: { from: string; to: string; by?: RollUp; instance?: string; format: ReportFormat },
): Promise<string> {
  const instances = config.instances.map((i) => i.name);
  if (q.instance && !instances.includes(q.instance))
    throw new Error(`--instance: ${q.instance} is not configured (known: ${instances.join(', ')})`);
  if (!existsSync(config.duckdb.path))
    throw new Error(`no DuckDB store at ${config.duckdb.path} yet: nothing has been loaded (run mastodon_daily first)`);
  if (q.format === 'html')
    return writeStaticDashboard({
      duckdbPath: config.duckdb.path,
      from: q.from,
      to: q.to,
      instances,
      ...(q.instance ? { instance: q.instance } : {}),
      lookbackDays: config.schedule.lookbackDays,
      views: VIEW_CATALOG,
      now: new Date(),
    });
  const input = await readReportFromStore(config.duckdb.path, {
    from: q.from,
    to: q.to,
    by: q.by ?? 'day',
    instances,
    instance: q.instance,
    lookbackDays: config.schedule.lookbackDays,
  });
  return FORMATS[q.format](buildReport(input));
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'daily report: KPIs with deltas, top hashtags/languages/apps, tracked accounts, viral toots, data quality',
    )
    .option('--date <day>', 'one day (default: yesterday, UTC)')
    .option('--from <day>', 'first day')
    .option('--to <day>', 'last day')
    .option('--instance <name>', 'one configured instance (default: all)')
    .option('--format <format>', 'text | md | html | json', 'text')
    .option('--by <period>', 'roll the KPIs up by day | week | month', 'day')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (opts: ReportFlags, cmd: Command) => {
      const { config } = configFrom(cmd);
      const format = opts.format as ReportFormat;
      if (!FORMAT_NAMES.includes(format))
        throw new Error(`--format: expected one of ${FORMAT_NAMES.join(', ')}, got ${opts.format}`);
      if (!ROLL_UPS.includes(opts.by as RollUp))
        throw new Error(`--by: expected one of ${ROLL_UPS.join(', ')}, got ${opts.by}`);
      const [from, to] = reportRange(opts, Date.now());
      const out = await renderReport(config, { from, to, by: opts.by as RollUp, instance: opts.instance, format });
      if (opts.out) writeFileSync(opts.out, out);
      else process.stdout.write(out);
    });
}
