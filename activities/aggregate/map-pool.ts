import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { S3ReadTarget } from '../store/s3-light-client';
import { collectWhenIdle } from './heap-guard';
import { MissingPageError, type MapPartJob, type MapPartSummary } from './map-pages';

// A small pool of worker threads for the map step. A Temporal worker runs every activity on one
// JavaScript thread; parsing and folding hundreds of MB of JSON there would use one core of the
// host and starve heartbeats and task polling. The pool moves that CPU work to one thread per
// core (each part's thread also stores its partial) while the activity only waits and heartbeats.
//
// Threads start on first use, are shared by every map activity of the process and do not keep
// the process alive (unref). A thread idle for a second (MAP_THREADS_IDLE_MS) exits, so the
// map's heaps are given back before the reduce that follows it needs memory (on a 1M-status day
// the idle threads' heaps were ~200 MB of the reduce's peak RSS). A thread that dies fails its
// part (Temporal retries the activity) and is replaced on the next job.

export type ThreadRequest = { id: number; job: MapPartJob; target: S3ReadTarget };
/** To an idle thread kept alive: let go of what only a part in hand needs (see REST_AFTER_MS). */
export type ThreadRest = { rest: true };
export type ThreadReply =
  | { rested: true }
  | { id: number; progress: number }
  | { id: number; result: MapPartSummary }
  | { id: number; error: { name: string; message: string; key?: string } };

interface Pending {
  id: number;
  job: MapPartJob;
  target: S3ReadTarget;
  onProgress?: (pagesDone: number) => void;
  resolve: (out: MapPartSummary) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Parts handed to the thread: it maps one at a time and fetches the next one's data meanwhile. */
  jobs: Map<number, Pending>;
  idle?: NodeJS.Timeout;
  rest?: NodeJS.Timeout;
}

/**
 * How long a thread with no part in hand lives. A fresh thread costs its start: on the
 * 300k-status bench day the map's first parts closed ~0.4 s later than a warm thread's, and the
 * worker spent ~0.8 CPU-s more on the map (TurboFan compiling the kernel again in each new
 * isolate, the kernel running unoptimised meanwhile, the thread's bundle loaded, its buffers
 * faulted in). Kept alive, the two threads held ~30-60 MB more through the reduce: the 1M-status
 * day peaked at 509-516 MB against 479-493 MB, at the 512 MB budget: not a default; a worker with
 * memory to spare that maps day after day (a backfill) can keep them (MASTOFLOW_MAP_THREADS_IDLE_MS).
 */
export const MAP_THREADS_IDLE_MS = 1_000;
/** The idle time in force: MASTOFLOW_MAP_THREADS_IDLE_MS overrides it. */
export const mapThreadsIdleMs = (env: NodeJS.ProcessEnv = process.env): number =>
  integerSetting(env, 'MASTOFLOW_MAP_THREADS_IDLE_MS', MAP_THREADS_IDLE_MS, 86_400_000, 'number of milliseconds');
/**
 * A thread kept idle longer than this is told to rest: it lets go of its spare segment buffers
 * (~18 MB of native memory) and collects its heap, keeping only its code and modules warm.
 */
export const REST_AFTER_MS = 1_000;
/**
 * Parts a thread holds at once: the one it maps and the next, whose segment it reads while the
 * first is mapped (a part is one ~5 MB segment, so without this a thread waits out each GET, and
 * then each partial's PUT, with nothing to do).
 */
export const PARTS_PER_THREAD = 2;

export const MAP_THREAD_SOURCE = fileURLToPath(new URL('./map-thread.ts', import.meta.url));
/**
 * The path of a runnable JavaScript file for a thread's TypeScript entry (ActivityDeps.threadCode:
 * the worker runtime bundles it once and caches it on disk, see runtime/thread-bundle.ts).
 */
