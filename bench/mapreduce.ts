// Map/reduce benchmark: the aggregation half of mastodon_daily through Temporal against DuckDB.
//
//   npm run bench:mapreduce                 (= npx tsx bench/mapreduce.ts)
//   npx tsx bench/mapreduce.ts [--statuses 300000] [--runs 3] [--rss-statuses 1000000] [--no-micro] [--keep]
//                              [--workers 2] [--map-threads N] [--profile-worker <dir>] [--node-args '<flags>']
//
// Starts its own Temporal dev server (in memory) and MinIO on free loopback ports, in a temp dir.
// 1. Writes a generated day (the simulator's generator, seed 1) of --statuses statuses into MinIO
//    exactly as the fetchers would have: raw pages of 40 statuses per source (public-local,
//    public-remote) under raw/v1/instance=…/date=…/source=…/page-NNNNN.json, the same pages in
//    segments of 60 (segment-NNNNN.ndjson, what the map reads) and each source's `_manifest.json`
//    written through activities/mastodon/manifest.ts; the page bytes are kept in a local folder.
// 2. Runs mastodon_daily for that day on a worker in a child process, with the instance's
//    timeline sources switched off (only `instance`, one request to a tiny simulated instance,
//    stays on: runDag skips what follows a fetch fan-out over no items): the run is fetch (1
//    item) → plan_aggregate → map (parts of 60 pages, 4 in flight) → reduce → load (DuckDB +
//    Parquet) → purge_raw over the pages already there. Timed from the workflow's history:
//    plan_aggregate scheduled → last load chunk closed, and per phase.
// 3. Computes the same metrics with DuckDB over the local copy of the pages
//    (test/oracle/metrics-oracle.ts): the typed reader (read_json with explicit columns, the
//    fastest form, the baseline of the ratio) and the exact reader (raw JSON with the schema
//    checked field by field, as the tests use it). Both must equal what the run loaded.
// 4. Peak RSS of a fresh worker process over a --rss-statuses day (VmHWM from /proc; 0 skips).
// 5. The map kernel on this day's own statuses (one thread, every family, no I/O), and its
//    micro figure (bench/map-kernel.bench.ts, synthetic statuses); the map step's floor: the
//    kernel alone over the whole day in one fresh thread per core, per process CPU-second.
//
// Goals (DESIGN.md "Figures to hold", issue #14): map+reduce+load ≤ 1.5 × the DuckDB query;
// map step ≥ 75 % of its kernel's rate per worker CPU-second; reduce ≤ 10 % of the DuckDB query;
// worker peak RSS ≤ 512 MB on a 1M-status day.
// The DAG's map folds every metric family, VADER sentiment included (~50 µs per English toot);
// the DuckDB query computes every family but sentiment (VADER is not SQL). The "cheap families"
// figure of step 5 is the map without sentiment.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { Worker } from 'node:worker_threads';
import { PAGES_PER_PART } from '../activities/aggregate/activities';
import { MAP_THREAD_LIMITS } from '../activities/aggregate/map-pool';
import { parsePageBytes } from '../activities/aggregate/page-json';
import { ensureThreadBundle } from '../runtime/thread-bundle';
import { loadKernelPages, runKernel } from './map-kernel-loop';
import { writeManifest, type PageEntry, type SourceManifest } from '../activities/mastodon/manifest';
import { SegmentWriter } from '../activities/mastodon/raw-segments';
import { liveTaskStates, startDagRun } from '../runtime/dag-client';
import { parseConfig } from '../domain/config';
import { expandChunkWorkflowId, rawManifestKey, rawPageKey } from '../domain/keys';
import { dataInterval } from '../domain/logical-date';
import type { KvRow } from '../domain/metrics/types';
import { iterateDay } from '../infra/mastodon-sim/generator';
import { startMastodonSim } from '../infra/mastodon-sim/server';
import { startMinio, startTemporalDevServer } from '../infra/local-servers';
import { freePort } from '../infra/ports';
import { ensureTools } from '../infra/tools';
import { createS3Client, ensureBucket } from '../runtime/clients';
import { diffRows, runOracle, type OracleResult } from '../test/oracle/metrics-oracle';
import type { RunDagSummary } from '../workflows/contracts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GOAL_RATIO = 1.5;
const GOAL_MAP_PER_S = 150_000;
const GOAL_OF_KERNEL = 0.75;
const GOAL_REDUCE_OF_DUCKDB = 0.1;
const GOAL_RSS_MB = 512;
const PAGE = 40;
const INSTANCE = 'bench.example';
const SEED = 1;
const DAY = '2026-03-04';
const RSS_DAY = '2026-03-11';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}: expected a number, got ${process.argv[i + 1]}`);
  return Math.floor(value);
}
const STATUSES = option('statuses', 300_000);
/** Runs of the DAG (and of the DuckDB query) over the day; the median is reported. */
const RUNS = Math.max(1, option('runs', 3));
/** Worker processes on the same queues (2: compare with one process of as many threads in all). */
const WORKERS = Math.max(1, option('workers', 1));
const RSS_STATUSES = option('rss-statuses', 1_000_000);
/** --map-threads N: the worker's map threads (config worker.mapThreads; default: one per core, split between --workers). */
const MAP_THREADS = process.argv.includes('--map-threads') ? option('map-threads', 0) : undefined;
const MICRO = !process.argv.includes('--no-micro');
const KEEP = process.argv.includes('--keep');
/** --node-args '<flags>': node/V8 flags for the worker processes (e.g. '--trace-gc', '--single-threaded-gc'). */
const NODE_ARGS = process.argv.includes('--node-args')
  ? (process.argv[process.argv.indexOf('--node-args') + 1] ?? '').split(' ').filter(Boolean)
  : [];
/** --profile-worker <dir>: a V8 CPU profile of each worker process, for finding the map's hot spots. */
const PROFILE_DIR = process.argv.includes('--profile-worker')
  ? path.resolve(process.argv[process.argv.indexOf('--profile-worker') + 1] ?? '')
  : undefined;

const log = (line: string): void => console.log(`[bench] ${line}`);
const tty = process.stdout.isTTY;
function progress(line: string): void {
  if (tty) process.stdout.write(`\r[bench] ${line}   `);
  else log(line);
}
function progressDone(): void {
  if (tty) process.stdout.write('\n');
}
function medianBy<T>(xs: readonly T[], by: (x: T) => number): T {
  return [...xs].sort((a, b) => by(a) - by(b))[Math.floor((xs.length - 1) / 2)] as T;
}
const median = (xs: readonly number[]): number => medianBy(xs, (x) => x);
const s1 = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

// ---------------------------------------------------------------------------------------------
// The worker, in a child process so its memory and CPU are its own.

interface ChildWorker {
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

async function startWorkerProcess(
  configFile: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  store = true,
): Promise<ChildWorker> {
  const out = createWriteStream(logFile, { flags: 'a' });
  const profile = [...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []), ...NODE_ARGS];
  const child = spawn(
    process.execPath,
    [
      ...profile,
      '--import',
      'tsx',
      path.join(ROOT, 'worker.ts'),
      '--config',
      configFile,
      store ? '--store' : '--no-store',
    ],
    {
      cwd: ROOT,
      // MALLOC_ARENA_MAX as the worker image sets it (infra/worker.Dockerfile), unless given.
      env: {
        ...env,
        MASTOFLOW_LOG_LEVEL: env.MASTOFLOW_LOG_LEVEL ?? 'WARN',
        MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stderr?.pipe(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`worker did not start within 120 s (see ${logFile})`)), 120_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out.write(chunk);
      buffered += chunk.toString('utf8');
      if (buffered.includes('worker: polling')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before polling (see ${logFile})`));
    });
  });
  return {
    child,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      out.end();
    },
  };
}

