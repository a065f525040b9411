import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { querySql } from '../../cli/commands/sql';

// `mastoflow sql` over a real DuckDB store file: read-only, and blind to other files unless the
// user passes --allow-files (the store is opened with external access off and the setting locked).

describe('mastoflow sql is read-only and reads no other file by default', () => {
  let dir: string;
  let store: string;
  let secret: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-sql-'));
    store = path.join(dir, 'store.duckdb');
    secret = path.join(dir, 'secret.txt');
    writeFileSync(secret, 'token=abc\n');
    const db = await DuckDBInstance.create(store);
    const conn = await db.connect();
    await conn.run('CREATE TABLE t AS SELECT 42 AS answer');
    conn.closeSync();
    db.closeSync();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers queries over the store', async () => {
    expect(await querySql(store, 'SELECT answer FROM t')).toEqual([{ answer: 42 }]);
  });

  it.each([
    ['writing a file', (d: string) => `COPY (SELECT 1) TO '${path.join(d, 'out.csv')}'`],
    ['reading a file', (_d: string) => `SELECT * FROM read_text('SECRET')`],
    ['turning file access back on', (_d: string) => 'SET enable_external_access = true'],
    ['changing the table', (_d: string) => 'DROP TABLE t'],
  ])('refuses %s', async (_why, sql) => {
    await expect(querySql(store, sql(dir).replace('SECRET', secret))).rejects.toThrow();
    expect(existsSync(path.join(dir, 'out.csv'))).toBe(false);
    expect(await querySql(store, 'SELECT answer FROM t')).toEqual([{ answer: 42 }]);
  });

  it('reads and writes files with --allow-files, still read-only on the store', async () => {
    const rows = await querySql(store, `SELECT content FROM read_text('${secret}')`, { allowFiles: true });
    expect(rows).toEqual([{ content: 'token=abc\n' }]);
    const out = path.join(dir, 'export.csv');
    await querySql(store, `COPY (SELECT answer FROM t) TO '${out}'`, { allowFiles: true });
    expect(existsSync(out)).toBe(true);
    await expect(querySql(store, 'DROP TABLE t', { allowFiles: true })).rejects.toThrow(/read-only/i);
  });
});