export type ThreadCodeFn = (entry: string) => Promise<string>;
export const MAP_THREAD_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 };
/**
 * How far (percent of its live size) a heap grows before V8 starts the next full collection,
 * while the pool maps; 0 (the default) leaves V8's own factor. A part's accumulators outlive two
 * scavenges and are promoted, then die with the part; with V8's own factor on a map thread's
 * ~10 MB live set each thread ran a mark-compact about once a part (~55 over a 300k-status day,
 * measured before segments were read into reused buffers, which took most of the rest away:
 * body-buffers.ts), whose concurrent marking on V8's helper threads was a third of the worker's
 * CPU. At 400 (5× the live size, under the 64 MB cap) bench:mapreduce, A/B interleaved on one
 * tree, measured V8's helper threads 4.1-4.7 → 3.0-3.3 CPU-s over the 300k-status map (the wall
 * time moved with the machine's noise more than with it), and the 1M-status day's peak RSS
 * 500-529 MB against 483-495 MB without: over the 512 MB budget too often to be the default.
 * The flag is process-wide and V8 reads it at every collection, so the pool sets it only while
 * it has parts in hand and gives V8 back its own factor after.
 */
export const MAP_HEAP_GROWING_PERCENT = 0;
/** The percent in force: MASTOFLOW_MAP_HEAP_GROWTH overrides it (e.g. 400 where a worker has memory to spare). */
export const mapHeapGrowingPercent = (env: NodeJS.ProcessEnv = process.env): number =>
  integerSetting(env, 'MASTOFLOW_MAP_HEAP_GROWTH', MAP_HEAP_GROWING_PERCENT, 1000, 'percent');

