// Shapes a view's rows (plain objects as DuckDB returns them) into the datums one chart draws:
// one datum per mark, already aggregated, so the Vega-Lite spec only maps fields to channels and
// the number of marks in the rendered chart is known before rendering. Pure.
import { addDays } from '../logical-date';
import type { ChartDeclaration } from '../metrics/catalog-types';

export type ViewRow = Readonly<Record<string, unknown>>;

type Decl<K extends ChartDeclaration['kind']> = Extract<ChartDeclaration, { kind: K }>;

/** Default number of categories in `bar_topk` and `leaderboard` charts. */
export const DEFAULT_TOP_K = 10;

export interface LineDatum {
  series: string;
  x: string;
  /** null: no value that day (not run, or a snapshot not observed): the line breaks there. */
  y: number | null;
}
export interface BarDatum {
  instance: string;
  category: string;
  value: number;
}
export interface LeaderDatum {
  rank: number;
  label: string;
  instance: string;
  value: number;
}
export interface HeatDatum {
  instance: string;
  date: string;
  hour: number;
  value: number;
}
export interface StackDatum {
  instance: string;
  x: string;
  part: string;
  value: number;
}

function text(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/** A finite number, or undefined for NULL / non-numeric cells (those draw no mark). */
function numeric(v: unknown): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

const instanceOf = (r: ViewRow): string => text(r.instance);
const dayOf = (r: ViewRow): string => text(r.day);

/** True when the rows come from more than one instance (series and labels then name it). */
export function spansInstances(rows: readonly ViewRow[]): boolean {
  const first = rows[0] ? instanceOf(rows[0]) : '';
  return rows.some((r) => instanceOf(r) !== first);
}

/**
 * Rows keyed by `key`, one per key: the row loaded on the latest `day` wins. A point on an axis
 * other than `day` (a week, a month, an hour) is reported again by each later load as a snapshot
 * of the same thing, so the newest report supersedes the older ones instead of adding up.
 */
function latestPerKey(rows: readonly ViewRow[], key: (r: ViewRow) => string): ViewRow[] {
  const byKey = new Map<string, ViewRow>();
  for (const r of rows) {
    const k = key(r);
    const seen = byKey.get(k);
    if (!seen || dayOf(r) >= dayOf(seen)) byKey.set(k, r);
  }
  return [...byKey.values()];
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `line`: one datum per (series, x); series name the instance too when several are charted. */
export function lineData(decl: Decl<'line'>, rows: readonly ViewRow[]): LineDatum[] {
  const x = decl.x ?? 'day';
  const series = decl.series ?? 'instance';
  const multi = spansInstances(rows);
  const seriesOf = (r: ViewRow): string =>
    series === 'instance' || !multi ? text(r[series]) : `${text(r[series])} · ${instanceOf(r)}`;
  return latestPerKey(rows, (r) => `${seriesOf(r)}\u0000${text(r[x])}`)
    .flatMap((r) => {
      const y = numeric(r[decl.y]);
      return y === undefined || text(r[x]) === '' ? [] : [{ series: seriesOf(r), x: text(r[x]), y }];
    })
    .sort((a, b) => byText(a.series, b.series) || byText(a.x, b.x));
}

/**
 * A day-axis line's data with a null point on the first missing day of each hole in a series (a
 * day not run, or a snapshot not observed that day), so the chart breaks the line there rather
 * than drawing a straight segment across days that have no value. Data sorted by (series, x).
 */
export function withDayGaps(data: readonly LineDatum[]): LineDatum[] {
  const out: LineDatum[] = [];
  for (const [i, d] of data.entries()) {
    const prev = data[i - 1];
    if (prev && prev.series === d.series) {
      const next = addDays(prev.x.slice(0, 10), 1);
      if (next < d.x) out.push({ series: d.series, x: next, y: null });
    }
    out.push(d);
  }
  return out;
}

/** Sums of `value` per (instance, category) over all rows (the chosen days). */
function sumsPerInstance(rows: readonly ViewRow[], category: string, value: string): BarDatum[] {
  const sums = new Map<string, BarDatum>();
  for (const r of rows) {
    const v = numeric(r[value]);
    if (v === undefined) continue;
    const key = `${instanceOf(r)}\u0000${text(r[category])}`;
    const d = sums.get(key) ?? { instance: instanceOf(r), category: text(r[category]), value: 0 };
    d.value += v;
    sums.set(key, d);
  }
  return [...sums.values()];
}

/** Largest value first; ties by name so the order (and the chart) is stable. */
const byValueDesc =
  <T extends { value: number }>(name: (d: T) => string) =>
  (a: T, b: T) =>
    b.value - a.value || byText(name(a), name(b));

/** `bar_topk`: per instance, the top `k` categories by `value` summed over the chosen days. */
export function barTopkData(decl: Decl<'bar_topk'>, rows: readonly ViewRow[]): BarDatum[] {
  const k = decl.k ?? DEFAULT_TOP_K;
  const perInstance = new Map<string, BarDatum[]>();
  for (const d of sumsPerInstance(rows, decl.category, decl.value)) {
    perInstance.set(d.instance, [...(perInstance.get(d.instance) ?? []), d]);
  }
  return [...perInstance.keys()]
    .sort(byText)
    .flatMap((i) => (perInstance.get(i) ?? []).sort(byValueDesc((d) => d.category)).slice(0, k));
}

/** `leaderboard`: the top `k` (label, instance) pairs by `value` summed over the chosen days, ranked. */
export function leaderboardData(decl: Decl<'leaderboard'>, rows: readonly ViewRow[]): LeaderDatum[] {
  const k = decl.k ?? DEFAULT_TOP_K;
  const multi = spansInstances(rows);
  return sumsPerInstance(rows, decl.label, decl.value)
    .sort(byValueDesc((d) => `${d.category}\u0000${d.instance}`))
    .slice(0, k)
    .map((d, i) => ({
      rank: i + 1,
      // The rank is part of the label so equal names on two instances stay two bars.
      label: `${i + 1}. ${d.category}${multi ? ` · ${d.instance}` : ''}`,
      instance: d.instance,
      value: d.value,
    }));
}

/** `YYYY-MM-DD` and hour of a DuckDB TIMESTAMP text (`YYYY-MM-DD HH:MM:SS` or ISO `T` form), UTC. */
export function dateAndHour(timestamp: string): { date: string; hour: number } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2})/.exec(timestamp);
  return m ? { date: m[1]!, hour: Number(m[2]) } : undefined;
}