/**
 * The bench's worker processes: --workers of them on the same task queues, the first one also
 * serving the store queue; each gets the config's map threads (cores / workers, see main).
 */
async function startWorkers(
  configFile: string,
  env: NodeJS.ProcessEnv,
  dir: string,
  name: string,
): Promise<ChildWorker[]> {
  const started: ChildWorker[] = [];
  try {
    for (let i = 0; i < WORKERS; i++)
      started.push(await startWorkerProcess(configFile, env, path.join(dir, `${name}-${i + 1}.log`), i === 0));
  } catch (err) {
    await stopAll(started); // or the bench would wait on them forever
    throw err;
  }
  return started;
}

async function stopAll(workers: readonly ChildWorker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.stop()));
}

/** utime + stime of a process in seconds (Linux /proc; NaN elsewhere). */
function cpuSeconds(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The other threads' CPU by name, largest first, e.g. `node ×5 3.3, tokio-runtime-w ×2 0.2`. */
function otherThreadsByName(split: ThreadSplit): string {
  return [...split.restByName]
    .filter(([, t]) => t.cpu >= 0.05)
    .sort((a, b) => b[1].cpu - a[1].cpu)
    .map(([name, t]) => `${name} ×${t.threads} ${t.cpu.toFixed(1)}`)
    .join(', ');
}

/** Thread names by thread ID, read once per thread (Linux /proc). */
const threadNames = new Map<number, string>();

/** CPU-seconds of each thread of a process, by thread ID (Linux /proc; empty elsewhere). */
function threadCpuSeconds(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const cpu = cpuSeconds(`${pid}/task/${tid}`);
      if (Number.isFinite(cpu)) out.set(Number(tid), cpu);
      if (!threadNames.has(Number(tid))) {
        try {
          threadNames.set(Number(tid), readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim());
        } catch {
          // the thread is gone
        }
      }
    }
  } catch {
    // not Linux, or the process is gone
  }
  return out;
}

/** Peak and current resident set of a process, MB (VmHWM / VmRSS). */
function memoryMb(pid: number): { peak: number; now: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
  } catch {
    return { peak: NaN, now: NaN };
  }
}

// ---------------------------------------------------------------------------------------------
// Writing a day in the fetchers' layout.

