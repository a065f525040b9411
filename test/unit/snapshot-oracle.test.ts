// The snapshot families against their independent DuckDB oracle (test/oracle/snapshot-oracle.ts):
// for snapshots salted with repeats, mixed case and numbers sent as strings or as numbers, each
// family's rows equal the oracle's, row for row.
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_FAMILIES } from '../../domain/metrics/catalog';
import { instanceActivityRows } from '../../domain/metrics/instance-activity';
import { peersCountRows } from '../../domain/metrics/peers';
import { type TrackedProfile, trackedAccountRows } from '../../domain/metrics/tracked-accounts';
import { type SnapshotSourceState, snapshotStatusRows } from '../../domain/metrics/snapshot-status';
import { trendingTagRows } from '../../domain/metrics/trending-tags';
import type { KvRow } from '../../domain/metrics/types';
import { InstanceActivityWeek, InstancePeers, TrendTag } from '../../domain/mastodon-schemas';
import { diffRows } from '../oracle/metrics-oracle';
import { type SnapshotInputs, snapshotOracleRows } from '../oracle/snapshot-oracle';

const INPUTS: SnapshotInputs = {
  tracked_accounts: {
    today: [
      { acct: 'bob@x.org', followersCount: 120, followingCount: 5, statusesCount: 40 },
      { acct: 'amy', followersCount: 10, followingCount: 2, statusesCount: 3 },
      { acct: 'Zed@y.net', followersCount: 7, followingCount: 0, statusesCount: 1 },
    ],
    previous: [
      { acct: 'BOB@x.org', followersCount: 90, followingCount: 5, statusesCount: 30 },
      { acct: 'bob@x.org', followersCount: 100, followingCount: 5, statusesCount: 38 },
      { acct: 'zed@y.net', followersCount: 9, followingCount: 0, statusesCount: 1 },
      { acct: 'gone', followersCount: 1, followingCount: 1, statusesCount: 1 },
    ],
  },
  instance_activity: [
    { week: '1763337600', statuses: '12', logins: '5', registrations: '1' },
    { week: 1762732800, statuses: 30, logins: 9, registrations: 0 },
    { week: '1763337600', statuses: '99', logins: '99', registrations: '99' },
  ],
  peers: ['a.org', 'A.org', 'b.org', 'c.example'],
  trending_tags: [
    {
      name: 'Art',
      url: 'u',
      history: [
        { day: '1763596800', uses: '9', accounts: '4' },
        { day: 1763510400, uses: 3, accounts: 2 },
      ],
    },
    { name: 'cats', url: 'u', history: [] },
    { name: 'ART', url: 'u', history: [{ day: '1763596800', uses: '1', accounts: '1' }] },
  ],
  snapshot_status: [
    { source: 'account:bob@x.org', state: 'observed', atMs: 1763600461999 },
    { source: 'activity', state: 'from-history', atMs: 1764633600000 },
    { source: 'peers', state: 'not-observed', atMs: 1764633601500 },
  ],
};

const profiles = (raw: unknown[]): TrackedProfile[] => raw as TrackedProfile[];

/** Each snapshot family's own rows from the inputs (parsed as the reduce parses them). */
const FAMILY_ROWS: Record<keyof SnapshotInputs, () => KvRow[]> = {
  tracked_accounts: () =>
    trackedAccountRows(profiles(INPUTS.tracked_accounts.today), profiles(INPUTS.tracked_accounts.previous)),
  instance_activity: () => instanceActivityRows(InstanceActivityWeek.array().parse(INPUTS.instance_activity)),
  peers: () => peersCountRows(InstancePeers.parse(INPUTS.peers)),
  trending_tags: () => trendingTagRows(TrendTag.array().parse(INPUTS.trending_tags)),
  snapshot_status: () =>
    snapshotStatusRows(
      (INPUTS.snapshot_status as { source: string; state: SnapshotSourceState['state']; atMs: number }[]).map((s) =>
        s.state === 'not-observed'
          ? { source: s.source, state: s.state, firstFetchedMs: s.atMs }
          : { source: s.source, state: s.state, observedAtMs: s.atMs },
      ),
    ),
};

describe('snapshot families = DuckDB oracle over the snapshot JSON', () => {
  it('has a case for every snapshot family of the catalog', () => {
    expect(Object.keys(FAMILY_ROWS).sort()).toEqual(SNAPSHOT_FAMILIES.map((f) => f.name).sort());
  });

  for (const family of Object.keys(FAMILY_ROWS) as (keyof SnapshotInputs)[]) {
    it(`${family}: the same rows`, async () => {
      const expected = await snapshotOracleRows(family, INPUTS[family]);
      const actual = FAMILY_ROWS[family]();
      expect(expected.length).toBeGreaterThan(0);
      expect(diffRows(expected, actual)).toEqual([]);
      expect(actual.length).toBe(expected.length);
      // The salted inputs make the family emit every metric it declares, and nothing else.
      const declared = SNAPSHOT_FAMILIES.find((f) => f.name === family)?.metrics.map((m) => m.metric);
      expect([...new Set(actual.map((r) => r.metric))].sort()).toEqual([...(declared ?? [])].sort());
    });
  }
});
