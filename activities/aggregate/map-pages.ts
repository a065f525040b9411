import { createStatusMapper, type FamilyName, type IdRange, type MapCounts, partialToJson } from '../../domain/metrics';
import { ErasureMatcher } from '../erasure/erasure-hash';
import { parsePageBytes } from './page-json';

// The body of one map part, free of Temporal and of any particular S3 client so it runs the
// same in a map worker thread (map-thread.ts) and in the activity's own thread (mapThreads: 0).
// Pages are read a few ahead of the one being mapped, so network waits overlap the CPU work.

/** One raw page of a part: its own key (named in quarantine entries) and, when the fetcher also
 * wrote it into a segment, that segment and its line (0-based) there. */
export interface PageRead {
  key: string;
  segment?: { key: string; line: number };
}

export interface MapPagesJob {
  /** The part's raw pages, in page order. */
  pages: PageRead[];
  windowStartMs: number;
  windowEndMs: number;
  idRange: IdRange;
  families?: FamilyName[];
  /** The erasure list (activities/erasure): statuses of these accounts are not counted. */
  erased?: { hashes: string[]; secret: string };
}

/** Where a part's time went, ms of wall time (the part's log line; see bench:mapreduce). */
export interface MapPartTimings {
  /** Waiting for the part's objects to arrive. */
  waitMs: number;
  /** Decoding and JSON.parse of the pages. */
  parseMs: number;
  /** Validating and folding the statuses into the families (the kernel). */
  foldMs: number;
  /** Sealing the accumulators and serialising the partial (and re-reading the pages of any quarantined record). */
  sealMs: number;
}

export interface MapPagesOutput {
  /** The combined partial, serialised once here rather than copied across threads as objects. */
  partialJson: string;
  timings: MapPartTimings;
  /** Quarantine lines (NDJSON, no trailing newline): each bad record or page with its reason. */
  bad: string[];
  counts: MapCounts;
}

/**
 * The reads for pages from..to of a source: from its segments when the manifest lists them
 * (each page inside exactly one), else one object per page.
 */
export function pageReads(
  pages: readonly { page: number; key: string }[],
  segments: readonly { key: string; fromPage: number; toPage: number }[] | undefined,
  from: number,
  to: number,
): PageRead[] {
  const out: PageRead[] = [];
  let s = 0;
  for (const p of pages) {
    if (p.page < from || p.page > to) continue;
    if (!segments) {
      out.push({ key: p.key });
      continue;
    }
    while (s < segments.length && segments[s]!.toPage < p.page) s++;
    const seg = segments[s];
    if (!seg || seg.fromPage > p.page) throw new Error(`page ${p.page} (${p.key}) is in no segment of the manifest`);
    out.push({ key: p.key, segment: { key: seg.key, line: p.page - seg.fromPage } });
  }
  return out;
}

/** An object's bytes (undefined when there is no such key). Pages are parsed from bytes: see page-json.ts. */
export type ReadBytes = (key: string) => Promise<Buffer | undefined>;
/** Hands back an object's bytes once every page in it is parsed (a map thread reuses them: body-buffers.ts). */
export type ReleaseBytes = (bytes: Buffer) => void;

/** Where a part's results go, and the storage calls to put them there. */
export interface MapPartJob extends MapPagesJob {
  partialKey: string;
  quarantineKey: string;
  /** Hand the stored partial's JSON back too (the worker merges it ahead of the reduce: merged-ahead.ts). */
  returnPartial?: boolean;
}
export interface PartStore {
  read: ReadBytes;
  release?: ReleaseBytes;
  put(key: string, body: string, contentType: string): Promise<void>;
  del(key: string): Promise<void>;
}
export interface MapPartSummary {
  counts: MapCounts;
  /** Mapping, plus `storeMs`: writing the partial and the quarantine. */
  timings: MapPartTimings & { storeMs: number };
  /** Quarantine lines written (bad records, and whole pages that are not JSON arrays). */
  quarantined: number;
  /** The partial's JSON exactly as stored, when the job asked for it (`returnPartial`). */
  partialJson?: string;
}

/** Runs a part's mapping when its turn comes (a map thread maps one part at a time). */
export type MapTurn = (work: () => Promise<MapPagesOutput>) => Promise<MapPagesOutput>;

/**
 * Maps a part and stores its partial (and its quarantine, or removes a stale one), returning
 * counts, and the partial's JSON only when the job asks for it.
 */
export async function mapPartToStore(
  job: MapPartJob,
  store: PartStore,
  onProgress?: (pagesDone: number) => void,
  turn?: MapTurn,
): Promise<MapPartSummary> {
  const work = () => mapPages(job, store.read, onProgress, store.release);
  const out = await (turn ? turn(work) : work());
  const stored = performance.now();
  if (out.bad.length > 0) await store.put(job.quarantineKey, `${out.bad.join('\n')}\n`, 'application/x-ndjson');
  else await store.del(job.quarantineKey);
  await store.put(job.partialKey, out.partialJson, 'application/json');
  return {
    counts: out.counts,
    quarantined: out.bad.length,
    timings: { ...out.timings, storeMs: performance.now() - stored },
    ...(job.returnPartial ? { partialJson: out.partialJson } : {}),
  };
}

/** Objects in flight, counting the one being mapped: pages are ~85 KB, segments ~5 MB. */
export const PAGES_IN_FLIGHT = 4;
export const SEGMENTS_IN_FLIGHT = 2;

export class MissingPageError extends Error {
  constructor(readonly key: string) {
    super(`raw object ${key} is missing`);
    this.name = 'MissingPageError';
  }
}

