// `mastoflow forget` end to end on the real stack (Temporal, MinIO, DuckDB, a simulated
// instance): mastodon_daily loads two days; the older day's raw is purged; one account that
// posted on both days is erased. Afterwards the account is in no object of the bucket (every
// object read, segments and Parquet included) and in no result row; the day whose raw was kept
// equals the oracle over the original raw minus the account's statuses; the purged day keeps its
// totals, loses its account-level rows and is marked; the raw manifests record the rewrite with
// checksums that match the objects; a reprocess of the days does not bring the account back; a
// tracked account is refused; the workflow history holds no acct.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { purgeRawBefore } from '../../activities/aggregate/retention';
import { pseudonymOf } from '../../activities/erasure/erasure-hash';
import { readManifest, type SourceManifest } from '../../activities/mastodon/manifest';
import { readReportFromStore } from '../../activities/report/read-report';
import { forgetRequest } from '../../cli/commands/forget';
import { main } from '../../cli/main';
import type { MastoflowConfig } from '../../domain/config';
import { forgetWorkflowId, postersSeenKey, rawManifestKey } from '../../domain/keys';
import { addDays } from '../../domain/logical-date';
import type { KvRow } from '../../domain/metrics/types';
import { formatText } from '../../domain/report/formats';
import { buildReport } from '../../domain/report/model';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import {
  FORGET_WORKFLOW_TYPE,
  type ForgetResult,
  RUN_DAG_WORKFLOW_TYPE,
  type RunDagSummary,
} from '../../workflows/contracts';
import { DAY, getObject, listKeys, sourcesOn, startSim } from '../helpers/fetch-fixtures';
import { startTestWorkers, testClient, testConfig, testS3, testStack, uniqueName } from '../helpers/stack';
import { diffRows, ORACLE_SENTIMENT_METRICS, ORACLE_SQL_METRICS, runOracle } from '../oracle/metrics-oracle';

const INSTANCE = 'sim.example'; // the sim's own domain: its local accounts are user@sim.example
const SOURCES = ['public-local', 'public-remote'] as const;
const STATUS_METRICS: readonly string[] = [...ORACLE_SQL_METRICS, ...ORACLE_SENTIMENT_METRICS];
const SECRET = 'forget-test-secret';
const PREV = addDays(DAY, -1);

type Status = { id: string; created_at: string; account: { id: string; acct: string; url: string } };

