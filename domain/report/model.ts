// The report model: from plain rows already read out of the store (activities/report/) to what
// every format renders (domain/report/formats.ts). Pure: no I/O, no clock; numbers are kept as
// the store holds them (exact), formatting happens in the formatters.
import { addDays } from '../logical-date';
import { type DayFinality, dayFinality, type LoadRecord } from '../day-finality';
import { compareDecimalIds } from '../metrics/records';

export type RollUp = 'day' | 'week' | 'month';

/** One (instance, day) partition's KPI inputs; null = the metric was not loaded. */
export interface DayKpiRow {
  instance: string;
  day: string;
  toots: number;
  activeAccounts: number | null;
  botToots: number | null;
  /** Share of counted toots with media, as loaded (content_share#with_media). */
  mediaShare: number | null;
  /** English toots scored and their mean VADER compound. */
  scored: number | null;
  meanSentiment: number | null;
  negative: number | null;
  neutral: number | null;
  positive: number | null;
  /** engagement_total#total (favourites + boosts + replies); null before that family ran. */
  engagement: number | null;
  records: number | null;
  quarantined: number | null;
  duplicates: number | null;
  viralCount: number | null;
}

export type TopKind = 'hashtags' | 'languages' | 'apps';
export interface TopRow {
  instance: string;
  day: string;
  kind: TopKind;
  key: string;
  count: number;
}
export interface TrackedRow {
  instance: string;
  day: string;
  account: string;
  followers: number;
  statuses: number;
  /** null: no profile of the day before (first day tracked, or the day before was not observed). */
  followersDelta: number | null;
  statusesDelta: number | null;
  /** The day before had no observation from its window: why the deltas are null. */
  previousNotObserved?: boolean;
}
/** A snapshot a day has no numbers of (or only history for), and why (v_snapshot_status). */
export interface SnapshotGapRow {
  instance: string;
  day: string;
  /** `account:<account>`, `activity`, `peers`, `trends`. */
  source: string;
  /** "not observed: first fetched 2026-12-02". */
  reason: string;
}
export interface ViralRow {
  instance: string;
  day: string;
  statusId: string;
  engagement: number;
  url: string | null;
}

export interface ReportInput {
  /** Days asked for (inclusive); rows may also cover earlier days, used for the first deltas. */
  from: string;
  to: string;
  by: RollUp;
  /** Instances to report, in order (those configured, or the one asked for). */
  instances: readonly string[];
  lookbackDays: number;
  kpis: readonly DayKpiRow[];
  tops: readonly TopRow[];
  tracked: readonly TrackedRow[];
  viral: readonly ViralRow[];
  /** Snapshots not observed in their day's window (absent in stores from before they were recorded). */
  snapshotGaps?: readonly SnapshotGapRow[];
  /** Loads per `${instance}#${day}`. */
  loads: ReadonlyMap<string, readonly LoadRecord[]>;
  /**
   * `${instance}#${day}` of days whose totals still include an erased account (`mastoflow forget`
   * after their raw was purged: its account-level rows were removed, its totals could not be).
   */
  erasedInTotals?: ReadonlySet<string>;
}

/** Change against the previous period: a number, `new` (no previous period), null (not comparable). */
export type Delta = number | 'new' | null;

export interface Kpis {
  toots: number;
  /** By day: the day's active accounts; rolled up: the busiest day's (distinct accounts do not add up). */
  activeAccounts: number | null;
  /** Bot toots / toots. */
  botShare: number | null;
  engagement: number | null;
  mediaShare: number | null;
  meanSentiment: number | null;
}
export type KpiName = keyof Kpis;
export const KPI_NAMES: readonly KpiName[] = [
  'toots',
  'activeAccounts',
  'botShare',
  'engagement',
  'mediaShare',
  'meanSentiment',
];

export interface PeriodKpis {
  instance: string;
  /** First day of the period (the day itself by day). */
  start: string;
  /** Last day of the period that has data. */
  end: string;
  /** `2026-03-04`, `2026-W10`, `2026-03`. */
  label: string;
  days: number;
  values: Kpis;
  deltas: Record<KpiName, Delta>;
}

