// View declarations shaped like the metric catalog's, with rows, for chart tests: the twelve
// charts of issue #11 over two instances and three days. Deterministic (no randomness).
import type { ViewRow } from '../../domain/charts/chart-data';
import type { ViewDeclaration } from '../../domain/metrics/catalog-types';

export const FIXTURE_INSTANCES = ['alpha.social', 'beta.example'] as const;
export const FIXTURE_DAYS = ['2026-03-01', '2026-03-02', '2026-03-03'] as const;

const count = (name: string, label: string, unit: string) => ({ name, type: 'BIGINT' as const, label, unit });
const share = (name: string, label: string) => ({ name, type: 'DOUBLE' as const, label, unit: 'share' });

export const FIXTURE_VIEWS: readonly ViewDeclaration[] = [
  {
    name: 'v_toots_per_day',
    family: 'volume',
    description: 'Toots per UTC day',
    columns: [count('toots', 'Toots', 'toots')],
    accountLevel: false,
    chart: { kind: 'line', title: 'Toots per day', y: 'toots' },
  },
  {
    name: 'v_toots_per_hour',
    family: 'volume',
    description: 'Toots per UTC hour',
    columns: [{ name: 'hour', type: 'TIMESTAMP', label: 'Hour' }, count('toots', 'Toots', 'toots')],
    accountLevel: false,
    chart: { kind: 'heatmap_day_hour', title: 'Toots by day and hour', time: 'hour', value: 'toots' },
  },
  {
    name: 'v_languages',
    family: 'languages',
    description: 'Toots by language',
    columns: [{ name: 'language', type: 'VARCHAR', label: 'Language' }, count('toots', 'Toots', 'toots')],
    accountLevel: false,
    chart: { kind: 'bar_topk', title: 'Languages', category: 'language', value: 'toots', k: 4 },
  },
  {
    name: 'v_client_apps',
    family: 'apps',
    description: 'Toots by client app',
    columns: [{ name: 'app', type: 'VARCHAR', label: 'Client app' }, count('toots', 'Toots', 'toots')],
    accountLevel: false,
    chart: { kind: 'bar_topk', title: 'Client apps', category: 'app', value: 'toots' },
  },
  {
    name: 'v_bot_vs_human',
    family: 'bots',
    description: 'Toots by bots and humans',
    columns: [count('bot_toots', 'Bots', 'toots'), count('human_toots', 'Humans', 'toots')],
    accountLevel: false,
    chart: { kind: 'stacked', title: 'Bots vs humans', parts: ['bot_toots', 'human_toots'] },
  },
  {
    name: 'v_top_hashtags',
    family: 'hashtags',
    description: 'Top hashtags',
    columns: [
      { name: 'hashtag', type: 'VARCHAR', label: 'Hashtag' },
      count('toots', 'Toots', 'toots'),
      { name: 'rank', type: 'INTEGER', label: 'Rank' },
    ],
    accountLevel: false,
    chart: { kind: 'bar_topk', title: 'Top hashtags', category: 'hashtag', value: 'toots', k: 5 },
  },
  {
    name: 'v_top_accounts_by_engagement',
    family: 'engagement',
    description: 'Accounts by engagement',
    columns: [
      { name: 'account', type: 'VARCHAR', label: 'Account' },
      count('engagement', 'Engagement', 'interactions'),
      { name: 'rank', type: 'INTEGER', label: 'Rank' },
    ],
    accountLevel: true,
    chart: { kind: 'leaderboard', title: 'Top accounts by engagement', label: 'account', value: 'engagement', k: 5 },
  },
  {
    name: 'v_tracked_accounts',
    family: 'followers',
    description: 'Tracked accounts',
    columns: [
      { name: 'account', type: 'VARCHAR', label: 'Account' },
      count('followers', 'Followers', 'accounts'),
      count('following', 'Following', 'accounts'),
    ],
    accountLevel: true,
    chart: { kind: 'line', title: 'Tracked accounts: followers', y: 'followers', series: 'account' },
  },
  {
    name: 'v_sentiment_daily',
    family: 'sentiment_daily',
    description: 'Sentiment of English toots',
    columns: [
      count('negative', 'Negative', 'toots'),
      count('neutral', 'Neutral', 'toots'),
      count('positive', 'Positive', 'toots'),
    ],
    accountLevel: false,
    chart: { kind: 'stacked', title: 'Sentiment per day', parts: ['negative', 'neutral', 'positive'] },
  },
  {
    name: 'v_content_shares',
    family: 'content',
    description: 'Content shares',
    columns: [
      share('media_share', 'Media'),
      share('cw_share', 'Content warning'),
      share('sensitive_share', 'Sensitive'),
    ],
    accountLevel: false,
    chart: { kind: 'stacked', title: 'Content shares', parts: ['media_share', 'cw_share', 'sensitive_share'] },
  },
  {
    name: 'v_instance_activity',
    family: 'instance_facts',
    description: 'Instance weekly activity',
    columns: [
      { name: 'week', type: 'DATE', label: 'Week' },
      count('statuses', 'Statuses', 'statuses'),
      count('logins', 'Logins', 'accounts'),
    ],
    accountLevel: false,
    chart: { kind: 'line', title: 'Weekly statuses', x: 'week', y: 'statuses' },
  },
  {
    name: 'v_signups_by_month',
    family: 'signups',
    description: 'Active accounts by month of sign-up',
    columns: [{ name: 'month', type: 'VARCHAR', label: 'Month' }, count('accounts', 'Accounts', 'accounts')],
    accountLevel: false,
    chart: { kind: 'bar_topk', title: 'Sign-ups by month', category: 'month', value: 'accounts', k: 12 },
  },
];

