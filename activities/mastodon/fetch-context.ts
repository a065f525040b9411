import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { InstanceConfig } from '../../domain/config';
import { createHash } from 'node:crypto';
import { rawManifestKey, snapshotObservationManifestKey, snapshotObservationPageKey } from '../../domain/keys';
import { type DayObservation, keptDayObservation } from '../../domain/snapshot-observation';
import type { ErasureMatcher } from '../erasure/erasure-hash';
import { scrubBody } from '../erasure/scrub-page';
import { redactCursors } from '../erasure/scrub-raw';
import {
  RateLimitCounters,
  readManifest,
  writeManifest,
  type ManifestErasure,
  type PageEntry,
  type SourceManifest,
} from './manifest';
import { SegmentWriter } from './raw-segments';
import { type PageMeta, SourcePages } from './raw-store';
import type { MastodonSession } from './session';

// What every fetcher works with, independent of Temporal: the activity wrappers build it from
// activityInfo() (heartbeat, cancellation, attempt), the cassette tests build it by hand.

export interface FetchRuntime {
  s3: S3Client;
  bucket: string;
  /** Same for every attempt of one activity execution; pages it stored carry it. */
  fetchId: string;
  /** The activity's attempt number (1 on the first). */
  attempt: number;
  /** Heartbeat details of the previous attempt, if any. */
  resume?: unknown;
  heartbeat(details: Checkpoint): void;
  signal?: AbortSignal;
  /** Wall clock for fetchedAt; the only clock a fetcher reads. */
  now(): number;
  /** The erasure list when it names anyone (activities/erasure): erased accounts are never stored. */
  erasure?: ErasureMatcher;
}

/** Heartbeat details: the cursor and counters, never statuses (small, and free of secrets). */
export const Checkpoint = z.object({
  fetchId: z.string(),
  source: z.string(),
  pagesStored: z.number().int().min(0),
  /** The cursor the next request uses (max_id or offset), null before the first page. */
  next: z.string().nullable(),
  rateLimit: RateLimitCounters,
});
export type Checkpoint = z.output<typeof Checkpoint>;

/** The previous attempt's checkpoint, if it belongs to this fetch and source. */
export function resumeCheckpoint(rt: FetchRuntime, source: string): Checkpoint | undefined {
  const parsed = Checkpoint.safeParse(rt.resume);
  if (!parsed.success || parsed.data.fetchId !== rt.fetchId || parsed.data.source !== source) return undefined;
  return parsed.data;
}

/** A retried attempt, or one with a checkpoint: look for pages this fetch already stored. */
export function isResuming(rt: FetchRuntime): boolean {
  return rt.attempt > 1 || rt.resume != null;
}

export interface SourceTarget {
  instance: InstanceConfig;
  day: string;
  source: string;
  kind: string;
}

/** Source kinds whose pages the map step reads, and so are also written in segments. */
const SEGMENTED_KINDS = new Set(['public-timeline']);

/**
 * Source kinds that are snapshots of a moment (an account's profile: its first page only): stored
 * as observations under their own time, never overwritten (domain/snapshot-observation.ts).
 */
export const SNAPSHOT_KINDS: ReadonlySet<string> = new Set([
  'account',
  'instance',
  'activity',
  'peers',
  'trends',
  'directory',
]);

/** The observation a day already had, with that observation's own manifest. */
export interface KeptObservation {
  obs: DayObservation;
  manifest: SourceManifest;
}

/** Builds the manifest of one source as pages are stored. */
export class SourceRecorder {
  /** Where `store` puts pages: the day's folder, or the observation's while one is recorded. */
  pages: SourcePages;
  readonly entries: PageEntry[] = [];
  readonly manifestKey: string;
  private readonly segments: SegmentWriter | undefined;
  private readonly dayPages: SourcePages;
  /** The snapshot this run is taking: its time, manifest key and entries [first, end). */
  private observation: { observedAtMs: number; manifestKey: string; first: number; end?: number } | undefined;
  /** The observation the day had before this run (see keptObservation). */
  kept: KeptObservation | undefined;