export interface Ranked {
  key: string;
  count: number;
}

export interface DayDetail {
  instance: string;
  day: string;
  hashtags: Ranked[];
  languages: Ranked[];
  apps: Ranked[];
  tracked: TrackedRow[];
  /** Snapshots the day was not observed for, with the reason (its numbers are absent, not zero). */
  snapshotGaps?: { source: string; reason: string }[];
  viral: ViralRow[];
  /** Every viral toot of the day (the list above is top 5, opted-out accounts never listed). */
  viralCount: number | null;
  sentiment: { scored: number; negative: number; neutral: number; positive: number } | null;
  quality: { records: number | null; quarantined: number | null; duplicates: number | null };
  finality: DayFinality;
  /** The day's totals still include an erased account (see ReportInput.erasedInTotals). */
  erasedInTotals?: boolean;
}

export interface ReportModel {
  from: string;
  to: string;
  by: RollUp;
  instances: string[];
  /** Per instance, periods in order, only those overlapping [from, to]. */
  kpis: PeriodKpis[];
  /** Per instance and day in [from, to] that has data. */
  days: DayDetail[];
}

export const TOP_N = 5;

const byCountThenKey = (a: Ranked, b: Ranked): number =>
  b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** ISO week (Monday start) label and first day of a UTC day. */
export function isoWeekOf(day: string): { label: string; start: string } {
  const ms = Date.parse(`${day}T00:00:00Z`);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7; // Monday = 0
  const start = addDays(day, -weekday);
  // ISO year: the year of the week's Thursday.
  const thursday = new Date(Date.parse(`${start}T00:00:00Z`) + 3 * 86_400_000);
  const year = thursday.getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1);
  const week = Math.floor((thursday.getTime() - jan1) / (7 * 86_400_000)) + 1;
  return { label: `${year}-W${String(week).padStart(2, '0')}`, start };
}

export function periodOf(day: string, by: RollUp): { label: string; start: string } {
  if (by === 'day') return { label: day, start: day };
  if (by === 'week') return isoWeekOf(day);
  return { label: day.slice(0, 7), start: `${day.slice(0, 7)}-01` };
}

/** The first day whose data the report needs: the period before `from`'s, for its deltas. */
export function readFrom(from: string, by: RollUp): string {
  return periodOf(addDays(periodOf(from, by).start, -1), by).start;
}

const sumOrNull = (xs: readonly (number | null)[]): number | null => {
  let s = 0;
  let any = false;
  for (const x of xs)
    if (x !== null) {
      s += x;
      any = true;
    }
  return any ? s : null;
};

/** Share-weighted roll-up: Σ(share·weight) / Σweight over the days that have both. */
function weighted(
  rows: readonly DayKpiRow[],
  share: (r: DayKpiRow) => number | null,
  weight: (r: DayKpiRow) => number | null,
) {
  let num = 0;
  let den = 0;
  for (const r of rows) {
    const s = share(r);
    const w = weight(r);
    if (s === null || w === null || w === 0) continue;
    num += s * w;
    den += w;
  }
  return den === 0 ? null : num / den;
}

export function kpisOf(rows: readonly DayKpiRow[]): Kpis {
  if (rows.length === 1) {
    const r = rows[0] as DayKpiRow;
    // One day: the loaded values as they are (no arithmetic that could change a digit).
    return {
      toots: r.toots,
      activeAccounts: r.activeAccounts,
      botShare: r.botToots === null || r.toots === 0 ? null : r.botToots / r.toots,
      engagement: r.engagement,
      mediaShare: r.mediaShare,
      meanSentiment: r.meanSentiment,
    };
  }
  const toots = rows.reduce((s, r) => s + r.toots, 0);
  const bots = sumOrNull(rows.map((r) => r.botToots));
  const accounts = rows.map((r) => r.activeAccounts).filter((x): x is number => x !== null);
  return {
    toots,
    activeAccounts: accounts.length ? Math.max(...accounts) : null,
    botShare: bots === null || toots === 0 ? null : bots / toots,
    engagement: sumOrNull(rows.map((r) => r.engagement)),
    mediaShare: weighted(
      rows,
      (r) => r.mediaShare,
      (r) => r.toots,
    ),
    meanSentiment: weighted(
      rows,
      (r) => r.meanSentiment,
      (r) => r.scored,
    ),
  };
}

