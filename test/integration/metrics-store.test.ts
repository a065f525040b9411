import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { resultsParquetKey } from '../../domain/keys';
import { ensureMetricsSchema, exportPartitionParquet, replacePartition } from '../../activities/store/metrics-store';
import { withConnection, withTransaction } from '../../activities/store/duckdb-store';
import { ensureBucket } from '../../runtime/clients';
import { testConfig, testS3, uniqueName } from '../helpers/stack';

// The column store on a real DuckDB file and a real MinIO: partition replacement is atomic and
// idempotent, and Parquet copies land under results/.
describe('metrics key-value store', () => {
  const config = testConfig(uniqueName('kv'));
  const rows = [
    { metric: 'toots', key: 'all', value: 10 },
    { metric: 'toots_by_language', key: 'en', value: 7 },
    { metric: 'toots_by_language', key: 'und', value: 3 },
  ];

  async function table(): Promise<unknown[]> {
    return withConnection(config.duckdb.path, async (c) =>
      (
        await c.runAndReadAll(
          `SELECT metric, instance, strftime(day, '%Y-%m-%d') AS day, key, value, run_id FROM metrics_kv ORDER BY ALL`,
        )
      ).getRowObjects(),
    );
  }

  it('replaces a (day, instance) partition so a re-run never double counts', async () => {
    const load = (runId: string, r = rows, day = '2026-11-20') =>
      withTransaction(config.duckdb.path, async (c) => {
        await ensureMetricsSchema(c);
        return replacePartition(c, { instance: 'a.example', day, runId, rows: r });
      });
    expect(await load('run-1')).toEqual({ deleted: 0, inserted: 3 });
    await load('run-1', rows, '2026-11-21');
    const first = await table();
    expect(await load('run-2')).toEqual({ deleted: 3, inserted: 3 });
    const second = await table();
    expect(second).toHaveLength(6);
    // identical apart from run_id of the re-run day
    expect(second.map((r) => ({ ...(r as object), run_id: '' }))).toEqual(
      first.map((r) => ({ ...(r as object), run_id: '' })),
    );
    const rowKeys = await withConnection(config.duckdb.path, async (c) =>
      (await c.runAndReadAll(`SELECT row_key FROM metrics_rows WHERE day = '2026-11-20' ORDER BY 1`))
        .getRows()
        .map((r) => r[0]),
    );
    expect(rowKeys).toEqual([
      'toots#a.example#2026-11-20#all',
      'toots_by_language#a.example#2026-11-20#en',
      'toots_by_language#a.example#2026-11-20#und',
    ]);
  });

  it('every typed view compiles and reads its family', async () => {
    const { METRIC_VIEWS } = await import('../../activities/store/metric-views');
    const counts = await withConnection(config.duckdb.path, async (c) => {
      const out: Record<string, number> = {};
      for (const name of Object.keys(METRIC_VIEWS))
        out[name] = Number((await c.runAndReadAll(`SELECT count(*) FROM ${name}`)).getRows()[0]![0]);
      return out;
    });
    expect(counts.v_languages).toBe(4); // en + und on two days
    expect(Object.keys(counts)).toContain('v_daily_summary');
  });

  it('rolls back the whole partition on a bad row', async () => {
    const before = await table();
    await expect(
      withTransaction(config.duckdb.path, (c) =>
        replacePartition(c, {
          instance: 'a.example',
          day: '2026-11-20',
          runId: 'bad',
          rows: [...rows, { metric: 'toots', key: 'all', value: 1 }],
        }),
      ),
    ).rejects.toThrow(/duplicate metric row toots#all/);
    expect(await table()).toEqual(before);
  });

  it('exports the partition as Parquet per metric under results/', async () => {
    const s3 = testS3(config);
    await ensureBucket(s3, config.s3.bucket);
    const keys = await withConnection(config.duckdb.path, (c) =>
      exportPartitionParquet(c, s3, config.s3.bucket, { instance: 'a.example', day: '2026-11-20' }),
    );
    expect(keys).toEqual([
      resultsParquetKey('toots', '2026-11-20', 'a.example'),
      resultsParquetKey('toots_by_language', '2026-11-20', 'a.example'),
    ]);
    const obj = await s3.send(new GetObjectCommand({ Bucket: config.s3.bucket, Key: keys[1] }));
    const bytes = await obj.Body!.transformToByteArray();
    const file = `${config.duckdb.path}.check.parquet`;
    (await import('node:fs')).writeFileSync(file, bytes);
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const got = (await c.runAndReadAll(`SELECT key, value FROM read_parquet('${file}') ORDER BY key`)).getRowObjects();
    c.closeSync();
    db.closeSync();
    expect(got).toEqual([
      { key: 'en', value: 7 },
      { key: 'und', value: 3 },
    ]);
    s3.destroy();
  });
});
