// HTTP API benchmark (issue #11): latency of `mastoflow serve` over a year of data, and what a
// concurrent load by the store worker does to it. Not a timed test: figures to hold (goal: p99
// under 50 ms for the API).
//
//   npm run bench:serve                       (package.json: "bench:serve": "tsx bench/serve.ts")
//   npx tsx bench/serve.ts [--days 365] [--instances 3] [--clients 20] [--seconds 20]
//                          [--load-seconds 20] [--load-every-ms 2000]
//
// 1. Seeds days × instances partitions (about 600 metric rows each, the shape a real day has)
//    through the store's partition loader (replacePartition), in a temp DuckDB file.
// 2. Runs the API in-process on loopback; `clients` concurrent clients loop over a fixed mix of
//    view requests for `seconds` s; prints p50/p99 per route, and the same SQL run directly on
//    DuckDB (no HTTP) as a reference.
//    Then the dashboard: the time and size of the static file for 90 days (goal: under 2 s and
//    2 MB), and p50/p99 of `/` (the live page) and of /api/dashboard (the data it polls).
// 3. Same again for `load-seconds` s while a separate process (as the store worker is) replaces
//    one partition every `load-every-ms` through activities/store/duckdb-store.ts: prints the
//    API's latencies and 503s during loads, and how long each load waited for the file.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { withConnection, withTransaction } from '../activities/store/duckdb-store';
import { ensureMetricsSchema, type KvInput, replacePartition } from '../activities/store/metrics-store';
import { addDays } from '../domain/logical-date';
import { writeStaticDashboard } from '../runtime/dashboard/write-static';
import { createApp } from '../runtime/serve/app';
import type { RunLister } from '../runtime/serve/run-lister';
import { startServer } from '../runtime/serve/server';
import { READ_ONLY_CONFIG } from '../activities/store/duckdb-store';
import { StoreReader } from '../runtime/serve/store-reader';
import { VIEW_CATALOG } from '../domain/metrics/catalog';

function flag(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : def;
  if (!Number.isFinite(v)) throw new Error(`--${name} expects a number`);
  return v;
}

const LAST_DAY = '2026-11-30';
const INSTANCE_NAMES = ['alpha.example', 'beta.example', 'gamma.example'];

/** A plausible day of metrics for one instance (deterministic in day and instance). */
function partitionRows(day: string, instance: number): KvInput[] {
  let seed = (Date.parse(day) / 86_400_000) * 7 + instance;
  const rnd = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const rows: KvInput[] = [];
  const add = (metric: string, key: string, value: number) => rows.push({ metric, key, value });
  const toots = Math.round(2000 + rnd() * 3000);
  add('toots_per_day', 'all', toots);
  for (let h = 0; h < 24; h++) add('toots_per_hour', `${day}T${String(h).padStart(2, '0')}`, Math.round(rnd() * 300));
  add('active_accounts', 'all', 900);
  add('active_accounts', 'bot', 60);
  add('active_accounts', 'human', 840);
  for (const k of ['mean', 'median', 'p90', 'max']) add('toots_per_account', k, rnd() * 20);
  for (const k of ['mean', 'total_chars', 'toots']) add('toot_length', k, rnd() * 1000);
  for (let i = 0; i < 40; i++) add('toots_by_language', `l${i}`, Math.round(rnd() * 500));
  for (let i = 0; i < 40; i++) add('toots_by_app', `app${i}`, Math.round(rnd() * 500));
  add('toots_by_account_type', 'bot', 100);
  add('toots_by_account_type', 'human', toots - 100);
  for (let i = 0; i < 100; i++) add('top_hashtags', `tag${i}`, Math.round(rnd() * 200));
  for (let i = 0; i < 100; i++) add('top_accounts_by_engagement', `user${i}@host.example`, Math.round(rnd() * 900));
  for (let i = 0; i < 100; i++) add('top_accounts_by_followers', `user${i}@host.example`, Math.round(rnd() * 9e4));
  for (let i = 0; i < 60; i++)
    add('signups_by_month', `20${20 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`, i);
  for (const k of ['with_media', 'with_content_warning', 'sensitive']) add('content_share', k, rnd());
  for (const k of ['scored', 'negative', 'neutral', 'positive', 'mean_compound']) add('sentiment', k, rnd());
  for (let i = 0; i < 50; i++)
    add('viral_toots', `1100000000000000${String(i).padStart(2, '0')}`, Math.round(rnd() * 1000));
  for (let i = 0; i < 5; i++)
    for (const m of ['followers', 'following', 'statuses', 'followers_delta', 'statuses_delta'])
      add(`tracked_account_${m}`, `tracked${i}@host.example`, Math.round(rnd() * 1000));
  add('peers_count', 'all', 2500);
  for (let i = 0; i < 10; i++) add('trending_tag_rank', `trend${i}`, i + 1);
  for (const k of ['input', 'counted', 'quarantined', 'duplicates', 'out_of_window']) add('map_counts', k, toots);
  return rows;
}

