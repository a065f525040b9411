// Opt-outs observed later: the load of a day on which an account is seen opted out (#nobot added
// to its bio) removes that account's account-level rows from earlier days of the instance, in a
// real DuckDB file; its totals and other accounts' rows stay. And the store compaction that
// follows an erasure leaves the live rows, the views and the file usable, without the deleted bytes.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropOptedOutRows } from '../../activities/erasure/opt-outs';
import { compactStore, withConnection, withTransaction } from '../../activities/store/duckdb-store';
import { ensureLoadLogSchema, replaceLabels } from '../../activities/store/load-log';
import { ensureMetricsSchema, replacePartition } from '../../activities/store/metrics-store';

const I = 'sim.example';

async function load(file: string, day: string, accounts: Record<string, number>, viral: Record<string, string> = {}) {
  await withTransaction(file, async (conn) => {
    await ensureMetricsSchema(conn);
    await ensureLoadLogSchema(conn);
    const rows = [
      { metric: 'toots_per_day', key: day, value: Object.values(accounts).reduce((a, b) => a + b, 0) },
      ...Object.entries(accounts).map(([key, value]) => ({ metric: 'top_accounts_by_toots', key, value })),
      ...Object.keys(viral).map((key) => ({ metric: 'viral_toots', key, value: 50 })),
    ];
    await replacePartition(conn, { instance: I, day, runId: 'r', rows });
    await replaceLabels(conn, {
      instance: I,
      day,
      runId: 'r',
      labels: Object.entries(viral).map(([key, label]) => ({ metric: 'viral_toots', key, labelName: 'url', label })),
    });
  });
}

async function rows(file: string): Promise<string[]> {
  return withConnection(file, async (conn) =>
    (
      await conn.runAndReadAll(
        `SELECT strftime(day, '%Y-%m-%d') || ' ' || metric || ' ' || key FROM metrics_kv ORDER BY 1`,
      )
    )
      .getRows()
      .map((r) => String(r[0])),
  );
}

describe('opt-outs seen later', () => {
  it('remove the account-level rows of earlier days, not the totals, not other accounts', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mastoflow-optout-')), 'store.duckdb');
    await load(
      file,
      '2026-03-01',
      { nobotlater: 5, stays: 3, 'remote@r.example': 2 },
      {
        '111': 'https://sim.example/@nobotlater/111',
        '222': 'https://sim.example/@stays/222',
      },
    );
    await load(file, '2026-03-02', { nobotlater: 4, stays: 1 });
    const deleted = await withTransaction(file, (conn) =>
      dropOptedOutRows(conn, {
        instance: I,
        day: '2026-03-03',
        keys: ['nobotlater', 'remote@r.example'],
        localDomains: ['sim.example'],
      }),
    );
    // Two top-account rows, its viral toot, the remote account's row; the days whose Parquet follows.
    expect(deleted).toEqual({ deleted: 4, days: ['2026-03-01', '2026-03-02'] });
    expect(await rows(file)).toEqual([
      '2026-03-01 toots_per_day 2026-03-01',
      '2026-03-01 top_accounts_by_toots stays',
      '2026-03-01 viral_toots 222',
      '2026-03-02 toots_per_day 2026-03-02',
      '2026-03-02 top_accounts_by_toots stays',
    ]);
    // Not days on or after the day it was seen opted out (that day's load already left it out).
    expect(
      await withTransaction(file, (conn) =>
        dropOptedOutRows(conn, { instance: I, day: '2026-03-01', keys: ['stays'], localDomains: ['sim.example'] }),
      ),
    ).toEqual({ deleted: 0, days: [] });

    // Compaction: the deleted acct's bytes leave the file; rows and views are intact.
    expect(readFileSync(file).includes(Buffer.from('nobotlater'))).toBe(true);
    const before = await rows(file);
    const sizes = await compactStore(file);
    expect(sizes.bytesAfter).toBeGreaterThan(0);
    expect(readFileSync(file).includes(Buffer.from('nobotlater'))).toBe(false);
    expect(await rows(file)).toEqual(before);
    const viewRows = await withConnection(file, async (conn) =>
      (await conn.runAndReadAll(`SELECT count(*) FROM v_top_accounts_by_toots`)).getRows(),
    );
    expect(Number(viewRows[0]?.[0])).toBe(2);
  });
});
