import { describe, expect, it } from 'vitest';
import {
  MAP_HEAP_GROWING_PERCENT,
  MAP_THREADS_IDLE_MS,
  mapHeapGrowingPercent,
  mapThreadsIdleMs,
} from '../../activities/aggregate/map-pool';

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

  it('keeps idle threads a second unless told otherwise, and names a bad idle time', () => {
    expect(mapThreadsIdleMs({})).toBe(MAP_THREADS_IDLE_MS);
    expect(MAP_THREADS_IDLE_MS).toBe(1_000);
    expect(mapThreadsIdleMs({ MASTOFLOW_MAP_THREADS_IDLE_MS: '' })).toBe(MAP_THREADS_IDLE_MS);
    expect(mapThreadsIdleMs({ MASTOFLOW_MAP_THREADS_IDLE_MS: '0' })).toBe(0);
    expect(mapThreadsIdleMs({ MASTOFLOW_MAP_THREADS_IDLE_MS: '600000' })).toBe(600_000);
    for (const bad of ['-1', '1.5', '10m', '86400001'])
      expect(() => mapThreadsIdleMs({ MASTOFLOW_MAP_THREADS_IDLE_MS: bad })).toThrow(
        `MASTOFLOW_MAP_THREADS_IDLE_MS: expected an integer number of milliseconds from 0 to 86400000, got "${bad}"`,
      );
  });
});
