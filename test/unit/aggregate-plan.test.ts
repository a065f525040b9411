import { describe, expect, it } from 'vitest';
import { latePagesParts, numberParts, planMapParts, type PageRef } from '../../domain/aggregate-plan';
import { mapStatuses, mergeAll } from '../../domain/metrics';

const src = (pages: PageRef[]) => ({
  instance: 'i',
  day: '2026-11-20',
  source: 'public-local',
  manifestKey: 'm',
  pages,
});

describe('map part planning', () => {
  const pages: PageRef[] = [
    { page: 1, count: 3, firstId: '900', lastId: '700' },
    { page: 2, count: 3, firstId: '700', lastId: '500' }, // overlaps page 1 on id 700
    { page: 3, count: 0 },
    { page: 4, count: 2, firstId: '400', lastId: '300' },
    { page: 5, count: 2, firstId: '300', lastId: '100' },
  ];

  it('tiles the ID space with half-open ranges and skips empty pages', () => {
    const parts = planMapParts(src(pages), 2);
    expect(parts.map((p) => [p.fromPage, p.toPage, p.idRange])).toEqual([
      [1, 2, { minId: '500' }],
      [4, 5, { maxId: '500' }],
    ]);
    expect(planMapParts(src(pages), 1).map((p) => p.idRange)).toEqual([
      { minId: '700' },
      { minId: '500', maxId: '700' },
      { minId: '300', maxId: '500' },
      { maxId: '300' },
    ]);
  });

  it('a status on two pages in different parts is counted once after merge', () => {
    const status = (id: string) => ({
      id,
      created_at: '2026-11-20T12:00:00.000Z',
      visibility: 'public',
      content: '<p>x</p>',
      language: 'en',
      account: {
        id: '1',
        username: 'a',
        acct: 'a',
        display_name: '',
        note: '',
        bot: false,
        created_at: '2020-01-01T00:00:00.000Z',
        followers_count: 1,
        following_count: 1,
        statuses_count: 1,
      },
      sensitive: false,
      spoiler_text: '',
      media_attachments: [],
      mentions: [],
      tags: [],
      favourites_count: 0,
      reblogs_count: 0,
      replies_count: 0,
      reblog: null,
      in_reply_to_id: null,
    });
    const pageA = ['900', '800', '700'].map(status);
    const pageB = ['700', '600', '500'].map(status);
    const [p1, p2] = planMapParts(src([pages[0]!, pages[1]!]), 1);
    const a = mapStatuses(pageA, { idRange: p1!.idRange });
    const b = mapStatuses(pageB, { idRange: p2!.idRange });
    const merged = mergeAll([a.partial, b.partial]);
    expect(merged.counts.counted).toBe(5);
    expect(merged.counts.outOfRange).toBe(1);
  });

  it('numbers parts per (instance, day) and lists reduce groups', () => {
    const a = planMapParts(src(pages), 1);
    const b = planMapParts({ ...src(pages), day: '2026-11-19' }, 2);
    const { parts, groups } = numberParts([...a, ...b]);
    expect(parts.map((p) => `${p.day}#${p.part}`)).toEqual([
      '2026-11-20#1',
      '2026-11-20#2',
      '2026-11-20#3',
      '2026-11-20#4',
      '2026-11-19#1',
      '2026-11-19#2',
    ]);
    expect(groups).toEqual([
      { instance: 'i', day: '2026-11-20', parts: 4 },
      { instance: 'i', day: '2026-11-19', parts: 2 },
    ]);
  });
});

describe('late-federated pages of the next day', () => {
  it('keeps only pages meeting [lower, upper) and clamps every range to that band', () => {
    const next = {
      instance: 'i',
      day: '2026-11-20',
      source: 'public-local',
      manifestKey: 'next',
      pages: [
        { page: 1, count: 2, firstId: '9000', lastId: '8000' }, // above upper: dropped
        { page: 2, count: 2, firstId: '8000', lastId: '5000' },
        { page: 3, count: 2, firstId: '5000', lastId: '1500' },
        { page: 4, count: 2, firstId: '1400', lastId: '900' }, // below lower: dropped
      ],
    };
    const parts = latePagesParts(next, '1500', '7000', 1);
    expect(parts.map((p) => [p.fromPage, p.idRange])).toEqual([
      [2, { minId: '5000', maxId: '7000' }],
      [3, { minId: '1500', maxId: '5000' }],
    ]);
    expect(parts.every((p) => p.day === '2026-11-20' && p.manifestKey === 'next')).toBe(true);
  });
});