/** The objects a part reads, in order: each segment once, or each page. */
export function objectsToRead(job: Pick<MapPagesJob, 'pages'>): string[] {
  const objects: string[] = [];
  for (const p of job.pages) {
    const key = p.segment?.key ?? p.key;
    if (objects[objects.length - 1] !== key) objects.push(key);
  }
  return objects;
}

const NEWLINE = 0x0a;

/** A segment's bytes and where each of its lines starts (a newline byte is never inside a UTF-8 sequence). */
class SegmentLines {
  private readonly starts: number[] = [0];
  constructor(readonly bytes: Buffer) {
    for (let i = bytes.indexOf(NEWLINE); i >= 0; i = bytes.indexOf(NEWLINE, i + 1)) this.starts.push(i + 1);
  }
  line(n: number): Buffer | undefined {
    const from = this.starts[n];
    const to = this.starts[n + 1];
    return from === undefined || to === undefined ? undefined : this.bytes.subarray(from, to - 1);
  }
}

export async function mapPages(
  job: MapPagesJob,
  read: ReadBytes,
  onProgress?: (pagesDone: number) => void,
  release?: ReleaseBytes,
): Promise<MapPagesOutput> {
  const mapper = createStatusMapper({
    windowStartMs: job.windowStartMs,
    windowEndMs: job.windowEndMs,
    idRange: job.idRange,
    ...(job.families ? { families: job.families } : {}),
  });
  const bad: string[] = [];
  const erased = job.erased ? new ErasureMatcher(new Set(job.erased.hashes), job.erased.secret) : undefined;
  const objects = objectsToRead(job);
  const limit = job.pages.some((p) => p.segment) ? SEGMENTS_IN_FLIGHT : PAGES_IN_FLIGHT;
  const inflight: Array<Promise<Buffer | undefined>> = [];
  let next = 0;
  let current: { key: string; bytes: Buffer; segment?: SegmentLines } | undefined;
  const timings: MapPartTimings = { waitMs: 0, parseMs: 0, foldMs: 0, sealMs: 0 };
  const take = async (key: string): Promise<{ key: string; bytes: Buffer; segment?: SegmentLines }> => {
    if (current?.key === key) return current;
    // Every page of the previous object is parsed into strings by now: its bytes can be reused.
    if (current) release?.(current.bytes);
    current = undefined;
    while (next < objects.length && inflight.length < limit) inflight.push(read(objects[next++]!));
    const waited = performance.now();
    const bytes = await inflight.shift()!;
    timings.waitMs += performance.now() - waited;
    if (bytes === undefined) throw new MissingPageError(key);
    current = { key, bytes };
    return current;
  };
  try {
    await mapEach();
  } finally {
    if (current) release?.(current.bytes);
    current = undefined;
  }
  async function mapEach(): Promise<void> {
    for (let i = 0; i < job.pages.length; i++) {
      const page = job.pages[i]!;
      let bytes: Buffer | undefined;
      if (page.segment) {
        const obj = await take(page.segment.key);
        obj.segment ??= new SegmentLines(obj.bytes);
        bytes = obj.segment.line(page.segment.line);
        if (bytes === undefined) throw new MissingPageError(`${page.segment.key} line ${page.segment.line + 1}`);
      } else {
        bytes = (await take(page.key)).bytes;
      }
      let parsed: ReturnType<typeof parsePageBytes>;
      const parsing = performance.now();
      try {
        parsed = parsePageBytes(bytes);
        timings.parseMs += performance.now() - parsing;
      } catch (err) {
        // A page that is not JSON at all is kept aside whole, with the reason.
        bad.push(JSON.stringify({ ref: page.key, reason: `page is not valid JSON: ${(err as Error).message}` }));
        continue;
      }
      if (!Array.isArray(parsed.value)) {
        bad.push(JSON.stringify({ ref: page.key, reason: 'page body is not an array of statuses' }));
        continue;
      }
      const folding = performance.now();
      mapper.add(erased ? withoutErased(parsed.value, erased) : (parsed.value as unknown[]), page.key, parsed.decoder);
      timings.foldMs += performance.now() - folding;
      onProgress?.(i + 1);
    }
  }
  const sealing = performance.now();
  const { partial, quarantined } = mapper.finish();
  // Nothing is dropped silently: each bad record goes aside with its reason. Its page is read
  // again for this (rare) case rather than every page being kept in memory.
  let cached: { ref?: string; records?: unknown[] } = {};
  for (const q of quarantined) {
    if (cached.ref !== q.ref) {
      const records = JSON.parse((await read(q.ref!))?.toString('utf8') ?? '[]') as unknown[];
      // Indices are into the page as mapped: without erased accounts' records.
      cached = { ref: q.ref, records: erased && Array.isArray(records) ? withoutErased(records, erased) : records };
    }
    bad.push(
      JSON.stringify({ ref: q.ref, index: q.index, id: q.id, reason: q.reason, record: cached.records?.[q.index] }),
    );
  }
  const partialJson = partialToJson(partial);
  timings.sealMs += performance.now() - sealing;
  return { partialJson, bad, counts: partial.counts, timings };
}

/**
 * The page's records minus those of erased accounts (their own statuses and boosts of them), so
 * a raw object written before the erasure, or a reprocess, can never count them again. Accts and
 * profile URLs are ASCII (Mastodon's username and domain rules), so their undecoded strings
 * (page-json.ts) are their text.
 */
function withoutErased(records: unknown[], erased: ErasureMatcher): unknown[] {
  return records.filter((r) => {
    if (typeof r !== 'object' || r === null) return true;
    const s = r as { account?: unknown; reblog?: { account?: unknown } | null };
    return !erased.matchesAccount(s.account) && !erased.matchesAccount(s.reblog?.account);
  });
}
