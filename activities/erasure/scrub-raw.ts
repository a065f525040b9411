import { createHash } from 'node:crypto';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { rawDayPrefix } from '../../domain/keys';
import { fetchWindow } from '../../domain/paging';
import { SourceManifest, writeManifest, type ManifestErasure } from '../mastodon/manifest';
import { segmentLine } from '../mastodon/raw-segments';
import { deleteKeys, keyPagesUnder } from '../store/s3-listing';
import type { ErasureMatcher } from './erasure-hash';
import { scrubBody } from './scrub-page';

// Erasure in the raw store of one (instance, day): every page and segment object of every source
// is read; those holding an erased account are rewritten without it (scrub-page.ts), a source
// that is the erased account itself (a tracked account's lookup and statuses) is deleted whole,
// and each source manifest records what was removed, with the new size and SHA-256 of every
// object rewritten, so the raw store stays verifiable: the manifest's sizes match the objects,
// and the erasure records say which ones differ from what the server sent and how.

export interface RawDayScrub {
  instance: string;
  day: string;
  statusesRemoved: number;
  mentionsRedacted: number;
  objectsRewritten: number;
  objectsDeleted: number;
  /** The day's raw held the account now, or a manifest records an earlier erasure of it. */
  touched: boolean;
}

interface Obj {
  body: Buffer;
  metadata: Record<string, string>;
  contentType?: string;
}

async function getObj(s3: S3Client, bucket: string, key: string): Promise<Obj | undefined> {
  try {
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await r.Body!.transformToByteArray();
    return {
      body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      metadata: r.Metadata ?? {},
      ...(r.ContentType ? { contentType: r.ContentType } : {}),
    };
  } catch (err) {
    if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
    throw err;
  }
}

async function putObj(s3: S3Client, bucket: string, key: string, o: Obj): Promise<void> {
  // The page's metadata (fetch id, cursor, status, path) is kept: it says how the page was fetched.
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: o.body, Metadata: o.metadata, ContentType: o.contentType }),
  );
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Scrub the segment's lines (one page body each) the same way as the pages. */
function scrubSegment(body: Buffer, matcher: ErasureMatcher, domains: readonly string[]) {
  const lines = body.toString('latin1').split('\n');
  const tail = lines.pop(); // '' after the last newline
  let changed = false;
  const out = lines.map((l) => {
    const r = scrubBody(Buffer.from(l, 'latin1'), matcher, { domains });
    if (!r.changed) return Buffer.from(l, 'latin1');
    changed = true;
    return segmentLine(r.body);
  });
  if (!changed) return undefined;
  const parts: Buffer[] = [];
  for (const b of out) parts.push(b, Buffer.from('\n'));
  if (tail) parts.push(Buffer.from(tail, 'latin1'));
  return Buffer.concat(parts);
}