async function seed(file: string, days: number, instances: number): Promise<number> {
  let rows = 0;
  await withConnection(file, async (conn) => {
    await ensureMetricsSchema(conn);
    for (let d = days - 1; d >= 0; d--) {
      const day = addDays(LAST_DAY, -d);
      for (let i = 0; i < instances; i++) {
        await conn.run('BEGIN TRANSACTION');
        const r = await replacePartition(conn, {
          instance: INSTANCE_NAMES[i] as string,
          day,
          runId: `bench/${day}`,
          rows: partitionRows(day, i),
        });
        await conn.run('COMMIT');
        rows += r.inserted;
      }
    }
  });
  return rows;
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) : Number.NaN;

interface Probe {
  name: string;
  path: string;
}

function mix(): Probe[] {
  const month = `from=${addDays(LAST_DAY, -29)}&to=${LAST_DAY}`;
  const week = `from=${addDays(LAST_DAY, -6)}&to=${LAST_DAY}`;
  const year = `from=${addDays(LAST_DAY, -364)}&to=${LAST_DAY}`;
  return [
    { name: 'v_daily_summary 30d all', path: `/api/views/v_daily_summary?${month}` },
    { name: 'v_toots_per_day 365d all', path: `/api/views/v_toots_per_day?${year}` },
    { name: 'v_toots_per_hour 7d 1 inst', path: `/api/views/v_toots_per_hour?instance=alpha.example&${week}` },
    { name: 'v_languages 30d 1 inst', path: `/api/views/v_languages?instance=beta.example&${month}` },
    { name: 'v_top_hashtags 7d all', path: `/api/views/v_top_hashtags?${week}` },
    { name: 'days 30d', path: `/api/days?${month}` },
    { name: 'v_daily_summary 30d csv', path: `/api/views/v_daily_summary?${month}&format=csv` },
  ];
}

interface Tally {
  ms: Map<string, number[]>;
  status: Map<number, number>;
}

async function drive(base: string, probes: Probe[], clients: number, seconds: number): Promise<Tally> {
  const tally: Tally = { ms: new Map(probes.map((p) => [p.name, []])), status: new Map() };
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const probe = probes[next++ % probes.length] as Probe;
        const t0 = performance.now();
        const res = await fetch(base + probe.path);
        await res.arrayBuffer();
        tally.ms.get(probe.name)?.push(performance.now() - t0);
        tally.status.set(res.status, (tally.status.get(res.status) ?? 0) + 1);
      }
    }),
  );
  return tally;
}

