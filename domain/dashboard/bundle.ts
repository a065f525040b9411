// The dashboard's data bundle and everything the page computes from it: the rows of every charted
// view and the report's per-day rows, for a day range and the instances asked; the page filters
// them by instance and day range and recomputes KPIs and tables here (the same code the tests
// check against DuckDB). Pure: the bundle is read by runtime/dashboard/, drawn by the page.
import type { ViewDeclaration } from '../metrics/catalog-types';
import { compareDecimalIds } from '../metrics/records';
import { type DayKpiRow, type Kpis, kpisOf, type TrackedRow, type ViralRow } from '../report/model';

export type Cell = string | number | boolean | null;

/** A view's rows as arrays in `columns` order (no key repeated per row: the file stays small). */
export interface ViewTable {
  columns: string[];
  rows: Cell[][];
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
  views: Record<string, ViewTable>;
  kpis: DayKpiRow[];
  tracked: TrackedRow[];
  viral: ViralRow[];
  quality: DayQuality[];
}

export interface DashboardFilter {
  /** Instances shown (empty = all). */
  instances: readonly string[];
  from: string;
  to: string;
}

export type Row = Record<string, Cell>;

/** A view's rows as objects, as chartSpec takes them. */
export function tableRows(table: ViewTable | undefined): Row[] {
  if (!table) return [];
  return table.rows.map((r) => {
    const o: Row = {};
    for (let i = 0; i < table.columns.length; i++) o[table.columns[i] as string] = r[i] ?? null;
    return o;
  });
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
  return tableRows(b.views[view.name]).filter((r) => passes(f, r.instance, r[day]));
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
  /** Change over the days shown: the stored deltas of those days summed (null: none known). */
  followersChange: number | null;
  statusesChange: number | null;
}

/** Each tracked account's latest profile in the filter, with its change over the days shown. */
export function trackedTable(b: DashboardBundle, f: DashboardFilter): TrackedSummary[] {
  const out = new Map<string, TrackedSummary>();
  const rows = b.tracked.filter((r) => passes(f, r.instance, r.day)).sort((a, z) => (a.day < z.day ? -1 : 1));
  for (const r of rows) {
    const key = `${r.instance}\u0000${r.account}`;
    const seen = out.get(key);
    const add = (prev: number | null | undefined, d: number | null) => (d === null ? (prev ?? null) : (prev ?? 0) + d);
    out.set(key, {
      instance: r.instance,
      account: r.account,
      day: r.day,
      followers: r.followers,
      statuses: r.statuses,
      followersChange: add(seen?.followersChange, r.followersDelta),
      statusesChange: add(seen?.statusesChange, r.statusesDelta),
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
  for (const r of tableRows(b.views[ENGAGEMENT_VIEW])) {
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
