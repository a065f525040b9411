// Helpers for the plain-object dictionaries and sorted columns partials are made of. Keys come
// from the network (hashtags, app names, accts), so a key may be "__proto__" or "constructor":
// dictionaries are only ever built with Object.fromEntries (own data properties, never the
// prototype setter) and read through Object.entries (own properties only). Keys are sorted when
// sealing/merging (JS itself puts integer-like keys first, in numeric order) so that the same
// data always serialises to the same bytes, whatever order the merges ran in.
//
// These helpers loop themselves, and take module-level functions (positive, present, nonEmpty)
// rather than an arrow function made per call (`slots.map((s) => acc.x[s])`, a merge callback):
// V8 keeps the optimised code of closures made afresh only while one of them lives, so a map
// thread, which seals once a part with a full collection every part or two in between, compiled
// each such closure again and again. Measured in one thread mapping a day part by part with a full
// collection between parts (--trace-opt): 20-27 TurboFan compiles every part before, ~4 after; in
// bench:mapreduce the map threads' optimised compiles over a 300k-status day went from 509 to 240.

export type Counts = Record<string, number>;

export function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Sort comparator for [key, value] entries by key (UTF-16 order, as JS sorts strings). */
export function byKey<V>(a: [string, V], b: [string, V]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** A dictionary with sorted keys from a Map (keys sorted natively: no JS comparator). */
export function sealRecord<V>(map: ReadonlyMap<string, V>): Record<string, V> {
  const keys = [...map.keys()].sort();
  const entries: [string, V][] = [];
  for (const k of keys) entries.push([k, map.get(k) as V]);
  return Object.fromEntries(entries);
}

/** A dictionary with numeric keys (written in decimal, ascending) from a Map. */
export function sealNumericRecord(map: ReadonlyMap<number, number>): Counts {
  const keys = [...map.keys()].sort(ascending);
  const entries: [string, number][] = [];
  for (const k of keys) entries.push([String(k), map.get(k) as number]);
  return Object.fromEntries(entries);
}

const ascending = (a: number, b: number): number => a - b;

/**
 * Per-account partials are columns aligned on a sorted `accts` column (UTF-16 order, as the
 * native sort and `<` compare strings) rather than dictionaries: building and parsing a
 * 100k-key object costs far more than arrays, and two sorted columns merge in one linear pass.
 *
 * `sortedSlots` gives, in acct order, the slots a family saw (`seen(column[slot])`), with their accts.
 */
export function sortedSlots<T>(
  ctx: { accts: readonly string[]; order: readonly number[] },
  column: ArrayLike<T | undefined>,
  seen: (value: T | undefined) => boolean,
): { accts: string[]; slots: number[] } {
  const accts: string[] = [];
  const slots: number[] = [];
  const order = ctx.order;
  for (let k = 0; k < order.length; k++) {
    const slot = order[k] as number;
    if (seen(column[slot])) {
      accts.push(ctx.accts[slot] as string);
      slots.push(slot);
    }
  }
  return { accts, slots };
}

/** sortedSlots tests: a count above zero; any number (0 included); a non-empty string. */
export const positive = (v: number | undefined): boolean => (v ?? 0) > 0;
export const present = (v: number | undefined): boolean => (v ?? -1) >= 0;
export const nonEmpty = (v: string | undefined): boolean => (v ?? '') !== '';

/** A column's values at the given slots, in their order. */
export function pick<T>(column: ArrayLike<T | undefined>, slots: readonly number[]): T[] {
  const out: T[] = [];
  for (let k = 0; k < slots.length; k++) out.push(column[slots[k] as number] as T);
  return out;
}

/**
 * Merge-join of two sorted acct columns: the merged acct column, and `pairs`, two indices per
 * acct of the union in order, (i in a, j in b), -1 on the side missing it. A family's merge
 * builds its value columns by walking the pairs itself (sumColumns, orColumns, or its own loop),
 * rather than through a callback made per merge (see the top of this file).
 *
 * The account-keyed families of one partial hold the same acct column (every counted account),
 * so a reduce merges the same two columns once per family. When the partials share one column
 * object (as partialFromJson reads them), the join is computed once: the pairs and the merged
 * column are kept for those two column objects, and a family after the first reuses them without
 * comparing a string (the reduce spent most of its time comparing the same accts six times).
 */
export function joinColumns(a: readonly string[], b: readonly string[]): ColumnJoin {
  const known = joins.get(a)?.get(b);
  if (known) return known;
  const accts: string[] = [];
  const pairs = new Int32Array(2 * (a.length + b.length));
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    let pi = -1;
    let pj = -1;
    if (y === undefined || (x !== undefined && x < y)) {
      accts.push(x as string);
      pi = i++;
    } else if (x === undefined || y < x) {
      accts.push(y);
      pj = j++;
    } else {
      accts.push(x);
      pi = i++;
      pj = j++;
    }
    pairs[n++] = pi;
    pairs[n++] = pj;
  }
  let byB = joins.get(a);
  if (!byB) {
    byB = new WeakMap();
    joins.set(a, byB);
  }
  const join = { accts, pairs: pairs.subarray(0, n) };
  byB.set(b, join);
  return join;
}

