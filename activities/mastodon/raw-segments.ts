import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { rawSegmentKey } from '../../domain/keys';
import type { SegmentEntry } from './manifest';

// Raw pages are kept one object per page, exactly as received. For the map step the timeline
// pages are also written in segments of SEGMENT_PAGES pages: one NDJSON object holding one page
// body per line. On the map benchmark each page GET cost ~1.6 ms of MinIO CPU plus the
// client's request work — more than parsing the page — so the map reads ~60× fewer, larger
// objects. Segments are derived data: built from the very bytes stored as pages (in store and
// in adopt, so a resumed fetch rebuilds them identically), overwritten by a re-run, purged with
// the pages.

export const SEGMENT_PAGES = 60;

/**
 * A page body as one NDJSON line. JSON allows raw CR/LF only as whitespace between tokens, so
 * turning them into spaces keeps any valid body's value; an invalid body stays invalid (the map
 * quarantines it either way, reading the page object itself for the record).
 */
export function segmentLine(body: Buffer): Buffer {
  if (body.indexOf(10) < 0 && body.indexOf(13) < 0) return body;
  const copy = Buffer.from(body);
  for (let i = 0; i < copy.length; i++) if (copy[i] === 10 || copy[i] === 13) copy[i] = 32;
  return copy;
}

/** Collects page bodies in order and writes a segment every SEGMENT_PAGES pages. */
export class SegmentWriter {
  readonly segments: SegmentEntry[] = [];
  /** Body, newline, body, newline, ... of the pages since the last segment. */
  private lines: Buffer[] = [];
  private fromPage = 1;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly host: string,
    private readonly day: string,
    private readonly source: string,
    private readonly pagesPerSegment = SEGMENT_PAGES,
  ) {}

  /** Page `page` (1-based, consecutive) was stored with this body. */
  async add(page: number, body: Buffer): Promise<void> {
    const expected = this.fromPage + this.lines.length / 2;
    if (page !== expected)
      throw new Error(`segment of ${this.source}: page ${page} out of order (expected ${expected})`);
    this.lines.push(segmentLine(body), NEWLINE);
    if (this.lines.length / 2 >= this.pagesPerSegment) await this.flush();
  }

  /** Writes the last, partial segment; returns every segment written. */
  async finish(): Promise<SegmentEntry[]> {
    await this.flush();
    return this.segments;
  }

  private async flush(): Promise<void> {
    const pages = this.lines.length / 2;
    if (pages === 0) return;
    // State moves on before the upload, so add() calls made in page order stay in order even
    // when the caller does not wait for each one.
    const body = Buffer.concat(this.lines);
    const key = rawSegmentKey(this.host, this.day, this.source, this.fromPage);
    this.segments.push({ key, fromPage: this.fromPage, toPage: this.fromPage + pages - 1, bytes: body.length });
    this.fromPage += pages;
    this.lines = [];
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/x-ndjson' }),
    );
  }
}

const NEWLINE = Buffer.from('\n');
