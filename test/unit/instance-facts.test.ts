import { describe, expect, it } from 'vitest';
import {
  instanceActivityRows,
  peersCountRows,
  trackedAccountRows,
  trendingTagRows,
} from '../../domain/metrics/instance-facts';

describe('snapshot metrics', () => {
  it('tracked accounts with day-over-day deltas only when yesterday is known', () => {
    const today = [
      { acct: 'bob@x.org', followersCount: 120, followingCount: 5, statusesCount: 40 },
      { acct: 'amy', followersCount: 10, followingCount: 2, statusesCount: 3 },
    ];
    const rows = trackedAccountRows(today, [
      { acct: 'BOB@x.org', followersCount: 100, followingCount: 5, statusesCount: 38 },
    ]);
    expect(rows.filter((r) => r.metric.endsWith('_delta'))).toEqual([
      { metric: 'tracked_account_followers_delta', key: 'bob@x.org', value: 20 },
      { metric: 'tracked_account_statuses_delta', key: 'bob@x.org', value: 2 },
    ]);
    expect(rows.find((r) => r.metric === 'tracked_account_followers' && r.key === 'amy')?.value).toBe(10);
    expect(trackedAccountRows(today, [], (a) => `anon:${a.length}`).every((r) => r.key.startsWith('anon:'))).toBe(true);
  });

  it('weekly activity keyed by the week start date', () => {
    const rows = instanceActivityRows([{ week: 1763337600, statuses: 12, logins: 5, registrations: 1 }]);
    expect(rows).toEqual([
      { metric: 'instance_weekly_statuses', key: '2025-11-17', value: 12 },
      { metric: 'instance_weekly_logins', key: '2025-11-17', value: 5 },
      { metric: 'instance_weekly_registrations', key: '2025-11-17', value: 1 },
    ]);
  });

  it('peers counted case-insensitively once', () => {
    expect(peersCountRows(['a.org', 'A.org', 'b.org'])).toEqual([{ metric: 'peers_count', key: 'all', value: 2 }]);
  });

  it('trending tags: rank and per-day history', () => {
    const rows = trendingTagRows([
      { name: 'Art', url: 'u', history: [{ day: 1763596800, uses: 9, accounts: 4 }] },
      { name: 'cats', url: 'u', history: [] },
    ]);
    expect(rows).toEqual([
      { metric: 'trending_tag_rank', key: 'art', value: 1 },
      { metric: 'trending_tag_uses', key: 'art#2025-11-20', value: 9 },
      { metric: 'trending_tag_accounts', key: 'art#2025-11-20', value: 4 },
      { metric: 'trending_tag_rank', key: 'cats', value: 2 },
    ]);
  });
});
