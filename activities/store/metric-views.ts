// Typed views over the key-value table, one per metric family, so users query columns with
// types rather than (metric, key, value) triples. Documented in README "Querying results".

const kv = (metric: string) => `FROM metrics_kv WHERE metric = '${metric}'`;
const pivot = (metric: string, cols: Record<string, string>, valueType = 'BIGINT') =>
  `SELECT instance, day, ${Object.entries(cols)
    .map(([key, col]) => `max(value) FILTER (WHERE key = '${key}')::${valueType} AS ${col}`)
    .join(', ')} ${kv(metric)} GROUP BY instance, day`;

export const METRIC_VIEWS: Record<string, string> = {
  v_toots_per_day: `SELECT instance, day, value::BIGINT AS toots ${kv('toots_per_day')}`,
  v_toots_per_hour: `SELECT instance, day, strptime(key, '%Y-%m-%dT%H') AS hour, value::BIGINT AS toots ${kv('toots_per_hour')}`,
  v_active_accounts: pivot('active_accounts', { all: 'accounts', bot: 'bots', human: 'humans' }),
  v_toots_per_account: pivot('toots_per_account', { mean: 'mean', median: 'median', p90: 'p90', max: 'max' }, 'DOUBLE'),
  v_toot_length: pivot('toot_length', { mean: 'mean_chars', total_chars: 'total_chars', toots: 'toots' }, 'DOUBLE'),
  v_languages: `SELECT instance, day, key AS language, value::BIGINT AS toots ${kv('toots_by_language')}`,
  v_client_apps: `SELECT instance, day, key AS app, value::BIGINT AS toots ${kv('toots_by_app')}`,
  v_bot_vs_human: pivot('toots_by_account_type', { bot: 'bot_toots', human: 'human_toots' }),
  v_top_hashtags: `SELECT instance, day, key AS hashtag, value::BIGINT AS toots,
      rank() OVER (PARTITION BY instance, day ORDER BY value DESC, key) AS rank ${kv('top_hashtags')}`,
  v_top_accounts_by_engagement: `SELECT instance, day, key AS account, value::BIGINT AS engagement,
      rank() OVER (PARTITION BY instance, day ORDER BY value DESC, key) AS rank ${kv('top_accounts_by_engagement')}`,
  v_top_accounts_by_followers: `SELECT instance, day, key AS account, value::BIGINT AS followers,
      rank() OVER (PARTITION BY instance, day ORDER BY value DESC, key) AS rank ${kv('top_accounts_by_followers')}`,
  v_signups_by_month: `SELECT instance, day, key AS month, value::BIGINT AS accounts ${kv('signups_by_month')}`,
  v_content_shares: pivot(
    'content_share',
    { with_media: 'media_share', with_content_warning: 'cw_share', sensitive: 'sensitive_share' },
    'DOUBLE',
  ),
  v_sentiment_daily: pivot(
    'sentiment',
    {
      scored: 'scored',
      negative: 'negative',
      neutral: 'neutral',
      positive: 'positive',
      mean_compound: 'mean_compound',
    },
    'DOUBLE',
  ),
  v_viral_toots: `SELECT instance, day, key AS status_id, value::BIGINT AS engagement ${kv('viral_toots')}`,
  v_tracked_accounts: `SELECT instance, day, key AS account,
      max(value) FILTER (WHERE metric = 'tracked_account_followers')::BIGINT AS followers,
      max(value) FILTER (WHERE metric = 'tracked_account_following')::BIGINT AS following,
      max(value) FILTER (WHERE metric = 'tracked_account_statuses')::BIGINT AS statuses,
      max(value) FILTER (WHERE metric = 'tracked_account_followers_delta')::BIGINT AS followers_delta,
      max(value) FILTER (WHERE metric = 'tracked_account_statuses_delta')::BIGINT AS statuses_delta
    FROM metrics_kv WHERE metric LIKE 'tracked_account_%' GROUP BY instance, day, key`,
  v_instance_activity: `SELECT instance, day, key::DATE AS week,
      max(value) FILTER (WHERE metric = 'instance_weekly_statuses')::BIGINT AS statuses,
      max(value) FILTER (WHERE metric = 'instance_weekly_logins')::BIGINT AS logins,
      max(value) FILTER (WHERE metric = 'instance_weekly_registrations')::BIGINT AS registrations
    FROM metrics_kv WHERE metric LIKE 'instance_weekly_%' GROUP BY instance, day, key`,
  v_peers: `SELECT instance, day, value::BIGINT AS peers ${kv('peers_count')}`,
  v_trending_tags: `SELECT instance, day, key AS tag, value::INTEGER AS rank ${kv('trending_tag_rank')}`,
  v_trending_tag_history: `SELECT instance, day AS snapshot_day, split_part(key, '#', 1) AS tag,
      split_part(key, '#', 2)::DATE AS history_day, value::BIGINT AS uses ${kv('trending_tag_uses')}`,
  v_quarantine: pivot('map_counts', {
    input: 'records',
    counted: 'counted',
    quarantined: 'quarantined',
    duplicates: 'duplicates',
    out_of_window: 'out_of_window',
  }),
  v_daily_summary: `SELECT d.instance, d.day, d.toots, a.accounts AS active_accounts, a.bots AS active_bots,
      round(l.mean_chars, 1) AS avg_length, round(c.media_share, 3) AS media_share,
      round(s.mean_compound, 3) AS mean_sentiment, p.peers
    FROM v_toots_per_day d
    LEFT JOIN v_active_accounts a USING (instance, day)
    LEFT JOIN v_toot_length l USING (instance, day)
    LEFT JOIN v_content_shares c USING (instance, day)
    LEFT JOIN v_sentiment_daily s USING (instance, day)
    LEFT JOIN v_peers p USING (instance, day)`,
};
