// Distinct active accounts and toots per account. One entry per acct keeps the distinct count
// exact across merges; the flags word ORs observations so an account that opted out (or was
// flagged bot) in any toot of the window is treated so everywhere.
import { joinColumns, nearestRank, orColumns, pick, positive, sortedSlots, sumColumns, topEntries } from './records';
import { DEFAULT_TOP_K, FLAG_BOT, FLAG_OPTED_OUT, type KvRow, type MetricFamily } from './types';

/** Columns aligned on `accts` (sorted): toots and flags (1 opted out, 2 bot) per account. */
export interface AccountsPartial {
  accts: string[];
  toots: number[];
  flags: number[];
}

/** Slot-indexed columns. */
interface Acc {
  toots: number[];
  flags: number[];
}

export const accounts: MetricFamily<Acc, AccountsPartial> = {
  name: 'accounts',
  metrics: [
    {
      metric: 'active_accounts',
      key: 'all | bot | human',
      value: 'distinct accounts with ≥1 toot',
      accountLevel: false,
    },
    {
      metric: 'toots_per_account',
      key: 'mean | median | p90 | max',
      value: 'toots per active account (median/p90 nearest-rank)',
      accountLevel: false,
    },
    {
      metric: 'accounts_by_toot_count',
      key: '<n toots> (decimal)',
      value: 'accounts with exactly n toots',
      accountLevel: false,
    },
    {
      metric: 'top_accounts_by_toots',
      key: 'accountKey(acct)',
      value: 'toots (top-k, opted-out excluded)',
      accountLevel: true,
    },
  ],
  views: [
    {
      name: 'v_active_accounts',
      description: 'accounts with ≥1 toot: all, bots, humans',
      columns: [
        { name: 'accounts', type: 'BIGINT', label: 'Active accounts', unit: 'accounts' },
        { name: 'bots', type: 'BIGINT', label: 'Active bots', unit: 'accounts' },
        { name: 'humans', type: 'BIGINT', label: 'Active humans', unit: 'accounts' },
      ],
      accountLevel: false,
      chart: { kind: 'line', title: 'Active accounts per day', y: 'accounts' },
      source: {
        kind: 'pivot_keys',
        metric: 'active_accounts',
        keys: { accounts: 'all', bots: 'bot', humans: 'human' },
      },
    },
    {
      name: 'v_toots_per_account',
      description: 'mean / median / p90 / max toots per active account (nearest rank)',
      columns: [
        { name: 'mean', type: 'DOUBLE', label: 'Mean', unit: 'toots' },
        { name: 'median', type: 'DOUBLE', label: 'Median', unit: 'toots' },
        { name: 'p90', type: 'DOUBLE', label: '90th percentile', unit: 'toots' },
        { name: 'max', type: 'DOUBLE', label: 'Max', unit: 'toots' },
      ],
      accountLevel: false,
      chart: { kind: 'line', title: 'Mean toots per active account', y: 'mean' },
      source: {
        kind: 'pivot_keys',
        metric: 'toots_per_account',
        keys: { mean: 'mean', median: 'median', p90: 'p90', max: 'max' },
      },
    },
    {
      name: 'v_accounts_by_toot_count',
      description: 'how many accounts tooted exactly n times',
      columns: [
        { name: 'toots', type: 'BIGINT', label: 'Toots of the account', unit: 'toots' },
        { name: 'accounts', type: 'BIGINT', label: 'Accounts', unit: 'accounts' },
      ],
      accountLevel: false,
      chart: { kind: 'bar_topk', title: 'Accounts by number of toots', category: 'toots', value: 'accounts', k: 20 },
      source: { kind: 'rows', metric: 'accounts_by_toot_count', key: ['toots'], value: 'accounts' },
    },
    {
      name: 'v_top_accounts_by_toots',
      description: 'ranked top-k accounts by toots (ties by key)',
      columns: [
        { name: 'account', type: 'VARCHAR', label: 'Account' },
        { name: 'toots', type: 'BIGINT', label: 'Toots', unit: 'toots' },
        { name: 'rank', type: 'BIGINT', label: 'Rank' },
      ],
      accountLevel: true,
      chart: { kind: 'leaderboard', title: 'Most active accounts', label: 'account', value: 'toots', k: 10 },
      source: { kind: 'rows', metric: 'top_accounts_by_toots', key: ['account'], value: 'toots', rank: 'rank' },
    },
  ],
  start: () => ({ toots: [], flags: [] }),
  add(acc, f) {
    const s = f.slot;
    const flags = (f.optedOut ? FLAG_OPTED_OUT : 0) | (f.status.account.bot ? FLAG_BOT : 0);
    while (acc.toots.length <= s) {
      acc.toots.push(0);
      acc.flags.push(0);
    }
    acc.toots[s] = (acc.toots[s] as number) + 1;
    acc.flags[s] = (acc.flags[s] as number) | flags;
  },
  seal(acc, ctx) {
    const { accts, slots } = sortedSlots(ctx, acc.toots, positive);
    return { accts, toots: pick(acc.toots, slots), flags: pick(acc.flags, slots) };
  },
  merge(a, b) {
    const { accts, pairs } = joinColumns(a.accts, b.accts);
    return { accts, toots: sumColumns(pairs, a.toots, b.toots), flags: orColumns(pairs, a.flags, b.flags) };
  },
  finalize(p, ctx) {
    const rows: KvRow[] = [];
    const n = p.accts.length;
    let bots = 0;
    let total = 0;
    const histogram = new Map<number, number>();
    const visible: [string, number][] = [];
    for (let i = 0; i < n; i++) {
      const toots = p.toots[i] as number;
      const flags = p.flags[i] as number;
      if (flags & FLAG_BOT) bots++;
      total += toots;
      histogram.set(toots, (histogram.get(toots) ?? 0) + 1);
      if ((flags & FLAG_OPTED_OUT) === 0) visible.push([p.accts[i] as string, toots]);
    }
    rows.push(
      { metric: 'active_accounts', key: 'all', value: n },
      { metric: 'active_accounts', key: 'bot', value: bots },
      { metric: 'active_accounts', key: 'human', value: n - bots },
    );
    if (n > 0) {
      const sorted = [...p.toots].sort((x, y) => x - y);
      rows.push(
        { metric: 'toots_per_account', key: 'mean', value: total / n },
        { metric: 'toots_per_account', key: 'median', value: nearestRank(sorted, 0.5) },
        { metric: 'toots_per_account', key: 'p90', value: nearestRank(sorted, 0.9) },
        { metric: 'toots_per_account', key: 'max', value: sorted[n - 1] as number },
      );
    }
    for (const [toots, count] of [...histogram].sort((x, y) => x[0] - y[0])) {
      rows.push({ metric: 'accounts_by_toot_count', key: String(toots), value: count });
    }
    const keyOf = ctx.accountKey ?? ((acct: string) => acct);
    for (const [acct, toots] of topEntries(visible, ctx.topK ?? DEFAULT_TOP_K)) {
      rows.push({ metric: 'top_accounts_by_toots', key: keyOf(acct), value: toots });
    }
    return rows;
  },
};
