// The dashboard page's script (bundled with the Vega runtime and Vega-Lite's compiler by
// runtime/dashboard/page-script.ts; runs in the browser, never in Node). One page, two modes:
// - static: the data bundle is embedded in the file (`mastoflow report --format html`);
// - live: served at `/` by `mastoflow serve`, it fetches the bundle from /api/dashboard and
//   fetches it again on the interval picked (off, 30 s, 5 min).
// Filters (instance, day range) re-filter the bundle's rows here; KPIs and tables come from
// domain/dashboard/bundle.ts and every chart from the same Vega-Lite spec as `mastoflow charts`.
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import {
  type DashboardBundle,
  type DashboardFilter,
  decodeBundle,
  engagementLeaderboard,
  filteredViewRows,
  qualityTable,
  summarize,
  trackedTable,
  viralTable,
  type WireBundle,
} from '../../../domain/dashboard/bundle';
import { chartSpec } from '../../../domain/charts/vega-lite-spec';
import { KPI_NAMES } from '../../../domain/report/model';
import { formatCount, formatKpi, KPI_LABEL } from '../../../domain/report/numbers';

// The project compiles without DOM typings (lib ES2022): the page's few DOM calls go through this.
// biome-ignore lint/suspicious/noExplicitAny: no DOM typings in this project
type Dom = any;
const g = globalThis as Dom;
const doc: Dom = g.document;

interface Boot {
  mode: 'static' | 'live';
  /** Live: the bundle's URL, relative to the page. */
  api?: string;
}

const CHART_WIDTH = 560;
const CHART_HEIGHT = 300;
const REFRESH_CHOICES: ReadonlyArray<[number, string]> = [
  [0, 'off'],
  [30, '30 s'],
  [300, '5 min'],
];

/** The bundle's time stamp, ignored when comparing two answers. */
const GENERATED = /"generatedAt":"[^"]*"/;

const $ = (id: string): Dom => doc.getElementById(id);

type Child = Dom | string | number | null | undefined;

/** An element with attributes and children; text always goes in as text (never parsed as HTML). */
function el(tag: string, attrs: Record<string, string | number | undefined> = {}, ...children: Child[]): Dom {
  const e = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, String(v));
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(typeof c === 'object' ? c : doc.createTextNode(String(c)));
  }
  return e;
}

const count = (v: number | null): string => (v === null ? '—' : formatCount(v));
const signed = (v: number | null): string => (v === null ? '—' : v > 0 ? `+${formatCount(v)}` : formatCount(v));

let bundle: DashboardBundle | undefined;
let views: Dom[] = [];
let renders = 0;

function filter(): DashboardFilter {
  const instance = $('f-instance').value as string;
  return { instances: instance ? [instance] : [], from: $('f-from').value, to: $('f-to').value };
}

function setStatus(text: string, state: string): void {
  $('status').textContent = text;
  doc.body.setAttribute('data-state', state);
}

function kpiCard(name: string, label: string, value: number | null): Dom {
  return el(
    'div',
    { class: 'kpi', 'data-kpi': name, 'data-value': value === null ? '' : value },
    el('div', { class: 'kpi-value' }, count(value)),
    el('div', { class: 'kpi-label' }, label),
  );
}

function table(headers: readonly string[], rows: Child[][], id: string): Dom {
  return el(
    'table',
    { id },
    el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c))))),
  );
}

function renderKpis(b: DashboardBundle, f: DashboardFilter): void {
  const s = summarize(b, f);
  $('kpis').replaceChildren(
    kpiCard('toots', 'Toots', s.toots),
    kpiCard('engagement', 'Engagement', s.engagement),
    kpiCard('viral', 'Viral toots', s.viralToots),
    kpiCard('records', 'Records read', s.records),
    kpiCard('quarantined', 'Quarantined', s.quarantined),
    kpiCard('days', 'Days', s.days),
  );
  const rows = s.perInstance.map((k) => [
    k.instance,
    formatCount(k.days),
    ...KPI_NAMES.map((n) =>
      el(
        'span',
        { 'data-kpi': n, 'data-instance': k.instance, 'data-value': k.values[n] ?? '' },
        formatKpi(n, k.values[n]),
      ),
    ),
  ]);
  $('kpi-table').replaceChildren(
    table(['Instance', 'Days', ...KPI_NAMES.map((n) => KPI_LABEL[n])], rows, 'kpi-per-instance'),
  );
}

