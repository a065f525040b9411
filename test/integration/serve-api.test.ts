// `mastoflow serve`, the HTTP API, against a DuckDB file loaded by a real mastodon_daily run
// (simulated instance → Temporal → S3 → DuckDB) and Temporal visibility: every route's happy
// path, answers checked against DuckDB read directly; then the bad-input corpus
// (test/fixtures/serve-bad-inputs.json), each a 4xx naming the parameter with the server still
// answering after it; and bearer auth off loopback.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDagRun } from '../../runtime/dag-client';
import { addDays } from '../../domain/logical-date';
import { isOptedOut } from '../../domain/privacy';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import { createApp } from '../../runtime/serve/app';
import { SERVE_TOKEN_ENV, serveTokenFor } from '../../runtime/serve/auth';
import { serveDepsFromConfig } from '../../runtime/serve/serve-deps';
import { type RunningServer, startServer } from '../../runtime/serve/server';
import { VIEW_CATALOG } from '../../domain/metrics/catalog';
import { startSim, sourcesOn } from '../helpers/fetch-fixtures';
import { startTestWorkers, testClient, testConfig, testStack, uniqueName } from '../helpers/stack';

// A day of its own (the canonical run ID dag/mastodon_daily/<day> is shared by the namespace).
const DAY = '2025-06-17';
const NOW = Date.parse('2025-06-19T06:00:00Z');
const INSTANCE = 'sim.example';
const UI = 'http://127.0.0.1:8233';

// biome-ignore lint/suspicious/noExplicitAny: the test reads the API's JSON answers untyped
type Json = any;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json: () => Json;
}

