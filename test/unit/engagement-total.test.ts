// The total-engagement family: exact sums, merges in any order give the same result, and the
// kernel equals the independent SQL oracle on a generated day (with neighbouring days' toots
// and re-fetched duplicates that the window and the de-duplication must drop).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mapStatuses } from '../../domain/metrics';
import { engagementTotal, type EngagementTotalPartial } from '../../domain/metrics/engagement-total';
import type { StatusFacts } from '../../domain/metrics/types';
import type { MastodonStatus } from '../../domain/mastodon-schemas';
import { generateDay } from '../../infra/mastodon-sim/generator';
import { runOracle } from '../oracle/metrics-oracle';

const DAY = '2026-03-04';
const START = Date.parse(`${DAY}T00:00:00Z`);
const END = START + 86_400_000;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-eng-total-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function fold(statuses: readonly MastodonStatus[]): EngagementTotalPartial {
  const acc = engagementTotal.start({});
  for (const status of statuses) engagementTotal.add(acc, { status, engagement: 0 } as unknown as StatusFacts);
  return engagementTotal.seal(acc, { accts: [], order: [] });
}

/** The statuses the mapper counts (public, not a reblog, in the window, first copy of an ID). */
function counted(statuses: readonly MastodonStatus[]): MastodonStatus[] {
  const seen = new Set<string>();
  return statuses.filter((s) => {
    const ms = Date.parse(s.created_at);
    if (s.visibility !== 'public' || s.reblog || ms < START || ms >= END || seen.has(s.id)) return false;
    seen.add(s.id);
    return true;
  });
}

describe('engagement_total family', () => {
  it('sums favourites, boosts and replies exactly; total is their sum; no toots, no rows', () => {
    const s = (f: number, b: number, r: number) =>
      ({ favourites_count: f, reblogs_count: b, replies_count: r }) as MastodonStatus;
    const p = fold([s(1, 2, 3), s(10, 0, 5), s(0, 0, 0)]);
    expect(p).toEqual({ favourites: 11, reblogs: 2, replies: 8, toots: 3 });
    expect(engagementTotal.finalize(p, {})).toEqual([
      { metric: 'engagement_total', key: 'favourites', value: 11 },
      { metric: 'engagement_total', key: 'reblogs', value: 2 },
      { metric: 'engagement_total', key: 'replies', value: 8 },
      { metric: 'engagement_total', key: 'total', value: 21 },
    ]);
    expect(engagementTotal.finalize(fold([]), {})).toEqual([]);
  });

  it('equals the SQL oracle on a generated day; merges of any split give the same partial', async () => {
    const day = generateDay(7, DAY, { statusesPerDay: 3000 }) as unknown as MastodonStatus[];
    const next = generateDay(7, '2026-03-05', { statusesPerDay: 3000 }) as unknown as MastodonStatus[];
    // Neighbours (out of window) and duplicates of the day's own toots.
    const all = [...day, ...next.slice(0, 200), ...day.slice(0, 100)];
    const file = path.join(tmp, 'page.json');
    writeFileSync(file, JSON.stringify(all));

    const mine = counted(all);
    // The JS filter above counts what the real mapper counts.
    const mapped = mapStatuses(all, { windowStartMs: START, windowEndMs: END, families: ['volume'] });
    expect(mine.length).toBe(mapped.partial.counts.counted);
    expect(mine.length).toBeGreaterThan(2000);

    const whole = fold(mine);
    const rows = engagementTotal.finalize(whole, {});
    const oracle = await runOracle([file], { windowStartMs: START, windowEndMs: END, sentiment: false });
    expect(rows).toEqual(oracle.rows.filter((r) => r.metric === 'engagement_total'));
    expect(rows.find((r) => r.key === 'total')?.value).toBeGreaterThan(0);

    const a = fold(mine.slice(0, 700));
    const b = fold(mine.slice(700, 1900));
    const c = fold(mine.slice(1900));
    expect(engagementTotal.merge(engagementTotal.merge(a, b), c)).toEqual(whole);
    expect(engagementTotal.merge(c, engagementTotal.merge(b, a))).toEqual(whole);
  });
});
