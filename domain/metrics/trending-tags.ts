// Trending tags (a snapshot family): the instance's trending tags in its order, and the 7-day
// history each trend carries (`<tag>#<YYYY-MM-DD>`), which keeps the trend's own history even
// for days not fetched.
import type { TrendTag } from '../mastodon-schemas';
import { dedupeRows } from './snapshot-rows';
import type { FamilyDeclaration, KvRow } from './types';

export const trendingTags: FamilyDeclaration = {
  name: 'trending_tags',
  metrics: [
    {
      metric: 'trending_tag_rank',
      key: '<tag, lower case>',
      value: 'rank in the trends (1 = first)',
      accountLevel: false,
    },
    { metric: 'trending_tag_uses', key: '<tag>#<YYYY-MM-DD>', value: 'uses that day', accountLevel: false },
    {
      metric: 'trending_tag_accounts',
      key: '<tag>#<YYYY-MM-DD>',
      value: 'accounts using it that day',
      accountLevel: false,
    },
  ],
  views: [
    {
      name: 'v_trending_tags',
      description: 'trending tags in the instance’s order',
      columns: [
        { name: 'tag', type: 'VARCHAR', label: 'Tag' },
        { name: 'rank', type: 'INTEGER', label: 'Rank' },
      ],
      accountLevel: false,
      // No chart: a rank is an order the instance gives, read as a table (rank 1 first).
      source: { kind: 'rows', metric: 'trending_tag_rank', key: ['tag'], value: 'rank' },
    },
    {
      name: 'v_trending_tag_history',
      description: 'uses and accounts per day of each trending tag, from its 7-day history',
      dayColumn: 'snapshot_day',
      columns: [
        { name: 'tag', type: 'VARCHAR', label: 'Tag' },
        { name: 'history_day', type: 'DATE', label: 'Day' },
        { name: 'uses', type: 'BIGINT', label: 'Uses', unit: 'uses' },
        { name: 'accounts', type: 'BIGINT', label: 'Accounts', unit: 'accounts' },
      ],
      accountLevel: false,
      chart: { kind: 'line', title: 'Trending tag uses', x: 'history_day', y: 'uses', series: 'tag' },
      source: {
        kind: 'pivot_metrics',
        key: ['tag', 'history_day'],
        metrics: { uses: 'trending_tag_uses', accounts: 'trending_tag_accounts' },
      },
    },
  ],
};

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
