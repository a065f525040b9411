// The dashboard's data bundle and everything the page computes from it: the rows of every charted
// view and the report's per-day rows, for a day range and the instances asked; the page filters
// them by instance and day range and recomputes KPIs and tables here (the same code the tests
// check against DuckDB). Pure: the bundle is read by runtime/dashboard/, drawn by the page.
import type { ViewDeclaration } from '../metrics/catalog-types';
import { compareDecimalIds } from '../metrics/records';
import { type DayKpiRow, type Kpis, kpisOf, type TrackedRow, type ViralRow } from '../report/model';

export type Cell = string | number | boolean | null;

export type Row = Record<string, Cell>;

/**
 * Rows as columns, for the wire and the static file: a text column that repeats (instances, days,
 * accounts over days) as a dictionary and indexes, others as plain arrays. A 90-day bundle is
 * mostly repeated names: this keeps the file a fraction of the size of one object per row.
 */
export type WireColumn = { values: Cell[] } | { dict: string[]; idx: number[] };
export interface WireTable {
  length: number;
  columns: Record<string, WireColumn>;
}

const TRACKED_COLUMNS: readonly (keyof TrackedRow)[] = [
  'instance',
  'day',
  'account',
  'followers',
  'statuses',
  'followersDelta',
  'statusesDelta',
  'previousNotObserved',
];

export function encodeRows(rows: readonly Readonly<Record<string, unknown>>[], columns?: readonly string[]): WireTable {
  const names = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  const out: WireTable = { length: rows.length, columns: {} };
  for (const name of names) {
    const values = rows.map((r) => (r[name] ?? null) as Cell);
    const texts = values.every((v) => v === null || typeof v === 'string');
    const distinct = new Set(values);
    if (texts && distinct.size * 2 <= values.length) {
      const dict = [...distinct].filter((v): v is string => v !== null);
      const at = new Map(dict.map((d, i) => [d, i]));
      out.columns[name] = { dict, idx: values.map((v) => (v === null ? -1 : (at.get(v) as number))) };
    } else out.columns[name] = { values };
  }
  return out;
}

export function decodeRows<T = Row>(t: WireTable | undefined): T[] {
  if (!t) return [];
  const cols = Object.entries(t.columns).map(([name, c]): [string, (i: number) => Cell] => [
    name,
    'dict' in c
      ? (i) => ((c.idx[i] as number) < 0 ? null : (c.dict[c.idx[i] as number] as string))
      : (i) => c.values[i] ?? null,
  ]);
  const rows: T[] = [];
  for (let i = 0; i < t.length; i++) {
    const r: Row = {};
    for (const [name, get] of cols) r[name] = get(i);
    rows.push(r as T);
  }
  return rows;
}

/** One (instance, day) partition's data quality and whether a later run re-reads it. */
export interface DayQuality {
  instance: string;
  day: string;
  records: number | null;
  quarantined: number | null;
  duplicates: number | null;
  /** `final`, `provisional`, … (domain/day-finality.ts) and why. */
  finality: string;
  reason: string;
}

export interface DashboardBundle {
  /** ISO time the bundle was read. */
  generatedAt: string;
  /** Days read (inclusive). */
  from: string;
  to: string;
  instances: string[];
  /** The charted views' declarations, in catalog order (the page draws one chart each). */
  catalog: ViewDeclaration[];
  /** Each charted view's rows (leaderboards and top-k bars: the top rows of each day only). */
  views: Record<string, Row[]>;
  kpis: DayKpiRow[];
  tracked: TrackedRow[];
  /** The most engaging viral toots of each (instance, day): enough for the table's top over any days. */
  viral: ViralRow[];
  quality: DayQuality[];
}

type Tables = 'views' | 'kpis' | 'tracked' | 'viral' | 'quality';

/** The bundle as sent and embedded: every row list as a WireTable. */
export type WireBundle = Omit<DashboardBundle, Tables> & {
  views: Record<string, WireTable>;
} & Record<Exclude<Tables, 'views'>, WireTable>;

export function encodeBundle(b: DashboardBundle): WireBundle {
  return {
    ...b,
    views: Object.fromEntries(Object.entries(b.views).map(([name, rows]) => [name, encodeRows(rows)])),
    kpis: encodeRows(b.kpis as unknown as Row[]),
    // Named: previousNotObserved is set on some rows only, and the first row's keys would drop it.
    tracked: encodeRows(b.tracked as unknown as Row[], TRACKED_COLUMNS),
    viral: encodeRows(b.viral as unknown as Row[]),
    quality: encodeRows(b.quality as unknown as Row[]),
  };
}

export function decodeBundle(w: WireBundle): DashboardBundle {
  return {
    ...w,
    views: Object.fromEntries(Object.entries(w.views).map(([name, t]) => [name, decodeRows(t)])),
    kpis: decodeRows<DayKpiRow>(w.kpis),
    tracked: decodeRows<TrackedRow>(w.tracked),
    viral: decodeRows<ViralRow>(w.viral),
    quality: decodeRows<DayQuality>(w.quality),
  };
}

export interface DashboardFilter {
  /** Instances shown (empty = all). */
  instances: readonly string[];
  from: string;
  to: string;
}

const dayText = (v: unknown): string => String(v ?? '').slice(0, 10);

/** Whether a row of (instance, day) passes the filter. */
export function passes(f: DashboardFilter, instance: unknown, day: unknown): boolean {
  const d = dayText(day);
  return (f.instances.length === 0 || f.instances.includes(String(instance))) && d >= f.from && d <= f.to;
}