export async function scrubRawDay(
  s3: S3Client,
  bucket: string,
  matcher: ErasureMatcher,
  target: {
    instance: string;
    day: string;
    domains: readonly string[];
    accountHash: string;
    reason: 'request' | 'opt-out';
    at: string;
  },
  onObject?: () => void,
): Promise<RawDayScrub> {
  const w = fetchWindow(target.day);
  const window = { fromMs: w.startMs, toMs: w.endMs };
  const result: RawDayScrub = {
    instance: target.instance,
    day: target.day,
    statusesRemoved: 0,
    mentionsRedacted: 0,
    objectsRewritten: 0,
    objectsDeleted: 0,
    touched: false,
  };
  const bySource = new Map<string, string[]>();
  for await (const keys of keyPagesUnder(s3, bucket, rawDayPrefix(target.instance, target.day)))
    for (const k of keys) {
      const src = k.slice(0, k.lastIndexOf('/') + 1);
      bySource.set(src, [...(bySource.get(src) ?? []), k]);
    }
  // A status ID is a trace of the status (its snowflake says when it was written): cursors and
  // page summaries that name a removed one say `erased` instead (no reader uses a finished
  // fetch's cursors; a resumed fetch only reads those of its own, unfinished fetch).
  const removed = new Set<string>();
  for (const [prefix, keys] of bySource) {
    const manifestKey = `${prefix}_manifest.json`;
    const mObj = keys.includes(manifestKey) ? await getObj(s3, bucket, manifestKey) : undefined;
    const parsed = mObj ? SourceManifest.safeParse(JSON.parse(mObj.body.toString('utf8'))) : undefined;
    const manifest = parsed?.success ? parsed.data : undefined;
    if (manifest?.erasures?.some((e) => e.accountHashes.includes(target.accountHash))) result.touched = true;
    // A source that is the account itself (tracked once, since removed from the config): all of it goes.
    if (manifest?.profile && matcher.matches(manifest.profile.acct, undefined, target.domains)) {
      await deleteKeys(s3, bucket, keys);
      result.objectsDeleted += keys.length;
      result.touched = true;
      continue;
    }
    const objects: ManifestErasure['objects'] = [];
    const erasure = { statusesRemoved: 0, mentionsRedacted: 0 };
    let wholeSource = false;
    for (const key of keys) {
      onObject?.();
      const isPage = /\/page-(\d+)\.json$/.exec(key);
      const isSegment = /\/segment-\d+\.ndjson$/.test(key);
      if (!isPage && !isSegment) continue;
      const o = await getObj(s3, bucket, key);
      if (!o) continue;
      if (isSegment) {
        const body = scrubSegment(o.body, matcher, target.domains);
        if (!body) continue;
        await putObj(s3, bucket, key, { ...o, body });
        objects.push({ key, bytes: body.length, sha256: sha256(body) });
        result.objectsRewritten++;
        const seg = manifest?.segments?.find((s) => s.key === key);
        if (seg) seg.bytes = body.length;
        continue;
      }
      const r = scrubBody(o.body, matcher, { domains: target.domains, window });
      for (const id of r.removedIds) removed.add(id);
      const next = o.metadata.next ?? '';
      const cursorNamesRemoved = [...removed].some((id) => next.endsWith(`:${id}`));
      if (cursorNamesRemoved) o.metadata = { ...o.metadata, next: `${next.slice(0, next.indexOf(':'))}:erased` };
      if (!r.changed && cursorNamesRemoved) {
        await putObj(s3, bucket, key, o);
        objects.push({ key, bytes: o.body.length, sha256: sha256(o.body) });
        result.objectsRewritten++;
        continue;
      }
      if (!r.changed) continue;
      if (r.wholeObjectErased) {
        wholeSource = true;
        break;
      }
      await putObj(s3, bucket, key, { ...o, body: r.body });
      objects.push({ key, bytes: r.body.length, sha256: sha256(r.body) });
      result.objectsRewritten++;
      erasure.statusesRemoved += r.statusesRemoved + r.accountsRemoved;
      erasure.mentionsRedacted += r.mentionsRedacted;
      const entry = manifest?.pages.find((p) => p.key === key);
      if (entry && manifest) {
        entry.bytes = r.body.length;
        entry.count = Math.max(0, entry.count - r.statusesRemoved - r.accountsRemoved);
        if (entry.inWindow !== undefined) entry.inWindow = Math.max(0, entry.inWindow - r.removedInWindow);
        if (r.firstId) entry.firstId = r.firstId;
        else delete entry.firstId;
        if (r.lastId) entry.lastId = r.lastId;
        else delete entry.lastId;
        manifest.statusesInWindow = Math.max(0, manifest.statusesInWindow - r.removedInWindow);
      }
    }
    if (wholeSource) {
      await deleteKeys(s3, bucket, keys);
      result.objectsDeleted += keys.length;
      result.touched = true;
      continue;
    }
    if (objects.length === 0) continue;
    result.touched = true;
    result.statusesRemoved += erasure.statusesRemoved;
    result.mentionsRedacted += erasure.mentionsRedacted;
    if (manifest) {
      manifest.cursors = redactCursors(manifest.cursors, removed);
      manifest.erasures = [
        ...(manifest.erasures ?? []),
        {
          at: target.at,
          reason: target.reason,
          accountHashes: [target.accountHash],
          ...erasure,
          objects,
        },
      ];
      await writeManifest(s3, bucket, manifestKey, manifest);
    }
  }
  return result;
}

/** Cursor values naming a removed status become `erased`. */
export function redactCursors<T extends Record<string, string | number | null>>(
  cursors: T,
  removed: ReadonlySet<string>,
): T {
  const out: Record<string, string | number | null> = { ...cursors };
  for (const [k, v] of Object.entries(out)) if (typeof v === 'string' && removed.has(v)) out[k] = 'erased';
  return out as T;
}