describe('mastoflow forget', () => {
  let sim: MastodonSim;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let config: MastoflowConfig;
  let dir: string;
  const env = { MASTOFLOW_PSEUDONYM_KEY: SECRET };
  const runWorkflowId = `${uniqueName('dag/mastodon_daily')}/${DAY}`;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-forget-'));
    sim = await startSim({ statusesPerDay: 1500, rateLimit: false });
    const name = uniqueName('forget');
    config = testConfig(name, {
      s3: { endpoint: testStack().s3Endpoint, bucket: name.toLowerCase(), forcePathStyle: true },
      instances: [
        {
          name: INSTANCE,
          baseUrl: sim.url,
          userAgentContact: 'mailto:t@example.org',
          sources: sourcesOn('publicLocal', 'publicRemote'),
        },
      ],
      // Tracked (not fetched: the accounts source is off), so forget must refuse it.
      accounts: ['tracked@elsewhere.example'],
    });
    workers = await startTestWorkers(config, { env });
    temporal = await testClient();
  });
  afterAll(async () => {
    await workers?.stop();
    await temporal?.close();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function runDay(): Promise<RunDagSummary> {
    const handle = await temporal.client.workflow.start(RUN_DAG_WORKFLOW_TYPE, {
      workflowId: runWorkflowId,
      taskQueue: config.temporal.taskQueue,
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
      args: [{ dagId: 'mastodon_daily', logicalDate: DAY }],
    });
    return (await handle.result()) as RunDagSummary;
  }

  async function query(sql: string, params: string[] = []): Promise<unknown[][]> {
    const db = await DuckDBInstance.create(config.duckdb.path, { access_mode: 'READ_ONLY' });
    const conn = await db.connect();
    try {
      return (await conn.runAndReadAll(sql, params)).getRows() as unknown[][];
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }

  async function dayRows(day: string): Promise<KvRow[]> {
    return (
      await query(`SELECT metric, key, value FROM metrics_kv WHERE instance = $1 AND day = $2::DATE`, [INSTANCE, day])
    ).map(([metric, key, value]) => ({ metric: String(metric), key: String(key), value: Number(value) }));
  }

  /** The day's timeline pages as the manifests list them: (source, page) → parsed statuses. */
  async function readPages(day: string): Promise<Status[][]> {
    const s3 = testS3(config);
    try {
      const out: Status[][] = [];
      for (const source of SOURCES) {
        const m = await readManifest(s3, config.s3.bucket, rawManifestKey(INSTANCE, day, source));
        for (const p of m.pages)
          out.push(JSON.parse((await getObject(s3, config.s3.bucket, p.key)).toString('utf8')) as Status[]);
      }
      return out;
    } finally {
      s3.destroy();
    }
  }

  /** Every object of the bucket, decoded (gzip undone, Parquet read as rows), as text. */
  async function bucketTexts(): Promise<Array<{ key: string; text: string }>> {
    const s3 = testS3(config);
    const out: Array<{ key: string; text: string }> = [];
    const mem = await DuckDBInstance.create(':memory:');
    const conn = await mem.connect();
    try {
      for (const key of await listKeys(s3, config.s3.bucket, '')) {
        let bytes = await getObject(s3, config.s3.bucket, key);
        if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
        if (key.endsWith('.parquet')) {
          const file = path.join(dir, `${createHash('sha1').update(key).digest('hex')}.parquet`);
          writeFileSync(file, bytes);
          const rows = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRows();
          out.push({ key, text: JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) });
        } else out.push({ key, text: bytes.toString('utf8') });
        // Object metadata too (raw pages keep their fetch cursor there).
        const head = await s3.send(new HeadObjectCommand({ Bucket: config.s3.bucket, Key: key }));
        out.push({ key: `${key} (metadata)`, text: JSON.stringify(head.Metadata ?? {}) });
      }
    } finally {
      conn.closeSync();
      mem.closeSync();
      s3.destroy();
    }
    return out;
  }

  /** What of the account is still stored: (key, needle) pairs. */
  async function tracesOf(target: { acct: string; id: string; url: string; statusIds: Set<string> }) {
    // The bare acct in quotes (a JSON string: rows, dashboards) and in a status URL (reports);
    // other people's post texts name it as `@<span>acct</span>` and keep doing so.
    const needles = [
      `"acct":"${target.acct}"`,
      `"${target.acct}"`,
      `/@${target.acct}/`,
      `"${target.id}"`,
      `"${target.url}"`,
      `${target.acct}@${INSTANCE}`,
    ];
    const found: string[] = [];
    for (const { key, text } of await bucketTexts()) {
      for (const n of needles) if (text.includes(n)) found.push(`${key}: ${n}`);
      for (const m of text.matchAll(/"(\d{15,20})"/g))
        if (target.statusIds.has(m[1]!)) found.push(`${key}: status ${m[1]}`);
    }
    const rows = await query(
      `SELECT metric, strftime(day, '%Y-%m-%d'), key FROM metrics_kv WHERE key IN ($1, $2) OR key IN (SELECT unnest($3::VARCHAR[]))
       UNION ALL SELECT metric, strftime(day, '%Y-%m-%d'), key FROM metric_labels WHERE label LIKE $4`,
      [target.acct, `${target.acct}@${INSTANCE}`, `[${[...target.statusIds].join(',')}]`, `%/@${target.acct}/%`],
    );
    for (const r of rows) found.push(`row ${r.join(' ')}`);
    return found;
  }

  it('erases an account everywhere; re-aggregated days equal a clean run; a reprocess does not bring it back', async () => {
    expect((await runDay()).state).toBe('success');

    // The account: a local one among the older day's most active (not opted out, so it has
    // account-level rows there) that also posted on the later day.
    const before = { prev: await readPages(PREV), day: await readPages(DAY) };
    const prevRowsBefore = await dayRows(PREV);
    const postedOnDay = new Set(before.day.flat().map((s) => s.account.acct));
    const acct = prevRowsBefore
      .filter((r) => r.metric === 'top_accounts_by_toots' && !r.key.includes('@') && postedOnDay.has(r.key))
      .sort((x, y) => y.value - x.value)[0]!.key;
    const sample = [...before.prev, ...before.day].flat().find((s) => s.account.acct === acct)!;
    const statusIds = new Set(
      [...before.prev, ...before.day]
        .flat()
        .filter((s) => s.account.acct === acct)
        .map((s) => s.id),
    );
    const target = { acct, id: sample.account.id, url: sample.account.url, statusIds };
    expect(statusIds.size).toBeGreaterThan(3);
    expect((await tracesOf(target)).length).toBeGreaterThan(0); // the scan sees it before
    const inStoreFile = () => readFileSync(config.duckdb.path).includes(Buffer.from(acct));
    expect(inStoreFile()).toBe(true);

    // The older day's raw is purged (as purge_raw does once it is past retention).
    const s3 = testS3(config);
    await purgeRawBefore(s3, config.s3.bucket, DAY);

    // A tracked account is refused: by the CLI before anything starts, and by the workflow.
    const trackedEnv = { ...process.env, ...env };
    expect(() => forgetRequest(config, trackedEnv, 'tracked@elsewhere.example')).toThrow(/still tracks/);
    expect(() => forgetRequest(config, {}, `${acct}@${INSTANCE}`)).toThrow(/MASTOFLOW_PSEUDONYM_KEY is not set/);
    const trackedHash = (() => {
      const c = { ...config, accounts: [] };
      return forgetRequest(c, trackedEnv, 'tracked@elsewhere.example').input.accountHash;
    })();
    const tracked = await temporal.client.workflow.start(FORGET_WORKFLOW_TYPE, {
      workflowId: uniqueName('forget-tracked'),
      taskQueue: config.temporal.taskQueue,
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
      args: [{ accountHash: trackedHash, rowKeys: [] }],
    });
    const err = await tracked.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as (Error & { cause?: Error }) | undefined;
    expect(String(cause?.cause?.message ?? cause?.message)).toMatch(
      /config still tracks this account \(accounts\[0\]\)/,
    );

    // Forget.
    const { input, workflowId } = forgetRequest(config, trackedEnv, `${acct}@${INSTANCE}`);
    expect(workflowId).toBe(forgetWorkflowId(input.accountHash));
    const handle = await temporal.client.workflow.start(FORGET_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
      args: [input],
    });
    const result = (await handle.result()) as ForgetResult;
    const run = await handle.describe();
    console.log(
      `forget: ${(run.closeTime?.getTime() ?? 0) - run.startTime.getTime()} ms, ${JSON.stringify({ ...result, logKey: undefined })}`,
    );
    expect(result.reaggregated).toEqual([{ instance: INSTANCE, day: DAY }]);
    expect(result.purgedDaysMarked).toEqual([{ instance: INSTANCE, day: PREV }]);
    expect(result.statusesRemoved).toBe(before.day.flat().filter((s) => s.account.acct === acct).length);

    // Nowhere in the bucket or the store.
    expect(await tracesOf(target)).toEqual([]);
    // Nor in the DuckDB file's bytes (deleted rows' blocks are gone, not just unreferenced).
    expect(inStoreFile()).toBe(false);

    // The history holds the hash, never the name.
    // Payloads decoded (they come as bytes, or as base64 in the JSON form of the history).
    const history = JSON.stringify(await handle.fetchHistory(), (k, v) =>
      v instanceof Uint8Array
        ? Buffer.from(v).toString('utf8')
        : k === 'data' && typeof v === 'string'
          ? Buffer.from(v, 'base64').toString('utf8')
          : v,
    );
    expect(history).toContain(input.accountHash);
    expect(history).not.toContain(`${acct}@${INSTANCE}`);
    expect(history).not.toContain(`"${acct}"`);

    // The kept day equals the oracle over the original raw without the account's statuses.
    const local = path.join(dir, 'clean');
    mkdirSync(local, { recursive: true });
    const files = before.day.map((page, i) => {
      const file = path.join(local, `page-${i}.json`);
      writeFileSync(file, JSON.stringify(page.filter((s) => s.account.acct !== acct)));
      return file;
    });
    const start = Date.parse(`${DAY}T00:00:00.000Z`);
    // First-seen accounts look back at the day before's posters (its set, the account gone from it).
    const prevPosters = JSON.parse(
      (await getObject(s3, config.s3.bucket, postersSeenKey('mastodon_daily', PREV, INSTANCE))).toString('utf8'),
    ) as string[];
    expect(prevPosters).not.toContain(acct);
    const oracle = await runOracle(files, {
      windowStartMs: start,
      windowEndMs: start + 86_400_000,
      earlierPosters: { lookbackDays: 1, accts: prevPosters },
    });
    const loaded = (await dayRows(DAY)).filter((r) => STATUS_METRICS.includes(r.metric));
    expect(diffRows(oracle.rows, loaded)).toEqual([]);

    // The purged day: totals as before (they still include the account, and say so), account rows gone.
    const prevAfter = await dayRows(PREV);
    const total = (rows: KvRow[]) => rows.find((r) => r.metric === 'toots_per_day')?.value;
    expect(total(prevAfter)).toBe(total(prevRowsBefore));
    expect(prevAfter.length).toBeLessThan(prevRowsBefore.length);
    const marks = await query(`SELECT instance, strftime(day, '%Y-%m-%d') FROM erasure_marks`);
    expect(marks).toEqual([[INSTANCE, PREV]]);
    const log = await query(`SELECT account_hash, days_reaggregated, days_marked FROM erasure_log`);
    expect(log).toEqual([[input.accountHash, 1, 1]]);
    // The report says so on the marked day only.
    const report = async () =>
      formatText(
        buildReport(
          await readReportFromStore(config.duckdb.path, {
            from: PREV,
            to: DAY,
            by: 'day',
            instances: [INSTANCE],
            lookbackDays: 1,
          }),
        ),
      );
    const text = await report();
    expect(text.match(/totals include an erased account/g)).toHaveLength(1);
    expect(text.indexOf('erased account')).toBeGreaterThan(text.indexOf(`${INSTANCE} — ${PREV}`));
    expect(text.indexOf('erased account')).toBeLessThan(text.indexOf(`${INSTANCE} — ${DAY}`));

    // Raw stays verifiable: the manifests' sizes and the erasure records' checksums match the objects.
    for (const source of SOURCES) {
      const m: SourceManifest = await readManifest(s3, config.s3.bucket, rawManifestKey(INSTANCE, DAY, source));
      for (const p of m.pages) expect((await getObject(s3, config.s3.bucket, p.key)).length, p.key).toBe(p.bytes);
      for (const seg of m.segments ?? [])
        expect((await getObject(s3, config.s3.bucket, seg.key)).length, seg.key).toBe(seg.bytes);
      for (const e of m.erasures ?? []) {
        expect(e.accountHashes).toEqual([input.accountHash]);
        for (const o of e.objects)
          expect(
            createHash('sha256')
              .update(await getObject(s3, config.s3.bucket, o.key))
              .digest('hex'),
          ).toBe(o.sha256);
      }
    }
    expect(
      (await readManifest(s3, config.s3.bucket, rawManifestKey(INSTANCE, DAY, 'public-local'))).erasures,
    ).toHaveLength(1);

    // A reprocess (the sim still serves the account's statuses) does not bring it back.
    const dayAfterForget = await dayRows(DAY);
    expect((await runDay()).state).toBe('success');
    expect(await tracesOf(target)).toEqual([]);
    expect(diffRows(dayAfterForget, await dayRows(DAY))).toEqual([]);
    // The reprocess fetched the older day again, with the list in force: no longer marked.
    expect(await report()).not.toMatch(/erased account/);
    const refetched = await readManifest(s3, config.s3.bucket, rawManifestKey(INSTANCE, PREV, 'public-local'));
    expect(refetched.erasures?.[0]?.reason).toBe('fetch');
    expect(refetched.erasures?.[0]?.statusesRemoved).toBeGreaterThan(0);
    s3.destroy();
  }, 900_000);
});

