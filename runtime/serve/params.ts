import { parseDateRange, parseDayParam } from '../../domain/date-range';
import { ApiError } from './api-error';

// Query-string checks shared by the routes. Everything a request names is checked against a
// closed set (declared views, known instances and DAGs, listed formats) or a strict pattern
// before it reaches SQL, and SQL only ever gets it as a bound parameter.

/** Three years, leap day included: the widest range one request may ask for. */
export const MAX_RANGE_DAYS = 3 * 365 + 1;
const MAX_VALUE_LENGTH = 300;

export type Query = Readonly<Record<string, string>>;

/**
 * The query string as single values; refuses a parameter the route does not take (a typo must
 * not silently widen the answer), a repeated one, or an overly long one.
 */
export function readQuery(url: string, allowed: readonly string[]): Query {
  const params = new URL(url).searchParams;
  const out: Record<string, string> = {};
  for (const [name, value] of params) {
    const shown = JSON.stringify(name.slice(0, 40));
    if (!allowed.includes(name))
      throw new ApiError(400, name.slice(0, 40), `unknown parameter ${shown}; this route takes: ${allowed.join(', ')}`);
    if (name in out) throw new ApiError(400, name, `parameter ${shown} is given more than once`);
    if (value.length > MAX_VALUE_LENGTH)
      throw new ApiError(400, name, `parameter ${shown} is longer than ${MAX_VALUE_LENGTH} characters`);
    out[name] = value;
  }
  return out;
}

export function dateRange(q: Query, today: string): { from: string; to: string } {
  const r = parseDateRange({ from: q.from, to: q.to }, { today, maxDays: MAX_RANGE_DAYS });
  if (!r.ok) throw new ApiError(400, r.parameter, r.message);
  return { from: r.from, to: r.to };
}

export function dayParam(q: Query, name: string, today: string): string {
  const r = parseDayParam(q[name], name, today);
  if (!r.ok) throw new ApiError(400, r.parameter, r.message);
  return r.day;
}

const INSTANCE_RE = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:\d{1,5})?$/i;

/** An instance the store or the config knows; absent = all. */
export async function instanceParam(q: Query, known: () => Promise<readonly string[]>): Promise<string | undefined> {
  const value = q.instance;
  if (value === undefined) return undefined;
  if (!INSTANCE_RE.test(value))
    throw new ApiError(
      400,
      'instance',
      `instance: expected a host name such as mastodon.social, got ${JSON.stringify(value.slice(0, 60))}`,
    );
  const names = await known();
  if (!names.includes(value))
    throw new ApiError(
      400,
      'instance',
      `instance: unknown instance ${JSON.stringify(value)}; known: ${names.join(', ') || '(none yet)'}`,
    );
  return value;
}

export function enumParam<T extends string>(q: Query, name: string, values: readonly T[], fallback: T): T {
  const value = q[name];
  if (value === undefined) return fallback;
  if (!(values as readonly string[]).includes(value))
    throw new ApiError(
      400,
      name,
      `${name}: expected one of ${values.join(', ')}, got ${JSON.stringify(value.slice(0, 40))}`,
    );
  return value as T;
}

const ACCT_RE = /^@?[a-z0-9_.+-]{1,64}(@[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?)?$/i;

export function acctParam(q: Query): string | undefined {
  const value = q.acct;
  if (value === undefined) return undefined;
  if (!ACCT_RE.test(value))
    throw new ApiError(
      400,
      'acct',
      `acct: expected an account as user@host, got ${JSON.stringify(value.slice(0, 60))}`,
    );
  return value.replace(/^@/, '').toLowerCase();
}