/** Rows for each fixture view: every instance × day, with values that vary by both. */
export function fixtureRows(viewName: string): ViewRow[] {
  const out: ViewRow[] = [];
  FIXTURE_INSTANCES.forEach((instance, ii) => {
    FIXTURE_DAYS.forEach((day, di) => {
      const base = { instance, day };
      const n = 10 + 7 * ii + 3 * di;
      switch (viewName) {
        case 'v_toots_per_day':
          out.push({ ...base, toots: n * 10 });
          break;
        case 'v_toots_per_hour':
          for (let h = 0; h < 24; h += 3)
            out.push({ ...base, hour: `${day} ${String(h).padStart(2, '0')}:00:00`, toots: n + h });
          break;
        case 'v_languages':
          for (const [j, language] of ['en', 'de', 'fr', 'es', 'ja', 'und'].entries())
            out.push({ ...base, language, toots: n * (6 - j) });
          break;
        case 'v_client_apps':
          for (const [j, app] of ['Web', 'Ivory', 'Tusky'].entries()) out.push({ ...base, app, toots: n * (3 - j) });
          break;
        case 'v_bot_vs_human':
          out.push({ ...base, bot_toots: n, human_toots: n * 4 });
          break;
        case 'v_top_hashtags':
          for (const [j, hashtag] of ['fediverse', 'caturday', 'photography', 'news', 'music', 'art', 'rust'].entries())
            out.push({ ...base, hashtag, toots: n * (7 - j), rank: j + 1 });
          break;
        case 'v_top_accounts_by_engagement':
          for (const [j, account] of ['ana', 'bo', 'cy', 'di'].entries())
            out.push({ ...base, account: `${account}@${instance}`, engagement: n * (4 - j) * 5, rank: j + 1 });
          break;
        case 'v_tracked_accounts':
          for (const [j, account] of ['news', 'mayor'].entries())
            out.push({ ...base, account, followers: 1000 * (j + 1) + n, following: 10 });
          break;
        case 'v_sentiment_daily':
          out.push({ ...base, negative: n, neutral: 2 * n, positive: n + 5 });
          break;
        case 'v_content_shares':
          out.push({ ...base, media_share: 0.2 + di / 20, cw_share: 0.05 + ii / 50, sensitive_share: 0.02 });
          break;
        case 'v_instance_activity':
          // Each load reports the last two weeks again; the latest report of a week wins.
          for (const week of ['2026-02-16', '2026-02-23']) out.push({ ...base, week, statuses: n * 100, logins: n });
          break;
        case 'v_signups_by_month':
          for (const month of ['2025-12', '2026-01', '2026-02']) out.push({ ...base, month, accounts: n });
          break;
        default:
          throw new Error(`no fixture rows for ${viewName}`);
      }
    });
  });
  return out;
}
