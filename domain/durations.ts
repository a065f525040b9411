// Durations in DAG specs are written the way people write them ('250ms', '30s', '5m', '2h',
// '1d') or as plain milliseconds. Everything downstream works in integer milliseconds; the
// formatter turns them back into a string Temporal accepts (its `Duration` type goes through
// the `ms` package, which parses a single "<number><unit>" but not compounds like '1m30s').

const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
} as const;

type Unit = keyof typeof UNIT_MS;

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** Milliseconds for a duration, or undefined when the value is not one we accept. */
export function tryParseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const match = DURATION_RE.exec(value.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] as Unit;
  return Math.round(amount * UNIT_MS[unit]);
}

/** Milliseconds for a duration; throws with the offending value so spec errors are findable. */
export function parseDuration(value: string | number): number {
  const ms = tryParseDuration(value);
  if (ms === undefined) {
    throw new Error(
      `expected a duration like '250ms', '1s', '5m', '2h', '1d' or milliseconds >= 0, got ${JSON.stringify(value)}`,
    );
  }
  return ms;
}

/**
 * The shortest exact single-unit string for `ms` ('90s', '1500ms', '1d'), which Temporal's
 * Duration parser reads back to the same number. Largest unit first so output stays readable.
 */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) {
    throw new Error(`expected whole milliseconds >= 0, got ${ms}`);
  }
  if (ms === 0) return '0ms';
  const units: Unit[] = ['d', 'h', 'm', 's'];
  for (const unit of units) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
