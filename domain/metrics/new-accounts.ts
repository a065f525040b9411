// New and first-seen posters, as an instance admin's dashboard counts sign-ups and newcomers.
//
// - new accounts: posters of the day whose account `created_at` falls on the UTC day of one of
//   their counted toots (with the map step's one-day window: on the day). Mastodon truncates
//   created_at to midnight UTC, which keeps the day.
// - first-seen accounts: posters of the day whom mastoflow did not see post on any of the
//   FIRST_SEEN_LOOKBACK_DAYS days before it. "Seen on a day" = among that day's active accounts
//   (the accounts set this family keeps), as that day was last aggregated. The look-back is
//   fixed, not "every day in the store": the answer for day D then depends only on the days
//   D-28..D-1, never on days after D nor on how far back the store happens to reach, so a
//   reprocess of D gives the same answer whatever was loaded since, and the cost is bounded.
//   `lookback_days` says how many of those 28 days had an account set to compare with (0 on
//   the first day ever loaded: every poster is then first-seen); a day with fewer than 28 is a
//   lower bound of "seen before" and says so. The reduce supplies the earlier days' accounts
//   (FinalizeCtx.firstSeen, see activities/aggregate/accounts-seen.ts); without them the look-back
//   is empty.
import { addDays } from '../logical-date';
import { isoToMs } from './iso-time';
import { joinColumns, orColumns, pick, present, sortedSlots } from './records';
import type { KvRow, MetricFamily } from './types';

/** How many days before a day its first-seen accounts are compared with. */
export const FIRST_SEEN_LOOKBACK_DAYS = 28;

const DAY_MS = 86_400_000;

/** Columns aligned on `accts` (sorted, every poster): 1 when the account was created on a day it tooted. */
export interface NewAccountsPartial {
  accts: string[];
  created: number[];
}

/** Slot-indexed: -1 not seen, 0 seen, 1 seen and created on the day of one of its toots. */
type Acc = number[];

/** The earlier days' posters, for first-seen (the reduce reads them; see the header). */
export interface EarlierPosters {
  /** Days of the look-back that had an account set (0..FIRST_SEEN_LOOKBACK_DAYS). */
  readonly lookbackDays: number;
  /** Whether the acct posted on one of those days. */
  has(acct: string): boolean;
}

export const newAccounts: MetricFamily<Acc, NewAccountsPartial> = {
  name: 'newAccounts',
  metrics: [
    {
      metric: 'new_accounts',
      key: 'posters | created_on_day | first_seen | lookback_days',
      value: `posters; posters created on the day; posters not seen on the ${FIRST_SEEN_LOOKBACK_DAYS} days before; how many of those days had data`,
      accountLevel: false,
    },
  ],
  views: [
    {
      name: 'v_new_accounts',
      description: 'posters of the day, and those whose account was created that day',
      columns: [
        { name: 'posters', type: 'BIGINT', label: 'Posters', unit: 'accounts' },
        { name: 'new_accounts', type: 'BIGINT', label: 'Created that day', unit: 'accounts' },
      ],
      accountLevel: false,
      chart: { kind: 'line', title: 'New accounts posting', y: 'new_accounts' },
      source: {
        kind: 'pivot_keys',
        metric: 'new_accounts',
        keys: { posters: 'posters', new_accounts: 'created_on_day' },
      },
    },
    {
      name: 'v_first_seen_accounts',
      description: `posters not seen posting on the ${FIRST_SEEN_LOOKBACK_DAYS} days before (lookback_days: how many of those days were loaded)`,
      columns: [
        { name: 'first_seen', type: 'BIGINT', label: 'First-seen posters', unit: 'accounts' },
        { name: 'lookback_days', type: 'BIGINT', label: 'Days compared with', unit: 'days' },
      ],
      accountLevel: false,
      chart: { kind: 'line', title: 'First-seen posters', y: 'first_seen' },
      source: {
        kind: 'pivot_keys',
        metric: 'new_accounts',
        keys: { first_seen: 'first_seen', lookback_days: 'lookback_days' },
      },
    },
  ],
  start: () => [],
  add(acc, f) {
    const s = f.slot;
    while (acc.length <= s) acc.push(-1);
    if (acc[s] === 1) return;
    const created = Math.floor(isoToMs(f.status.account.created_at) / DAY_MS) === Math.floor(f.createdMs / DAY_MS);
    acc[s] = created ? 1 : 0;
  },
  seal(acc, ctx) {
    const { accts, slots } = sortedSlots(ctx, acc, present);
    return { accts, created: pick(acc, slots) };
  },
  merge(a, b) {
    const { accts, pairs } = joinColumns(a.accts, b.accts);
    return { accts, created: orColumns(pairs, a.created, b.created) };
  },
  finalize(p, ctx) {
    const earlier = ctx.firstSeen;
    let created = 0;
    let firstSeen = 0;
    p.accts.forEach((acct, i) => {
      created += p.created[i] as number;
      if (!earlier?.has(acct)) firstSeen++;
    });
    const rows: KvRow[] = [
      { metric: 'new_accounts', key: 'posters', value: p.accts.length },
      { metric: 'new_accounts', key: 'created_on_day', value: created },
      { metric: 'new_accounts', key: 'first_seen', value: firstSeen },
      { metric: 'new_accounts', key: 'lookback_days', value: earlier?.lookbackDays ?? 0 },
    ];
    return rows;
  },
};

/** The days a day's first-seen accounts are compared with, newest first. */
export function firstSeenLookback(day: string): string[] {
  return Array.from({ length: FIRST_SEEN_LOOKBACK_DAYS }, (_, i) => addDays(day, -(i + 1)));
}
