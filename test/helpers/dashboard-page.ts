import type { Page } from 'playwright-core';

// Reading the dashboard page (runtime/dashboard/page/) in a real browser, for the unit and
// end-to-end tests: what it shows, as data attributes the page sets next to the text.

export interface ShownDashboard {
  /** KPI cards: name → value (null: not loaded). */
  cards: Record<string, number | null>;
  /** Per-instance KPI table: instance → KPI → value. */
  perInstance: Record<string, Record<string, number | null>>;
  /** Every chart: view → rows drawn and marks in its SVG. */
  charts: Record<string, { rows: number; marks: number }>;
  /** Rows of each table (t-viral, t-leaderboard, t-tracked, t-quality). */
  tables: Record<string, number>;
  renders: number;
}

// A string: evaluated in the page, where the DOM exists (the project has no DOM typings).
const READ = `(() => {
  const num = (v) => (v === '' || v === undefined ? null : Number(v));
  const cards = {};
  for (const e of document.querySelectorAll('#kpis [data-kpi]')) cards[e.dataset.kpi] = num(e.dataset.value);
  const perInstance = {};
  for (const e of document.querySelectorAll('#kpi-table [data-instance]')) {
    perInstance[e.dataset.instance] ??= {};
    perInstance[e.dataset.instance][e.dataset.kpi] = num(e.dataset.value);
  }
  const charts = {};
  for (const f of document.querySelectorAll('figure.chart'))
    charts[f.dataset.view] = { rows: Number(f.dataset.rows), marks: f.querySelectorAll('svg .role-mark > *').length };
  const tables = {};
  for (const id of ['t-viral', 't-leaderboard', 't-tracked', 't-quality'])
    tables[id] = document.querySelectorAll('#' + id + ' tbody tr').length;
  return { cards, perInstance, charts, tables, renders: Number(document.body.dataset.renders ?? 0) };
})()`;

export async function readShown(page: Page): Promise<ShownDashboard> {
  return (await page.evaluate(READ)) as ShownDashboard;
}

/** Wait until the page has drawn more than `after` times and is idle. */
export async function waitForRender(page: Page, after: number, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    `Number(document.body.dataset.renders ?? 0) > ${after} && document.body.dataset.state !== 'busy'`,
    undefined,
    { timeout },
  );
}

/** Change filters the way a person does (select, type a day), each followed by its redraw. */
export async function setFilter(page: Page, f: { instance?: string; from?: string; to?: string }): Promise<void> {
  const steps: Array<[string | undefined, () => Promise<unknown>]> = [
    [f.instance, () => page.selectOption('#f-instance', f.instance as string)],
    [f.from, () => page.fill('#f-from', f.from as string)],
    [f.to, () => page.fill('#f-to', f.to as string)],
  ];
  for (const [value, change] of steps) {
    if (value === undefined) continue;
    const before = (await readShown(page)).renders;
    await change();
    await waitForRender(page, before);
  }
}
