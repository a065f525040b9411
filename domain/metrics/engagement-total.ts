// Total engagement of the window's toots: favourites, boosts (reblogs) and replies summed over
// every counted status, as the server counted them when the page was fetched ("engagement so
// far", like the per-account family). Totals, not account-level rows: opted-out accounts count.
//
// Exact after merge: the partial is four integer sums; addition of integers is associative and
// commutative, so any tree of merges gives the same result.
import type { KvRow, MetricFamily } from './types';

export interface EngagementTotalPartial {
  toots: number;
  favourites: number;
  reblogs: number;
  replies: number;
}

export const ENGAGEMENT_TOTAL_METRIC = 'engagement_total';

export const engagementTotal: MetricFamily<EngagementTotalPartial, EngagementTotalPartial> = {
  name: 'engagementTotal',
  metrics: [
    {
      metric: ENGAGEMENT_TOTAL_METRIC,
      key: 'favourites | reblogs | replies | total',
      value: 'Σ over the window’s counted toots (total = favourites + reblogs + replies)',
      accountLevel: false,
    },
  ],
  views: [
    {
      name: 'v_engagement_total',
      description: 'favourites, boosts and replies summed over the day’s toots (as counted when fetched)',
      columns: [
        { name: 'favourites', type: 'BIGINT', label: 'Favourites', unit: 'favourites' },
        { name: 'reblogs', type: 'BIGINT', label: 'Boosts', unit: 'boosts' },
        { name: 'replies', type: 'BIGINT', label: 'Replies', unit: 'replies' },
        { name: 'engagement', type: 'BIGINT', label: 'Total engagement', unit: 'interactions' },
      ],
      accountLevel: false,
      chart: { kind: 'stacked', title: 'Engagement per day', parts: ['favourites', 'reblogs', 'replies'] },
      source: {
        kind: 'pivot_keys',
        metric: ENGAGEMENT_TOTAL_METRIC,
        keys: { favourites: 'favourites', reblogs: 'reblogs', replies: 'replies', engagement: 'total' },
      },
    },
  ],
  start: () => ({ toots: 0, favourites: 0, reblogs: 0, replies: 0 }),
  add(acc, f) {
    acc.toots++;
    acc.favourites += f.status.favourites_count;
    acc.reblogs += f.status.reblogs_count;
    acc.replies += f.status.replies_count;
  },
  seal: (acc) => ({ favourites: acc.favourites, reblogs: acc.reblogs, replies: acc.replies, toots: acc.toots }),
  merge: (a, b) => ({
    favourites: a.favourites + b.favourites,
    reblogs: a.reblogs + b.reblogs,
    replies: a.replies + b.replies,
    toots: a.toots + b.toots,
  }),
  finalize(p): KvRow[] {
    // No toots, no rows: the report shows "—" rather than a 0 that was never measured.
    if (p.toots === 0) return [];
    return [
      { metric: ENGAGEMENT_TOTAL_METRIC, key: 'favourites', value: p.favourites },
      { metric: ENGAGEMENT_TOTAL_METRIC, key: 'reblogs', value: p.reblogs },
      { metric: ENGAGEMENT_TOTAL_METRIC, key: 'replies', value: p.replies },
      { metric: ENGAGEMENT_TOTAL_METRIC, key: 'total', value: p.favourites + p.reblogs + p.replies },
    ];
  },
};