/** `heatmap_day_hour`: one cell per (instance, date, hour of `time`); the latest load of an hour wins. */
export function heatmapData(decl: Decl<'heatmap_day_hour'>, rows: readonly ViewRow[]): HeatDatum[] {
  const cells = new Map<string, HeatDatum>();
  for (const r of latestPerKey(rows, (row) => `${instanceOf(row)}\u0000${text(row[decl.time])}`)) {
    const at = dateAndHour(text(r[decl.time]));
    const v = numeric(r[decl.value]);
    if (!at || v === undefined) continue;
    const key = `${instanceOf(r)}\u0000${at.date}\u0000${at.hour}`;
    const cell = cells.get(key) ?? { instance: instanceOf(r), ...at, value: 0 };
    cell.value += v; // minutes of one hour, should a view ever be finer than hourly
    cells.set(key, cell);
  }
  return [...cells.values()].sort(
    (a, b) => byText(a.instance, b.instance) || byText(a.date, b.date) || a.hour - b.hour,
  );
}

/** `stacked`: one datum per (instance, x, part): `parts` columns folded, or the values of `category`. */
export function stackedData(decl: Decl<'stacked'>, rows: readonly ViewRow[]): StackDatum[] {
  const x = decl.x ?? 'day';
  const out: StackDatum[] = [];
  if (decl.category !== undefined) {
    const category = decl.category;
    const value = decl.value;
    if (value === undefined) throw new Error(`stacked chart "${decl.title}": category needs a value column`);
    const sums = new Map<string, StackDatum>();
    const points =
      x === 'day'
        ? rows
        : latestPerKey(rows, (row) => `${instanceOf(row)}\u0000${text(row[x])}\u0000${text(row[category])}`);
    for (const r of points) {
      const v = numeric(r[value]);
      if (v === undefined) continue;
      const key = `${instanceOf(r)}\u0000${text(r[x])}\u0000${text(r[category])}`;
      const d = sums.get(key) ?? { instance: instanceOf(r), x: text(r[x]), part: text(r[category]), value: 0 };
      d.value += v;
      sums.set(key, d);
    }
    out.push(...sums.values());
  } else {
    const parts = decl.parts ?? [];
    if (parts.length === 0) throw new Error(`stacked chart "${decl.title}": declare parts or a category`);
    for (const r of latestPerKey(rows, (row) => `${instanceOf(row)}\u0000${text(row[x])}`)) {
      for (const part of parts) {
        const v = numeric(r[part]);
        if (v !== undefined) out.push({ instance: instanceOf(r), x: text(r[x]), part, value: v });
      }
    }
  }
  return out.sort((a, b) => byText(a.instance, b.instance) || byText(a.x, b.x) || byText(a.part, b.part));
}
