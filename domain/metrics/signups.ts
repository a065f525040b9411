// Sign-ups by month of the account's created_at, over the distinct accounts that tooted in the
// window ("how old are today's active accounts"), not the instance's registrations (those come
// from /instance/activity). Mastodon truncates created_at to midnight, which keeps the month.
import { joinColumns, nonEmpty, pick, sortedSlots } from './records';
import type { KvRow, MetricFamily } from './types';

/** `YYYY-MM` (UTC) of an ISO date-time; offset forms are converted to UTC first. */
export function utcMonth(isoDateTime: string): string {
  if (isoDateTime.charCodeAt(isoDateTime.length - 1) === 90 /* Z */) return isoDateTime.slice(0, 7);
  return new Date(Date.parse(isoDateTime)).toISOString().slice(0, 7);
}

/** Columns aligned on `accts` (sorted): `YYYY-MM` of each account's creation. */
export interface SignupsPartial {
  accts: string[];
  month: string[];
}

/** Slot-indexed months; '' = slot not seen by this family. */
type Acc = string[];

// Two snapshots of one account cannot disagree on created_at unless the server changed it; the
// earlier month wins so that map and merge stay order-independent anyway.
const earlier = (a: string, b: string): string => (a <= b ? a : b);

export const signups: MetricFamily<Acc, SignupsPartial> = {
  name: 'signups',
  metrics: [
    {
      metric: 'signups_by_month',
      key: 'YYYY-MM (UTC month of account created_at)',
      value: 'distinct active accounts created that month',
      accountLevel: false,
    },
  ],
  views: [
    {
      name: 'v_signups_by_month',
      description: 'active accounts by month of `created_at`',
      columns: [
        { name: 'month', type: 'VARCHAR', label: 'Sign-up month' },
        { name: 'accounts', type: 'BIGINT', label: 'Accounts', unit: 'accounts' },
      ],
      accountLevel: false,
      chart: {
        kind: 'bar_topk',
        title: 'Active accounts by sign-up month',
        category: 'month',
        value: 'accounts',
        k: 24,
      },
      source: { kind: 'rows', metric: 'signups_by_month', key: ['month'], value: 'accounts' },
    },
  ],
  start: () => [],
  add(acc, f) {
    const s = f.slot;
    while (acc.length <= s) acc.push('');
    const prev = acc[s] as string;
    const createdAt = f.status.account.created_at;
    // A UTC (Z) date-time sorts like its month prefix: skip the slice when it cannot be earlier.
    if (prev !== '' && createdAt.charCodeAt(createdAt.length - 1) === 90 && !(createdAt < prev)) return;
    const month = utcMonth(createdAt);
    if (prev === '' || month < prev) acc[s] = month;
  },
  seal(acc, ctx) {
    const { accts, slots } = sortedSlots(ctx, acc, nonEmpty);
    return { accts, month: pick(acc, slots) };
  },
  merge(a, b) {
    const { accts, pairs } = joinColumns(a.accts, b.accts);
    const month: string[] = [];
    for (let k = 0; k < pairs.length; k += 2) {
      const i = pairs[k] as number;
      const j = pairs[k + 1] as number;
      month.push(
        i < 0
          ? (b.month[j] as string)
          : j < 0
            ? (a.month[i] as string)
            : earlier(a.month[i] as string, b.month[j] as string),
      );
    }
    return { accts, month };
  },
  finalize(p) {
    const months = new Map<string, number>();
    for (const month of p.month) months.set(month, (months.get(month) ?? 0) + 1);
    const rows: KvRow[] = [];
    for (const [month, n] of [...months].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      rows.push({ metric: 'signups_by_month', key: month, value: n });
    }
    return rows;
  },
};