function renderTables(b: DashboardBundle, f: DashboardFilter): void {
  const viral = viralTable(b, f).map((v) => [
    v.url ? el('a', { href: v.url, rel: 'noopener noreferrer', target: '_blank' }, v.url) : v.statusId,
    v.instance,
    v.day,
    formatCount(v.engagement),
  ]);
  const leaders = engagementLeaderboard(b, f).map((r) => [r.rank, r.account, r.instance, formatCount(r.engagement)]);
  // Across a day not observed no change is computed: the cell says why instead of a number.
  const change = (t: { gap: boolean }, v: number | null) =>
    t.gap
      ? el('span', { class: 'gap', title: 'not observed on a day shown: no change across the gap' }, 'gap')
      : signed(v);
  const tracked = trackedTable(b, f).map((t) => [
    t.account,
    t.instance,
    t.day,
    formatCount(t.followers),
    change(t, t.followersChange),
    formatCount(t.statuses),
    change(t, t.statusesChange),
  ]);
  const quality = qualityTable(b, f).map((q) => [
    q.day,
    q.instance,
    count(q.records),
    count(q.quarantined),
    count(q.duplicates),
    el('span', { title: q.reason }, q.finality),
  ]);
  const section = (title: string, rows: Child[][], t: Dom) =>
    el('section', { class: 'table' }, el('h2', {}, title), rows.length ? t : el('p', { class: 'empty' }, 'no rows'));
  $('tables').replaceChildren(
    section('Viral toots', viral, table(['Toot', 'Instance', 'Day', 'Engagement'], viral, 't-viral')),
    section(
      'Engagement leaderboard',
      leaders,
      table(['#', 'Account', 'Instance', 'Engagement'], leaders, 't-leaderboard'),
    ),
    section(
      'Tracked accounts',
      tracked,
      table(['Account', 'Instance', 'Last day', 'Followers', 'Δ', 'Statuses', 'Δ'], tracked, 't-tracked'),
    ),
    section(
      'Data quality',
      quality,
      table(['Day', 'Instance', 'Records', 'Quarantined', 'Duplicates', 'Day is'], quality, 't-quality'),
    ),
  );
}

async function renderCharts(b: DashboardBundle, f: DashboardFilter): Promise<void> {
  for (const v of views) v.finalize();
  views = [];
  const figures: Dom[] = [];
  const pending: Promise<unknown>[] = [];
  const subtitle = `${f.instances[0] ?? 'all instances'} · ${f.from === f.to ? f.from : `${f.from} – ${f.to}`}`;
  for (const decl of b.catalog) {
    const rows = filteredViewRows(b, decl, f);
    const box = el('div', { class: 'chart-box' });
    const figure = el('figure', { class: 'chart', 'data-view': decl.name, 'data-rows': rows.length }, box);
    figures.push(figure);
    if (rows.length === 0) {
      box.append(el('p', { class: 'empty' }, `${decl.chart?.title ?? decl.name}: no data for these days`));
      continue;
    }
    const spec = chartSpec(decl, rows, { subtitle, width: CHART_WIDTH, height: CHART_HEIGHT }) as TopLevelSpec;
    const view = new View(parse(compile(spec).spec), { renderer: 'svg', container: box, hover: true });
    views.push(view);
    pending.push(view.runAsync());
  }
  $('charts').replaceChildren(...figures);
  await Promise.all(pending);
}

async function render(): Promise<void> {
  const b = bundle;
  if (!b) return;
  const f = filter();
  renderKpis(b, f);
  renderTables(b, f);
  await renderCharts(b, f);
  renders++;
  doc.body.setAttribute('data-renders', String(renders));
}

/**
 * Static: the range pickers stay within the embedded days; live: any range is read on demand.
 * `follow`: show the bundle's range (live, until a range is picked: the latest days move on).
 */
function fillFilters(b: DashboardBundle, bounded: boolean, follow: boolean): void {
  const select = $('f-instance');
  const chosen = select.value as string;
  select.replaceChildren(el('option', { value: '' }, 'All instances'), ...b.instances.map((i) => el('option', {}, i)));
  select.value = b.instances.includes(chosen) ? chosen : '';
  for (const id of ['f-from', 'f-to']) {
    const input = $(id);
    if (bounded) {
      input.min = b.from;
      input.max = b.to;
    }
    if (follow || !input.value || input.value < b.from || input.value > b.to)
      input.value = id === 'f-from' ? b.from : b.to;
  }
  $('generated').textContent = `data read ${b.generatedAt.replace('T', ' ').slice(0, 19)} UTC · ${b.from} – ${b.to}`;
}

