import { createStatusMapper, type FamilyName, type IdRange, type MapCounts } from '../../domain/metrics';

// The body of one map part, free of Temporal and of any particular S3 client so it runs the
// same in a map worker thread (map-thread.ts) and in the activity's own thread (mapThreads: 0).
// Pages are read a few ahead of the one being mapped, so network waits overlap the CPU work.

export interface MapPagesJob {
  /** The part's raw page keys, in page order. */
  pageKeys: string[];
  windowStartMs: number;
  windowEndMs: number;
  idRange: IdRange;
  families?: FamilyName[];
}

export interface MapPagesOutput {
  /** The combined partial, serialised once here rather than copied across threads as objects. */
  partialJson: string;
  /** Quarantine lines (NDJSON, no trailing newline): each bad record or page with its reason. */
  bad: string[];
  counts: MapCounts;
}

export type ReadText = (key: string) => Promise<string | undefined>;

/** How many page GETs are in flight ahead of the page being mapped. */
export const READ_AHEAD = 4;

export class MissingPageError extends Error {
  constructor(readonly key: string) {
    super(`raw page ${key} is missing`);
    this.name = 'MissingPageError';
  }
}

export async function mapPages(job: MapPagesJob, read: ReadText, onProgress?: (pagesDone: number) => void): Promise<MapPagesOutput> {
  const mapper = createStatusMapper({
    windowStartMs: job.windowStartMs,
    windowEndMs: job.windowEndMs,
    idRange: job.idRange,
    ...(job.families ? { families: job.families } : {}),
  });
  const bad: string[] = [];
  const keys = job.pageKeys;
  const inflight: Array<Promise<string | undefined>> = [];
  let next = 0;
  const fill = (): void => {
    while (next < keys.length && inflight.length < READ_AHEAD) inflight.push(read(keys[next++]!));
  };
  for (let i = 0; i < keys.length; i++) {
    fill();
    const text = await inflight.shift()!;
    const key = keys[i]!;
    if (text === undefined) throw new MissingPageError(key);
    let records: unknown;
    try {
      records = JSON.parse(text);
    } catch (err) {
      // A page that is not JSON at all is kept aside whole, with the reason.
      bad.push(JSON.stringify({ ref: key, reason: `page is not valid JSON: ${(err as Error).message}` }));
      continue;
    }
    if (!Array.isArray(records)) {
      bad.push(JSON.stringify({ ref: key, reason: 'page body is not an array of statuses' }));
      continue;
    }
    mapper.add(records as unknown[], key);
    onProgress?.(i + 1);
  }
  const { partial, quarantined } = mapper.finish();
  // Nothing is dropped silently: each bad record goes aside with its reason. Its page is read
  // again for this (rare) case rather than every page being kept in memory.
  let cached: { ref?: string; records?: unknown[] } = {};
  for (const q of quarantined) {
    if (cached.ref !== q.ref) cached = { ref: q.ref, records: JSON.parse((await read(q.ref!)) ?? '[]') as unknown[] };
    bad.push(JSON.stringify({ ref: q.ref, index: q.index, id: q.id, reason: q.reason, record: cached.records?.[q.index] }));
  }
  return { partialJson: JSON.stringify(partial), bad, counts: partial.counts };
}
