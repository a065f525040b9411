import type { Hono } from 'hono';
import { parseDateRange } from '../../../domain/date-range';
import { addDays } from '../../../domain/logical-date';
import { readDashboardBundle } from '../../dashboard/read-bundle';
import { dashboardHtml } from '../../dashboard/page-html';
import { ApiError } from '../api-error';
import type { AppDeps } from '../app-deps';
import { instanceParam, type Query, readQuery } from '../params';
import { StoreBusyError } from '../store-reader';

// GET /: the live dashboard (the same page `mastoflow report --format html` writes, fetching its
// data instead of embedding it). GET /api/dashboard?from=&to=&instance=: its data bundle
// (runtime/dashboard/read-bundle.ts), memoised per store file version. Without from/to, the 30
// days that end on the latest day loaded. While a load holds the store longer than the reader
// waits (StoreBusyError, a 503 elsewhere), the dashboard gets the last bundle it was sent for the
// same question, marked `X-Mastoflow-Stale: 1`: a polling page shows slightly old data rather
// than an error, and tries again on its next tick.

/** The widest range one dashboard request reads (a year: the bundle grows with every day). */
export const MAX_DASHBOARD_DAYS = 366;
const DEFAULT_DAYS = 30;
/** Last answers kept for busy moments (one per question: range × instance). */
const STALE_KEPT = 16;

export function registerDashboardRoutes(app: Hono, deps: AppDeps): void {
  let page: Promise<string> | undefined;
  const lastAnswers = new Map<string, string>();

  app.get('/', async (c) => {
    readQuery(c.req.url, ['refresh']);
    page ??= dashboardHtml({ mode: 'live' });
    page.catch(() => {
      page = undefined;
    });
    return c.html(await page);
  });

  app.get('/api/dashboard', async (c) => {
    const q = readQuery(c.req.url, ['from', 'to', 'instance']);
    const question = `${q.from ?? ''}|${q.to ?? ''}|${q.instance ?? ''}`;
    try {
      const json = await answer(q);
      lastAnswers.delete(question);
      lastAnswers.set(question, json);
      if (lastAnswers.size > STALE_KEPT) lastAnswers.delete(lastAnswers.keys().next().value as string);
      return c.body(json, 200, { 'Content-Type': 'application/json' });
    } catch (err) {
      const last = lastAnswers.get(question);
      if (!(err instanceof StoreBusyError) || last === undefined) throw err;
      return c.body(last, 200, { 'Content-Type': 'application/json', 'X-Mastoflow-Stale': '1' });
    }
  });

  async function answer(q: Query): Promise<string> {
    const today = deps.today();
    let to = q.to;
    if (q.from === undefined && q.to === undefined) {
      const latest = await deps.store.memo<string | null>(
        'dashboard|latest-day',
        () => 32,
        async (query) => {
          const tables = await query(`SELECT count(*) FROM information_schema.tables WHERE table_name = 'metrics_kv'`);
          if (Number(tables.rows[0]?.[0] ?? 0) === 0) return null;
          const r = await query(`SELECT strftime(max(day), '%Y-%m-%d') FROM metrics_kv`);
          return (r.rows[0]?.[0] as string | null) ?? null;
        },
      );
      to = latest ?? addDays(today, -1);
    }
    const range = parseDateRange(
      { from: q.from, to },
      { today, maxDays: MAX_DASHBOARD_DAYS, defaultDays: DEFAULT_DAYS },
    );
    if (!range.ok) throw new ApiError(400, range.parameter, range.message);
    const instance = await instanceParam(q, deps.instances);
    return readDashboardBundle(deps.store, {
      from: range.from,
      to: range.to,
      instances: await deps.instances(),
      ...(instance ? { instance } : {}),
      lookbackDays: deps.lookbackDays,
      views: deps.views,
      now: new Date(),
    });
  }
}
