// The daily summary: one row per (instance, day) joining the headline column of other families'
// views. It emits no metric of its own; its SELECT is written out, its columns declared.
import type { FamilyDeclaration } from './types';

export const dailySummary: FamilyDeclaration = {
  name: 'summary',
  metrics: [],
  views: [
    {
      name: 'v_daily_summary',
      description:
        'one row per instance and day: toots, active accounts and bots, mean length, media share, mean sentiment, peers',
      columns: [
        { name: 'toots', type: 'BIGINT', label: 'Toots', unit: 'toots' },
        { name: 'active_accounts', type: 'BIGINT', label: 'Active accounts', unit: 'accounts' },
        { name: 'active_bots', type: 'BIGINT', label: 'Active bots', unit: 'accounts' },
        { name: 'avg_length', type: 'DOUBLE', label: 'Mean length', unit: 'chars' },
        { name: 'media_share', type: 'DOUBLE', label: 'With media', unit: 'share' },
        { name: 'mean_sentiment', type: 'DOUBLE', label: 'Mean sentiment', unit: 'score' },
        { name: 'peers', type: 'BIGINT', label: 'Peers', unit: 'instances' },
      ],
      accountLevel: false,
      // No chart: a table of other views' headline columns, each charted by its own view.
      source: {
        kind: 'sql',
        reads: [
          'v_toots_per_day',
          'v_active_accounts',
          'v_toot_length',
          'v_content_shares',
          'v_sentiment_daily',
          'v_peers',
        ],
        select: `SELECT d.instance, d.day, d.toots, a.accounts AS active_accounts, a.bots AS active_bots,
      round(l.mean_chars, 1) AS avg_length, round(c.media_share, 3) AS media_share,
      round(s.mean_compound, 3) AS mean_sentiment, p.peers
    FROM v_toots_per_day d
    LEFT JOIN v_active_accounts a USING (instance, day)
    LEFT JOIN v_toot_length l USING (instance, day)
    LEFT JOIN v_content_shares c USING (instance, day)
    LEFT JOIN v_sentiment_daily s USING (instance, day)
    LEFT JOIN v_peers p USING (instance, day)`,
      },
    },
  ],
};