  constructor(
    readonly rt: FetchRuntime,
    readonly target: SourceTarget,
  ) {
    this.dayPages = new SourcePages(rt.s3, rt.bucket, target.instance.name, target.day, target.source);
    this.pages = this.dayPages;
    this.manifestKey = rawManifestKey(target.instance.name, target.day, target.source);
    this.segments = SEGMENTED_KINDS.has(target.kind)
      ? new SegmentWriter(rt.s3, rt.bucket, target.instance.name, target.day, target.source)
      : undefined;
  }

  get nextPage(): number {
    return this.entries.length + 1;
  }

  private readonly erased = { statusesRemoved: 0, mentionsRedacted: 0, objects: [] as ManifestErasure['objects'] };
  private readonly erasedIds = new Set<string>();
  /** Pages whose cursor names an erased status: fixed once the fetch is done (a resume still needs it). */
  private readonly cursorFixes: Array<{ page: number; meta: PageMeta }> = [];

  /**
   * The body without erased accounts (statuses, profiles, mentions), counted for the manifest's
   * erasure record. Called before a page is counted (timeline-fetch.ts) and again, as a no-op
   * then, before any page is stored.
   */
  withoutErased(body: Buffer): Buffer {
    if (!this.rt.erasure) return body;
    const r = scrubBody(body, this.rt.erasure);
    if (!r.changed) return body;
    this.erased.statusesRemoved += r.statusesRemoved + r.accountsRemoved;
    this.erased.mentionsRedacted += r.mentionsRedacted;
    for (const id of r.removedIds) this.erasedIds.add(id);
    return r.wholeObjectErased ? Buffer.from('null') : r.body;
  }

  async store(raw: Buffer, entry: Omit<PageEntry, 'page' | 'key' | 'bytes'>, next: string): Promise<PageEntry> {
    const body = this.withoutErased(raw);
    const page = this.nextPage;
    const meta = { fetchId: this.rt.fetchId, next, httpStatus: entry.httpStatus, path: entry.path };
    const key = await this.pages.put(page, body, meta);
    const cursorId = next.slice(next.indexOf(':') + 1);
    if (this.erasedIds.has(cursorId))
      this.cursorFixes.push({ page, meta: { ...meta, next: `${next.slice(0, next.indexOf(':'))}:erased` } });
    const full: PageEntry = { page, key, bytes: body.length, ...entry };
    this.entries.push(full);
    if (body !== raw) this.erased.objects.push({ key, bytes: body.length, sha256: sha256(body) });
    await this.segments?.add(page, body);
    return full;
  }

  /** Adopt a page a previous attempt stored (already in S3, not stored again; its segment is). */
  async adopt(
    page: number,
    key: string,
    body: Buffer,
    entry: Omit<PageEntry, 'page' | 'key' | 'bytes'>,
  ): Promise<PageEntry> {
    if (page !== this.nextPage) throw new Error(`recovered page ${page} out of order (expected ${this.nextPage})`);
    const full: PageEntry = { page, key, bytes: body.length, ...entry };
    this.entries.push(full);
    await this.segments?.add(page, body);
    return full;
  }

