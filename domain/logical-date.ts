// Logical dates: a DAG run processes one UTC day D, its data interval is the half-open range
// [D 00:00Z, D+1 00:00Z). Days travel as 'YYYY-MM-DD' strings (they sort and compare as text,
// and they are what workflow IDs and object keys carry). Nothing here reads the clock: callers
// pass "now" or the scheduled time in, so the workflow sandbox can use every function.

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export interface DataInterval {
  /** Inclusive start, ISO-8601 UTC (`D T00:00:00.000Z`). */
  start: string;
  /** Exclusive end, ISO-8601 UTC (`D+1 T00:00:00.000Z`). */
  end: string;
}

/** True for a real calendar day written as YYYY-MM-DD ('2024-02-30' and '2024-13-01' are not). */
export function isValidDay(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DAY_RE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls over out-of-range parts (Feb 30 → Mar 1), so a round trip exposes them.
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function assertDay(day: string): void {
  if (!isValidDay(day)) throw new Error(`expected a day as YYYY-MM-DD, got ${JSON.stringify(day)}`);
}

/** Epoch milliseconds of `day` 00:00Z. */
export function dayStartMs(day: string): number {
  assertDay(day);
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** The UTC day containing the instant `ms`. */
export function utcDayOf(ms: number): string {
  if (!Number.isFinite(ms)) throw new Error(`expected epoch milliseconds, got ${ms}`);
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  if (!Number.isInteger(n)) throw new Error(`expected a whole number of days, got ${n}`);
  return utcDayOf(dayStartMs(day) + n * DAY_MS);
}

export function dataInterval(day: string): DataInterval {
  const startMs = dayStartMs(day);
  return {
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + DAY_MS).toISOString(),
  };
}

/**
 * Every day from `from` to `to`, both included, oldest first unless `backwards` (newest first,
 * which lets a backfill fill the most useful recent days before the old ones).
 * `from` after `to` is a caller mistake, not an empty range: it throws.
 */
export function daysInRange(from: string, to: string, options: { backwards?: boolean } = {}): string[] {
  const fromMs = dayStartMs(from);
  const toMs = dayStartMs(to);
  if (fromMs > toMs) throw new Error(`range start ${from} is after its end ${to}`);
  const days: string[] = [];
  for (let ms = fromMs; ms <= toMs; ms += DAY_MS) days.push(utcDayOf(ms));
  return options.backwards ? days.reverse() : days;
}

/** The last complete UTC day at `nowMs`: the default logical date of a manual run. */
export function yesterdayUtc(nowMs: number): string {
  return addDays(utcDayOf(nowMs), -1);
}

/**
 * The day a scheduled run processes: the UTC day before the UTC date of its scheduled time.
 * A schedule fires after the interval it covers has ended (e.g. D+1 02:00Z processes D), as in
 * Airflow where the logical date is the start of the data interval.
 *
 * The schedule's own timezone deliberately plays no part: intervals are UTC days, and the only
 * day guaranteed complete at any instant is the UTC day before that instant's UTC date. Using
 * the local date instead would, east of UTC (e.g. 02:00 in Auckland = 13:00Z the day before),
 * pick a UTC day that has not ended yet.
 */
export function logicalDateFromScheduledTime(scheduled: string | number | Date): string {
  const ms =
    typeof scheduled === 'number' ? scheduled : scheduled instanceof Date ? scheduled.getTime() : Date.parse(scheduled);
  if (!Number.isFinite(ms)) {
    throw new Error(`expected an ISO-8601 scheduled time, got ${JSON.stringify(String(scheduled))}`);
  }
  return addDays(utcDayOf(ms), -1);
}