async function pool<T>(
  limit: number,
  items: AsyncIterable<T> | Iterable<T>,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  for await (const item of items) {
    const p = fn(item).finally(() => running.delete(p));
    running.add(p);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
}

interface WrittenDay {
  statuses: number;
  bytes: number;
  pages: number;
  localFiles: string[];
}

async function writeDay(
  s3: S3Client,
  bucket: string,
  day: string,
  statuses: number,
  localDir: string | undefined,
): Promise<WrittenDay> {
  const sources = ['public-local', 'public-remote'] as const;
  type Source = (typeof sources)[number];
  const state: Record<Source, { buffer: unknown[]; inWindow: number; pages: number }> = {
    'public-local': { buffer: [], inWindow: 0, pages: 0 },
    'public-remote': { buffer: [], inWindow: 0, pages: 0 },
  };
  const localFiles: Record<Source, string[]> = { 'public-local': [], 'public-remote': [] };
  const entries: Record<Source, PageEntry[]> = { 'public-local': [], 'public-remote': [] };
  let written = 0;
  let bytes = 0;
  const started = performance.now();
  let lastShown = started;
  const { start, end } = dataInterval(day);
  const [startMs, endMs] = [Date.parse(start), Date.parse(end)];

  // Pages are cut (and numbered) in the generator's order, newest ID first as max_id paging
  // returns them; uploads then finish in any order.
  function* pagesOf(): Generator<{ source: Source; page: number; records: unknown[] }> {
    for (const e of iterateDay(SEED, day, {
      statusesPerDay: statuses,
      accountCount: Math.max(2000, Math.round(statuses / 10)),
    })) {
      const source: Source = e.local ? 'public-local' : 'public-remote';
      const st = state[source];
      st.buffer.push(e.status);
      if (e.createdMs >= startMs && e.createdMs < endMs) st.inWindow++;
      if (st.buffer.length === PAGE) {
        const records = st.buffer;
        st.buffer = [];
        yield { source, page: ++st.pages, records };
      }
    }
    for (const source of sources) {
      const st = state[source];
      if (st.buffer.length > 0) yield { source, page: ++st.pages, records: st.buffer };
    }
  }

  const segmentWriters: Record<Source, SegmentWriter> = {
    'public-local': new SegmentWriter(s3, bucket, INSTANCE, day, 'public-local'),
    'public-remote': new SegmentWriter(s3, bucket, INSTANCE, day, 'public-remote'),
  };
  await pool(16, pagesOf(), async ({ source, page, records }) => {
    const body = Buffer.from(JSON.stringify(records));
    const key = rawPageKey(INSTANCE, day, source, page);
    // In page order (before any await), as the fetcher does: the map reads these segments.
    const segment = segmentWriters[source].add(page, body);
    await segment;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
    if (localDir) {
      const file = path.join(localDir, source, path.basename(key));
      writeFileSync(file, body);
      localFiles[source][page - 1] = file;
    }
    const ids = (records as { id: string }[]).map((r) => r.id);
    entries[source][page - 1] = {
      page,
      key,
      path: `/api/v1/timelines/public?${source === 'public-local' ? 'local' : 'remote'}=true&limit=40${page > 1 ? `&max_id=${ids[0]}` : ''}`,
      httpStatus: 200,
      bytes: body.length,
      count: records.length,
      inWindow: records.length,
      duplicates: 0,
      firstId: ids[0],
      lastId: ids[ids.length - 1],
    };
    written += records.length;
    bytes += body.length;
    if (performance.now() - lastShown > 500 || written === statuses) {
      lastShown = performance.now();
      const s = (lastShown - started) / 1000;
      progress(
        `${day}: ${int(written)} statuses generated and uploaded (${(bytes / 1e6).toFixed(0)} MB, ${int(written / s)}/s)`,
      );
    }
  });
  progressDone();

  for (const source of sources) {
    const pages = entries[source];
    const manifest: SourceManifest = {
      manifestVersion: 1,
      instance: INSTANCE,
      source,
      day,
      kind: 'public-timeline',
      pages,
      segments: await segmentWriters[source].finish(),
      statusesInWindow: state[source].inWindow,
      duplicates: 0,
      brokenRecords: 0,
      complete: true,
      cursors: {},
      fetchedAt: new Date().toISOString(),
      attempts: 1,
      rateLimit: { requests: pages.length, waits: 0, waitedMs: 0, http429: 0 },
    };
    await writeManifest(s3, bucket, rawManifestKey(INSTANCE, day, source), manifest);
  }
  return {
    statuses: written,
    bytes,
    pages: entries['public-local'].length + entries['public-remote'].length,
    localFiles: [...localFiles['public-local'], ...localFiles['public-remote']],
  };
}

// ---------------------------------------------------------------------------------------------
// Running the DAG and reading its phases from the history.

interface Sample {
  t: number;
  cpu: number;
  /** MinIO's CPU-seconds: serving the pages costs the same 2 cores. */
  minioCpu: number;
  rssMb: number;
  /** The worker's CPU-seconds by thread ID. */
  threads: Map<number, number>;
}

/** How a phase's worker CPU splits: the main thread, threads born in the phase (map threads), the rest. */
interface ThreadSplit {
  main: number;
  born: number[];
  rest: number;
  /**
   * The other threads' CPU-s by thread name: V8's platform threads (GC helpers, concurrent
   * compilation) are named `node`, Temporal core's Rust runtime `tokio-runtime-w`.
   */
  restByName: Map<string, { threads: number; cpu: number }>;
}

/**
 * Reset a process's peak RSS (VmHWM) to its current RSS (Linux: `5` into clear_refs), so the peak
 * read after a run is the run's own and not the start-up's (bundling the workflows). False when
 * the kernel does not allow it; the sampled VmRSS maximum is reported as well.
 */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

interface RunTiming {
  wallMs: number;
  /** plan_aggregate scheduled → last load chunk closed. */
  aggregateMs: number;
  phases: Record<'plan_aggregate' | 'map' | 'reduce' | 'load', { start: number; end: number }>;
  /** When each map part's activity closed, ms after the map began (from the map child's history). */
  mapPartsClosedMs: number[];
  workerCpuS: (from: number, to: number) => number;
  threadSplit: (from: number, to: number) => ThreadSplit;
  minioCpuS: (from: number, to: number) => number;
  /** Largest sampled VmRSS (every 100 ms) between two instants, MB. */
  maxRssMb: (from: number, to: number) => number;
  /** VmHWM after the run (since the reset before it when `peakReset`), and the sampled VmRSS max. */
  peakRssMb: number;
  sampledMaxRssMb: number;
  startupPeakMb: number;
  peakReset: boolean;
}

async function runDay(
  client: Client,
  workers: readonly ChildWorker[],
  minioPid: number,
  day: string,
  label: string,
): Promise<RunTiming> {
  const samples: Sample[] = [];
  // Two worker processes count as one worker for CPU (summed); memory is per process (the largest).
  const pids = workers.map((w) => w.pid);
  const sum = (f: (pid: number) => number): number => pids.reduce((a, pid) => a + f(pid), 0);
  const largest = (f: (pid: number) => number): number => Math.max(...pids.map(f));
  const startupPeakMb = largest((pid) => memoryMb(pid).peak);
  const peakReset = pids.map(resetPeak).every(Boolean);
  const sample = (): Sample => ({
    t: Date.now(),
    cpu: sum(cpuSeconds),
    minioCpu: cpuSeconds(minioPid),
    rssMb: largest((pid) => memoryMb(pid).now),
    // Thread IDs are unique across processes.
    threads: new Map(pids.flatMap((pid) => [...threadCpuSeconds(pid)])),
  });
  const sampler = setInterval(() => samples.push(sample()), 100);
  samples.push(sample());
  const started = performance.now();
  const handle = await startDagRun(
    client,
    { temporal: { taskQueue: 'mastoflow', storeTaskQueue: 'mastoflow-store' } },
    { dagId: 'mastodon_daily', logicalDate: day, params: { lookbackDays: 0 } },
  );
  let done = false;
  const result = handle.result().finally(() => {
    done = true;
  });
  while (!done) {
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    if (done) break;
    try {
      const tasks = await liveTaskStates(handle);
      const running = Object.entries(tasks).filter(([, t]) => t.state === 'running');
      const detail = running
        .map(([id, t]) => (t.items ? `${id} ${t.items.succeeded + t.items.failed}/${t.items.total}` : id))
        .join(', ');
      const rssNow = largest((pid) => memoryMb(pid).now);
      progress(
        `${label}: ${detail || 'starting'} — ${((performance.now() - started) / 1000).toFixed(0)} s, worker RSS ${rssNow.toFixed(0)} MB`,
      );
    } catch {
      // not answerable yet
    }
  }
  progressDone();
  let summary: RunDagSummary;
  try {
    summary = (await result) as RunDagSummary;
  } catch (err) {
    throw new Error(`${label} failed: ${err instanceof WorkflowFailedError ? err.cause?.message : String(err)}`);
  } finally {
    clearInterval(sampler);
  }
  samples.push(sample());
  const wallMs = performance.now() - started;
  if (summary.state !== 'success') {
    const failed = Object.entries(summary.tasks)
      .filter(([, t]) => t.state !== 'success')
      .map(([id, t]) => `${id}: ${t.state} ${t.error ?? ''}`);
    throw new Error(`${label}: run ${summary.state} (${failed.join('; ')})`);
  }
  const phases = await phasesOf(handle);
  const mapPartsClosedMs = await partsClosedMs(client, handle, phases.map.start);
  const at = (t: number): Sample => {
    let best = samples[0] as Sample;
    for (const s of samples) if (s.t <= t) best = s;
    return best;
  };
  return {
    wallMs,
    aggregateMs: phases.load.end - phases.plan_aggregate.start,
    phases,
    mapPartsClosedMs,
    workerCpuS: (from, to) => at(to).cpu - at(from).cpu,
    threadSplit: (from, to) => {
      // A thread's last sampled figure up to `to` (map threads exit when idle), less its figure at `from`.
      const start = at(from).threads;
      const last = new Map<number, number>();
      for (const x of samples) if (x.t <= to) for (const [tid, cpu] of x.threads) last.set(tid, cpu);
      const split: ThreadSplit = { main: 0, born: [], rest: 0, restByName: new Map() };
      for (const [tid, cpu] of last) {
        const used = cpu - (start.get(tid) ?? 0);
        if (pids.includes(tid)) split.main += used;
        else if (!start.has(tid) && used > 0.05) split.born.push(used);
        else {
          split.rest += used;
          const name = threadNames.get(tid) ?? '?';
          const had = split.restByName.get(name) ?? { threads: 0, cpu: 0 };
          split.restByName.set(name, { threads: had.threads + 1, cpu: had.cpu + used });
        }
      }
      split.born.sort((a, b) => b - a);
      return split;
    },
    minioCpuS: (from, to) => at(to).minioCpu - at(from).minioCpu,
    maxRssMb: (from, to) => samples.filter((x) => x.t >= from && x.t <= to).reduce((m, x) => Math.max(m, x.rssMb), 0),
    peakRssMb: largest((pid) => memoryMb(pid).peak),
    sampledMaxRssMb: samples.reduce((m, x) => Math.max(m, x.rssMb), 0),
    startupPeakMb,
    peakReset,
  };
}

/**
 * When the map's part activities closed, ms after `from`, in order: the first ones carry the map
 * threads' start (a fresh isolate each, its code not yet optimised), the pace after is the
 * steady state. The parts are in the map's first expand chunk (1,000 items a chunk).
 */
async function partsClosedMs(client: Client, run: WorkflowHandle, from: number): Promise<number[]> {
  const child = client.workflow.getHandle(expandChunkWorkflowId(run.workflowId, 'map', 0));
  const events = (await child.fetchHistory()).events ?? [];
  return events
    .filter((e) => e.activityTaskCompletedEventAttributes)
    .map((e) => eventMs(e) - from)
    .sort((a, b) => a - b);
}

/** A history event's time, ms since the epoch. */
function eventMs(e: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }): number {
  return Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
}

