// Top accounts by engagement: favourites + boosts + replies of the account's toots in the
// window, as counted by the server when the page was fetched (a toot fetched minutes after it
// was posted has had little time: the number is "engagement so far", consistently so).
import { joinColumns, orColumns, pick, positive, sortedSlots, sumColumns, topEntries } from './records';
import { DEFAULT_TOP_K, FLAG_OPTED_OUT, type KvRow, type MetricFamily } from './types';

/** Columns aligned on `accts` (sorted): engagement sum, toots, flags (1 = opted out). */
export interface EngagementPartial {
  accts: string[];
  engagement: number[];
  toots: number[];
  flags: number[];
}

interface Acc {
  engagement: number[];
  toots: number[];
  flags: number[];
}

export const engagement: MetricFamily<Acc, EngagementPartial> = {
  name: 'engagement',
  metrics: [
    {
      metric: 'top_accounts_by_engagement',
      key: 'accountKey(acct)',
      value: 'Σ favourites+reblogs+replies over the window’s toots (top-k, opted-out excluded, > 0 only)',
      accountLevel: true,
    },
  ],
  views: [
    {
      name: 'v_top_accounts_by_engagement',
      description: 'ranked top-k accounts by favourites + reblogs + replies (ties by key)',
      columns: [
        { name: 'account', type: 'VARCHAR', label: 'Account' },
        { name: 'engagement', type: 'BIGINT', label: 'Engagement', unit: 'interactions' },
        { name: 'rank', type: 'BIGINT', label: 'Rank' },
      ],
      accountLevel: true,
      chart: { kind: 'leaderboard', title: 'Top accounts by engagement', label: 'account', value: 'engagement', k: 10 },
      source: {
        kind: 'rows',
        metric: 'top_accounts_by_engagement',
        key: ['account'],
        value: 'engagement',
        rank: 'rank',
      },
    },
  ],
  start: () => ({ engagement: [], toots: [], flags: [] }),
  add(acc, f) {
    const s = f.slot;
    while (acc.toots.length <= s) {
      acc.engagement.push(0);
      acc.toots.push(0);
      acc.flags.push(0);
    }
    acc.engagement[s] = (acc.engagement[s] as number) + f.engagement;
    acc.toots[s] = (acc.toots[s] as number) + 1;
    if (f.optedOut) acc.flags[s] = (acc.flags[s] as number) | FLAG_OPTED_OUT;
  },
  seal(acc, ctx) {
    const { accts, slots } = sortedSlots(ctx, acc.toots, positive);
    return {
      accts,
      engagement: pick(acc.engagement, slots),
      toots: pick(acc.toots, slots),
      flags: pick(acc.flags, slots),
    };
  },
  merge(a, b) {
    const { accts, pairs } = joinColumns(a.accts, b.accts);
    return {
      accts,
      engagement: sumColumns(pairs, a.engagement, b.engagement),
      toots: sumColumns(pairs, a.toots, b.toots),
      flags: orColumns(pairs, a.flags, b.flags),
    };
  },
  finalize(p, ctx) {
    const keyOf = ctx.accountKey ?? ((acct: string) => acct);
    const visible: [string, number][] = [];
    p.accts.forEach((acct, i) => {
      const sum = p.engagement[i] as number;
      if (((p.flags[i] as number) & FLAG_OPTED_OUT) === 0 && sum > 0) visible.push([acct, sum]);
    });
    const rows: KvRow[] = [];
    for (const [acct, sum] of topEntries(visible, ctx.topK ?? DEFAULT_TOP_K)) {
      rows.push({ metric: 'top_accounts_by_engagement', key: keyOf(acct), value: sum });
    }
    return rows;
  },
};
