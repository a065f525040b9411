import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

// DuckDB allows one writing process per file; the store task queue is served by exactly one
// worker process, and inside it every activity shares one cached instance per file.

export async function openStore(duckdbPath: string): Promise<DuckDBInstance> {
  if (duckdbPath !== ':memory:') mkdirSync(path.dirname(path.resolve(duckdbPath)), { recursive: true });
  return DuckDBInstance.fromCache(duckdbPath);
}

/** Run `fn` inside one transaction on a fresh connection; roll back on any error. */
export async function withTransaction<T>(duckdbPath: string, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await openStore(duckdbPath);
  const conn = await instance.connect();
  try {
    await conn.run('BEGIN TRANSACTION');
    try {
      const out = await fn(conn);
      await conn.run('COMMIT');
      return out;
    } catch (err) {
      await conn.run('ROLLBACK');
      throw err;
    }
  } finally {
    conn.closeSync();
  }
}

export async function withConnection<T>(duckdbPath: string, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await openStore(duckdbPath);
  const conn = await instance.connect();
  try {
    return await fn(conn);
  } finally {
    conn.closeSync();
  }
}
