// Top accounts by followers among the accounts that tooted in the window. followers_count is a
// snapshot embedded in each toot; the newest snapshot wins, "newest" being the toot with the
// greatest Snowflake ID (ties: the larger count), which makes the merge order-independent.
import { compareDecimalIds, joinColumns, nonEmpty, orColumns, pick, sortedSlots, topEntries } from './records';
import { DEFAULT_TOP_K, FLAG_OPTED_OUT, type KvRow, type MetricFamily } from './types';

/** Columns aligned on `accts` (sorted): followers_count, id of the toot it was read from, flags. */
export interface FollowersPartial {
  accts: string[];
  followers: number[];
  fromId: string[];
  flags: number[];
}

interface Acc {
  followers: number[];
  /** '' = slot not seen by this family. */
  fromId: string[];
  flags: number[];
}

/** True when snapshot (idA, countA) is the one to keep over (idB, countB). */
function keepsFirst(idA: string, countA: number, idB: string, countB: number): boolean {
  const c = compareDecimalIds(idA, idB);
  return c > 0 || (c === 0 && countA >= countB);
}

export const followers: MetricFamily<Acc, FollowersPartial> = {
  name: 'followers',
  metrics: [
    {
      metric: 'top_accounts_by_followers',
      key: 'accountKey(acct)',
      value: 'followers_count, newest snapshot (top-k, opted-out excluded)',
      accountLevel: true,
    },
  ],
  views: [
    {
      name: 'v_top_accounts_by_followers',
      description: 'ranked top-k active accounts by followers (ties by key)',
      columns: [
        { name: 'account', type: 'VARCHAR', label: 'Account' },
        { name: 'followers', type: 'BIGINT', label: 'Followers', unit: 'accounts' },
        { name: 'rank', type: 'BIGINT', label: 'Rank' },
      ],
      accountLevel: true,
      chart: { kind: 'leaderboard', title: 'Top accounts by followers', label: 'account', value: 'followers', k: 10 },
      source: { kind: 'rows', metric: 'top_accounts_by_followers', key: ['account'], value: 'followers', rank: 'rank' },
    },
  ],
  start: () => ({ followers: [], fromId: [], flags: [] }),
  add(acc, f) {
    const s = f.slot;
    while (acc.fromId.length <= s) {
      acc.followers.push(0);
      acc.fromId.push('');
      acc.flags.push(0);
    }
    const id = f.status.id;
    const count = f.status.account.followers_count;
    const prevId = acc.fromId[s] as string;
    if (prevId === '' || keepsFirst(id, count, prevId, acc.followers[s] as number)) {
      acc.followers[s] = count;
      acc.fromId[s] = id;
    }
    if (f.optedOut) acc.flags[s] = (acc.flags[s] as number) | FLAG_OPTED_OUT;
  },
  seal(acc, ctx) {
    const { accts, slots } = sortedSlots(ctx, acc.fromId, nonEmpty);
    return {
      accts,
      followers: pick(acc.followers, slots),
      fromId: pick(acc.fromId, slots),
      flags: pick(acc.flags, slots),
    };
  },
  merge(a, b) {
    const { accts, pairs } = joinColumns(a.accts, b.accts);
    const followersOut: number[] = [];
    const fromId: string[] = [];
    for (let k = 0; k < pairs.length; k += 2) {
      const i = pairs[k] as number;
      const j = pairs[k + 1] as number;
      const useA =
        j < 0 ||
        (i >= 0 &&
          keepsFirst(a.fromId[i] as string, a.followers[i] as number, b.fromId[j] as string, b.followers[j] as number));
      followersOut.push((useA ? a.followers[i] : b.followers[j]) as number);
      fromId.push((useA ? a.fromId[i] : b.fromId[j]) as string);
    }
    return { accts, followers: followersOut, fromId, flags: orColumns(pairs, a.flags, b.flags) };
  },
  finalize(p, ctx) {
    const keyOf = ctx.accountKey ?? ((acct: string) => acct);
    const visible: [string, number][] = [];
    p.accts.forEach((acct, i) => {
      if (((p.flags[i] as number) & FLAG_OPTED_OUT) === 0) visible.push([acct, p.followers[i] as number]);
    });
    const rows: KvRow[] = [];
    for (const [acct, count] of topEntries(visible, ctx.topK ?? DEFAULT_TOP_K)) {
      rows.push({ metric: 'top_accounts_by_followers', key: keyOf(acct), value: count });
    }
    return rows;
  },
};