/** A view's rows within the filter (the day column may be named otherwise, e.g. `snapshot_day`). */
export function filteredViewRows(b: DashboardBundle, view: ViewDeclaration, f: DashboardFilter): Row[] {
  const day = view.dayColumn ?? 'day';
  return (b.views[view.name] ?? []).filter((r) => passes(f, r.instance, r[day]));
}

export interface InstanceKpis {
  instance: string;
  days: number;
  values: Kpis;
}

export interface DashboardSummary {
  /** Totals over the instances and days shown. */
  toots: number;
  engagement: number | null;
  viralToots: number | null;
  records: number | null;
  quarantined: number | null;
  days: number;
  perInstance: InstanceKpis[];
}

const sumOrNull = (xs: readonly (number | null)[]): number | null =>
  xs.some((x) => x !== null) ? xs.reduce<number>((s, x) => s + (x ?? 0), 0) : null;

/** The KPIs shown: totals, and per instance the report's KPIs over the days shown. */
export function summarize(b: DashboardBundle, f: DashboardFilter): DashboardSummary {
  const rows = b.kpis.filter((r) => passes(f, r.instance, r.day));
  const perInstance: InstanceKpis[] = [];
  for (const instance of b.instances) {
    const mine = rows.filter((r) => r.instance === instance).sort((a, z) => (a.day < z.day ? -1 : 1));
    if (mine.length) perInstance.push({ instance, days: mine.length, values: kpisOf(mine) });
  }
  return {
    toots: rows.reduce((s, r) => s + r.toots, 0),
    engagement: sumOrNull(rows.map((r) => r.engagement)),
    viralToots: sumOrNull(rows.map((r) => r.viralCount)),
    records: sumOrNull(rows.map((r) => r.records)),
    quarantined: sumOrNull(rows.map((r) => r.quarantined)),
    days: new Set(rows.map((r) => r.day)).size,
    perInstance,
  };
}

/** Viral toots shown: the most engaging first, at most `limit`. */
export function viralTable(b: DashboardBundle, f: DashboardFilter, limit = 20): ViralRow[] {
  return b.viral
    .filter((r) => passes(f, r.instance, r.day))
    .sort((a, z) => z.engagement - a.engagement || compareDecimalIds(a.statusId, z.statusId))
    .slice(0, limit);
}

export interface TrackedSummary {
  instance: string;
  account: string;
  /** Last day shown with a profile. */
  day: string;
  followers: number;
  statuses: number;
  /**
   * Change over the days shown: the stored deltas of those days summed (null: none known, or a
   * day after the first one shown has no delta — the account was not observed on it or the day
   * before: no change is computed across that gap, and `gap` says so).
   */
  followersChange: number | null;
  statusesChange: number | null;
  /** A day shown after the first one has no delta (not observed on it or the day before). */
  gap: boolean;
}

/** Each tracked account's latest profile in the filter, with its change over the days shown. */
export function trackedTable(b: DashboardBundle, f: DashboardFilter): TrackedSummary[] {
  const out = new Map<string, TrackedSummary>();
  const rows = b.tracked.filter((r) => passes(f, r.instance, r.day)).sort((a, z) => (a.day < z.day ? -1 : 1));
  for (const r of rows) {
    const key = `${r.instance}\u0000${r.account}`;
    const seen = out.get(key);
    // Missing days count too: a row only exists for a day with an observation.
    const gap =
      seen !== undefined &&
      (seen.gap || r.followersDelta === null || r.statusesDelta === null || r.previousNotObserved === true);
    const add = (prev: number | null | undefined, d: number | null) =>
      gap ? null : d === null ? (prev ?? null) : (prev ?? 0) + d;
    out.set(key, {
      instance: r.instance,
      account: r.account,
      day: r.day,
      followers: r.followers,
      statuses: r.statuses,
      followersChange: add(seen?.followersChange, r.followersDelta),
      statusesChange: add(seen?.statusesChange, r.statusesDelta),
      gap,
    });
  }
  return [...out.values()].sort((a, z) => z.followers - a.followers || (a.account < z.account ? -1 : 1));
}

/** Data quality per (instance, day) shown, newest first. */
export function qualityTable(b: DashboardBundle, f: DashboardFilter): DayQuality[] {
  return b.quality
    .filter((r) => passes(f, r.instance, r.day))
    .sort((a, z) => (a.day > z.day ? -1 : a.day < z.day ? 1 : a.instance < z.instance ? -1 : 1));
}

/** The days with data, for the range pickers. */
export function bundleDays(b: DashboardBundle): string[] {
  return [...new Set(b.kpis.map((r) => r.day))].sort();
}

export interface LeaderRow {
  rank: number;
  instance: string;
  account: string;
  engagement: number;
}

/** The view ranking accounts by engagement (favourites + boosts + replies per day). */
export const ENGAGEMENT_VIEW = 'v_top_accounts_by_engagement';

/** Accounts by engagement summed over the days shown, per (instance, account), top `k`. */
export function engagementLeaderboard(b: DashboardBundle, f: DashboardFilter, k = 20): LeaderRow[] {
  const sums = new Map<string, LeaderRow>();
  for (const r of b.views[ENGAGEMENT_VIEW] ?? []) {
    if (!passes(f, r.instance, r.day) || typeof r.engagement !== 'number') continue;
    const key = `${r.instance}\u0000${r.account}`;
    const row = sums.get(key) ?? { rank: 0, instance: String(r.instance), account: String(r.account), engagement: 0 };
    row.engagement += r.engagement;
    sums.set(key, row);
  }
  return [...sums.values()]
    .sort((a, z) => z.engagement - a.engagement || (a.account < z.account ? -1 : a.account > z.account ? 1 : 0))
    .slice(0, k)
    .map((r, i) => ({ ...r, rank: i + 1 }));
}