async function phasesOf(handle: WorkflowHandle): Promise<RunTiming['phases']> {
  const events = (await handle.fetchHistory()).events ?? [];
  const out: Partial<RunTiming['phases']> = {};
  const widen = (name: keyof RunTiming['phases'], t: number): void => {
    const p = out[name] ?? { start: t, end: t };
    out[name] = { start: Math.min(p.start, t), end: Math.max(p.end, t) };
  };
  const activityOf = new Map<string, string>();
  for (const e of events) {
    const id = String(e.eventId);
    const sched = e.activityTaskScheduledEventAttributes;
    if (sched?.activityId) {
      activityOf.set(id, sched.activityId);
      if (sched.activityId === 'plan_aggregate') widen('plan_aggregate', eventMs(e));
    }
    const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
    if (closed) {
      const a = activityOf.get(String(closed.scheduledEventId));
      if (a === 'plan_aggregate') widen('plan_aggregate', eventMs(e));
    }
    const init = e.startChildWorkflowExecutionInitiatedEventAttributes;
    const childEnd = e.childWorkflowExecutionCompletedEventAttributes ?? e.childWorkflowExecutionFailedEventAttributes;
    const wid = init?.workflowId ?? childEnd?.workflowExecution?.workflowId;
    if (wid) {
      const task = /\/expand\/([^/]+)\/chunk-/.exec(wid)?.[1];
      if (task === 'map' || task === 'reduce' || task === 'load') widen(task, eventMs(e));
    }
  }
  for (const name of ['plan_aggregate', 'map', 'reduce', 'load'] as const) {
    if (!out[name]) {
      const seen = events.map(
        (e) =>
          e.activityTaskScheduledEventAttributes?.activityId ??
          e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ??
          e.eventType,
      );
      throw new Error(`no ${name} events in the run's history (${events.length} events: ${seen.join(', ')})`);
    }
  }
  return out as RunTiming['phases'];
}