async function show(b: DashboardBundle, follow: boolean): Promise<void> {
  bundle = b;
  fillFilters(b, false, follow);
  await render();
}

async function rerender(): Promise<void> {
  setStatus('drawing…', 'busy');
  try {
    await render();
    setStatus('', 'ready');
  } catch (err) {
    console.error(err);
    setStatus(`could not draw: ${String(err)}`, 'error');
  }
}

/** Live mode: fetch the bundle (the range shown, once one is), at most one request at a time. */
function live(boot: Boot): void {
  let inFlight = false;
  /** A range picked by the user: refreshes keep it (else they follow the latest days). */
  let pinned = false;
  let lastText = '';
  let timer: ReturnType<typeof setInterval> | undefined;
  /** A change (or tick) during a request: one more request once it is answered. */
  let queued = false;
  let queuedByUser = false;
  /** `byUser`: a range picked, drawn even when the data is the same (the page must answer it). */
  const load = async (range: boolean, byUser = false) => {
    if (inFlight) {
      queued = true;
      queuedByUser ||= byUser;
      return;
    }
    inFlight = true;
    setStatus('loading…', 'busy');
    try {
      const params = new URLSearchParams();
      if (range && $('f-from').value) params.set('from', $('f-from').value);
      if (range && $('f-to').value) params.set('to', $('f-to').value);
      const res = await fetch(`${boot.api ?? 'api/dashboard'}${params.size ? `?${params}` : ''}`);
      if (!res.ok) {
        // A busy store (a load writing) answers 503: keep the data shown, try on the next tick.
        setStatus(`not refreshed: HTTP ${res.status}; showing the previous data`, 'stale');
        return;
      }
      const text = (await res.text()) as string;
      // Unchanged data (no load since) only needs its time stamp: the charts stay as they are.
      if (byUser || text.replace(GENERATED, '') !== lastText.replace(GENERATED, ''))
        await show(decodeBundle(JSON.parse(text) as WireBundle), !pinned);
      lastText = text;
      const at = new Date().toISOString().slice(11, 19);
      setStatus(
        res.headers.get('X-Mastoflow-Stale')
          ? `${at} UTC: a load is writing the store; showing the data read before it`
          : `refreshed ${at} UTC`,
        'ready',
      );
    } catch (err) {
      setStatus(`not refreshed: ${String(err)}`, 'stale');
    } finally {
      inFlight = false;
      if (queued) {
        const again = queuedByUser;
        queued = false;
        queuedByUser = false;
        void load(pinned, again);
      }
    }
  };
  const refresh = $('f-refresh');
  const asked = Number(new URLSearchParams(g.location.search).get('refresh') ?? '0') || 0;
  // `?refresh=N` (seconds) picks the interval up front, any N (the browser test polls fast).
  const choices = [...REFRESH_CHOICES];
  if (asked > 0 && !choices.some(([s]) => s === asked)) choices.push([asked, `${asked} s`]);
  refresh.replaceChildren(...choices.map(([s, label]) => el('option', { value: s }, label)));
  refresh.value = String(Math.max(asked, 0));
  const schedule = () => {
    if (timer) clearInterval(timer);
    const seconds = Number(refresh.value);
    timer = seconds > 0 ? setInterval(() => void load(pinned), seconds * 1000) : undefined;
  };
  refresh.addEventListener('change', schedule);
  $('f-refresh-box').hidden = false;
  // A range the bundle does not hold must be read; an instance is filtered here. Until a range
  // is picked, each refresh reads the latest days (a new load moves them on).
  for (const id of ['f-from', 'f-to'])
    $(id).addEventListener('change', () => {
      pinned = true;
      void load(true, true);
    });
  $('f-instance').addEventListener('change', () => void rerender());
  schedule();
  void load(false);
}

function main(): void {
  const boot = JSON.parse($('dashboard-boot').textContent) as Boot;
  if (boot.mode === 'live') {
    live(boot);
    return;
  }
  const data = decodeBundle(JSON.parse($('dashboard-data').textContent) as WireBundle);
  for (const id of ['f-instance', 'f-from', 'f-to']) $(id).addEventListener('change', () => void rerender());
  setStatus('drawing…', 'busy');
  bundle = data;
  fillFilters(data, true, true);
  void rerender();
}

main();
