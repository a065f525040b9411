// Snapshots are observations: a tracked account's profile (followers, following, statuses), the
// instance document, weekly activity, peers and trending tags say what the instance answered at
// one moment, not what was true on some past day. So each one is stored under the moment it was
// taken (domain/keys.ts, snapshot observation keys) and never overwritten, and a day's snapshot
// metrics come only from the observation made in that day's own window:
//
//   the window of day D = [end of D, end of D + 36 h), i.e. D+1 00:00 .. D+2 12:00 UTC.
//
// The scheduled run of D starts just after D ends, so its observation lands in the window even
// when it runs late or is retried for a day and a half; a backfill of last month observes today,
// which is outside every past day's window. The FIRST observation taken in the window is the
// day's for good: a later run of D reuses it (no re-fetch), so a day's snapshot numbers are final
// as soon as they are observed. A day without an observation from its window is "not observed"
// (its snapshot metrics are absent, with the reason); its deltas, and the next day's, are absent
// too (never computed across a gap).
//
// Where the instance itself returns history, a later observation fills past days exactly:
// weekly activity (12 weeks, each final once it has ended) and trending-tag history (7 days,
// each final once the day has ended). Pure: times are passed in.
import { addDays, dayStartMs, utcDayOf } from './logical-date';

export const SNAPSHOT_WINDOW_HOURS = 36;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Weeks the instance's activity endpoint returns (and a day's filled activity reaches back). */
export const ACTIVITY_WEEKS = 12;
/** Days of history each trending tag carries. */
export const TREND_HISTORY_DAYS = 7;

/** The window whose first observation is the day's: [end of day, end of day + 36 h). */
export function snapshotWindow(day: string): { startMs: number; endMs: number } {
  const startMs = dayStartMs(day) + DAY_MS;
  return { startMs, endMs: startMs + SNAPSHOT_WINDOW_HOURS * HOUR_MS };
}

export function inSnapshotWindow(day: string, observedAt: string | number): boolean {
  const ms = typeof observedAt === 'number' ? observedAt : Date.parse(observedAt);
  const w = snapshotWindow(day);
  return ms >= w.startMs && ms < w.endMs;
}

/** What a day's manifest records about the observation it uses. */
export interface DayObservation {
  /** ISO time the snapshot was taken. */
  observedAt: string;
  /** The observation's own manifest. */
  manifestKey: string;
  /** ISO time of the first observation any run of this day made (for "not observed: first fetched ..."). */
  firstFetchedAt: string;
}

/**
 * The observation a day keeps after a run took `fresh`: one from the day's window, the first
 * such; otherwise the first one ever fetched for the day (a later fetch is kept in the store as
 * an observation of its own moment, but does not become the day's).
 */
export function keptDayObservation(
  day: string,
  kept: DayObservation | undefined,
  fresh: { observedAt: string; manifestKey: string },
): DayObservation {
  if (kept && inSnapshotWindow(day, kept.observedAt)) return kept;
  const firstFetchedAt = kept ? earliest(kept.firstFetchedAt, fresh.observedAt) : fresh.observedAt;
  if (inSnapshotWindow(day, fresh.observedAt)) return { ...fresh, firstFetchedAt };
  return kept ? { ...kept, firstFetchedAt } : { ...fresh, firstFetchedAt };
}

function earliest(a: string, b: string): string {
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

/** A day's snapshot state for one source, as the views and the report show it. */
export type SnapshotState =
  | { state: 'observed'; observedAtMs: number }
  /** Not observed in the window, but the instance's own history (weeks, trend days) filled the day. */
  | { state: 'from-history'; observedAtMs: number }
  | { state: 'not-observed'; firstFetchedMs: number };

/** Why a day has no snapshot numbers, in one line. */
export function notObservedReason(day: string, firstFetchedMs: number): string {
  if (firstFetchedMs < snapshotWindow(day).startMs)
    return `not observed: only fetched before the day ended (${new Date(firstFetchedMs).toISOString().slice(0, 19)}Z)`;
  return `not observed: first fetched ${utcDayOf(firstFetchedMs)}`;
}

export function fromHistoryReason(observedAtMs: number): string {
  return `not observed; filled from the history the instance reported on ${utcDayOf(observedAtMs)}`;
}

/** The state line for a day: null when observed. */
export function snapshotReason(day: string, s: SnapshotState): string | null {
  if (s.state === 'observed') return null;
  if (s.state === 'from-history') return fromHistoryReason(s.observedAtMs);
  return notObservedReason(day, s.firstFetchedMs);
}

/**
 * Weekly activity of an observation that is not the day's own: the weeks that had ended by the end
 * of `day` (and before the observation's own day, whose counters were still running), within the
 * 12 weeks before `day`. Mastodon's week `i` is the 7 UTC days from the day of (request time − i
 * weeks); its counters are per day, so the week's key date K covers K..K+6.
 */
export function weeksFinalBy<W extends { week: string | number }>(
  day: string,
  observedAtMs: number,
  weeks: readonly W[],
): W[] {
  const observedDay = utcDayOf(observedAtMs);
  const oldest = addDays(day, -7 * ACTIVITY_WEEKS);
  return weeks.filter((w) => {
    const start = utcDayOf(Number(w.week) * 1000);
    const last = addDays(start, 6);
    return last <= day && last < observedDay && start > oldest;
  });
}

/**
 * Trend history of an observation that is not the day's own: each tag's days within the 7 days up
 * to `day` that had ended when observed. Tags whose history keeps none of them are dropped.
 */
export function trendHistoryFor<H extends { day: string | number }, T extends { history: readonly H[] }>(
  day: string,
  observedAtMs: number,
  tags: readonly T[],
): T[] {
  const observedDay = utcDayOf(observedAtMs);
  const oldest = addDays(day, -(TREND_HISTORY_DAYS - 1));
  const out: T[] = [];
  for (const t of tags) {
    const history = t.history.filter((h) => {
      const d = utcDayOf(Number(h.day) * 1000);
      return d >= oldest && d <= day && d < observedDay;
    });
    if (history.length > 0) out.push({ ...t, history });
  }
  return out;
}

/**
 * When a snapshot was taken: the server's HTTP `Date` header when it sent a valid one (the
 * instance's own clock, which is also what makes the simulated instance's settable clock observe
 * a past day at its own time), else the worker's clock.
 */
export function observedAtFrom(dateHeader: string | undefined, workerNowMs: number): number {
  const ms = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  return Number.isFinite(ms) ? ms : workerNowMs;
}
