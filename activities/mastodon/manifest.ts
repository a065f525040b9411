import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { putJson } from './raw-store';

// `_manifest.json`: one per source, instance and day, written LAST — after every page of the
// source is stored — so its presence with `complete: true` says the raw pages listed are the
// whole fetch. Readers take the page list from here, never from listing the prefix.

export const PageEntry = z.strictObject({
  page: z.number().int().min(1),
  key: z.string(),
  /** Request path and query (origin and token never included). */
  path: z.string(),
  httpStatus: z.number().int(),
  bytes: z.number().int().min(0),
  /** Records on the page (statuses, accounts, tags, peers...; 1 for an object body). */
  count: z.number().int().min(0),
  /** Timelines: new statuses on the page with created_at in [day, day+1). */
  inWindow: z.number().int().min(0).optional(),
  duplicates: z.number().int().min(0).optional(),
  /** Timelines: newest and oldest status ID on the page. */
  firstId: z.string().optional(),
  lastId: z.string().optional(),
});
export type PageEntry = z.output<typeof PageEntry>;

/** A segment object: pages fromPage..toPage (inclusive), one body per line (see raw-segments.ts). */
export const SegmentEntry = z.strictObject({
  key: z.string(),
  fromPage: z.number().int().min(1),
  toPage: z.number().int().min(1),
  bytes: z.number().int().min(0),
});
export type SegmentEntry = z.output<typeof SegmentEntry>;

export const RateLimitCounters = z.strictObject({
  /** HTTP requests sent for this source (429s and retried attempts included). */
  requests: z.number().int().min(0),
  /** Requests that had to wait for the rate budget, and for how long in all. */
  waits: z.number().int().min(0),
  waitedMs: z.number().min(0),
  http429: z.number().int().min(0),
});
export type RateLimitCounters = z.output<typeof RateLimitCounters>;

/**
 * An erasure applied to this source (activities/erasure): at fetch time (statuses of erased
 * accounts dropped before the page was stored) or afterwards by `mastoflow forget` (pages and
 * segments rewritten). Raw stays verifiable: every object named here is listed with the size and
 * SHA-256 of its bytes after the rewrite; kept statuses keep their received bytes.
 */
export const ManifestErasure = z.strictObject({
  at: z.string(),
  reason: z.enum(['fetch', 'request', 'opt-out']),
  accountHashes: z.array(z.string()),
  statusesRemoved: z.number().int().min(0),
  mentionsRedacted: z.number().int().min(0),
  objects: z.array(z.strictObject({ key: z.string(), bytes: z.number().int().min(0), sha256: z.string() })),
});
export type ManifestErasure = z.output<typeof ManifestErasure>;

export const SourceManifest = z.strictObject({
  manifestVersion: z.literal(1),
  /** Instance name from the config (the `instance=` key segment). */
  instance: z.string(),
  source: z.string(),
  day: z.string(),
  /** Which fetcher wrote it: public-timeline, tag-timeline, account, instance, ... */
  kind: z.string(),
  pages: z.array(PageEntry),
  /** Timelines: the same pages in segments for the map step (absent in manifests from before). */
  segments: z.array(SegmentEntry).optional(),
  /** Distinct statuses created on the day (timelines and account statuses); 0 otherwise. */
  statusesInWindow: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  /** Statuses outside the day that the widened ID window also returned. */
  outsideWindow: z
    .strictObject({ before: z.number().int(), after: z.number().int(), undated: z.number().int() })
    .optional(),
  /** Records without a usable ID (kept in the raw page for the map step to quarantine). */
  brokenRecords: z.number().int().min(0),
  /** The fetch ran to its end (or found the source unavailable, see `unavailable`). */
  complete: z.boolean(),
  /** A closed feed: a fact about the instance, not a failure. */
  unavailable: z.strictObject({ reason: z.string(), httpStatus: z.number().int() }).optional(),
  /** A non-retryable refusal (4xx) that failed the fetch. */
  error: z.strictObject({ message: z.string(), httpStatus: z.number().int() }).optional(),
  cursors: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  /** Tracked accounts: the profile snapshot (counts at fetch time). */
  profile: z
    .strictObject({
      id: z.string(),
      acct: z.string(),
      followersCount: z.number(),
      followingCount: z.number(),
      statusesCount: z.number(),
    })
    .optional(),
  /** Instance info: which API answered and what it says, in a few fields. */
  instanceInfo: z.strictObject({ api: z.enum(['v2', 'v1']), domain: z.string(), version: z.string() }).optional(),
  /** Erasures applied to the pages and segments (absent when none). */
  erasures: z.array(ManifestErasure).optional(),
  fetchedAt: z.string(),
  /**
   * Snapshot observations (their own manifest, under the observation's key): when the snapshot
   * was taken — the server's `Date` header, else the worker clock (see domain/snapshot-observation.ts).
   */
  observedAt: z.string().optional(),
  /** An observation made from a day manifest written before observations had keys: that manifest's key. */
  migratedFrom: z.string().optional(),
  /**
   * A day's manifest of a snapshot source: the observation the day uses (its pages and profile
   * are copied here), and when the day was first fetched. Absent in manifests from before.
   */
  observation: z
    .strictObject({ observedAt: z.string(), manifestKey: z.string(), firstFetchedAt: z.string() })
    .optional(),
  /** Attempts of the activity that contributed pages (1 unless it resumed after a failure). */
  attempts: z.number().int().min(1),
  rateLimit: RateLimitCounters,
});
export type SourceManifest = z.output<typeof SourceManifest>;

export async function writeManifest(
  s3: S3Client,
  bucket: string,
  key: string,
  manifest: SourceManifest,
): Promise<void> {
  await putJson(s3, bucket, key, SourceManifest.parse(manifest));
}

export async function readManifest(s3: S3Client, bucket: string, key: string): Promise<SourceManifest> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return SourceManifest.parse(JSON.parse(await r.Body!.transformToString()));
}

/** What every fetch activity returns: references and counts, never statuses. */
export interface FetchResult {
  manifestKey: string;
  pages: number;
  statusesInWindow: number;
  complete: boolean;
  unavailable?: { reason: string; httpStatus: number };
}

export function fetchResult(key: string, m: SourceManifest): FetchResult {
  return {
    manifestKey: key,
    pages: m.pages.length,
    statusesInWindow: m.statusesInWindow,
    complete: m.complete,
    ...(m.unavailable ? { unavailable: m.unavailable } : {}),
  };
}