/** An integer setting from 0 to `max` in the environment, or its default when unset or empty. */
function integerSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number, unit: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new Error(`${name}: expected an integer ${unit} from 0 to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}
let heapGrowing: boolean | undefined;
function growHeapsFurtherBetweenCollections(on: boolean, percent: number): void {
  if (heapGrowing === on || percent === 0) return;
  v8.setFlagsFromString(`--heap-growing-percent=${on ? percent : 0}`);
  // This thread's heap grew by the same factor while the pool mapped, and keeps that limit until
  // its next full collection: the garbage it let pile up would stay through the reduce that
  // follows (the 1M-status day's peak RSS came out ~30 MB higher). Collected now, while the
  // worker waits for Temporal to hand it the next task.
  if (heapGrowing && !on) collectWhenIdle();
  heapGrowing = on;
}
/** Whether the pool's heap growth is in force now (for tests). */
export const mapHeapGrowthInForce = (): boolean => heapGrowing === true;

export class MapThreadPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  /** Read once: a bad MASTOFLOW_MAP_HEAP_GROWTH fails the first part, not a thread message later. */
  private readonly heapGrowthPercent = mapHeapGrowingPercent();
  private readonly idleMs = mapThreadsIdleMs();

  constructor(
    readonly size: number,
    private readonly threadCode: ThreadCodeFn,
  ) {
    if (!(size >= 1)) throw new Error(`a map thread pool needs at least one thread, got ${size}`);
  }

  private code: string | undefined;
  private codeLoading: Promise<string> | undefined;

  /** The thread's code, asked for once per pool (a failed build is retried by the next part). */
  private mapThreadCode(): Promise<string> {
    this.codeLoading ??= this.threadCode(MAP_THREAD_SOURCE);
    this.codeLoading.catch(() => (this.codeLoading = undefined));
    return this.codeLoading;
  }

  async run(job: MapPartJob, target: S3ReadTarget, onProgress?: (pagesDone: number) => void): Promise<MapPartSummary> {
    this.code ??= await this.mapThreadCode();
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, target, onProgress, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    for (const s of slots) {
      clearTimeout(s.idle);
      clearTimeout(s.rest);
    }
    for (const p of this.queue.splice(0)) p.reject(new Error('map thread pool closed'));
    growHeapsFurtherBetweenCollections(false, this.heapGrowthPercent);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** The slot for the next part: an idle thread, else a new one, else the least loaded with room. */
  private pick(): Slot | undefined {
    const idle = this.slots.find((s) => s.jobs.size === 0);
    if (idle) return idle;
    if (this.slots.length < this.size) return this.spawn();
    let best: Slot | undefined;
    for (const s of this.slots) if (s.jobs.size < PARTS_PER_THREAD && (!best || s.jobs.size < best.jobs.size)) best = s;
    return best;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.pick();
      if (!slot) return;
      const job = this.queue.shift()!;
      clearTimeout(slot.idle);
      clearTimeout(slot.rest);
      growHeapsFurtherBetweenCollections(true, this.heapGrowthPercent);
      slot.jobs.set(job.id, job);
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, job: job.job, target: job.target } satisfies ThreadRequest);
    }
  }

  private retire(slot: Slot): void {
    if (slot.jobs.size > 0) return;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void slot.worker.terminate();
  }

  /** V8's own heap growth again once no part is in hand (see MAP_HEAP_GROWING_PERCENT). */
  private settleHeapGrowth(): void {
    if (this.queue.length === 0 && this.slots.every((s) => s.jobs.size === 0))
      growHeapsFurtherBetweenCollections(false, this.heapGrowthPercent);
  }

  private restsTaken = 0;
  /** Rests idle threads have taken (for tests). */
  get rests(): number {
    return this.restsTaken;
  }

  /** Threads alive now (for tests). */
  get threads(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    // A thread holds two segments (~5 MB each, as bytes outside the heap), one ~85 KB page text
    // at a time and one part's accumulators (a few MB). Capping the heap makes V8 collect early
    // instead of growing each thread's heap towards the process default. Measured peak RSS of a
    // 1M-status day: 543 MB with caps of 128/16 MB, 491 MB with 64/8 MB, at the same map speed.
    const worker = new Worker(this.code!, { name: 'mastoflow-map', resourceLimits: MAP_THREAD_LIMITS });
    const slot: Slot = { worker, jobs: new Map() };
    worker.unref();
    worker.on('message', (msg: ThreadReply) => {
      if ('rested' in msg) {
        this.restsTaken++;
        return;
      }
      const job = slot.jobs.get(msg.id);
      if (!job) return;
      if ('progress' in msg) return job.onProgress?.(msg.progress);
      slot.jobs.delete(msg.id);
      if (slot.jobs.size === 0) {
        worker.unref();
        slot.idle = setTimeout(() => this.retire(slot), this.idleMs).unref();
        if (this.idleMs > REST_AFTER_MS)
          slot.rest = setTimeout(() => worker.postMessage({ rest: true } satisfies ThreadRest), REST_AFTER_MS).unref();
      }
      if ('result' in msg) job.resolve(msg.result);
      else
        job.reject(
          msg.error.key !== undefined
            ? new MissingPageError(msg.error.key)
            : Object.assign(new Error(msg.error.message), { name: msg.error.name }),
        );
      this.dispatch();
      this.settleHeapGrowth();
    });
    const die = (err: Error): void => {
      clearTimeout(slot.idle);
      clearTimeout(slot.rest);
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      for (const job of slot.jobs.values()) job.reject(new Error(`map thread died: ${err.message}`));
      slot.jobs.clear();
      this.dispatch();
      this.settleHeapGrowth();
    };
    worker.on('error', die);
    worker.on('exit', (code) => {
      if (this.slots.includes(slot)) die(new Error(`exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }
}

let shared: MapThreadPool | undefined;

/** The process's pool (one per process: threads are per-core, not per activity set). */
export function sharedMapThreadPool(size: number, threadCode: ThreadCodeFn): MapThreadPool {
  if (!shared || shared.size !== size) {
    void shared?.close();
    shared = new MapThreadPool(size, threadCode);
  }
  return shared;
}
