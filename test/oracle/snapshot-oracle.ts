// The independent oracle of the snapshot families (tracked accounts, weekly activity, peers,
// trending tags): the definitions of domain/metrics/{tracked-accounts,instance-activity,peers,
// trending-tags}.ts re-implemented in DuckDB SQL over the snapshot JSON exactly as the API sent
// it (numbers as decimal strings or numbers), with no domain code involved.
//
// Definitions re-implemented here (from the families' documentation):
//   - tracked accounts: followers/following/statuses per account of today's profiles; deltas of
//     followers and statuses against the previous day's profile of the same acct (case-insensitive;
//     the last of repeated accts), only when there is one;
//   - weekly activity: key = the UTC date of the week's start (Unix seconds); a repeated week keeps
//     its first entry;
//   - peers: distinct domains, case-insensitive;
//   - trending tags: rank = 1-based position in the list, tag lower-cased; history rows keyed
//     `<tag>#<UTC date>`; a repeated (metric, key) keeps its first row.
//   - snapshot status: one row per source keyed `<source>#<state>`, the value the time in whole
//     Unix seconds (floored).
// Known limit: lower-casing is DuckDB's (simple case mapping), the families use JavaScript's; the
// two differ only for a few non-ASCII letters, absent from the tests' data.
import { DuckDBInstance } from '@duckdb/node-api';
import type { KvRow } from '../../domain/metrics/types';

/** What each snapshot family reads: the JSON documents of the day (and the day before). */
export interface SnapshotInputs {
  tracked_accounts: { today: unknown[]; previous: unknown[] };
  instance_activity: unknown[];
  peers: unknown[];
  trending_tags: unknown[];
  /** [{source, state: observed | from-history | not-observed, atMs}] */
  snapshot_status: unknown[];
}

const PROFILES = `'[{"acct": "VARCHAR", "followersCount": "BIGINT", "followingCount": "BIGINT", "statusesCount": "BIGINT"}]'`;

/**
 * The oracle SQL of each snapshot family (by its catalog name): (metric, key, value) rows from the
 * input JSON bound as $1. A snapshot family of the catalog without an entry here fails
 * test/unit/metric-catalog.test.ts.
 */
export const SNAPSHOT_ORACLE_SQL: Readonly<Record<keyof SnapshotInputs, string>> = {
  tracked_accounts: `
    WITH t AS (SELECT unnest(from_json(json_extract($1::JSON, '$.today'), ${PROFILES}), recursive := true)),
    pl AS (SELECT from_json(json_extract($1::JSON, '$.previous'), ${PROFILES}) AS l),
    p AS (SELECT lower(r.acct) AS k, arg_max(r.followersCount, i) AS followers, arg_max(r.statusesCount, i) AS statuses
          FROM (SELECT unnest(l) AS r, generate_subscripts(l, 1) AS i FROM pl) GROUP BY k)
    SELECT 'tracked_account_followers' AS metric, acct AS key, followersCount::DOUBLE AS value FROM t
    UNION ALL SELECT 'tracked_account_following', acct, followingCount::DOUBLE FROM t
    UNION ALL SELECT 'tracked_account_statuses', acct, statusesCount::DOUBLE FROM t
    UNION ALL SELECT 'tracked_account_followers_delta', acct, (followersCount - p.followers)::DOUBLE FROM t JOIN p ON p.k = lower(t.acct)
    UNION ALL SELECT 'tracked_account_statuses_delta', acct, (statusesCount - p.statuses)::DOUBLE FROM t JOIN p ON p.k = lower(t.acct)`,
  instance_activity: `
    WITH l AS (SELECT from_json($1::JSON, '[{"week": "VARCHAR", "statuses": "VARCHAR", "logins": "VARCHAR", "registrations": "VARCHAR"}]') AS l),
    w AS (SELECT strftime(epoch_ms(r.week::BIGINT * 1000), '%Y-%m-%d') AS key, r.statuses, r.logins, r.registrations
          FROM (SELECT unnest(l) AS r, generate_subscripts(l, 1) AS i FROM l)
          QUALIFY row_number() OVER (PARTITION BY key ORDER BY i) = 1)
    SELECT 'instance_weekly_statuses' AS metric, key, statuses::DOUBLE AS value FROM w
    UNION ALL SELECT 'instance_weekly_logins', key, logins::DOUBLE FROM w
    UNION ALL SELECT 'instance_weekly_registrations', key, registrations::DOUBLE FROM w`,
  peers: `
    SELECT 'peers_count' AS metric, 'all' AS key, count(DISTINCT lower(p))::DOUBLE AS value
    FROM (SELECT unnest(from_json($1::JSON, '["VARCHAR"]')) AS p)`,
  trending_tags: `
    WITH l AS (SELECT from_json($1::JSON, '[{"name": "VARCHAR", "history": [{"day": "VARCHAR", "uses": "VARCHAR", "accounts": "VARCHAR"}]}]') AS l),
    t AS (SELECT lower(r.name) AS tag, r.history AS history, i FROM (SELECT unnest(l) AS r, generate_subscripts(l, 1) AS i FROM l)),
    h AS (SELECT tag, i, j, tag || '#' || strftime(epoch_ms(history[j].day::BIGINT * 1000), '%Y-%m-%d') AS key,
                 history[j].uses AS uses, history[j].accounts AS accounts
          FROM (SELECT tag, i, history, generate_subscripts(history, 1) AS j FROM t)
          QUALIFY row_number() OVER (PARTITION BY key ORDER BY i, j) = 1)
    SELECT 'trending_tag_rank' AS metric, tag AS key, min(i)::DOUBLE AS value FROM t GROUP BY tag
    UNION ALL SELECT 'trending_tag_uses', key, uses::DOUBLE FROM h
    UNION ALL SELECT 'trending_tag_accounts', key, accounts::DOUBLE FROM h`,
  snapshot_status: `
    SELECT 'snapshot_status' AS metric, r.source || '#' || r.state AS key, floor(r.atMs / 1000)::DOUBLE AS value
    FROM (SELECT unnest(from_json($1::JSON, '[{"source": "VARCHAR", "state": "VARCHAR", "atMs": "BIGINT"}]')) AS r)`,
};

/** The rows of one snapshot family computed by its oracle SQL. */
export async function snapshotOracleRows<F extends keyof SnapshotInputs>(
  family: F,
  input: SnapshotInputs[F],
): Promise<KvRow[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const rows = (await conn.runAndReadAll(SNAPSHOT_ORACLE_SQL[family], [JSON.stringify(input)])).getRows();
    return rows.map(([metric, key, value]) => ({ metric: String(metric), key: String(key), value: Number(value) }));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
