import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { DuckDBConnection } from '@duckdb/node-api';
import { heartbeat, log } from '@temporalio/activity';
import { reportObjectKey, reportPrefix } from '../../domain/keys';
import { addDays } from '../../domain/logical-date';
import type { MastodonDailyParams } from '../../domain/mastodon-daily-params';
import { VIEW_CATALOG } from '../../domain/metrics/catalog';
import { formatMarkdown, formatText } from '../../domain/report/formats';
import { buildReport } from '../../domain/report/model';
import type { TaskContext } from '../../domain/task-context';
import type { ActivityDeps } from '../deps';
import { withConnection } from '../store/duckdb-store';
import { taskActivity } from '../task-activity';
import { readReportInput } from './read-report';
import { renderViewCharts } from './view-charts';

// The `report` task of mastodon_daily (store queue: it reads the DuckDB file, which only the
// store worker may open while loads run). For each instance of the run it writes the day's
// report to S3 under reports/<instance>/<date>/: report.md, report.txt (the chat-sized text the
// webhook sends), charts/*.png over the trailing CHART_DAYS days, and dashboard.html when a
// dashboard renderer is wired in (ActivityDeps.renderDashboard). It returns the keys, so the run's
// result names them.

/** The charts' window: the day and the days before it, so a line shows a trend, not a dot. */
export const CHART_DAYS = 30;

export interface InstanceReport {
  instance: string;
  prefix: string;
  /** Object names under `prefix` (report.md, report.txt, charts/<view>.png, dashboard.html). */
  files: string[];
  markdownKey: string;
  textKey: string;
  /** The day's toots as the report counts them (v_toots_per_day), for a glance at the run result. */
  toots: number | null;
}

export interface ReportOutput {
  reports: InstanceReport[];
}

async function put(deps: ActivityDeps, key: string, body: string | Buffer, contentType: string): Promise<void> {
  await deps.s3.send(new PutObjectCommand({ Bucket: deps.bucket, Key: key, Body: body, ContentType: contentType }));
}

async function writeInstanceReport(
  deps: ActivityDeps,
  conn: DuckDBConnection,
  ctx: TaskContext<MastodonDailyParams>,
  instance: string,
  render: Parameters<typeof renderViewCharts>[3]['render'],
): Promise<InstanceReport> {
  const day = ctx.logicalDate;
  const allInstances = deps.config.instances.map((i) => i.name);
  const input = await readReportInput(conn, {
    from: day,
    to: day,
    by: 'day',
    instances: allInstances,
    instance,
    lookbackDays: ctx.params.lookbackDays ?? deps.config.schedule.lookbackDays,
  });
  const model = buildReport(input);
  const files: string[] = [];
  const markdownKey = reportObjectKey(instance, day, 'report.md');
  const textKey = reportObjectKey(instance, day, 'report.txt');
  await put(deps, markdownKey, formatMarkdown(model), 'text/markdown; charset=utf-8');
  await put(deps, textKey, formatText(model), 'text/plain; charset=utf-8');
  files.push('report.md', 'report.txt');

  await renderViewCharts(
    conn,
    VIEW_CATALOG,
    { from: addDays(day, -(CHART_DAYS - 1)), to: day, instance },
    {
      format: 'png',
      render,
      log: (line) => log.debug(`report ${instance} ${day}: ${line}`),
      onChart: async (chart) => {
        const key = reportObjectKey(instance, day, `charts/${chart.file}`);
        await put(deps, key, chart.bytes, 'image/png');
        files.push(`charts/${chart.file}`);
        heartbeat();
        return key;
      },
    },
  );

  // The dashboard is optional here: until a renderer is wired in, the report has no HTML page.
  if (deps.renderDashboard) {
    const html = await deps.renderDashboard({ conn, instance, from: addDays(day, -(CHART_DAYS - 1)), to: day });
    await put(deps, reportObjectKey(instance, day, 'dashboard.html'), html, 'text/html; charset=utf-8');
    files.push('dashboard.html');
  }
  const toots = input.kpis.find((k) => k.instance === instance && k.day === day)?.toots ?? null;
  return { instance, prefix: reportPrefix(instance, day), files, markdownKey, textKey, toots };
}

export function createReportStoreActivities(deps: ActivityDeps) {
  return {
    mastodonReport: taskActivity(async (ctx: TaskContext<MastodonDailyParams>): Promise<ReportOutput> => {
      const wanted = ctx.params.instances;
      const instances = deps.config.instances
        .map((i) => i.name)
        .filter((n) => wanted.length === 0 || wanted.includes(n));
      // Vega and resvg load on first use, not with the worker.
      const render = deps.renderChart ?? (await import('./chart-renderer')).renderChart;
      // The store worker's own (shared) DuckDB instance: a read-only open would conflict with it.
      const reports = await withConnection(deps.duckdbPath, async (conn) => {
        const out: InstanceReport[] = [];
        for (const instance of instances) out.push(await writeInstanceReport(deps, conn, ctx, instance, render));
        return out;
      });
      log.info(`report ${ctx.logicalDate}: ${reports.map((r) => `${r.prefix} (${r.files.length} files)`).join(', ')}`);
      return { reports };
    }),
  };
}