export interface ColumnJoin {
  /** The merged acct column (shared by every family merging the same two columns: do not modify). */
  accts: string[];
  /** (i, j) per acct of `accts`: its index in a and in b, -1 where that side lacks it. */
  pairs: Int32Array;
}

/** A merged column of sums, 0 taken for the side lacking an acct. */
export function sumColumns(pairs: Int32Array, a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (let k = 0; k < pairs.length; k += 2)
    out.push(valueAt(a, pairs[k] as number) + valueAt(b, pairs[k + 1] as number));
  return out;
}

/** A merged column of bit flags (OR), 0 taken for the side lacking an acct. */
export function orColumns(pairs: Int32Array, a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (let k = 0; k < pairs.length; k += 2)
    out.push(valueAt(a, pairs[k] as number) | valueAt(b, pairs[k + 1] as number));
  return out;
}

/** Joins already computed, by the column objects joined (collected with them). */
const joins = new WeakMap<readonly string[], WeakMap<readonly string[], ColumnJoin>>();

/** A column's value at a merge-join index, 0 where the acct is missing on that side (index -1). */
export function valueAt(column: readonly number[], i: number): number {
  return i < 0 ? 0 : (column[i] as number);
}

/** Union of two dictionaries; values of keys present in both are combined. */
export function mergeRecords<V>(
  a: Record<string, V>,
  b: Record<string, V>,
  combine: (x: V, y: V) => V,
): Record<string, V> {
  const out = new Map<string, V>(Object.entries(a));
  for (const [k, v] of Object.entries(b)) {
    const prev = out.get(k);
    out.set(k, prev !== undefined ? combine(prev, v) : v);
  }
  return sealRecord(out);
}

export const add = (x: number, y: number): number => x + y;

export function mergeCounts(a: Counts, b: Counts): Counts {
  return mergeRecords(a, b, add);
}

/** Element-wise sum of equal-length number arrays (fixed histograms). */
export function addArrays(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`cannot merge histograms of ${a.length} and ${b.length} bins`);
  return a.map((x, i) => x + (b[i] as number));
}

/**
 * The k largest entries by value, ties broken by key ascending, so the cut is deterministic.
 * Values come from exact counts, so the top-k of merged partials is the true top-k.
 */
export function topEntries(entries: Iterable<[string, number]>, k: number): [string, number][] {
  return [...entries].sort((a, b) => b[1] - a[1] || byKey(a, b)).slice(0, Math.max(0, k));
}

/** Nearest-rank percentile (0 < q <= 1) of an ascending array: the value at rank ceil(q*n). */
export function nearestRank(sortedAscending: readonly number[], q: number): number {
  const n = sortedAscending.length;
  if (n === 0) throw new Error('percentile of an empty list');
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
  return sortedAscending[rank - 1] as number;
}

/** Numeric order of decimal ID strings without leading zeros (they exceed 2^53). */
export function compareDecimalIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
