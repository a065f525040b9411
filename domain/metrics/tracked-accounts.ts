// Tracked accounts (a snapshot family): followers/following/statuses of the accounts the config
// tracks, as their profiles said when observed in the day's own window (absent when the day was
// not observed, see domain/snapshot-observation.ts), with deltas against the previous day's own
// observation (none across a gap).
import type { FamilyDeclaration, KvRow } from './types';

export interface TrackedProfile {
  acct: string;
  followersCount: number;
  followingCount: number;
  statusesCount: number;
}

export const trackedAccounts: FamilyDeclaration = {
  name: 'tracked_accounts',
  metrics: [
    { metric: 'tracked_account_followers', key: 'accountKey(acct)', value: 'followers_count', accountLevel: true },
    { metric: 'tracked_account_following', key: 'accountKey(acct)', value: 'following_count', accountLevel: true },
    { metric: 'tracked_account_statuses', key: 'accountKey(acct)', value: 'statuses_count', accountLevel: true },
    {
      metric: 'tracked_account_followers_delta',
      key: 'accountKey(acct)',
      value: 'followers_count minus the previous day’s (only when that snapshot exists)',
      accountLevel: true,
    },
    {
      metric: 'tracked_account_statuses_delta',
      key: 'accountKey(acct)',
      value: 'statuses_count minus the previous day’s (only when that snapshot exists)',
      accountLevel: true,
    },
  ],
  views: [
    {
      name: 'v_tracked_accounts',
      description: 'followers, following, statuses and day-over-day deltas of tracked accounts',
      columns: [
        { name: 'account', type: 'VARCHAR', label: 'Account' },
        { name: 'followers', type: 'BIGINT', label: 'Followers', unit: 'accounts' },
        { name: 'following', type: 'BIGINT', label: 'Following', unit: 'accounts' },
        { name: 'statuses', type: 'BIGINT', label: 'Statuses', unit: 'toots' },
        { name: 'followers_delta', type: 'BIGINT', label: 'Followers gained', unit: 'accounts' },
        { name: 'statuses_delta', type: 'BIGINT', label: 'Statuses posted', unit: 'toots' },
      ],
      accountLevel: true,
      chart: { kind: 'line', title: 'Followers of tracked accounts', y: 'followers', series: 'account' },
      source: {
        kind: 'pivot_metrics',
        key: ['account'],
        metrics: {
          followers: 'tracked_account_followers',
          following: 'tracked_account_following',
          statuses: 'tracked_account_statuses',
          followers_delta: 'tracked_account_followers_delta',
          statuses_delta: 'tracked_account_statuses_delta',
        },
      },
    },
  ],
};

/**
 * Followers/following/statuses per tracked account, and deltas against the previous day's
 * snapshot when there is one. `accountKey` pseudonymises; opted-out accounts never get here
 * (the fetcher stores nothing for them).
 */
export function trackedAccountRows(
  today: readonly TrackedProfile[],
  previous: readonly TrackedProfile[],
  accountKey: (acct: string) => string = (a) => a,
): KvRow[] {
  const prev = new Map(previous.map((p) => [p.acct.toLowerCase(), p]));
  const rows: KvRow[] = [];
  for (const p of [...today].sort((a, b) => a.acct.localeCompare(b.acct))) {
    const key = accountKey(p.acct);
    rows.push(
      { metric: 'tracked_account_followers', key, value: p.followersCount },
      { metric: 'tracked_account_following', key, value: p.followingCount },
      { metric: 'tracked_account_statuses', key, value: p.statusesCount },
    );
    const before = prev.get(p.acct.toLowerCase());
    if (before) {
      rows.push(
        { metric: 'tracked_account_followers_delta', key, value: p.followersCount - before.followersCount },
        { metric: 'tracked_account_statuses_delta', key, value: p.statusesCount - before.statusesCount },
      );
    }
  }
  return rows;
}