function deltasOf(cur: Kpis, prev: Kpis | undefined): Record<KpiName, Delta> {
  const out = {} as Record<KpiName, Delta>;
  for (const k of KPI_NAMES) {
    const c = cur[k];
    const p = prev?.[k];
    out[k] = prev === undefined ? 'new' : c === null || p === null || p === undefined ? null : c - p;
  }
  return out;
}

const inRange = (day: string, from: string, to: string): boolean => day >= from && day <= to;

export function buildReport(input: ReportInput): ReportModel {
  const { from, to, by } = input;
  const kpis: PeriodKpis[] = [];
  for (const instance of input.instances) {
    const rows = input.kpis.filter((r) => r.instance === instance).sort((a, b) => (a.day < b.day ? -1 : 1));
    const periods = new Map<string, { start: string; rows: DayKpiRow[] }>();
    for (const r of rows) {
      const p = periodOf(r.day, by);
      const entry = periods.get(p.label) ?? { start: p.start, rows: [] };
      entry.rows.push(r);
      periods.set(p.label, entry);
    }
    let prevLabel: string | undefined;
    let prev: Kpis | undefined;
    for (const [label, p] of periods) {
      const values = kpisOf(p.rows);
      // Deltas compare with the period just before, when it has data (not an older one).
      const before = periodOf(addDays(p.start, -1), by).label;
      const end = (p.rows[p.rows.length - 1] as DayKpiRow).day;
      if (end >= from && p.start <= to)
        kpis.push({
          instance,
          start: p.start,
          end,
          label,
          days: p.rows.length,
          values,
          deltas: deltasOf(values, prevLabel === before ? prev : undefined),
        });
      prevLabel = label;
      prev = values;
    }
  }

  const days: DayDetail[] = [];
  for (const instance of input.instances) {
    const rows = input.kpis
      .filter((r) => r.instance === instance && inRange(r.day, from, to))
      .sort((a, b) => (a.day < b.day ? -1 : 1));
    for (const r of rows) {
      const of = <T extends { instance: string; day: string }>(xs: readonly T[]) =>
        xs.filter((x) => x.instance === instance && x.day === r.day);
      const top = (kind: TopKind) =>
        of(input.tops)
          .filter((t) => t.kind === kind)
          .map((t) => ({ key: t.key, count: t.count }))
          .sort(byCountThenKey)
          .slice(0, TOP_N);
      days.push({
        instance,
        day: r.day,
        hashtags: top('hashtags'),
        languages: top('languages'),
        apps: top('apps'),
        tracked: of(input.tracked).sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0)),
        snapshotGaps: of(input.snapshotGaps ?? [])
          .map((g) => ({ source: g.source, reason: g.reason }))
          .sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0)),
        viral: of(input.viral)
          .sort((a, b) => b.engagement - a.engagement || compareDecimalIds(a.statusId, b.statusId))
          .slice(0, TOP_N),
        viralCount: r.viralCount,
        sentiment:
          r.scored === null
            ? null
            : { scored: r.scored, negative: r.negative ?? 0, neutral: r.neutral ?? 0, positive: r.positive ?? 0 },
        quality: { records: r.records, quarantined: r.quarantined, duplicates: r.duplicates },
        finality: dayFinality(r.day, input.loads.get(`${instance}#${r.day}`) ?? [], input.lookbackDays),
        ...(input.erasedInTotals?.has(`${instance}#${r.day}`) ? { erasedInTotals: true } : {}),
      });
    }
  }
  return { from, to, by, instances: [...input.instances], kpis, days };
}