  /**
   * The observation the day already has, if any (also kept in `kept`). A day manifest from before
   * observations had keys is read as an observation taken at its `fetchedAt` (the moment that
   * fetch finished, the best time it recorded): an observation manifest is written for it, naming
   * its pages where they are, so the next manifest of the day loses nothing.
   */
  async keptObservation(): Promise<KeptObservation | undefined> {
    const { s3, bucket } = this.rt;
    const day = await readManifest(s3, bucket, this.manifestKey).catch((err: unknown) => {
      if (isNoSuchKey(err)) return undefined;
      throw err;
    });
    if (!day) return undefined;
    if (day.observation) {
      // Gone only if purged by the raw retention: then the day has nothing left to keep.
      const manifest = await readManifest(s3, bucket, day.observation.manifestKey).catch((err: unknown) => {
        if (isNoSuchKey(err)) return undefined;
        throw err;
      });
      if (!manifest) return undefined;
      this.kept = { obs: day.observation, manifest };
      return this.kept;
    }
    const legacyPages = this.target.kind === 'account' ? day.pages.slice(0, 1) : day.pages;
    if (!day.complete || day.unavailable || day.error || legacyPages.length === 0) return undefined;
    if (this.target.kind === 'account' && !day.profile) return undefined;
    const observedAtMs = Date.parse(day.fetchedAt);
    const key = snapshotObservationManifestKey(this.target.instance.name, this.target.source, observedAtMs, 'legacy');
    const manifest: SourceManifest = {
      ...day,
      pages: legacyPages,
      segments: undefined,
      statusesInWindow: 0,
      duplicates: 0,
      outsideWindow: undefined,
      observedAt: day.fetchedAt,
      migratedFrom: this.manifestKey,
    };
    await writeManifest(s3, bucket, key, stripUndefined(manifest));
    this.kept = { obs: { observedAt: day.fetchedAt, manifestKey: key, firstFetchedAt: day.fetchedAt }, manifest };
    return this.kept;
  }

  /** From here on `store` writes the snapshot taken at `observedAtMs`, under its own key. */
  observe(observedAtMs: number): void {
    const { instance, source } = this.target;
    const fetchId = this.rt.fetchId;
    this.observation = {
      observedAtMs,
      manifestKey: snapshotObservationManifestKey(instance.name, source, observedAtMs, fetchId),
      first: this.entries.length,
    };
    this.pages = new SourcePages(this.rt.s3, this.rt.bucket, instance.name, this.target.day, source, (page) =>
      snapshotObservationPageKey(instance.name, source, observedAtMs, fetchId, page),
    );
  }

  /** The snapshot is whole (an account's profile): later pages go to the day's folder again. */
  endObservation(): void {
    if (this.observation) this.observation.end = this.entries.length;
    this.pages = this.dayPages;
  }

  private lastNext: string | null = null;

  checkpoint(session: MastodonSession, next: string | null): Checkpoint {
    this.lastNext = next;
    return {
      fetchId: this.rt.fetchId,
      source: this.target.source,
      pagesStored: this.entries.length,
      next,
      rateLimit: { ...session.counters },
    };
  }

  /** Heartbeat the latest cursor again (while waiting for the rate budget). */
  beat(session: MastodonSession): void {
    this.rt.heartbeat(this.checkpoint(session, this.lastNext));
  }

