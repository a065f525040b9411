import { describe, expect, it } from 'vitest';
import { expandChunkWorkflowId } from '../../domain/keys';
import {
  chunkRanges,
  EXPAND_CHUNK_SIZE,
  EXPAND_MAX_ERRORS,
  emptyChunkResult,
  expandItems,
  mergeChunkResults,
  withoutField,
} from '../../workflows/run-dag-expand';

describe('chunkRanges', () => {
  it('covers every item once, in chunks of the size', () => {
    expect(chunkRanges(2500, 1000)).toEqual([
      { chunk: 0, start: 0, end: 1000 },
      { chunk: 1, start: 1000, end: 2000 },
      { chunk: 2, start: 2000, end: 2500 },
    ]);
    expect(chunkRanges(1000, 1000)).toEqual([{ chunk: 0, start: 0, end: 1000 }]);
    expect(chunkRanges(0)).toEqual([]);
    expect(chunkRanges(10_000)).toHaveLength(10_000 / EXPAND_CHUNK_SIZE);
  });

  it('refuses nonsense', () => {
    expect(() => chunkRanges(-1)).toThrow(/count >= 0/);
    expect(() => chunkRanges(10, 0)).toThrow(/chunk size >= 1/);
  });
});

describe('expandItems / withoutField', () => {
  it('takes the list from the field', () => {
    expect(expandItems({ items: [1, 2], count: 2 }, 'emit', 'items')).toEqual({ ok: true, items: [1, 2] });
    expect(expandItems({ keys: [] }, 'emit', 'keys')).toEqual({ ok: true, items: [] });
  });

  it('says what is wrong with the upstream output', () => {
    expect(expandItems({ count: 2 }, 'emit', 'items')).toEqual({
      ok: false,
      message: 'expand: field "items" of upstream task "emit" is not a list (no such field)',
    });
    expect(expandItems({ items: 'a,b' }, 'emit', 'items')).toEqual({
      ok: false,
      message: 'expand: field "items" of upstream task "emit" is not a list (a string)',
    });
    expect(expandItems([1, 2], 'emit', 'items')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not an object/),
    });
    expect(expandItems(undefined, 'emit', 'items')).toMatchObject({ ok: false });
  });

  it('removes the list from what each item call receives', () => {
    expect(withoutField({ items: [1, 2], count: 2, key: 'k' }, 'items')).toEqual({ count: 2, key: 'k' });
    expect(withoutField([1, 2], 'items')).toEqual([1, 2]);
    expect(withoutField(null, 'items')).toBeNull();
  });
});

describe('mergeChunkResults', () => {
  it('adds counts, keeps the highest attempt and the first errors by index', () => {
    const a = {
      total: 3,
      succeeded: 1,
      failed: 2,
      maxAttempt: 2,
      errors: [
        { index: 9, error: 'x' },
        { index: 2, error: 'y' },
      ],
    };
    const b = { total: 2, succeeded: 2, failed: 0, maxAttempt: 1, errors: [] };
    expect(mergeChunkResults(mergeChunkResults(emptyChunkResult(), a), b)).toEqual({
      total: 5,
      succeeded: 3,
      failed: 2,
      maxAttempt: 2,
      errors: [
        { index: 2, error: 'y' },
        { index: 9, error: 'x' },
      ],
    });
  });

  it('bounds the errors kept', () => {
    const many = {
      ...emptyChunkResult(),
      errors: Array.from({ length: 9 }, (_, i) => ({ index: 100 - i, error: 'e' })),
    };
    const merged = mergeChunkResults(many, many);
    expect(merged.errors).toHaveLength(EXPAND_MAX_ERRORS);
    expect(merged.errors[0]?.index).toBe(92);
  });
});

describe('expandChunkWorkflowId', () => {
  it('derives chunk IDs from the run ID and task', () => {
    expect(expandChunkWorkflowId('dag/daily/2026-11-20', 'map_statuses', 3)).toBe(
      'dag/daily/2026-11-20/expand/map_statuses/chunk-00003',
    );
    expect(() => expandChunkWorkflowId('dag/daily/2026-11-20', 'map', -1)).toThrow(/chunk index/);
  });
});
