import { describe, expect, it } from 'vitest';
import { MAP_HEAP_GROWING_PERCENT, mapHeapGrowingPercent } from '../../activities/aggregate/map-pool';

describe('the map threads’ heap growth setting', () => {
  it('defaults, takes an override (0 = V8’s own factor) and names a bad value', () => {
    expect(mapHeapGrowingPercent({})).toBe(MAP_HEAP_GROWING_PERCENT);
    expect(mapHeapGrowingPercent({ MASTOFLOW_MAP_HEAP_GROWTH: '0' })).toBe(0);
    expect(mapHeapGrowingPercent({ MASTOFLOW_MAP_HEAP_GROWTH: '250' })).toBe(250);
    for (const bad of ['-1', '2.5', 'lots', '5000'])
      expect(() => mapHeapGrowingPercent({ MASTOFLOW_MAP_HEAP_GROWTH: bad })).toThrow(
        `MASTOFLOW_MAP_HEAP_GROWTH: expected an integer percent from 0 to 1000, got "${bad}"`,
      );
  });
});
