import { DuckDBInstance } from '@duckdb/node-api';
import { METRIC_VIEWS } from '../../activities/store/metric-views';
import { ensureMetricsSchema } from '../../activities/store/metrics-store';
import type { ColumnType, ViewColumn, ViewDeclaration } from '../../domain/metrics/catalog-types';

// TEMPORARY ADAPTER (issue #11): the API is written against `readonly ViewDeclaration[]`; until
// the generated catalog (VIEW_CATALOG in domain/metrics/catalog.ts) lands, this builds that list
// from METRIC_VIEWS, with column names and types read by DESCRIBE on an in-memory DuckDB holding
// the same schema (not the store file: the list must not depend on a load having run). Labels
// are the column names in words; no units, descriptions or charts. Replace this file's one use
// in cli/commands/serve.ts (and bench/serve.ts, test/integration/serve-api.test.ts) by
// VIEW_CATALOG at merge, and delete it.

const COLUMN_TYPES: ReadonlySet<string> = new Set(['VARCHAR', 'DATE', 'TIMESTAMP', 'INTEGER', 'BIGINT', 'DOUBLE']);

/** Views that name an account or a single toot (opt-outs excluded upstream). */
const ACCOUNT_LEVEL = new Set([
  'v_top_accounts_by_engagement',
  'v_top_accounts_by_followers',
  'v_tracked_accounts',
  'v_viral_toots',
]);

const label = (name: string) => name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

export async function viewListFromMetricViews(): Promise<ViewDeclaration[]> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const conn = await instance.connect();
    try {
      await ensureMetricsSchema(conn);
      const out: ViewDeclaration[] = [];
      for (const name of Object.keys(METRIC_VIEWS)) {
        const rows = (await conn.runAndReadAll(`DESCRIBE ${name}`)).getRows();
        const cols = rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
        // Every declared view starts with (instance, day); v_trending_tag_history (snapshot_day)
        // does not yet: left out until the catalog declares it that way.
        if (cols[0]?.name !== 'instance' || cols[1]?.name !== 'day') continue;
        const columns: ViewColumn[] = cols.slice(2).map((c) => ({
          name: c.name,
          type: (COLUMN_TYPES.has(c.type) ? c.type : 'VARCHAR') as ColumnType,
          label: label(c.name),
        }));
        out.push({
          name,
          family: name.replace(/^v_/, ''),
          description: '',
          columns,
          accountLevel: ACCOUNT_LEVEL.has(name),
        });
      }
      return out;
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
