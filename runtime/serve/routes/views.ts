import type { Hono } from 'hono';
import type { ViewDeclaration } from '../../../domain/metrics/catalog-types';
import { ApiError } from '../api-error';
import type { AppDeps } from '../app-deps';
import { toCsv, toPlainRows } from '../encode';
import { dateRange, enumParam, instanceParam, readQuery } from '../params';
import { toParquet } from '../parquet-writer';

// GET /api/views: the catalog. GET /api/views/:view: one declared view's rows over a day range,
// as JSON, CSV or Parquet. The view name picks a declared view (a closed list); the SQL text is
// built only from that declaration, and the range and instance are bound parameters.

/** More rows than this is a mistake of range, not a download: 413, narrow the range. */
export const MAX_ROWS = 1_000_000;
const FORMATS = ['json', 'csv', 'parquet'] as const;

interface Answer {
  body: string | Uint8Array;
  type: string;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function viewCatalogEntry(v: ViewDeclaration) {
  return {
    name: v.name,
    family: v.family,
    description: v.description,
    accountLevel: v.accountLevel,
    columns: [
      { name: 'instance', type: 'VARCHAR', label: 'Instance' },
      { name: v.dayColumn ?? 'day', type: 'DATE', label: 'Day' },
      ...v.columns.map((c) => ({ name: c.name, type: c.type, label: c.label, ...(c.unit ? { unit: c.unit } : {}) })),
    ],
    ...(v.chart ? { chart: v.chart } : {}),
  };
}

export function registerViewRoutes(app: Hono, deps: AppDeps): void {
  const byName = new Map(deps.views.map((v) => [v.name, v]));

  app.get('/api/views', (c) => {
    readQuery(c.req.url, []);
    return c.json({ views: deps.views.map(viewCatalogEntry) });
  });

  app.get('/api/views/:view', async (c) => {
    const name = c.req.param('view');
    const view = byName.get(name);
    if (!view)
      throw new ApiError(
        404,
        'view',
        `view: unknown view ${JSON.stringify(name.slice(0, 60))}; GET /api/views lists the declared ones`,
      );
    const q = readQuery(c.req.url, ['instance', 'from', 'to', 'format']);
    const { from, to } = dateRange(q, deps.today());
    const format = enumParam(q, 'format', FORMATS, 'json');
    const instance = await instanceParam(q, deps.instances);
    const day = quoteIdent(view.dayColumn ?? 'day');
    const columns = ['instance', view.dayColumn ?? 'day', ...view.columns.map((col) => col.name)]
      .map(quoteIdent)
      .join(', ');
    const file = `${view.name}_${instance ?? 'all'}_${from}_${to}`;
    const answer = await deps.store.memo<Answer>(
      `view|${view.name}|${instance ?? ''}|${from}|${to}|${format}`,
      (a) => a.body.length,
      async (query) => {
        const result = await query(
          `SELECT ${columns} FROM ${quoteIdent(view.name)}
           WHERE ${day} BETWEEN $from::DATE AND $to::DATE ${instance ? 'AND instance = $instance' : ''}
           ORDER BY ALL LIMIT ${MAX_ROWS + 1}`,
          { from, to, ...(instance ? { instance } : {}) },
        );
        if (result.rows.length > MAX_ROWS)
          throw new ApiError(413, 'from', `from..to: more than ${MAX_ROWS} rows; narrow the range or pick an instance`);
        if (format === 'csv') return { body: toCsv(result), type: 'text/csv; charset=utf-8' };
        if (format === 'parquet')
          return { body: new Uint8Array(await toParquet(result)), type: 'application/vnd.apache.parquet' };
        const json = { view: view.name, instance: instance ?? null, from, to, rows: toPlainRows(result) };
        return { body: JSON.stringify(json), type: 'application/json' };
      },
    );
    const headers: Record<string, string> = { 'Content-Type': answer.type };
    if (format !== 'json') headers['Content-Disposition'] = `attachment; filename="${file}.${format}"`;
    return c.body(answer.body as string, 200, headers);
  });
}
