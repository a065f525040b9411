import { partialFromJson } from '../../domain/metrics';
import { collectWhenIdle } from './heap-guard';
import { PartialStack } from './partial-stack';

// A day's map parts merged by the worker that mapped them, while the map goes on, so the reduce
// that follows only merges what is left (#14: the reduce merged ~126 partials of a 300k-status
// day after the map had ended, 1.4-1.7 s of the aggregation's wall time, while the worker's main
// thread sat mostly idle during the map).
//
// It is a cache, never the record: every part's partial is in S3 before its activity completes,
// and the reduce reads from there each part this process has not merged (another worker mapped
// it, this process restarted, or the day outgrew the budget). Entries are per workflow run, so a
// later run of the same day (whose partials overwrite the same keys) never meets an earlier run's
// merge. A part mapped twice (a retried activity) is merged once.

/**
 * Partial JSON merged ahead per day, at most: the merged state lives on the worker's main heap
 * during the map, beside the map threads' heaps. A 300k-status day's parts are ~30 MB of JSON;
 * a larger day is left to the reduce alone, so the 1M-status day's peak RSS stays within 512 MB.
 */
export const MERGE_AHEAD_BUDGET_CHARS = 40_000_000;
/**
 * Pages a day may have (as planned: its parts × pages per part) and still be merged ahead. Beyond
 * it the merge is not started at all rather than dropped at the budget: the stack held at the
 * drop grows with the day's distinct accounts, and with four-segment parts a 1M-status day
 * (25,000 pages) reached the budget late, at 536 MB peak RSS during the map against 486 MB
 * without the merge ahead. A 300k-status day is 7,500 pages.
 */
export const MERGE_AHEAD_MAX_DAY_PAGES = 10_000;

/** Whether a day of this many planned parts, of `pagesPerPart` pages each, is merged ahead. */
export function mergesAhead(dayParts: number | undefined, pagesPerPart: number): boolean {
  return dayParts !== undefined && dayParts * pagesPerPart <= MERGE_AHEAD_MAX_DAY_PAGES;
}
/** Days held at once (a backfill maps several); the oldest is dropped past this. */
const MAX_DAYS = 3;
/**
 * A day no part was added to for this long is dropped: its reduce ran on another worker (or the
 * run failed), and the merged state must not hold this worker's memory. A reduce is scheduled
 * seconds after its day's last map part.
 */
const IDLE_DROP_MS = 5 * 60_000;

interface DayMerge {
  parts: Set<number>;
  stack: PartialStack;
  chars: number;
  /** Over budget: nothing more is merged, and the reduce gets nothing from here. */
  dropped: boolean;
  /** Merges run in turn, after the activity that brought the part has completed. */
  queue: Promise<void>;
  idle?: NodeJS.Timeout;
}

export interface MergedAhead {
  /** Part numbers merged into `stack`. */
  parts: ReadonlySet<number>;
  stack: PartialStack;
}

export class MergeAhead {
  private readonly days = new Map<string, DayMerge>();

  constructor(
    private readonly budgetChars = MERGE_AHEAD_BUDGET_CHARS,
    private readonly idleDropMs = IDLE_DROP_MS,
  ) {}

  static dayKey(runId: string, instance: string, day: string): string {
    return JSON.stringify([runId, instance, day]);
  }

  /**
   * Queues a part's partial (its JSON exactly as stored) for merging; returns at once. With the
   * day's part count, the merge of the day's last part also does the last merges of the stack,
   * while Temporal schedules the reduce, instead of in the reduce.
   */
  add(dayKey: string, part: number, partialJson: string, dayParts?: number): void {
    let d = this.days.get(dayKey);
    if (!d) {
      d = { parts: new Set(), stack: new PartialStack(), chars: 0, dropped: false, queue: Promise.resolve() };
      this.days.set(dayKey, d);
      if (this.days.size > MAX_DAYS) this.drop(this.days.keys().next().value as string);
    }
    const day = d;
    clearTimeout(day.idle);
    day.idle = setTimeout(() => this.drop(dayKey), this.idleDropMs).unref();
    if (day.dropped || day.parts.has(part)) return;
    day.parts.add(part);
    day.chars += partialJson.length;
    if (day.chars > this.budgetChars) {
      this.drop(dayKey, true);
      return;
    }
    day.queue = day.queue.then(
      () =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            // A part that fails to merge is left to the reduce (it reads every part not merged).
            try {
              if (!day.dropped) {
                day.stack.push(partialFromJson(partialJson));
                if (day.stack.parts === dayParts) day.stack.collapse();
              }
            } catch {
              this.drop(dayKey, true);
            }
            resolve();
          }),
        ),
    );
  }

  /** The day's parts merged so far (waiting for queued merges); the entry is removed. */
  async take(dayKey: string): Promise<MergedAhead | undefined> {
    const d = this.days.get(dayKey);
    if (!d) return undefined;
    await d.queue;
    clearTimeout(d.idle);
    this.days.delete(dayKey);
    return d.dropped ? undefined : { parts: d.parts, stack: d.stack };
  }

  private drop(dayKey: string, keepTombstone = false): void {
    const d = this.days.get(dayKey);
    if (!d) return;
    d.dropped = true;
    d.stack = new PartialStack(); // lets go of the merged state now, not when the entry goes
    if (!keepTombstone) {
      clearTimeout(d.idle);
      this.days.delete(dayKey);
    }
    collectWhenIdle();
  }

  /** Days held now (for tests). */
  get size(): number {
    return this.days.size;
  }
}

let shared: MergeAhead | undefined;
/** The worker process's merge-ahead (map and reduce activities of one process share it). */
export function sharedMergeAhead(): MergeAhead {
  shared ??= new MergeAhead();
  return shared;
}