async function loadedRows(duckdbPath: string, day: string): Promise<KvRow[]> {
  const db = await DuckDBInstance.create(duckdbPath, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    const rows = (
      await conn.runAndReadAll(`SELECT metric, key, value FROM metrics_kv WHERE instance = $1 AND day = $2::DATE`, [
        INSTANCE,
        day,
      ])
    ).getRows();
    return rows.map(([metric, key, value]) => ({ metric: String(metric), key: String(key), value: Number(value) }));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Loaded rows vs oracle rows: everything but sentiment; map parts' out_of_range counts as duplicates. */
function compareWithOracle(loaded: readonly KvRow[], oracle: OracleResult): string[] {
  const oracleMetrics = new Set(oracle.rows.map((r) => r.metric));
  const fold = (rows: readonly KvRow[]): KvRow[] => {
    const out = rows.filter(
      (r) =>
        oracleMetrics.has(r.metric) &&
        !(r.metric === 'map_counts' && (r.key === 'out_of_range' || r.key === 'duplicates')),
    );
    const dup = rows
      .filter((r) => r.metric === 'map_counts' && (r.key === 'out_of_range' || r.key === 'duplicates'))
      .reduce((n, r) => n + r.value, 0);
    out.push({ metric: 'map_counts', key: 'duplicates+out_of_range', value: dup });
    return out;
  };
  return diffRows(fold(oracle.rows), fold(loaded));
}

/**
 * The floor under any map in Node: decoding the raw bytes plus JSON.parse, nothing else, on one
 * core, over (up to) the first 600 local page files. Statuses per second, for the plain way
 * (UTF-8 text) and for the map's way (parsePageBytes: latin1 text, strings decoded later).
 */
function decodeParseFloor(files: readonly string[]): { utf8PerS: number; mapWayPerS: number; bytesPerStatus: number } {
  const bufs = files.slice(0, 600).map((f) => readFileSync(f));
  const measure = (parse: (b: Buffer) => unknown): number => {
    const run = (): number => {
      let n = 0;
      for (const b of bufs) n += (parse(b) as unknown[]).length;
      return n;
    };
    run(); // warm-up
    const times: number[] = [];
    let n = 0;
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      n = run();
      times.push(performance.now() - t);
    }
    return n / (median(times) / 1000);
  };
  const statuses = bufs.reduce((sum, b) => sum + (JSON.parse(b.toString('utf8')) as unknown[]).length, 0);
  const bytes = bufs.reduce((sum, b) => sum + b.length, 0);
  return {
    utf8PerS: measure((b) => JSON.parse(b.toString('utf8'))),
    mapWayPerS: measure((b) => parsePageBytes(b).value),
    bytesPerStatus: bytes / statuses,
  };
}

/** Pages the kernel figures run over (the first of the day's local copy). */
const KERNEL_PAGES = 1200;

/**
 * The map kernel on this run's own statuses, one thread, no I/O (bench/map-kernel-loop.ts), over
 * the first KERNEL_PAGES local pages, median of 3 after a warm-up. Per second on the thread's clock (as
 * bench:map-kernel counts), and per CPU-second of the whole process (V8's GC helper threads
 * included, as the map step's per-worker-CPU-second figure counts them).
 */
function kernelInRun(
  files: readonly string[],
  windowMs: { windowStartMs: number; windowEndMs: number },
): { perS: number; perCpuS: number } {
  const { bufs, statuses } = loadKernelPages(files.slice(0, KERNEL_PAGES));
  const kernelArgs = { ...windowMs, pagesPerPart: PAGES_PER_PART };
  runKernel(bufs, kernelArgs); // warm-up
  const rounds: Array<{ ms: number; cpuS: number }> = [];
  for (let k = 0; k < 3; k++) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    runKernel(bufs, kernelArgs);
    const used = process.cpuUsage(cpu);
    rounds.push({ ms: performance.now() - t, cpuS: (used.user + used.system) / 1e6 });
  }
  const mid = medianBy(rounds, (r) => r.ms);
  return { perS: statuses / (mid.ms / 1000), perCpuS: statuses / mid.cpuS };
}

/**
 * The same kernel in `threads` worker threads with the map pool's heap limits, running their
 * passes at the same time (each over the same pages): statuses per second per thread, median
 * of 3 passes. One thread alone shows what the map threads' heap limits cost against
 * kernelInRun; as many threads as cores shows what running on every core at once costs (shared
 * caches and memory bandwidth): the floor the map step, whose threads share the cores, works on.
 */
async function kernelInThreads(
  threads: number,
  files: readonly string[],
  windowMs: { windowStartMs: number; windowEndMs: number },
): Promise<number> {
  const input = { files: files.slice(0, KERNEL_PAGES), ...windowMs, pagesPerPart: PAGES_PER_PART, rounds: 3 };
  const { results } = await kernelThreadsAtOnce(Array.from({ length: threads }, () => input));
  return median(results.map((r) => r.statuses / (median(r.ms) / 1000)));
}

/**
 * The floor of the map step on this machine, measured in this run: the whole day's pages mapped
 * by the kernel alone in `threads` fresh threads at once (the map pool's heap limits, each thread
 * the parts a map thread would take, round-robin), cold as a map thread starts, no Temporal, no
 * S3, no messages, no partial writes, no merge. Per CPU-second of this process, as the map step
 * is counted per worker CPU-second (V8's compiler and GC helper threads included).
 */
async function kernelDayInFreshThreads(
  threads: number,
  files: readonly string[],
  windowMs: { windowStartMs: number; windowEndMs: number },
): Promise<{ statuses: number; cpuS: number; wallMs: number }> {
  const shares: string[][] = Array.from({ length: threads }, () => []);
  for (let i = 0; i < files.length; i += PAGES_PER_PART)
    shares[(i / PAGES_PER_PART) % threads]!.push(...files.slice(i, i + PAGES_PER_PART));
  const inputs = shares.map((share) => ({
    files: share,
    ...windowMs,
    pagesPerPart: PAGES_PER_PART,
    rounds: 1,
    cold: true,
  }));
  const { results, cpuS, wallMs } = await kernelThreadsAtOnce(inputs);
  return { statuses: results.reduce((a, r) => a + r.statuses, 0), cpuS, wallMs };
}

