import type { InstanceActivityWeek, TrendTag } from '../mastodon-schemas';
import type { KvRow } from './types';

// Metrics that come from instance-level and account snapshots rather than from statuses:
// tracked accounts (with day-over-day deltas), weekly activity, federation peers, trending tags.
// Each snapshot is what the instance said when the day was fetched.

export interface TrackedProfile {
  acct: string;
  followersCount: number;
  followingCount: number;
  statusesCount: number;
}

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

/** Weekly activity as the instance reports it; key = the week's start as a UTC date. */
export function instanceActivityRows(weeks: readonly InstanceActivityWeek[]): KvRow[] {
  const rows: KvRow[] = [];
  for (const w of weeks) {
    const key = new Date(Number(w.week) * 1000).toISOString().slice(0, 10);
    rows.push(
      { metric: 'instance_weekly_statuses', key, value: Number(w.statuses) },
      { metric: 'instance_weekly_logins', key, value: Number(w.logins) },
      { metric: 'instance_weekly_registrations', key, value: Number(w.registrations) },
    );
  }
  return dedupeRows(rows);
}

export function peersCountRows(peers: readonly string[]): KvRow[] {
  return [{ metric: 'peers_count', key: 'all', value: new Set(peers.map((p) => p.toLowerCase())).size }];
}

/**
 * Trending tags: today's rank and uses, and the 7-day history each trend carries
 * (`<tag>#<YYYY-MM-DD>`), which keeps the trend's own history even for days not fetched.
 */
export function trendingTagRows(tags: readonly TrendTag[]): KvRow[] {
  const rows: KvRow[] = [];
  tags.forEach((t, i) => {
    const name = t.name.toLowerCase();
    rows.push({ metric: 'trending_tag_rank', key: name, value: i + 1 });
    for (const h of t.history) {
      const day = new Date(Number(h.day) * 1000).toISOString().slice(0, 10);
      rows.push({ metric: 'trending_tag_uses', key: `${name}#${day}`, value: Number(h.uses) });
      rows.push({ metric: 'trending_tag_accounts', key: `${name}#${day}`, value: Number(h.accounts) });
    }
  });
  return dedupeRows(rows);
}

/** A snapshot may repeat an entry (a tag twice, a week twice); keep the first of each key. */
function dedupeRows(rows: KvRow[]): KvRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = `${r.metric}#${r.key}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
