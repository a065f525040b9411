import type { Hono } from 'hono';
import type { AppDeps } from '../app-deps';
import { readDayFinalities, type RowsQuery } from '../../../activities/store/load-log';
import { toPlainRows } from '../encode';
import { dateRange, instanceParam, readQuery } from '../params';

// GET /api/days: instance × day, with the day's toots (v_toots_per_day), the map step's record
// counts (v_quarantine: records read, counted, quarantined, duplicates, out of window) and whether
// the day is final (domain/day-finality.ts, from the load log: the rule the report and
// `mastoflow status` use).

export function registerDayRoutes(app: Hono, deps: AppDeps): void {
  const quarantine = deps.views.find((v) => v.name === 'v_quarantine');
  if (!quarantine || !deps.views.some((v) => v.name === 'v_toots_per_day'))
    throw new Error('/api/days needs the views v_toots_per_day and v_quarantine in the catalog');
  const counts = quarantine.columns.map((c) => c.name);

  app.get('/api/days', async (c) => {
    const q = readQuery(c.req.url, ['instance', 'from', 'to']);
    const { from, to } = dateRange(q, deps.today());
    const instance = await instanceParam(q, deps.instances);
    const where = `day BETWEEN $from::DATE AND $to::DATE ${instance ? 'AND instance = $instance' : ''}`;
    const body = await deps.store.memo<string>(
      `days|${instance ?? ''}|${from}|${to}`,
      (b) => b.length,
      async (query) => {
        const rowsQuery: RowsQuery = async (sql, params) => (await query(sql, params)).rows;
        const finalities = new Map(
          (
            await readDayFinalities(
              rowsQuery,
              { fromDay: from, toDay: to, ...(instance ? { instance } : {}) },
              deps.lookbackDays,
            )
          ).map((f) => [`${f.instance}#${f.day}`, f.finality]),
        );
        const result = await query(
          `SELECT coalesce(t.instance, q.instance) AS instance, coalesce(t.day, q.day) AS day, t.toots,
                  ${counts.map((n) => `q."${n}"`).join(', ')}
           FROM (SELECT instance, day, toots FROM v_toots_per_day WHERE ${where}) t
           FULL OUTER JOIN (SELECT * FROM v_quarantine WHERE ${where}) q ON t.instance = q.instance AND t.day = q.day
           ORDER BY 1, 2`,
          { from, to, ...(instance ? { instance } : {}) },
        );
        const days = toPlainRows(result).map((r) => ({
          instance: r.instance,
          day: r.day,
          toots: r.toots,
          quarantine: Object.fromEntries(counts.map((n) => [n, r[n] ?? null])),
          finality: finalities.get(`${r.instance}#${r.day}`) ?? null,
        }));
        return JSON.stringify({ from, to, instance: instance ?? null, days });
      },
    );
    return c.body(body, 200, { 'Content-Type': 'application/json' });
  });
}
