// Seeded randomness for the simulator. Math.random is never used: the same seed must give the
// same bytes on every run and machine, and a status must be reproducible from (seed, day, index)
// alone so a day can be regenerated lazily instead of kept in memory.

/** 32-bit avalanche mix (murmur3 finaliser); spreads nearby inputs (day 1, day 2) far apart. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Order-sensitive hash of a few integers (seed, purpose, day, index ...). */
export function hashInts(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    // Fold values above 2^32 (e.g. ms timestamps) instead of silently truncating them.
    const lo = p >>> 0;
    const hi = Math.floor(p / 4294967296) >>> 0;
    h = mix32(h ^ lo) + 0x7f4a7c15;
    h = mix32(h ^ hi);
  }
  return h >>> 0;
}

export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** mulberry32: one word of state, fast, and statistically plenty for synthetic data. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** Pick by relative weights (weights need not sum to 1). */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let u = this.float() * total;
    for (const [item, w] of items) {
      u -= w;
      if (u < 0) return item;
    }
    const last = items[items.length - 1];
    if (!last) throw new Error('weighted pick from an empty list');
    return last[0];
  }

  /**
   * Pareto-distributed integer >= 0 (x_min 1, shifted down by one): most values are 0 or small,
   * a few are huge, which is how favourites, boosts and followers are spread on the fediverse.
   */
  paretoInt(alpha: number, scale = 1, cap = 10_000_000): number {
    const u = 1 - this.float();
    const x = scale * (u ** (-1 / alpha) - 1);
    return Math.min(cap, Math.floor(x));
  }

  /** Exponential with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }
}

/**
 * Zipf sampler over ranks 0..n-1 with weight (rank+1)^-s: a heavy head and a long tail, the
 * shape of hashtag use and of posting activity per account.
 */
export class ZipfTable {
  readonly cumulative: Float64Array;
  readonly total: number;

  constructor(
    readonly n: number,
    readonly s: number,
  ) {
    if (n < 1) throw new RangeError('ZipfTable needs at least one rank');
    this.cumulative = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += (i + 1) ** -s;
      this.cumulative[i] = acc;
    }
    this.total = acc;
  }

  /** Probability of a rank. */
  p(rank: number): number {
    return (rank + 1) ** -this.s / this.total;
  }

  sample(rng: Rng): number {
    const u = rng.float() * this.total;
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] as number) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
