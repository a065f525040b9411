// Mastodon status IDs are Snowflake-like: (unix_ms << 16) | 16 low bits. They exceed 2^53, so
// they travel as decimal strings and any arithmetic on them goes through BigInt.
//
// A logical day D is the half-open UTC interval [D 00:00Z, D+1 00:00Z). Mastodon's cursors are
// exclusive ("newer than min_id", "older than max_id"), which is why the window's minId is one
// below the first ID of the day and its maxId is the first ID of the next day.
//
// The ID says when a status was inserted on the server, created_at says when it was written:
// late-federated posts can sit in a later day's ID range than their created_at, so a day's
// statuses are selected by ID window and then filtered with inWindow on created_at.

const DAY_MS = 86_400_000;
const SHIFT = 16n;
const LOW_MASK = 0xffffn;
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DIGITS_RE = /^\d+$/;

export interface DayWindow {
  /** The day as given, YYYY-MM-DD. */
  day: string;
  /** First millisecond of the day (inclusive). */
  startMs: number;
  /** First millisecond of the next day (exclusive). */
  endMs: number;
  /** Exclusive lower cursor: `min_id`/`since_id` that admits every ID of the day. */
  minId: string;
  /** Exclusive upper cursor: `max_id` that admits no ID of the next day. */
  maxId: string;
}

export function snowflakeFromMs(ms: number, low16 = 0): string {
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new RangeError(`snowflake time must be a non-negative integer of ms, got ${ms}`);
  if (!Number.isInteger(low16) || low16 < 0 || low16 > 0xffff)
    throw new RangeError(`snowflake low bits must be 0..65535, got ${low16}`);
  return ((BigInt(ms) << SHIFT) | BigInt(low16)).toString();
}

export function msFromSnowflake(id: string): number {
  assertId(id);
  return Number(BigInt(id) >> SHIFT);
}

export function lowBitsOfSnowflake(id: string): number {
  assertId(id);
  return Number(BigInt(id) & LOW_MASK);
}

/** Start of the UTC day given as YYYY-MM-DD; rejects dates that do not exist (2024-02-30). */
export function dayStartMs(day: string): number {
  const m = DAY_RE.exec(day);
  if (!m) throw new RangeError(`expected a day as YYYY-MM-DD, got "${day}"`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new RangeError(`not a calendar day: "${day}"`);
  }
  return ms;
}

/** The UTC day (YYYY-MM-DD) that contains the instant `ms`. */
export function utcDayOf(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return utcDayOf(dayStartMs(day) + n * DAY_MS);
}

export function dayWindow(day: string): DayWindow {
  const startMs = dayStartMs(day);
  const endMs = startMs + DAY_MS;
  return {
    day,
    startMs,
    endMs,
    minId: ((BigInt(startMs) << SHIFT) - 1n).toString(),
    maxId: (BigInt(endMs) << SHIFT).toString(),
  };
}

/**
 * Whether an ISO-8601 created_at falls in [startMs, endMs). An unparsable timestamp is outside
 * every window: a record without a usable time cannot be attributed to a day.
 */
export function inWindow(createdAtIso: string, window: Pick<DayWindow, 'startMs' | 'endMs'>): boolean {
  const ms = Date.parse(createdAtIso);
  if (Number.isNaN(ms)) return false;
  return ms >= window.startMs && ms < window.endMs;
}

/** Whether a status ID lies strictly between the window's exclusive cursors. */
export function idInWindow(id: string, window: Pick<DayWindow, 'minId' | 'maxId'>): boolean {
  return compareIds(id, window.minId) > 0 && compareIds(id, window.maxId) < 0;
}

/** Numeric order of two decimal IDs without BigInt allocation: length first, then digits. */
export function compareIds(a: string, b: string): -1 | 0 | 1 {
  assertId(a);
  assertId(b);
  const x = stripZeros(a);
  const y = stripZeros(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  if (x === y) return 0;
  return x < y ? -1 : 1;
}

function stripZeros(s: string): string {
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
  return i === 0 ? s : s.slice(i);
}

function assertId(id: string): void {
  if (typeof id !== 'string' || !DIGITS_RE.test(id)) throw new TypeError(`not a decimal ID: ${JSON.stringify(id)}`);
}
