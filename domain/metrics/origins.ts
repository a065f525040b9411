// Remote posts by origin server, the "servers" table of Mastodon's admin dashboard: for the day's
// counted statuses by remote accounts, statuses and distinct active accounts per origin server,
// for the 20 servers with the most statuses (ties by server name), plus the totals over all of
// them. The origin server is the domain part of a remote account's `acct` (`user@host`); a
// local account's acct has no `@`. Counts are exact per account (a sorted acct column summed
// across merges), so the top 20 of merged partials is the true top 20 and a server's accounts
// are distinct across parts. Server names, never accounts: not account-level.
import { joinColumns, positive, sortedSlots, sumColumns, topEntries } from './records';
import type { KvRow, MetricFamily } from './types';

/** Servers kept per day in `origin_statuses` / `origin_accounts` (the admin dashboard's list). */
export const ORIGIN_TOP_SERVERS = 20;

/**
 * The origin server of an acct: what follows its last `@`, lower-cased; undefined for a local
 * account (no `@`, or nothing after it).
 */
export function originServer(acct: string): string | undefined {
  const at = acct.lastIndexOf('@');
  if (at < 0 || at === acct.length - 1) return undefined;
  return acct.slice(at + 1).toLowerCase();
}

/** Columns aligned on `accts` (sorted, remote accounts only): statuses per account. */
export interface OriginsPartial {
  accts: string[];
  toots: number[];
}

/** Slot-indexed statuses; 0 = local or not seen. */
type Acc = number[];

export const origins: MetricFamily<Acc, OriginsPartial> = {
  name: 'origins',
  metrics: [
    {
      metric: 'origin_statuses',
      key: '<origin server of a remote acct, lower case>',
      value: `statuses by its accounts (top ${ORIGIN_TOP_SERVERS} servers by statuses, ties by name)`,
      accountLevel: false,
    },
    {
      metric: 'origin_accounts',
      key: '<origin server> (the same servers as origin_statuses)',
      value: 'distinct active accounts of that server',
      accountLevel: false,
    },
    {
      metric: 'origin_stats',
      key: 'remote_statuses | remote_accounts | servers',
      value: 'statuses and distinct accounts from remote servers; distinct origin servers',
      accountLevel: false,
    },
  ],
  views: [
    {
      name: 'v_origin_servers',
      description: `statuses and active accounts per origin server of remote posts (top ${ORIGIN_TOP_SERVERS} servers by statuses)`,
      columns: [
        { name: 'server', type: 'VARCHAR', label: 'Origin server' },
        { name: 'statuses', type: 'BIGINT', label: 'Statuses', unit: 'toots' },
        { name: 'accounts', type: 'BIGINT', label: 'Active accounts', unit: 'accounts' },
      ],
      accountLevel: false,
      chart: { kind: 'bar_topk', title: 'Remote posts by origin server', category: 'server', value: 'statuses', k: 20 },
      source: {
        kind: 'pivot_metrics',
        key: ['server'],
        metrics: { statuses: 'origin_statuses', accounts: 'origin_accounts' },
      },
    },
    {
      name: 'v_remote_origins',
      description: 'statuses and active accounts from remote servers, and how many servers they came from',
      columns: [
        { name: 'remote_statuses', type: 'BIGINT', label: 'Remote statuses', unit: 'toots' },
        { name: 'remote_accounts', type: 'BIGINT', label: 'Remote active accounts', unit: 'accounts' },
        { name: 'servers', type: 'BIGINT', label: 'Origin servers', unit: 'servers' },
      ],
      accountLevel: false,
      chart: { kind: 'line', title: 'Origin servers of remote posts', y: 'servers' },
      source: {
        kind: 'pivot_keys',
        metric: 'origin_stats',
        keys: { remote_statuses: 'remote_statuses', remote_accounts: 'remote_accounts', servers: 'servers' },
      },
    },
  ],
  start: () => [],
  add(acc, f) {
    if (f.acct.indexOf('@') < 0) return;
    const s = f.slot;
    while (acc.length <= s) acc.push(0);
    acc[s] = (acc[s] as number) + 1;
  },
  seal(acc, ctx) {
    const { accts, slots } = sortedSlots(ctx, acc, positive);
    const keep: number[] = [];
    const kept: string[] = [];
    // An acct ending in `@` counts as local: checked here once per account rather than per toot.
    for (let i = 0; i < accts.length; i++) {
      const a = accts[i] as string;
      if (originServer(a) !== undefined) {
        kept.push(a);
        keep.push(acc[slots[i] as number] as number);
      }
    }
    return { accts: kept, toots: keep };
  },
  merge(a, b) {
    const { accts, pairs } = joinColumns(a.accts, b.accts);
    return { accts, toots: sumColumns(pairs, a.toots, b.toots) };
  },
  finalize(p) {
    const statuses = new Map<string, number>();
    const accounts = new Map<string, number>();
    let total = 0;
    p.accts.forEach((acct, i) => {
      const server = originServer(acct) as string;
      const n = p.toots[i] as number;
      total += n;
      statuses.set(server, (statuses.get(server) ?? 0) + n);
      accounts.set(server, (accounts.get(server) ?? 0) + 1);
    });
    const rows: KvRow[] = [
      { metric: 'origin_stats', key: 'remote_statuses', value: total },
      { metric: 'origin_stats', key: 'remote_accounts', value: p.accts.length },
      { metric: 'origin_stats', key: 'servers', value: statuses.size },
    ];
    for (const [server, n] of topEntries(statuses, ORIGIN_TOP_SERVERS)) {
      rows.push({ metric: 'origin_statuses', key: server, value: n });
      rows.push({ metric: 'origin_accounts', key: server, value: accounts.get(server) as number });
    }
    return rows;
  },
};
