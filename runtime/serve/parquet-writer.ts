import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { QueryResult } from './store-reader';

// Parquet downloads. The store's read-only instance has external access disabled, so it cannot
// COPY ... TO a file, and it must not get that right back. Instead a separate, short-lived
// in-memory DuckDB receives the rows the API already read (through the appender: values, never
// SQL text from a request), and writes them to a fresh private temp directory, the only place
// its file access is allowed (allowed_directories, then external access off and configuration
// locked before the COPY). The table's column names and types come from the query result of a
// declared view; names are quoted.

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function toParquet(result: QueryResult): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-serve-parquet-'));
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const conn = await instance.connect();
    try {
      await conn.run(`SET allowed_directories = ['${dir.replace(/'/g, "''")}']`);
      await conn.run('SET enable_external_access = false');
      await conn.run('SET lock_configuration = true');
      const cols = result.columns.map((c) => `${quoteIdent(c.name)} ${c.type.toString()}`).join(', ');
      await conn.run(`CREATE TABLE result (${cols})`);
      const appender = await conn.createAppender('result');
      for (const row of result.rows) {
        result.columns.forEach((c, i) => {
          const v = row[i] ?? null;
          if (v === null) appender.appendNull();
          else appender.appendValue(v, c.type);
        });
        appender.endRow();
      }
      appender.closeSync();
      const file = path.join(dir, 'result.parquet');
      await conn.run(`COPY result TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`);
      return readFileSync(file);
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}
