import { describe, expect, it } from 'vitest';
import { mapPartLabel, reduceGroupLabel } from '../../domain/aggregate-plan';
import { fetchItemLabel } from '../../domain/fetch-plan';
import { runDetailsMarkdown } from '../../domain/run-details';
import {
  chunkSummary,
  dayRunSummary,
  itemLabel,
  oneLine,
  SUMMARY_MAX_CHARS,
  taskSummary,
  withoutItemLabel,
} from '../../domain/task-summary';

const DAY = '2026-11-20';

describe('task summaries (Temporal UI user metadata)', () => {
  it('names a task by id and day, a fan-out item by its label or its position', () => {
    expect(taskSummary({ taskId: 'plan_fetch', logicalDate: DAY })).toBe('plan_fetch 2026-11-20');
    const fetchLabel = fetchItemLabel({ instance: 'mastodon.social', source: 'public-local', day: DAY });
    expect(taskSummary({ taskId: 'fetch', logicalDate: DAY, item: { label: fetchLabel, index: 0, total: 24 } })).toBe(
      'fetch mastodon.social public-local 2026-11-20',
    );
    expect(taskSummary({ taskId: 'fetch', logicalDate: DAY, item: { index: 2, total: 24 } })).toBe('fetch 3/24');
    const group = reduceGroupLabel({ instance: 'mastodon.social', day: DAY });
    expect(taskSummary({ taskId: 'reduce', logicalDate: DAY, item: { label: group, index: 0, total: 1 } })).toBe(
      'reduce mastodon.social 2026-11-20',
    );
    expect(taskSummary({ taskId: 'load', logicalDate: DAY, item: { label: group, index: 0, total: 1 } })).toBe(
      'load mastodon.social 2026-11-20',
    );
  });

  it('labels map parts by instance, source, day and part of the day, late-band parts by their pages’ day', () => {
    const part = { instance: 'mastodon.social', source: 'public-local', day: DAY, part: 3 };
    expect(mapPartLabel(part, 12)).toBe('mastodon.social public-local 2026-11-20 part 3/12');
    expect(mapPartLabel({ ...part, sourceDay: DAY }, 12)).toBe('mastodon.social public-local 2026-11-20 part 3/12');
    expect(mapPartLabel({ ...part, sourceDay: '2026-11-21' }, 12)).toBe(
      'mastodon.social public-local 2026-11-20 part 3/12 (pages of 2026-11-21)',
    );
  });

  it('names chunk children and day runs', () => {
    expect(chunkSummary({ taskId: 'fetch', logicalDate: DAY, start: 0, end: 24, total: 24 })).toBe(
      'fetch ×24 items 1–24 of 24 (2026-11-20)',
    );
    expect(chunkSummary({ taskId: 'map', logicalDate: DAY, start: 1000, end: 1500, total: 1500 })).toBe(
      'map ×500 items 1001–1500 of 1500 (2026-11-20)',
    );
    expect(dayRunSummary({ dagId: 'mastodon_daily', day: DAY, runType: 'backfill' })).toBe(
      'mastodon_daily 2026-11-20 (backfill)',
    );
  });

  it('keeps summaries on one bounded line', () => {
    expect(oneLine('a\n  b\tc ')).toBe('a b c');
    const long = taskSummary({
      taskId: 'fetch',
      logicalDate: DAY,
      item: { label: 'x'.repeat(500), index: 0, total: 1 },
    });
    expect(long).toHaveLength(SUMMARY_MAX_CHARS);
    expect(long.endsWith('…')).toBe(true);
  });

  it('reads a label off an item and hands the activity the item without it', () => {
    const item = { instance: 'i', day: DAY, label: 'i 2026-11-20' };
    expect(itemLabel(item)).toBe('i 2026-11-20');
    expect(withoutItemLabel(item)).toEqual({ instance: 'i', day: DAY });
    expect(item.label).toBe('i 2026-11-20'); // not mutated
    for (const unlabelled of ['s3/key', 7, null, ['a'], { label: 3 }, { label: ' ' }]) {
      expect(itemLabel(unlabelled)).toBeUndefined();
    }
    const plain = { instance: 'i' };
    expect(withoutItemLabel(plain)).toBe(plain);
    expect(withoutItemLabel('s3/key')).toBe('s3/key');
    expect(withoutItemLabel(['a', 'b'])).toEqual(['a', 'b']);
  });
});

describe('run details (Markdown current details)', () => {
  it('is a table of task states, attempts and fan-out items, under a head line', () => {
    const text = runDetailsMarkdown(
      { dagId: 'mastodon_daily', logicalDate: DAY, runType: 'backfill', backfillId: 'bf-1', runId: 'dag/x/2026-11-20' },
      {
        plan_fetch: { state: 'success', attempts: 1 },
        fetch: { state: 'running', attempts: 0, items: { total: 24, succeeded: 5, failed: 2 } },
        map: { state: 'success', attempts: 2, items: { total: 3, succeeded: 3, failed: 0 } },
        load: { state: 'pending', attempts: 0 },
      },
    );
    expect(text.split('\n')).toEqual([
      '**mastodon_daily** · 2026-11-20 · backfill · backfill bf-1',
      '',
      '| task | state | attempts | items done/total |',
      '| :--- | :--- | ---: | ---: |',
      '| plan_fetch | success | 1 |  |',
      '| fetch | running |  | 7/24 (2 failed) |',
      '| map | success | 2 | 3/3 |',
      '| load | pending |  |  |',
      '',
      '2/4 tasks done · query `taskStates` of dag/x/2026-11-20 for outputs and errors',
    ]);
  });
});
