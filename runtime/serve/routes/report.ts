import type { Hono } from 'hono';
import { readReportInput } from '../../../activities/report/read-report';
import { formatHtml, formatJson, formatMarkdown, formatText } from '../../../domain/report/formats';
import { buildReport, type ReportModel } from '../../../domain/report/model';
import type { AppDeps } from '../app-deps';
import { dayParam, enumParam, instanceParam, readQuery } from '../params';

// GET /api/report?date=&instance=&format=: the daily report of `mastoflow report` for one day
// (required: an API caller names its day), built by the same reader and model, from the shared
// read-only store.

const FORMATS = ['json', 'text', 'markdown', 'html'] as const;
type Format = (typeof FORMATS)[number];

const RENDER: Record<Format, { render: (m: ReportModel) => string; type: string }> = {
  json: { render: formatJson, type: 'application/json' },
  text: { render: formatText, type: 'text/plain; charset=utf-8' },
  markdown: { render: formatMarkdown, type: 'text/markdown; charset=utf-8' },
  html: { render: formatHtml, type: 'text/html; charset=utf-8' },
};

export function registerReportRoutes(app: Hono, deps: AppDeps): void {
  app.get('/api/report', async (c) => {
    const q = readQuery(c.req.url, ['date', 'instance', 'format']);
    const date = dayParam(q, 'date', deps.today());
    const format = enumParam(q, 'format', FORMATS, 'json');
    const instance = await instanceParam(q, deps.instances);
    const instances = await deps.instances();
    const body = await deps.store.memo<string>(
      `report|${date}|${instance ?? ''}|${format}`,
      (b) => b.length,
      async (_query, connect) => {
        const input = await connect((conn) =>
          readReportInput(conn, {
            from: date,
            to: date,
            by: 'day',
            instances,
            ...(instance ? { instance } : {}),
            lookbackDays: deps.lookbackDays,
          }),
        );
        return RENDER[format].render(buildReport(input));
      },
    );
    return c.body(body, 200, { 'Content-Type': RENDER[format].type });
  });
}
