import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { HeapGuard } from '../../activities/aggregate/heap-guard';

const used = (): number => v8.getHeapStatistics().used_heap_size;

describe('HeapGuard', () => {
  it('runs a full collection once the heap grew past the allowance, and frees the garbage', () => {
    const guard = new HeapGuard(16 * 1024 * 1024);
    guard.check();
    expect(guard.collections).toBe(0);
    // Garbage in the large-object space (flat 400 KB strings no longer referenced) until the
    // heap has grown by 24 MB (V8 may collect some on its own meanwhile).
    const start = used();
    let keep: string[] = [];
    for (let i = 0; i < 2000 && used() < start + 24 * 1024 * 1024; i++) {
      keep.push(Buffer.alloc(400_000, 97 + (i % 26)).toString('latin1'));
      if (keep.length > 2) keep = keep.slice(1);
    }
    expect(used()).toBeGreaterThan(start + 16 * 1024 * 1024);
    const before = used();
    guard.check();
    expect(guard.collections).toBe(1);
    expect(used()).toBeLessThan(before - 16 * 1024 * 1024);
    guard.check(); // nothing new since: no second collection
    expect(guard.collections).toBe(1);
    expect(keep.length).toBe(2);
  });
});