function printTally(title: string, t: Tally): void {
  console.log(`\n${title}`);
  console.log(`${'route'.padEnd(28)} ${'n'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  const all: number[] = [];
  for (const [name, ms] of t.ms) {
    const s = [...ms].sort((a, b) => a - b);
    all.push(...s);
    console.log(
      `${name.padEnd(28)} ${String(s.length).padStart(6)} ${quantile(s, 0.5).toFixed(1).padStart(8)} ${quantile(s, 0.99).toFixed(1).padStart(8)}`,
    );
  }
  all.sort((a, b) => a - b);
  console.log(
    `${'all API'.padEnd(28)} ${String(all.length).padStart(6)} ${quantile(all, 0.5).toFixed(1).padStart(8)} ${quantile(all, 0.99).toFixed(1).padStart(8)}`,
  );
  console.log(`statuses: ${[...t.status].map(([s, n]) => `${s}×${n}`).join(', ')}`);
}

/** The store worker's part: a separate process replacing one partition every `everyMs`. */
async function writer(file: string, everyMs: number, seconds: number): Promise<void> {
  const waits: number[] = [];
  const deadline = Date.now() + seconds * 1000;
  let n = 0;
  while (Date.now() < deadline) {
    const day = addDays(LAST_DAY, -(n % 30));
    const t0 = performance.now();
    await withTransaction(file, async (conn) => {
      await ensureMetricsSchema(conn);
      await replacePartition(conn, {
        instance: 'alpha.example',
        day,
        runId: `reload/${n}`,
        rows: partitionRows(day, 0),
      });
    });
    waits.push(performance.now() - t0);
    n++;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  process.send?.({ waits });
}

async function main(): Promise<void> {
  const days = flag('days', 365);
  const instances = flag('instances', 3);
  const clients = flag('clients', 20);
  const seconds = flag('seconds', 20);
  const loadSeconds = flag('load-seconds', 20);
  const loadEveryMs = flag('load-every-ms', 2000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-bench-serve-'));
  const file = path.join(dir, 'store.duckdb');
  try {
    let t0 = performance.now();
    const rows = await seed(file, days, instances);
    console.log(
      `seeded ${days} days × ${instances} instances = ${rows} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    // What a per-request open would cost (the reason the API shares one instance).
    t0 = performance.now();
    for (let i = 0; i < 10; i++) (await DuckDBInstance.create(file, { ...READ_ONLY_CONFIG })).closeSync();
    console.log(`read-only open + close of the file: ${((performance.now() - t0) / 10).toFixed(1)} ms`);

    const views = VIEW_CATALOG;
    const noRuns: RunLister = { listRuns: () => Promise.reject(new Error('not benchmarked')) };
    const serveStore = async (store: StoreReader) => {
      const app = createApp({
        views,
        store,
        runs: noRuns,
        instances: async () => INSTANCE_NAMES.slice(0, instances),
        dags: [],
        lookbackDays: 1,
        today: () => LAST_DAY,
      });
      return startServer(app, { host: '127.0.0.1', port: 0 });
    };
    const probes = mix();

    // DuckDB-direct reference: the view query of one probe with no HTTP, one client.
    const ref = await DuckDBInstance.create(file, { ...READ_ONLY_CONFIG });
    const conn = await ref.connect();
    const refMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      await conn.runAndReadAll(
        `SELECT * FROM v_daily_summary WHERE day BETWEEN DATE '${addDays(LAST_DAY, -29)}' AND DATE '${LAST_DAY}' ORDER BY ALL`,
      );
      refMs.push(performance.now() - s);
    }
    conn.closeSync();
    ref.closeSync();
    refMs.sort((a, b) => a - b);
    console.log(
      `DuckDB direct (v_daily_summary 30d, no HTTP, 1 client): p50 ${quantile(refMs, 0.5).toFixed(1)} ms, max ${quantile(refMs, 1).toFixed(1)} ms`,
    );

    // Without the memo: every request is a DuckDB query.
    {
      const store = new StoreReader(file, { memoBytes: 0 });
      const server = await serveStore(store);
      try {
        await drive(server.url, probes, 2, 1);
        printTally(
          `${clients} clients × ${seconds} s, memo off (every request queries DuckDB):`,
          await drive(server.url, probes, clients, seconds),
        );
      } finally {
        await server.close();
        await store.close();
      }
    }

    const store = new StoreReader(file);
    const server = await serveStore(store);
    try {
      // The static dashboard: 90 days (goal: under 2 s, under 2 MB). The first write in a
      // process also builds the page's script (esbuild); the second is what a warm writer costs.
      for (const run of ['first (builds the page script)', 'second']) {
        const t = performance.now();
        const html = await writeStaticDashboard({
          duckdbPath: file,
          from: addDays(LAST_DAY, -89),
          to: LAST_DAY,
          instances: INSTANCE_NAMES.slice(0, instances),
          lookbackDays: 2,
          views,
          now: new Date(),
        });
        console.log(
          `static dashboard, 90 days × ${instances} instances, ${run}: ${((performance.now() - t) / 1000).toFixed(2)} s, ${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB`,
        );
      }
      await drive(server.url, probes, 2, 1);
      const dashboard: Probe[] = [
        { name: 'GET / (live page)', path: '/' },
        { name: '/api/dashboard 30d (its data)', path: '/api/dashboard' },
      ];
      await drive(server.url, dashboard, 2, 1);
      printTally(
        `${clients} clients × ${seconds} s, the live dashboard:`,
        await drive(server.url, dashboard, clients, seconds),
      );

      printTally(
        `${clients} clients × ${seconds} s, memo on (as served), no load running:`,
        await drive(server.url, probes, clients, seconds),
      );
      const before = { ...store.stats };

      const child = fork(process.argv[1] as string, ['--writer', file, String(loadEveryMs), String(loadSeconds)], {
        execArgv: ['--import', 'tsx'],
      });
      const waits = new Promise<number[]>((resolve, reject) => {
        child.once('message', (m) => resolve((m as { waits: number[] }).waits));
        child.once('exit', (code) => code !== 0 && reject(new Error(`writer exited with ${code}`)));
      });
      const during = await drive(server.url, probes, clients, loadSeconds);
      const w = (await waits).sort((a, b) => a - b);
      printTally(
        `${clients} clients × ${loadSeconds} s, memo on, while another process loads a partition every ${loadEveryMs} ms:`,
        during,
      );
      const d = (k: keyof typeof before) => store.stats[k] - before[k];
      console.log(
        `loads: ${w.length}, each (wait for the file + replace + commit + close) p50 ${quantile(w, 0.5).toFixed(0)} ms, max ${quantile(w, 1).toFixed(0)} ms`,
      );
      console.log(
        `API meanwhile: reopened the file ${d('opens')}×, lock retries ${d('lockRetries')}, 503 answers ${d('busy')}, memo hits ${d('memoHits')} / misses ${d('memoMisses')}`,
      );
    } finally {
      await server.close();
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--seed-only') {
  // Keeps a seeded file for looking at query plans: npx tsx bench/serve.ts --seed-only <file>
  console.log(`${await seed(process.argv[3] as string, flag('days', 365), flag('instances', 3))} rows`);
} else if (process.argv[2] === '--writer') {
  await writer(process.argv[3] as string, Number(process.argv[4]), Number(process.argv[5]));
} else {
  await main();
}
