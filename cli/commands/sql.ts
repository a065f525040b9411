import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { openReadOnly } from '../../activities/store/duckdb-store';
import { configFrom } from '../context';
import { renderTable } from '../table';

/** DuckDB values as plain JS: BIGINT → number when exact, dates/decimals/lists → their text. */
export function plain(v: unknown): unknown {
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v !== null && typeof v === 'object') return String(v);
  return v;
}

/** Run read-only SQL over the DuckDB store; returns plain rows (BigInt → number when safe). */
export async function querySql(
  duckdbPath: string,
  sql: string,
  opts: { allowFiles?: boolean } = {},
): Promise<Array<Record<string, unknown>>> {
  const db = await openReadOnly(duckdbPath, { allowFiles: opts.allowFiles === true });
  try {
    const conn = await db.connect();
    try {
      const reader = await conn.runAndReadAll(sql);
      return reader.getRowObjects().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])));
    } finally {
      conn.closeSync();
    }
  } finally {
    db.closeSync();
  }
}

export function registerSqlCommand(program: Command): void {
  program
    .command('sql')
    .description('run a read-only SQL query over the DuckDB store (tables/views: see README "Querying results")')
    .argument('<query>', 'SQL, e.g. "SELECT * FROM metrics_kv LIMIT 10"')
    .option('--json', 'print JSON rows')
    .option('--csv', 'print CSV')
    .option('--allow-files', "let the query read and write files (COPY ... TO, read_csv('x')); off by default")
    .action(async (query: string, opts: { json?: boolean; csv?: boolean; allowFiles?: boolean }, cmd: Command) => {
      if (opts.json && opts.csv) throw new Error('--json and --csv cannot be combined: pick one output format');
      const { config } = configFrom(cmd);
      // DuckDB would create an empty file (then refuse it read-only); say what is missing instead.
      if (!existsSync(config.duckdb.path))
        throw new Error(
          `no DuckDB store at ${config.duckdb.path} yet: nothing has been loaded (run mastodon_daily first, or set duckdb.path)`,
        );
      const rows = await querySql(config.duckdb.path, query, { allowFiles: opts.allowFiles === true });
      if (opts.json) console.log(JSON.stringify(rows, null, 2));
      else if (opts.csv) {
        const cols = rows.length ? Object.keys(rows[0]!) : [];
        const esc = (v: unknown) => {
          const s = v === null || v === undefined ? '' : String(v);
          return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
        };
        console.log([cols.join(','), ...rows.map((r) => cols.map((c) => esc(r[c])).join(','))].join('\n'));
      } else {
        console.log(renderTable(rows));
        console.log(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
      }
    });
}
