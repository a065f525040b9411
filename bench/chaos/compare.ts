import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { keyPagesUnder } from '../../activities/store/s3-listing';
import { openReadOnly } from '../../activities/store/duckdb-store';
import type { MastoflowConfig } from '../../domain/config';
import { createS3Client } from '../../runtime/clients';

// What a campaign's result is compared on: every row of every DuckDB table, and every row of the
// Parquet result files, as sorted row lists (never bytes: Parquet files of equal rows may
// differ). Columns that must differ between two runs of the same days are left out, and said:
// timestamp columns (when the load happened: the load log's loaded_at). `run_id` is compared:
// it holds the run's workflow ID, dag/<dag>/<day>, the same for every run of a day. The load log
// (`loads`, one row per load ever made) is compared on its last row per partition.

export const EXCLUDED_COLUMNS =
  "TIMESTAMP columns (the load log's loaded_at; of the load log, the last load of each partition is compared); run_id is compared (it is the workflow ID)";

export interface StoreSnapshot {
  /** table -> rows (JSON arrays of the compared columns), sorted. */
  tables: Record<string, string[]>;
  /** Parquet rows under results/ (metric, instance, day, key, value), sorted. */
  parquet: string[];
  parquetFiles: number;
  /** Partitions (instance, day) of metrics_kv. */
  partitions: string[];
  /** Records the map steps quarantined (map_counts / quarantined, summed over partitions). */
  quarantined: number;
}

function sortedRows(rows: unknown[][]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

/** Read a campaign's store: the DuckDB file (read-only) and the Parquet objects under results/. */
export async function snapshotStore(
  config: MastoflowConfig,
  env: NodeJS.ProcessEnv,
  workDir: string,
  opts: { parquet?: boolean } = {},
): Promise<StoreSnapshot> {
  const tables: Record<string, string[]> = {};
  const db = await openReadOnly(config.duckdb.path, { retryMs: 60_000 });
  let partitions: string[] = [];
  let quarantined = 0;
  try {
    const conn = await db.connect();
    try {
      const cols = (
        await conn.runAndReadAll(
          `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
           WHERE t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position`,
        )
      ).getRowsJson() as string[][];
      const byTable = new Map<string, string[]>();
      for (const [table, column, type] of cols) {
        if (String(type).startsWith('TIMESTAMP')) continue;
        byTable.set(table!, [...(byTable.get(table!) ?? []), column!]);
      }
      for (const [table, columns] of byTable) {
        // The load log is history: every load appends a row (a re-run, a load retried after its
        // worker died after the commit), so it is compared on the last load of each partition.
        const last =
          table === 'loads'
            ? ' QUALIFY row_number() OVER (PARTITION BY instance, day ORDER BY loaded_at DESC) = 1'
            : '';
        const sql = `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table}"${last}`;
        tables[table] = sortedRows((await conn.runAndReadAll(sql)).getRowsJson());
      }
      if (byTable.has('metrics_kv')) {
        partitions = (
          await conn.runAndReadAll(
            `SELECT DISTINCT instance || ' ' || strftime(day, '%Y-%m-%d') FROM metrics_kv ORDER BY 1`,
          )
        )
          .getRowsJson()
          .map((r) => String(r[0]));
        const q = await conn.runAndReadAll(
          `SELECT coalesce(sum(value), 0) FROM metrics_kv WHERE metric = 'map_counts' AND key = 'quarantined'`,
        );
        quarantined = Number(q.getRowsJson()[0]?.[0] ?? 0);
      }
    } finally {
      conn.closeSync();
    }
  } finally {
    db.closeSync();
  }

  if (opts.parquet === false) return { tables, parquet: [], parquetFiles: 0, partitions, quarantined };
  const s3 = createS3Client(config.s3, env);
  const dir = path.join(workDir, 'parquet');
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  try {
    const keys: string[] = [];
    for await (const page of keyPagesUnder(s3, config.s3.bucket, 'results/')) keys.push(...page);
    for (const key of keys.filter((k) => k.endsWith('.parquet')).sort()) {
      const r = await s3.send(new GetObjectCommand({ Bucket: config.s3.bucket, Key: key }));
      const file = path.join(dir, `${files.length}.parquet`);
      writeFileSync(file, await r.Body!.transformToByteArray());
      files.push(file);
    }
  } finally {
    s3.destroy();
  }
  let parquet: string[] = [];
  if (files.length) {
    const mem = await DuckDBInstance.create(':memory:');
    const conn = await mem.connect();
    try {
      const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
      parquet = sortedRows(
        (
          await conn.runAndReadAll(
            `SELECT metric, instance, strftime(day, '%Y-%m-%d'), key, value FROM read_parquet([${list}])`,
          )
        ).getRowsJson(),
      );
    } finally {
      conn.closeSync();
      mem.closeSync();
    }
  }
  return { tables, parquet, parquetFiles: files.length, partitions, quarantined };
}

export interface SnapshotDiff {
  identical: boolean;
  /** One line per difference found (table, rows only on one side, first examples). */
  problems: string[];
  rows: number;
}

function diffLists(what: string, expected: string[], actual: string[], problems: string[]): void {
  const a = new Map<string, number>();
  for (const r of expected) a.set(r, (a.get(r) ?? 0) + 1);
  const extra: string[] = [];
  for (const r of actual) {
    const n = a.get(r) ?? 0;
    if (n > 0) a.set(r, n - 1);
    else extra.push(r);
  }
  const missing = [...a.entries()].flatMap(([r, n]) => Array.from({ length: n }, () => r));
  if (missing.length || extra.length)
    problems.push(
      `${what}: ${missing.length} rows missing, ${extra.length} rows extra (of ${expected.length})` +
        (missing.length ? `; missing e.g. ${missing.slice(0, 3).join(' ')}` : '') +
        (extra.length ? `; extra e.g. ${extra.slice(0, 3).join(' ')}` : ''),
    );
}

/** Row-by-row comparison of a campaign's store with the clean run's. */
export function compareSnapshots(clean: StoreSnapshot, run: StoreSnapshot): SnapshotDiff {
  const problems: string[] = [];
  for (const table of new Set([...Object.keys(clean.tables), ...Object.keys(run.tables)]))
    diffLists(`table ${table}`, clean.tables[table] ?? [], run.tables[table] ?? [], problems);
  diffLists('parquet results', clean.parquet, run.parquet, problems);
  if (clean.parquetFiles !== run.parquetFiles)
    problems.push(`parquet files: ${run.parquetFiles}, clean run ${clean.parquetFiles}`);
  const rows = Object.values(clean.tables).reduce((n, t) => n + t.length, 0);
  return { identical: problems.length === 0, problems, rows };
}

/** metrics_kv rows grouped by partition ("instance day"), each group sorted. */
export function partitionRows(snap: StoreSnapshot): Map<string, string> {
  const m = new Map<string, string[]>();
  for (const r of snap.tables.metrics_kv ?? []) {
    const [, instance, day] = JSON.parse(r) as string[];
    const k = `${instance} ${day}`;
    m.set(k, [...(m.get(k) ?? []), r]);
  }
  return new Map([...m.entries()].map(([k, rows]) => [k, rows.join('\n')]));
}
