// Viral toots carry their URL (status.url, else uri) as a row label, which the load writes to
// metric_labels; partials sealed before the URL was kept (4-tuples) still finalize, unlabelled.
import { describe, expect, it } from 'vitest';
import { finalizeAll, mapStatuses, mergePartials } from '../../domain/metrics';
import { type ViralPartial, viral } from '../../domain/metrics/viral';
import { isOptedOut } from '../../domain/privacy';
import { generateDay } from '../../infra/mastodon-sim/generator';

type Rec = Record<string, unknown>;

describe('viral toot URLs', () => {
  it('labels each viral row with the toot’s url, or its uri when url is null; merges keep them', () => {
    const day = structuredClone(generateDay(3, '2026-03-04', { statusesPerDay: 400 })) as unknown as Rec[];
    for (const s of day) s.favourites_count = s.reblogs_count = s.replies_count = 0;
    const opts = { windowStartMs: Date.parse('2026-03-04T00:00:00Z'), windowEndMs: Date.parse('2026-03-05T00:00:00Z') };
    const [a, b] = day.filter((s) => {
      const ms = Date.parse(s.created_at as string);
      return (
        s.visibility === 'public' &&
        !s.reblog &&
        !isOptedOut(s.account as Parameters<typeof isOptedOut>[0]) &&
        ms >= opts.windowStartMs &&
        ms < opts.windowEndMs
      );
    });
    a!.favourites_count = 50;
    b!.favourites_count = 40;
    b!.url = null;
    b!.uri = 'https://remote.example/users/x/statuses/1';
    const half = Math.floor(day.length / 2);
    const merged = mergePartials(
      mapStatuses(day.slice(0, half), { ...opts, families: ['viral', 'accounts'] }).partial,
      mapStatuses(day.slice(half), { ...opts, families: ['viral', 'accounts'] }).partial,
    );
    const rows = finalizeAll(merged).filter((r) => r.metric === 'viral_toots');
    expect(rows).toEqual([
      { metric: 'viral_toots', key: a!.id, value: 50, labels: { url: a!.url } },
      { metric: 'viral_toots', key: b!.id, value: 40, labels: { url: 'https://remote.example/users/x/statuses/1' } },
    ]);
  });

  it('finalizes a partial without URLs (sealed before they were kept) without labels', () => {
    const legacy = {
      minEngagement: 10,
      hist: { '0': 200, '30': 1 },
      candidates: [['123', 'alice', 30, 0]],
    } as unknown as ViralPartial;
    expect(viral.finalize(legacy, {}).filter((r) => r.metric === 'viral_toots')).toEqual([
      { metric: 'viral_toots', key: '123', value: 30 },
    ]);
  });
});