describe('mastoflow forget in pseudonymised mode', () => {
  let sim: MastodonSim;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let config: MastoflowConfig;
  const env = { MASTOFLOW_PSEUDONYM_KEY: SECRET };

  beforeAll(async () => {
    sim = await startSim({ statusesPerDay: 1000, rateLimit: false });
    const name = uniqueName('forget-anon');
    config = testConfig(name, {
      s3: { endpoint: testStack().s3Endpoint, bucket: name.toLowerCase(), forcePathStyle: true },
      instances: [
        {
          name: INSTANCE,
          baseUrl: sim.url,
          userAgentContact: 'mailto:t@example.org',
          sources: sourcesOn('publicLocal', 'publicRemote'),
        },
      ],
      privacy: { pseudonymise: true },
    });
    workers = await startTestWorkers(config, { env });
    temporal = await testClient();
  });
  afterAll(async () => {
    await workers?.stop();
    await temporal?.close();
    await sim?.close();
  });

  async function query(sql: string, params: string[] = []): Promise<unknown[][]> {
    const db = await DuckDBInstance.create(config.duckdb.path, { access_mode: 'READ_ONLY' });
    const conn = await db.connect();
    try {
      return (await conn.runAndReadAll(sql, params)).getRows() as unknown[][];
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }
  const value = async (metric: string, day: string) =>
    Number((await query(`SELECT value FROM metrics_kv WHERE metric = $1 AND day = $2::DATE`, [metric, day]))[0]?.[0]);

  it('finds the account by its pseudonym in rows, and by hashing accts in raw', async () => {
    const run = await temporal.client.workflow.start(RUN_DAG_WORKFLOW_TYPE, {
      workflowId: `${uniqueName('dag/mastodon_daily')}/${DAY}`,
      taskQueue: config.temporal.taskQueue,
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
      args: [{ dagId: 'mastodon_daily', logicalDate: DAY }],
    });
    expect(((await run.result()) as RunDagSummary).state).toBe('success');
    // The most active local account of the older day, as its pseudonym shows in the rows.
    const s3 = testS3(config);
    const statuses: Status[] = [];
    for (const day of [PREV, DAY])
      for (const source of SOURCES) {
        const m = await readManifest(s3, config.s3.bucket, rawManifestKey(INSTANCE, day, source));
        for (const p of m.pages)
          statuses.push(...(JSON.parse((await getObject(s3, config.s3.bucket, p.key)).toString('utf8')) as Status[]));
      }
    const top = (
      await query(
        `SELECT key FROM metrics_kv WHERE metric = 'top_accounts_by_toots' AND day = $1::DATE ORDER BY value DESC, key`,
        [PREV],
      )
    ).map((r) => String(r[0]));
    const local = [...new Set(statuses.map((s) => s.account.acct))].filter((a) => !a.includes('@'));
    const acct = local.find((a) => top.includes(pseudonymOf(SECRET, a)))!;
    expect(acct).toBeDefined();
    const pseudonym = pseudonymOf(SECRET, acct);
    const w = { from: Date.parse(`${DAY}T00:00:00Z`), to: Date.parse(`${DAY}T00:00:00Z`) + 86_400_000 };
    const ofDay = new Set(
      statuses
        .filter((s) => s.account.acct === acct)
        .filter((s) => Date.parse(s.created_at) >= w.from && Date.parse(s.created_at) < w.to)
        .map((s) => s.id),
    ).size;
    const tootsBefore = await value('toots_per_day', DAY);
    await purgeRawBefore(s3, config.s3.bucket, DAY);

    const { input, workflowId } = forgetRequest(config, { ...process.env, ...env }, `${acct}@${INSTANCE}`);
    expect(input.rowKeys).toContainEqual({ instance: INSTANCE, key: pseudonym });
    // Through the CLI verb, as a person would run it: it starts, follows and prints the outcome.
    const cfgFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'mastoflow-forget-cli-')), 'config.json');
    writeFileSync(cfgFile, JSON.stringify(config));
    const printed: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args.join(' '));
    });
    process.env.MASTOFLOW_PSEUDONYM_KEY = SECRET;
    try {
      await main(['--config', cfgFile, 'forget', `${acct}@${INSTANCE}`]);
    } finally {
      spy.mockRestore();
      delete process.env.MASTOFLOW_PSEUDONYM_KEY;
    }
    expect(process.exitCode ?? 0).toBe(0);
    const out = printed.join('\n');
    expect(out).toContain(`forget: started ${workflowId}`);
    expect(out).toContain(`days without raw, account-level rows removed and totals marked: ${INSTANCE} ${PREV}`);
    expect(out).not.toContain(acct);
    const result = (await temporal.client.workflow.getHandle(workflowId).result()) as ForgetResult;
    expect(result.purgedDaysMarked).toEqual([{ instance: INSTANCE, day: PREV }]);
    // The kept day's total dropped by exactly the account's toots of the day.
    expect(await value('toots_per_day', DAY)).toBe(tootsBefore - ofDay);
    expect(await query(`SELECT metric, day FROM metrics_kv WHERE key = $1`, [pseudonym])).toEqual([]);
    for (const key of await listKeys(s3, config.s3.bucket, '')) {
      if (key.endsWith('.parquet')) continue;
      const text = (await getObject(s3, config.s3.bucket, key)).toString('utf8');
      expect(text.includes(`"acct":"${acct}"`) || text.includes(pseudonym), key).toBe(false);
    }
    s3.destroy();
  }, 900_000);
});
