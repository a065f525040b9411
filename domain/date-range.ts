import { addDays, dayStartMs, isValidDay } from './logical-date';

// One validator for the day ranges people type (HTTP API query strings, later CLI flags):
// real calendar days as YYYY-MM-DD, in order, not in the future, not absurdly old, and not wider
// than the caller allows. Every refusal names the parameter, so an API can answer
// `400 {parameter: 'from', message}`. Pure: the caller passes "today" in (UTC day).

/** Nothing the fediverse stores predates this; an earlier day is a typo (0202-03-03), not a query. */
export const EARLIEST_DAY = '2000-01-01';

export interface DateRangeLimits {
  /** Today's UTC day (YYYY-MM-DD); days after today + 1 are refused (one day of clock skew). */
  today: string;
  /** The widest range accepted, in days (both ends included). */
  maxDays: number;
  /** Range when neither end is given: the `defaultDays` days ending at `to` (default 30). */
  defaultDays?: number;
  /** Parameter names to report (default `from` / `to`). */
  names?: { from: string; to: string };
}

export type DateRangeResult =
  | { ok: true; from: string; to: string; days: number }
  | { ok: false; parameter: string; message: string };

export type DayResult = { ok: true; day: string } | { ok: false; parameter: string; message: string };

const DAY_MS = 86_400_000;

/** One day parameter: a real calendar day between EARLIEST_DAY and today + 1. */
export function parseDayParam(value: string | undefined, parameter: string, today: string): DayResult {
  if (value === undefined || value === '') return { ok: false, parameter, message: `${parameter} is required` };
  const text: string = value;
  if (!isValidDay(text))
    return {
      ok: false,
      parameter,
      message: `${parameter}: expected a real calendar day as YYYY-MM-DD, got ${JSON.stringify(value.slice(0, 40))}`,
    };
  if (value < EARLIEST_DAY)
    return { ok: false, parameter, message: `${parameter}: ${value} is before ${EARLIEST_DAY}; no data is that old` };
  const latest = addDays(today, 1);
  if (value > latest)
    return { ok: false, parameter, message: `${parameter}: ${value} is in the future (latest accepted: ${latest})` };
  return { ok: true, day: value };
}

/**
 * `from`/`to` as typed (either may be missing): a missing `to` is today, a missing `from` is
 * `defaultDays - 1` days before `to`. Refuses malformed, unreal, future and too-old days,
 * `from` after `to`, and ranges over `maxDays`.
 */
export function parseDateRange(input: { from?: string; to?: string }, limits: DateRangeLimits): DateRangeResult {
  const names = limits.names ?? { from: 'from', to: 'to' };
  const defaultDays = limits.defaultDays ?? 30;
  let to = limits.today;
  if (input.to !== undefined) {
    const parsed = parseDayParam(input.to, names.to, limits.today);
    if (!parsed.ok) return parsed;
    to = parsed.day;
  }
  let from = addDays(to, -(Math.min(defaultDays, limits.maxDays) - 1));
  if (input.from !== undefined) {
    const parsed = parseDayParam(input.from, names.from, limits.today);
    if (!parsed.ok) return parsed;
    from = parsed.day;
  }
  if (from > to)
    return { ok: false, parameter: names.from, message: `${names.from} ${from} is after ${names.to} ${to}` };
  const days = (dayStartMs(to) - dayStartMs(from)) / DAY_MS + 1;
  if (days > limits.maxDays)
    return {
      ok: false,
      parameter: names.from,
      message: `${names.from}..${names.to} spans ${days} days; at most ${limits.maxDays} are allowed`,
    };
  return { ok: true, from, to, days };
}