/** Kernel threads (bench/kernel-thread.ts), one per input, started together once all are ready. */
async function kernelThreadsAtOnce(
  inputs: readonly object[],
): Promise<{ results: { statuses: number; ms: number[] }[]; cpuS: number; wallMs: number }> {
  const code = (await ensureThreadBundle(path.join(ROOT, 'bench', 'kernel-thread.ts'))).path;
  const workers = inputs.map((input) => new Worker(code, { workerData: input, resourceLimits: MAP_THREAD_LIMITS }));
  try {
    const next = (w: Worker) =>
      new Promise<{ ready?: true; statuses?: number; ms?: number[] }>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
    await Promise.all(workers.map(next));
    const done = workers.map(next);
    const cpu = process.cpuUsage();
    const t = performance.now();
    for (const w of workers) w.postMessage('go');
    const results = await Promise.all(done);
    const wallMs = performance.now() - t;
    const used = process.cpuUsage(cpu);
    return {
      results: results.map((r) => ({ statuses: r.statuses!, ms: r.ms! })),
      cpuS: (used.user + used.system) / 1e6,
      wallMs,
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function microFigure(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'bench', 'map-kernel.bench.ts'), '100000', '3'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.once('exit', () => {
      const lines = out.split('\n');
      const figure = lines.find((l) => l.includes('(the figure)'));
      const sentiment = lines.find((l) => l.includes('sentiment only'));
      resolve(figure ? [figure, sentiment].filter(Boolean).join('\n    ') : undefined);
    });
  });
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  ensureTools({ quiet: true });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-bench-mapreduce-'));
  const [temporalPort, uiPort, minioPort, consolePort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const accessKey = 'mastoflow-bench';
  const secretKey = 'mastoflow-bench-secret';
  log(`starting Temporal dev server and MinIO in ${dir} ...`);
  const [temporal, minio] = await Promise.all([
    startTemporalDevServer({
      port: temporalPort,
      uiPort,
      namespace: 'default',
      logFile: path.join(dir, 'temporal.log'),
      headless: true,
    }),
    startMinio({
      port: minioPort,
      consolePort,
      dataDir: path.join(dir, 'minio'),
      accessKey,
      secretKey,
      logFile: path.join(dir, 'minio.log'),
    }),
  ]);
  log(`Temporal ${temporal.address}, MinIO ${minio.endpoint}`);
  const sim = await startMastodonSim({
    now: Date.parse('2026-03-20T06:00:00Z'),
    seed: SEED,
    statusesPerDay: 10,
    rateLimit: false,
  });

  const rawConfig = {
    // Several worker processes share the cores: each gets its part of the map threads.
    ...(MAP_THREADS !== undefined
      ? { worker: { mapThreads: MAP_THREADS } }
      : WORKERS > 1
        ? { worker: { mapThreads: Math.max(1, Math.floor(os.availableParallelism() / WORKERS)) } }
        : {}),
    // Timeline sources off: the run aggregates the pages written below (see the header). One
    // source stays on (instance info, one request to a small simulated instance) because runDag
    // skips everything downstream of a fetch fan-out over no items.
    instances: [
      {
        name: INSTANCE,
        baseUrl: sim.url,
        userAgentContact: 'mailto:bench@example.org',
        sources: {
          publicLocal: false,
          publicRemote: false,
          hashtags: false,
          accounts: false,
          instance: true,
          activity: false,
          peers: false,
          trends: false,
          directory: false,
        },
      },
    ],
    s3: { endpoint: minio.endpoint, bucket: 'mastoflow-bench', forcePathStyle: true },
    duckdb: { path: path.join(dir, 'bench.duckdb') },
    temporal: {
      address: temporal.address,
      namespace: 'default',
      taskQueue: 'mastoflow',
      storeTaskQueue: 'mastoflow-store',
    },
  };
  const parsed = parseConfig(rawConfig, 'bench-config');
  if (!parsed.ok) throw new Error(parsed.message);
  const config = parsed.config;
  const configFile = path.join(dir, 'mastoflow.config.json');
  writeFileSync(configFile, JSON.stringify(rawConfig, null, 2));
  const env = { ...process.env, MASTOFLOW_S3_ACCESS_KEY_ID: accessKey, MASTOFLOW_S3_SECRET_ACCESS_KEY: secretKey };
  const s3 = createS3Client(config.s3, env);
  await ensureBucket(s3, config.s3.bucket);

  let workers: ChildWorker[] = [];
  let connection: Connection | undefined;
  try {
    // 1. The day.
    const localDir = path.join(dir, 'pages');
    for (const source of ['public-local', 'public-remote']) mkdirSync(path.join(localDir, source), { recursive: true });
    log(`writing ${int(STATUSES)} generated statuses for ${DAY} as raw pages + manifests (and a local copy) ...`);
    const day = await writeDay(s3, config.s3.bucket, DAY, STATUSES, localDir);
    log(`${int(day.statuses)} statuses, ${int(day.pages)} pages, ${(day.bytes / 1e6).toFixed(0)} MB`);

    // 2. The DAG through Temporal.
    log(`starting ${WORKERS} worker process${WORKERS > 1 ? 'es' : ''} (bundles the workflows) ...`);
    workers = await startWorkers(configFile, env, dir, 'worker');
    connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection, namespace: 'default' });
    const minioPid = minio.child.pid as number;
    // The same day RUNS times (a re-run replaces the day's results): figures of the median run,
    // and the median reduce, as these machines are noisy.
    const runs: RunTiming[] = [];
    for (let r = 1; r <= RUNS; r++) {
      const x = await runDay(client, workers, minioPid, DAY, `mastodon_daily ${DAY} (run ${r} of ${RUNS})`);
      runs.push(x);
      // Each run's own map figures: a run after the first meets map threads still warm only
      // when MASTOFLOW_MAP_THREADS_IDLE_MS keeps them past the reduce and load.
      const m = x.phases.map;
      log(
        `run ${r}: map ${s1(m.end - m.start)}, worker ${x.workerCpuS(m.start, m.end).toFixed(1)} CPU-s, first part closed at +${s1(x.mapPartsClosedMs[0] ?? Number.NaN)}`,
      );
    }
    const run = medianBy(runs, (x) => x.aggregateMs);
    const reduceMs = median(runs.map((x) => x.phases.reduce.end - x.phases.reduce.start));
    const loaded = await loadedRows(config.duckdb.path, DAY);

    // 3. DuckDB over the local copy.
    const { start, end } = dataInterval(DAY);
    const window = { windowStartMs: Date.parse(start), windowEndMs: Date.parse(end), sentiment: false };
    log('DuckDB: typed reader over the local copy ...');
    const typedRuns: OracleResult[] = [];
    for (let r = 0; r < RUNS; r++) typedRuns.push(await runOracle(day.localFiles, { ...window, reader: 'typed' }));
    const typed = medianBy(typedRuns, (x) => x.sqlMs);
    log(`DuckDB: ${typedRuns.map((x) => s1(x.sqlMs)).join(', ')}; exact reader (schema checked per field) ...`);
    const exact = await runOracle(day.localFiles, window);
    log(`DuckDB exact: ${s1(exact.sqlMs)}`);
    const typedDiff = diffRows(exact.rows, typed.rows);
    const loadedDiff = compareWithOracle(loaded, exact);
    const mapMs = run.phases.map.end - run.phases.map.start;
    const mapCpu = run.workerCpuS(run.phases.map.start, run.phases.map.end);
    const mapMinioCpu = run.minioCpuS(run.phases.map.start, run.phases.map.end);
    const rss300 = run;
    await stopAll(workers);
    workers = [];

    // 4. Peak RSS on a big day, with a fresh worker process.
    let rss: { statuses: number; peakMb: number; run: RunTiming } | undefined;
    if (RSS_STATUSES > 0) {
      log(`writing ${int(RSS_STATUSES)} statuses for ${RSS_DAY} (peak-RSS run) ...`);
      const big = await writeDay(s3, config.s3.bucket, RSS_DAY, RSS_STATUSES, undefined);
      log(
        `${int(big.statuses)} statuses, ${int(big.pages)} pages, ${(big.bytes / 1e6).toFixed(0)} MB; fresh worker process ...`,
      );
      workers = await startWorkers(configFile, env, dir, 'worker-rss');
      const bigRun = await runDay(client, workers, minioPid, RSS_DAY, `mastodon_daily ${RSS_DAY}`);
      rss = { statuses: big.statuses, peakMb: bigRun.peakRssMb, run: bigRun };
      await stopAll(workers);
      workers = [];
    }

    // 5. The kernel alone.
    let micro: string | undefined;
    if (MICRO) {
      log('map kernel micro-benchmark (bench/map-kernel.bench.ts 100000 3) ...');
      micro = await microFigure();
    }

    const ratio = run.aggregateMs / typed.sqlMs;
    const mapRate = day.statuses / (mapMs / 1000);
    const floor = decodeParseFloor(day.localFiles);
    log('the map kernel on these statuses, one thread, no I/O ...');
    const kernel = kernelInRun(day.localFiles, {
      windowStartMs: window.windowStartMs,
      windowEndMs: window.windowEndMs,
    });
    const cores = os.availableParallelism();
    log(`the same kernel in threads with the map pool's heap limits: one alone, then ${cores} at once ...`);
    const kernelWindow = { windowStartMs: window.windowStartMs, windowEndMs: window.windowEndMs };
    const threadAlone = await kernelInThreads(1, day.localFiles, kernelWindow);
    const threadsAtOnce = await kernelInThreads(cores, day.localFiles, kernelWindow);
    log(`the kernel alone over the whole day in ${cores} fresh threads at once (the map step's floor) ...`);
    const floorDay = await kernelDayInFreshThreads(cores, day.localFiles, kernelWindow);
    const mapPerCpuS = day.statuses / mapCpu;
    const ofKernel = mapPerCpuS / kernel.perS;
    const p = run.phases;
    console.log('');
    console.log(
      `map/reduce benchmark (${os.cpus().length} cores; Temporal dev server in memory, MinIO, ${WORKERS === 1 ? 'one worker process' : `${WORKERS} worker processes`} with MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '1'} as in the worker image)`,
    );
    console.log('');
    console.log(
      `  day ${DAY}: ${int(day.statuses)} statuses, ${int(day.pages)} raw pages, ${(day.bytes / 1e6).toFixed(0)} MB of JSON`,
    );
    console.log(`  mastodon_daily through Temporal (fetch sources off), whole run        ${s1(run.wallMs)}`);
    console.log(
      `    map + reduce + load (plan_aggregate scheduled → last load closed)   ${s1(run.aggregateMs)}   (median of ${runs.map((x) => s1(x.aggregateMs)).join(', ')})`,
    );
    console.log(
      `      plan ${s1(p.plan_aggregate.end - p.plan_aggregate.start)}, map ${s1(mapMs)}, reduce ${s1(p.reduce.end - p.reduce.start)}, load ${s1(p.load.end - p.load.start)}`,
    );
    const mapThreadsEach = config.worker.mapThreads ?? os.availableParallelism();
    const closed = run.mapPartsClosedMs;
    const threads = Math.min(closed.length, mapThreadsEach * WORKERS);
    if (closed.length > threads && threads > 0) {
      const firstWave = closed[threads - 1] as number;
      const pace = ((closed[closed.length - 1] as number) - firstWave) / (closed.length - threads);
      console.log(
        `      map parts: the first ${threads} (one per map thread) closed by +${s1(firstWave)}, then one every ${s1(pace)}, the last at +${s1(closed[closed.length - 1] as number)}` +
          ` (at that pace from the start: ${s1(pace * closed.length)}; the threads' start, a fresh isolate each with cold code, costs the difference)`,
      );
    }
    console.log(
      `  DuckDB, one query over the local copy (typed read_json, all cores)   ${s1(typed.sqlMs)}   (median of ${typedRuns.map((x) => s1(x.sqlMs)).join(', ')})`,
    );
    const reduceShare = reduceMs / typed.sqlMs;
    console.log(
      `  reduce (median of ${runs.map((x) => s1(x.phases.reduce.end - x.phases.reduce.start)).join(', ')}): ${s1(reduceMs)} = ${(reduceShare * 100).toFixed(0)} % of the DuckDB query   goal ≤ ${GOAL_REDUCE_OF_DUCKDB * 100} %: ${reduceShare <= GOAL_REDUCE_OF_DUCKDB ? 'MET' : 'NOT MET'}`,
    );
    console.log(`  DuckDB, exact oracle (raw JSON, schema checked field by field)       ${s1(exact.sqlMs)}`);
    console.log(
      `  ratio map+reduce+load / DuckDB query                                 ${ratio.toFixed(2)}×   goal ≤ ${GOAL_RATIO}×: ${ratio <= GOAL_RATIO ? 'MET' : 'NOT MET'}` +
        `   (vs the exact oracle ${(run.aggregateMs / exact.sqlMs).toFixed(2)}×)`,
    );
    console.log(
      `  map step, ${WORKERS === 1 ? 'one worker process' : `${WORKERS} worker processes`} (${mapThreadsEach} map threads each): ${int(mapRate)} statuses/s wall, ${int(day.statuses / mapCpu)} statuses per worker CPU-second` +
        `   goal ≥ ${int(GOAL_MAP_PER_S)}/s: ${mapRate >= GOAL_MAP_PER_S ? 'MET' : 'NOT MET'}`,
    );
    const split = run.threadSplit(run.phases.map.start, run.phases.map.end);
    console.log(
      `    (worker ${mapCpu.toFixed(1)} CPU-s: map threads ${split.born.map((c) => c.toFixed(1)).join(' + ')}, main thread ${split.main.toFixed(1)}, other threads ${split.rest.toFixed(1)} (${otherThreadsByName(split)});` +
        ` MinIO ${mapMinioCpu.toFixed(1)} CPU-s serving the segments of ${int(day.pages)} pages during the map)`,
    );
    console.log('    (the DAG maps every family, VADER sentiment included; DuckDB computes all but sentiment)');
    console.log(
      `  map kernel on these statuses, one thread, every family, no I/O: ${int(kernel.perS)} statuses/s (${int(kernel.perCpuS)} per process CPU-s, GC helper threads included)`,
    );
    console.log(
      `  map step per worker CPU-s / kernel per thread-second: ${(ofKernel * 100).toFixed(0)} %   goal ≥ ${GOAL_OF_KERNEL * 100} %: ${ofKernel >= GOAL_OF_KERNEL ? 'MET' : 'NOT MET'}` +
        `   (per CPU-s both: ${((mapPerCpuS / kernel.perCpuS) * 100).toFixed(0)} %)`,
    );
    console.log(
      `    the kernel in threads with the map pool's heap limits: one alone ${int(threadAlone)} statuses/s (${((threadAlone / kernel.perS) * 100).toFixed(0)} % of the above); ${cores} at once ${int(threadsAtOnce)}/s per thread (${((threadsAtOnce / kernel.perS) * 100).toFixed(0)} %: every core busy, as in the map step)` +
        `\n    map step per worker CPU-s / kernel per thread-second with ${cores} threads at once: ${((mapPerCpuS / threadsAtOnce) * 100).toFixed(0)} %`,
    );
    const floorPerCpuS = floorDay.statuses / floorDay.cpuS;
    const floorOfKernel = floorPerCpuS / kernel.perS;
    console.log(
      `    the map step's floor: the kernel alone over the whole day in ${cores} fresh threads at once (cold code, nothing but the kernel): ${s1(floorDay.wallMs)}, ${floorDay.cpuS.toFixed(1)} CPU-s,` +
        ` ${int(floorPerCpuS)} statuses per process CPU-s = ${(floorOfKernel * 100).toFixed(0)} % of the kernel; the map step = ${((mapPerCpuS / floorPerCpuS) * 100).toFixed(0)} % of its floor`,
    );
    console.log(
      `    floor in this process, one core, ${int(floor.bytesPerStatus)} bytes/status: UTF-8 decode + JSON.parse alone ${int(floor.utf8PerS)} statuses/s;` +
        ` the map's latin1 decode + JSON.parse ${int(floor.mapWayPerS)} statuses/s (map step wall = ${((mapRate / floor.mapWayPerS) * 100).toFixed(0)} % of that)`,
    );
    const peakText = (r: RunTiming): string =>
      `${r.peakRssMb.toFixed(0)} MB${r.peakReset ? '' : ' (VmHWM not resettable: includes start-up)'} (sampled: ` +
      (['map', 'reduce', 'load'] as const)
        .map((ph) => `${ph} ${r.maxRssMb(r.phases[ph].start, r.phases[ph].end + 500).toFixed(0)}`)
        .join(', ') +
      ` MB; peak before the run (start-up and any earlier run) ${r.startupPeakMb.toFixed(0)} MB)`;
    console.log(`  worker peak RSS during the ${int(day.statuses)}-status run: ${peakText(rss300)}`);
    if (rss) {
      console.log(
        `  worker peak RSS during a ${int(rss.statuses)}-status run (fresh process): ${peakText(rss.run)}   goal ≤ ${GOAL_RSS_MB} MB: ` +
          `${Math.max(rss.peakMb, rss.run.startupPeakMb) <= GOAL_RSS_MB ? 'MET' : rss.peakMb <= GOAL_RSS_MB ? 'MET for the run, start-up above' : 'NOT MET'}`,
      );
      console.log(
        `    (that run: ${s1(rss.run.aggregateMs)} map+reduce+load, map ${int(rss.statuses / ((rss.run.phases.map.end - rss.run.phases.map.start) / 1000))} statuses/s)`,
      );
    }
    if (micro) console.log(`  map kernel alone, one core, no I/O:\n    ${micro}`);
    console.log(
      `  loaded rows = DuckDB rows (all but sentiment): ${loadedDiff.length === 0 ? 'yes' : `NO, ${loadedDiff.length} differ`}; typed reader = exact reader: ${typedDiff.length === 0 ? 'yes' : `NO, ${typedDiff.length} differ`}`,
    );
    for (const line of [...loadedDiff, ...typedDiff].slice(0, 10)) console.log(`    ${line}`);
    console.log('');
    // One line for CI logs and scripts to grep.
    console.log(
      `aggregation ratio: ${ratio.toFixed(2)}× DuckDB (map ${int(mapPerCpuS)} statuses per worker CPU-s = ${(ofKernel * 100).toFixed(0)} % of kernel, its floor ${(floorOfKernel * 100).toFixed(0)} %, reduce ${s1(reduceMs)}, DuckDB ${s1(typed.sqlMs)}, exact: ${loadedDiff.length === 0 ? 'yes' : 'NO'})`,
    );
    if (loadedDiff.length > 0 || typedDiff.length > 0) process.exitCode = 1;
  } finally {
    await stopAll(workers);
    await connection?.close();
    s3.destroy();
    await Promise.allSettled([temporal.stop(), minio.stop(), sim.close()]);
    if (KEEP) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`[bench] ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
