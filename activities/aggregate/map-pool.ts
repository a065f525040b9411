import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { S3ReadTarget } from '../store/s3-light-client';
import { MissingPageError, type MapPartJob, type MapPartSummary } from './map-pages';

// A small pool of worker threads for the map step. A Temporal worker runs every activity on one
// JavaScript thread; parsing and folding hundreds of MB of JSON there would use one core of the
// host and starve heartbeats and task polling. The pool moves that CPU work to one thread per
// core (each part's thread also stores its partial) while the activity only waits and heartbeats.
//
// Threads start on first use, are shared by every map activity of the process and do not keep
// the process alive (unref). A thread idle for IDLE_MS exits, so the map's heaps are given back
// before the reduce that follows it needs memory (on a 1M-status day the idle threads' heaps
// were ~200 MB of the reduce's peak RSS). A thread that dies fails its part (Temporal retries
// the activity) and is replaced on the next job.

export type ThreadRequest = { id: number; job: MapPartJob; target: S3ReadTarget };
export type ThreadReply =
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
}

const IDLE_MS = 1_000;
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
const MAP_THREAD_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 };

export class MapThreadPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;

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
    for (const s of slots) clearTimeout(s.idle);
    for (const p of this.queue.splice(0)) p.reject(new Error('map thread pool closed'));
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
      const job = slot.jobs.get(msg.id);
      if (!job) return;
      if ('progress' in msg) return job.onProgress?.(msg.progress);
      slot.jobs.delete(msg.id);
      if (slot.jobs.size === 0) {
        worker.unref();
        slot.idle = setTimeout(() => this.retire(slot), IDLE_MS).unref();
      }
      if ('result' in msg) job.resolve(msg.result);
      else
        job.reject(
          msg.error.key !== undefined
            ? new MissingPageError(msg.error.key)
            : Object.assign(new Error(msg.error.message), { name: msg.error.name }),
        );
      this.dispatch();
    });
    const die = (err: Error): void => {
      clearTimeout(slot.idle);
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      for (const job of slot.jobs.values()) job.reject(new Error(`map thread died: ${err.message}`));
      slot.jobs.clear();
      this.dispatch();
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