/** A GET with the path sent exactly as written (fetch would normalise `..`). */
function get(base: string, rawPath: string, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: rawPath, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString()) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('mastoflow serve: HTTP API over a store loaded by a real DAG run', () => {
  let sim: MastodonSim;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let config: ReturnType<typeof testConfig>;
  let server: RunningServer;
  let closeDeps: () => Promise<void>;
  let acct: string;
  let workflowId: string;

  async function direct(sql: string, params: string[] = []): Promise<Record<string, unknown>[]> {
    const db = await DuckDBInstance.create(config.duckdb.path, { access_mode: 'READ_ONLY' });
    try {
      const conn = await db.connect();
      try {
        return (await conn.runAndReadAll(sql, params)).getRowObjectsJson() as Record<string, unknown>[];
      } finally {
        conn.closeSync();
      }
    } finally {
      db.closeSync();
    }
  }

  beforeAll(async () => {
    sim = await startSim({ now: NOW, statusesPerDay: 1500, rateLimit: false });
    // The most active local poster of the day that has not opted out (as fetch-day.test.ts does).
    const posters = new Map<string, number>();
    for (const e of sim.world.iterateDay(DAY, { visibleAt: NOW, atMs: NOW }))
      if (!isOptedOut(e.status.account) && !e.status.account.acct.includes('@'))
        posters.set(e.status.account.acct, (posters.get(e.status.account.acct) ?? 0) + 1);
    const local = [...posters.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
    acct = `${local}@${sim.host}`.toLowerCase();
    const name = uniqueName('serve');
    config = testConfig(name, {
      s3: { endpoint: testStack().s3Endpoint, bucket: name.toLowerCase(), forcePathStyle: true },
      instances: [
        {
          name: INSTANCE,
          baseUrl: sim.url,
          userAgentContact: 'mailto:t@example.org',
          accounts: [local],
          sources: sourcesOn('publicLocal', 'publicRemote', 'accounts'),
        },
      ],
    });
    workers = await startTestWorkers(config);
    temporal = await testClient();
    const handle = await startDagRun(temporal.client, config, { dagId: 'mastodon_daily', logicalDate: DAY });
    workflowId = handle.workflowId;
    const summary = (await handle.result()) as { state: string };
    expect(summary.state).toBe('success');

    const built = serveDepsFromConfig(config, { views: VIEW_CATALOG, temporalUiUrl: UI });
    closeDeps = built.close;
    server = await startServer(createApp(built.deps), { host: '127.0.0.1', port: 0 });
  }, 600_000);

  afterAll(async () => {
    await server?.close();
    await closeDeps?.();
    await workers?.stop();
    await temporal?.close();
    await sim?.close();
  });

  const range = `from=${addDays(DAY, -1)}&to=${DAY}`;

  it('GET /healthz and GET /api/views (the catalog)', async () => {
    expect((await get(server.url, '/healthz')).json()).toMatchObject({ ok: true });
    const catalog = (await get(server.url, '/api/views')).json();
    const tpd = catalog.views.find((v: { name: string }) => v.name === 'v_toots_per_day');
    expect(tpd.columns.map((c: { name: string; type: string }) => `${c.name}:${c.type}`)).toEqual([
      'instance:VARCHAR',
      'day:DATE',
      'toots:BIGINT',
    ]);
    expect(tpd.columns[2].label).toBe('Toots');
    expect(catalog.views.length).toBeGreaterThan(15);
  });

  it('GET /api/views/:view as JSON equals the view read directly', async () => {
    const res = await get(server.url, `/api/views/v_toots_per_day?instance=${INSTANCE}&${range}`);
    expect(res.status).toBe(200);
    const body = res.json();
    const expected = await direct(
      `SELECT instance, strftime(day, '%Y-%m-%d') AS day, toots FROM v_toots_per_day
       WHERE instance = $1 AND day BETWEEN $2::DATE AND $3::DATE ORDER BY ALL`,
      [INSTANCE, addDays(DAY, -1), DAY],
    );
    expect(body.rows.map((r: { toots: number }) => ({ ...r, toots: String(r.toots) }))).toEqual(expected);
    expect(body.rows.map((r: { day: string }) => r.day)).toContain(DAY);
    expect(typeof body.rows[0].toots).toBe('number');
    expect(body.rows.find((r: { day: string }) => r.day === DAY).toots).toBeGreaterThan(1000);

    const hours = (
      await get(server.url, `/api/views/v_toots_per_hour?instance=${INSTANCE}&from=${DAY}&to=${DAY}`)
    ).json();
    expect(hours.rows[0].hour).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/);
  });

  it('GET /api/views/:view as CSV and Parquet downloads', async () => {
    const csv = await get(server.url, `/api/views/v_languages?instance=${INSTANCE}&${range}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="v_languages_sim\.example_.*\.csv"$/);
    const lines = csv.body.toString().trim().split('\r\n');
    expect(lines[0]).toBe('instance,day,language,toots');
    const count = await direct(
      `SELECT count(*)::INTEGER AS n FROM v_languages WHERE instance = $1 AND day BETWEEN $2::DATE AND $3::DATE`,
      [INSTANCE, addDays(DAY, -1), DAY],
    );
    expect(lines.length - 1).toBe(count[0]?.n);
    expect(lines.length).toBeGreaterThan(3);

    const pq = await get(server.url, `/api/views/v_languages?instance=${INSTANCE}&${range}&format=parquet`);
    expect(pq.status).toBe(200);
    expect(pq.headers['content-disposition']).toMatch(/\.parquet"$/);
    expect(pq.body.subarray(0, 4).toString()).toBe('PAR1');
    const file = path.join(os.tmpdir(), `${uniqueName('serve-pq')}.parquet`);
    writeFileSync(file, pq.body);
    try {
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      const fromParquet = (
        await conn.runAndReadAll(
          `SELECT instance, strftime(day, '%Y-%m-%d'), language, toots FROM '${file}' ORDER BY ALL`,
        )
      ).getRows();
      conn.closeSync();
      db.closeSync();
      const fromCsv = lines.slice(1).map((l) => l.split(','));
      expect(fromParquet.map((r) => r.map(String))).toEqual(fromCsv);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('GET /api/days: toots, quarantine counts and finality per instance × day', async () => {
    const body = (await get(server.url, `/api/days?${range}&instance=${INSTANCE}`)).json();
    const day = body.days.find((d: { day: string }) => d.day === DAY);
    const q = await direct(
      `SELECT counted::BIGINT AS counted, quarantined FROM v_quarantine WHERE instance = $1 AND day = $2::DATE`,
      [INSTANCE, DAY],
    );
    // One run of the day so far, with the default look-back of 1: the next day's run re-reads it.
    expect(day).toMatchObject({ instance: INSTANCE, finality: { state: 'provisional' } });
    expect(day.toots).toBeGreaterThan(1000);
    expect(String(day.quarantine.counted)).toBe(String(q[0]?.counted));
    expect(Object.keys(day.quarantine)).toEqual(['records', 'counted', 'quarantined', 'duplicates', 'out_of_window']);
  });

  it('GET /api/tracked-accounts: the tracked account history', async () => {
    const res = await get(server.url, `/api/tracked-accounts?acct=${encodeURIComponent(acct)}&${range}`);
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.rows.length).toBeGreaterThan(0);
    // Mastodon names a local account without its host; the store keeps that name.
    expect(body.rows[0]).toMatchObject({ instance: INSTANCE, account: acct.split('@')[0] });
    expect(body.rows.map((r: { day: string }) => r.day)).toContain(DAY);
    expect(typeof body.rows[0].followers).toBe('number');
    expect(body.rows[0]).toHaveProperty('following_delta');
  });

  it('GET /api/runs: the run, its task states and its Temporal UI link', async () => {
    let runs: Array<Record<string, Json>> = [];
    for (let i = 0; i < 50; i++) {
      const res = await get(server.url, `/api/runs?dag=mastodon_daily&from=${DAY}&to=${DAY}`);
      expect(res.status).toBe(200);
      runs = res.json().runs;
      if (runs.some((r) => r.workflowId === workflowId)) break;
      await new Promise((r) => setTimeout(r, 200)); // visibility is eventually consistent
    }
    const run = runs.find((r) => r.workflowId === workflowId);
    expect(run).toMatchObject({ day: DAY, state: 'success', runType: 'manual' });
    expect(run?.temporalUiUrl).toBe(
      `${UI}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}/${run?.runId}/history`,
    );
    expect(run?.tasks.load.state).toBe('success');
    expect(run?.tasks.fetch.state).toBe('success');
  });

  it('GET /api/report: the report of mastoflow report for the day, as JSON and as text', async () => {
    const res = await get(server.url, `/api/report?date=${DAY}&instance=${INSTANCE}`);
    expect(res.status).toBe(200);
    const model = res.json();
    const [toots] = await direct(`SELECT toots FROM v_toots_per_day WHERE instance = $1 AND day = $2::DATE`, [
      INSTANCE,
      DAY,
    ]);
    const kpis = model.kpis.find(
      (k: { instance: string; start: string }) => k.instance === INSTANCE && k.start === DAY,
    );
    expect(String(kpis.values.toots)).toBe(String(toots?.toots));
    expect(model.days[0].finality.state).toBe('provisional');
    const text = await get(server.url, `/api/report?date=${DAY}&instance=${INSTANCE}&format=text`);
    expect(text.status).toBe(200);
    expect(text.body.toString()).toContain(`${INSTANCE} — ${DAY} (provisional)`);
  });

  const corpus = JSON.parse(readFileSync(new URL('../fixtures/serve-bad-inputs.json', import.meta.url), 'utf8')) as {
    cases: Array<{ why: string; path: string; status: number; parameter: string }>;
  };

  it('has at least 20 bad-input cases', () => expect(corpus.cases.length).toBeGreaterThanOrEqual(20));

  it.each(corpus.cases)('refuses $why ($path): $status naming $parameter, then still serves', async (c) => {
    const p = c.path.replace('DAY', DAY).replace('LONG', 'a'.repeat(400));
    const res = await get(server.url, p);
    expect(res.status).toBe(c.status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(body.error.parameter).toBe(c.parameter);
    expect(body.error.message).toContain(c.parameter === 'path' ? 'path' : c.parameter.slice(0, 4));
    const next = await get(server.url, `/api/views/v_toots_per_day?instance=${INSTANCE}&${range}`);
    expect(next.status).toBe(200);
  });

  it('off loopback: refuses to start without the token; with it, requests need the bearer header', async () => {
    expect(() => serveTokenFor('0.0.0.0', {})).toThrow(SERVE_TOKEN_ENV);
    expect(serveTokenFor('127.0.0.1', {})).toBeUndefined();
    const token = 'a-long-random-token-for-tests';
    expect(serveTokenFor('0.0.0.0', { [SERVE_TOKEN_ENV]: token })).toBe(token);
    const built = serveDepsFromConfig(config, { views: VIEW_CATALOG, token });
    const guarded = await startServer(createApp(built.deps), { host: '127.0.0.1', port: 0 });
    try {
      const none = await get(guarded.url, '/api/views');
      expect(none.status).toBe(401);
      expect(none.json().error.parameter).toBe('Authorization');
      expect((await get(guarded.url, '/api/views', { Authorization: 'Bearer wrong-token' })).status).toBe(401);
      expect((await get(guarded.url, '/api/views', { Authorization: `Bearer ${token}` })).status).toBe(200);
      expect((await get(guarded.url, '/healthz')).status).toBe(200);
    } finally {
      await guarded.close();
      await built.close();
    }
  });
});
