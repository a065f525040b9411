/**
 * The Lehmer (Park–Miller, multiplier 48271) generator several tests use for reproducible data:
 * `rand()` returns numbers in (0, 1). Kept as one helper so each test's sequence stays the same.
 */
export function lehmerRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}
