import { z } from 'zod';
import { addDays, dayStartMs, isValidDay } from './logical-date';

// The one validator for days and day ranges, whoever hands them in: HTTP API query strings
// (runtime/serve/params.ts), CLI flags (`run --date`, `backfill --from/--to`, `report`, `charts`)
// and workflow inputs (runDag's logicalDate, backfillDag's from/to). Real calendar days as
// YYYY-MM-DD, in order, not wider than the surface allows; where a person types the day, also not
// in the future and not absurdly old. Every refusal names the parameter, so an API can answer
// `400 {parameter: 'from', message}` and a CLI can name its flag. Pure: the caller passes "today"
// in (UTC day); workflow inputs pass none (a workflow reads no clock, and schedule backfills and
// tests address past and future days by name), so only the calendar and the width are checked.

/** Nothing the fediverse stores predates this; an earlier day is a typo (0202-03-03), not a query. */
export const EARLIEST_DAY = '2000-01-01';

/** What one surface accepts of a single day. */
export interface DayLimits {
  /**
   * Today's UTC day (YYYY-MM-DD); days after today + 1 are refused (one day of clock skew).
   * Absent (workflow inputs): no future check, and a range needs both ends.
   */
  today?: string;
  /** The earliest day accepted (default EARLIEST_DAY); null accepts any real day. */
  earliest?: string | null;
}

export interface DateRangeLimits extends DayLimits {
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

/**
 * A day field of a workflow or request schema: a real calendar day as YYYY-MM-DD (the limits that
 * need context, order and width, come from parseDateRange where the schema is used).
 */
export const CalendarDay = z.string().refine(isValidDay, { error: 'expected YYYY-MM-DD (a real calendar day)' });

/** One day: a real calendar day, within the surface's limits (see DayLimits). */
export function checkDay(value: unknown, parameter: string, limits: DayLimits): DayResult {
  if (value === undefined || value === '') return { ok: false, parameter, message: `${parameter} is required` };
  if (!isValidDay(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : `a ${typeof value}`;
    return { ok: false, parameter, message: `${parameter}: expected a real calendar day as YYYY-MM-DD, got ${shown}` };
  }
  const earliest = limits.earliest === undefined ? EARLIEST_DAY : limits.earliest;
  if (earliest !== null && value < earliest)
    return { ok: false, parameter, message: `${parameter}: ${value} is before ${earliest}; no data is that old` };
  if (limits.today !== undefined) {
    const latest = addDays(limits.today, 1);
    if (value > latest)
      return { ok: false, parameter, message: `${parameter}: ${value} is in the future (latest accepted: ${latest})` };
  }
  return { ok: true, day: value };
}

/** One day typed by a person: a real calendar day between EARLIEST_DAY and today + 1. */
export function parseDayParam(value: string | undefined, parameter: string, today: string): DayResult {
  return checkDay(value, parameter, { today });
}

/**
 * `from`/`to` as typed (either may be missing): a missing `to` is today, a missing `from` is
 * `defaultDays - 1` days before `to`. Refuses malformed, unreal, future and too-old days,
 * `from` after `to`, and ranges over `maxDays`.
 */
export function parseDateRange(input: { from?: unknown; to?: unknown }, limits: DateRangeLimits): DateRangeResult {
  const names = limits.names ?? { from: 'from', to: 'to' };
  const defaultDays = limits.defaultDays ?? 30;
  const dayLimits: DayLimits = { ...limits };
  let to = limits.today;
  if (input.to !== undefined || to === undefined) {
    const parsed = checkDay(input.to, names.to, dayLimits);
    if (!parsed.ok) return parsed;
    to = parsed.day;
  }
  let from = addDays(to, -(Math.min(defaultDays, limits.maxDays) - 1));
  if (input.from !== undefined || limits.today === undefined) {
    const parsed = checkDay(input.from, names.from, dayLimits);
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
