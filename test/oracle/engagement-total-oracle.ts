// Independent oracle of the total-engagement family (domain/metrics/engagement-total.ts), in
// DuckDB SQL over raw page files (JSON arrays of statuses as the API sent them), sharing no
// code with the kernel. Same counting rule as the status metrics (see metrics-oracle.ts): public,
// not a reblog, created_at in [windowStart, windowEnd), first occurrence of an ID in file and
// array order. Records are read with DuckDB's typed JSON reader, so input is assumed
// schema-valid (the simulator's pages are): quarantine is metrics-oracle.ts's job.
// The lead folds this into metrics-oracle.ts when the family is registered.
import { DuckDBInstance } from '@duckdb/node-api';
import type { KvRow } from '../../domain/metrics/types';

const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export async function engagementTotalOracle(
  files: readonly string[],
  window: { windowStartMs: number; windowEndMs: number },
): Promise<KvRow[]> {
  if (files.length === 0) return [];
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    // One thread: the scan then yields records in file and array order, which `pos` numbers, so
    // "first occurrence of an ID" is well defined (duplicates may carry other counts).
    await conn.run('SET threads = 1');
    const list = `[${files.map(q).join(', ')}]`;
    const columns = `{id: 'VARCHAR', created_at: 'VARCHAR', visibility: 'VARCHAR', reblog: 'JSON',
      favourites_count: 'BIGINT', reblogs_count: 'BIGINT', replies_count: 'BIGINT'}`;
    const sql = `
      WITH f AS (SELECT unnest(${list}) AS file, generate_subscripts(${list}, 1) AS ord),
      r AS (SELECT j.*, f.ord, row_number() OVER () AS pos
            FROM read_json(${list}, format = 'array', filename = true, columns = ${columns}) j
            JOIN f ON f.file = j.filename),
      c AS (SELECT * FROM r
            WHERE visibility = 'public' AND (reblog IS NULL OR json_type(reblog) = 'NULL')
              AND epoch_ms(created_at::TIMESTAMPTZ) >= ${window.windowStartMs}
              AND epoch_ms(created_at::TIMESTAMPTZ) < ${window.windowEndMs}
            QUALIFY row_number() OVER (PARTITION BY id ORDER BY ord, pos) = 1)
      SELECT count(*), sum(favourites_count), sum(reblogs_count), sum(replies_count) FROM c`;
    const [row] = (await conn.runAndReadAll(sql)).getRows();
    const [toots, fav, reb, rep] = (row ?? []).map((v) => Number(v ?? 0));
    if (!toots) return [];
    const m = 'engagement_total';
    return [
      { metric: m, key: 'favourites', value: fav as number },
      { metric: m, key: 'reblogs', value: reb as number },
      { metric: m, key: 'replies', value: rep as number },
      { metric: m, key: 'total', value: (fav as number) + (reb as number) + (rep as number) },
    ];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