  /** Write the manifest (last), after removing pages an earlier longer run left behind. */
  async finish(session: MastodonSession, fields: ManifestFields): Promise<SourceManifest> {
    // A snapshot source's day folder holds only earlier runs' snapshots (kept as observations)
    // and, for an account, its statuses after page 1: only those are trimmed.
    if (!SNAPSHOT_KINDS.has(this.target.kind) || this.target.kind === 'account')
      await this.dayPages.removeAfter(this.entries.length);
    // Cursors name statuses, and status pages live in the day's folder (never an observation's).
    for (const fix of this.cursorFixes) await this.dayPages.replaceMeta(fix.page, fix.meta);
    const segments = await this.segments?.finish();
    let manifest: SourceManifest = {
      manifestVersion: 1,
      instance: this.target.instance.name,
      source: this.target.source,
      day: this.target.day,
      kind: this.target.kind,
      pages: this.entries,
      ...(segments ? { segments } : {}),
      statusesInWindow: fields.statusesInWindow ?? 0,
      duplicates: fields.duplicates ?? 0,
      ...(fields.outsideWindow ? { outsideWindow: fields.outsideWindow } : {}),
      brokenRecords: fields.brokenRecords ?? 0,
      complete: fields.complete,
      ...(fields.unavailable ? { unavailable: fields.unavailable } : {}),
      ...(fields.error ? { error: fields.error } : {}),
      cursors: redactCursors(fields.cursors ?? {}, this.erasedIds),
      ...(fields.profile ? { profile: fields.profile } : {}),
      ...(fields.instanceInfo ? { instanceInfo: fields.instanceInfo } : {}),
      ...(this.erased.statusesRemoved + this.erased.mentionsRedacted > 0
        ? {
            erasures: [
              {
                at: new Date(this.rt.now()).toISOString(),
                reason: 'fetch' as const,
                accountHashes: [...(this.rt.erasure?.matchedHashes ?? [])].sort(),
                ...this.erased,
              },
            ],
          }
        : {}),
      fetchedAt: new Date(this.rt.now()).toISOString(),
      attempts: this.rt.attempt,
      rateLimit: { ...session.counters },
    };
    if (this.observation) manifest = await this.finishObservation(manifest, fields);
    else if (this.kept) manifest = { ...manifest, observation: this.kept.obs };
    await writeManifest(this.rt.s3, this.rt.bucket, this.manifestKey, manifest);
    return manifest;
  }

  /**
   * Write the observation's own manifest, then make the day's manifest name the observation the
   * day keeps (keptDayObservation), with that observation's pages and summary.
   */
  private async finishObservation(day: SourceManifest, fields: ManifestFields): Promise<SourceManifest> {
    const o = this.observation!;
    const end = o.end ?? this.entries.length;
    const snapshotPages = this.entries.slice(o.first, end);
    const others = [...this.entries.slice(0, o.first), ...this.entries.slice(end)];
    const whole = o.end !== undefined || (fields.complete && !fields.error && !fields.unavailable);
    if (!whole || snapshotPages.length === 0) return this.kept ? { ...day, observation: this.kept.obs } : day;
    const observedAt = new Date(o.observedAtMs).toISOString();
    const own: SourceManifest = {
      ...day,
      pages: snapshotPages,
      segments: undefined,
      statusesInWindow: 0,
      duplicates: 0,
      outsideWindow: undefined,
      cursors: this.target.kind === 'account' ? {} : day.cursors,
      complete: true,
      error: undefined,
      observedAt,
    };
    await writeManifest(this.rt.s3, this.rt.bucket, o.manifestKey, stripUndefined(own));
    const chosen = keptDayObservation(this.target.day, this.kept?.obs, { observedAt, manifestKey: o.manifestKey });
    const from = chosen.manifestKey === o.manifestKey ? own : this.kept!.manifest;
    return stripUndefined({
      ...day,
      pages: [...from.pages, ...others],
      cursors: this.target.kind === 'account' ? day.cursors : from.cursors,
      profile: from.profile,
      instanceInfo: from.instanceInfo,
      observation: chosen,
    });
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function isNoSuchKey(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

export type ManifestFields = Partial<
  Pick<
    SourceManifest,
    | 'statusesInWindow'
    | 'duplicates'
    | 'outsideWindow'
    | 'brokenRecords'
    | 'unavailable'
    | 'error'
    | 'cursors'
    | 'profile'
    | 'instanceInfo'
  >
> & { complete: boolean };

export type SessionFactory = (opts: { onWait: () => void; counters?: Checkpoint['rateLimit'] }) => MastodonSession;

/** The recorder and session of one source; the session heartbeats the recorder's cursor. */
export function openSource(
  rt: FetchRuntime,
  target: SourceTarget,
  newSession: SessionFactory,
): { rec: SourceRecorder; session: MastodonSession } {
  const rec = new SourceRecorder(rt, target);
  const cp = resumeCheckpoint(rt, target.source);
  const session: MastodonSession = newSession({ onWait: () => rec.beat(session), counters: cp?.rateLimit });
  return { rec, session };
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
