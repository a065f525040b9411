import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { rawPageKey, rawSourcePrefix } from '../../domain/keys';
import { deleteKeys, keyPagesUnder } from '../store/s3-listing';

// The raw pages of one source of one instance and day, in S3 under deterministic keys
// (raw/v1/instance=<host>/date=<day>/source=<source>/page-00001.json). Every body is stored as
// the bytes the server sent. Each object carries, as S3 metadata, the id of the fetch that
// stored it and the cursor that follows it: a retried attempt of the same activity finds the
// pages its crashed predecessor stored (even those stored after the last heartbeat reached
// Temporal), continues after them and never stores a page twice; a page left by an earlier run
// of the same day has another fetch id and is overwritten.

export interface PageMeta {
  fetchId: string;
  /** What follows the page: `max_id:<id>`, `offset:<n>`, or `end:<reason>`. */
  next: string;
  httpStatus: number;
  /** Request path and query that produced the page. */
  path: string;
}

export interface StoredPage {
  page: number;
  key: string;
  body: Buffer;
  meta: PageMeta;
}

export class SourcePages {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    readonly host: string,
    readonly day: string,
    readonly source: string,
    /** Snapshot observations keep their pages under the observation's own key (domain/keys.ts). */
    private readonly keyOf?: (page: number) => string,
  ) {}

  key(page: number): string {
    return this.keyOf ? this.keyOf(page) : rawPageKey(this.host, this.day, this.source, page);
  }

  async put(page: number, body: Buffer, meta: PageMeta): Promise<string> {
    const key = this.key(page);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        Metadata: metadataOf(meta),
      }),
    );
    return key;
  }

  /** Replace a stored page's metadata (its body stays): an erased status's ID leaves the cursor. */
  async replaceMeta(page: number, meta: PageMeta): Promise<void> {
    const key = this.key(page);
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: key,
        CopySource: `${this.bucket}/${key}`,
        MetadataDirective: 'REPLACE',
        ContentType: 'application/json',
        Metadata: metadataOf(meta),
      }),
    );
  }

  /** The page's metadata, or undefined when it does not exist. */
  async head(page: number): Promise<PageMeta | undefined> {
    try {
      const r = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(page) }));
      const m = r.Metadata ?? {};
      return {
        fetchId: m['fetch-id'] ?? '',
        next: m.next ?? '',
        httpStatus: Number(m['http-status'] ?? 0),
        path: decodeSafe(m.path ?? ''),
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async get(page: number): Promise<Buffer> {
    const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(page) }));
    return Buffer.from(await r.Body!.transformToByteArray());
  }

  /**
   * Pages this fetch stored before (a previous attempt), in order from `first`: stops at the first
   * page that is missing or was stored by another fetch.
   */
  async recover(fetchId: string, first: number): Promise<StoredPage[]> {
    const out: StoredPage[] = [];
    for (let page = first; ; page++) {
      const meta = await this.head(page);
      if (!meta || meta.fetchId !== fetchId) return out;
      out.push({ page, key: this.key(page), body: await this.get(page), meta });
    }
  }

  /** Delete pages (and segments) after `lastPage` left by an earlier, longer run of the same day and source. */
  async removeAfter(lastPage: number): Promise<number> {
    const prefix = rawSourcePrefix(this.host, this.day, this.source);
    const stale: string[] = [];
    for await (const keys of keyPagesUnder(this.s3, this.bucket, prefix)) {
      for (const key of keys) {
        // Pages, and segments that start after the last page (segments are named by first page).
        const m = /(?:page-(\d+)\.json|segment-(\d+)\.ndjson)$/.exec(key);
        if (m && Number(m[1] ?? m[2]) > lastPage) stale.push(key);
      }
    }
    await deleteKeys(this.s3, this.bucket, stale);
    return stale.length;
  }
}

export async function putJson(s3: S3Client, bucket: string, key: string, value: unknown): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(value, null, 1),
      ContentType: 'application/json',
    }),
  );
}

function metadataOf(meta: PageMeta): Record<string, string> {
  return {
    'fetch-id': meta.fetchId,
    next: meta.next,
    'http-status': String(meta.httpStatus),
    // S3 metadata is ASCII; the path is percent-encoded already, but be safe.
    path: encodeURI(decodeSafe(meta.path)).slice(0, 1024),
  };
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

function decodeSafe(s: string): string {
  try {
    return decodeURI(s);
  } catch {
    return s;
  }
}
