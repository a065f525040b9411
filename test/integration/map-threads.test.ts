import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  mapPages,
  MissingPageError,
  pageReads,
  type MapPartJob,
  type PageRead,
} from '../../activities/aggregate/map-pages';
import { MapThreadPool, mapHeapGrowthInForce } from '../../activities/aggregate/map-pool';
import { getBytes, getText } from '../../activities/aggregate/s3-json';
import { SegmentWriter } from '../../activities/mastodon/raw-segments';
import type { SegmentEntry } from '../../activities/mastodon/manifest';
import { BodyBuffers } from '../../activities/store/body-buffers';
import { createS3LightClient, S3RequestError, type S3ReadTarget } from '../../activities/store/s3-light-client';
import { dataInterval } from '../../domain/logical-date';
import { rawPageKey } from '../../domain/keys';
import { iterateDay } from '../../infra/mastodon-sim/generator';
import { ensureBucket } from '../../runtime/clients';
import { ensureThreadBundle } from '../../runtime/thread-bundle';
import { testConfig, testS3, testStack, uniqueName } from '../helpers/stack';

/** What the worker runtime hands the pool (ActivityDeps.threadCode). */
const threadCode = async (entry: string): Promise<string> => (await ensureThreadBundle(entry)).path;

// The map step's fast path: raw pages read with the hand-signed GET inside worker threads must
// give exactly what the in-process map over the AWS SDK gives, and fail the same clear ways.

const DAY = '2026-05-06';
const { start, end } = dataInterval(DAY);

describe('map worker threads over MinIO', () => {
  const config = testConfig(uniqueName('mapthr'));
  const bucket = uniqueName('mapthr').toLowerCase();
  let s3: S3Client;
  let target: S3ReadTarget;
  let pool: MapThreadPool;
  const keys: string[] = [];
  let segments: SegmentEntry[] = [];

  beforeAll(async () => {
    s3 = testS3(config);
    await ensureBucket(s3, bucket);
    const stack = testStack();
    target = {
      endpoint: stack.s3Endpoint,
      region: config.s3.region,
      bucket,
      forcePathStyle: true,
      credentials: { accessKeyId: stack.s3AccessKey, secretAccessKey: stack.s3SecretKey },
    };
    // 12 pages of 40 generated statuses, plus one broken record on page 3 for the quarantine;
    // page 5 pretty-printed (raw newlines, as a server may send), all copied into 5-page segments.
    const writer = new SegmentWriter(s3, bucket, 'threads.example', DAY, 'public-local', 5);
    const statuses = [...iterateDay(7, DAY, { statusesPerDay: 480, accountCount: 60 })].map((e) => e.status as unknown);
    for (let p = 0; p < 12; p++) {
      const page = statuses.slice(p * 40, (p + 1) * 40);
      if (p === 2) page.push({ id: '1', created_at: 'not a date' });
      const key = rawPageKey('threads.example', DAY, 'public-local', p + 1);
      const body = Buffer.from(p === 4 ? JSON.stringify(page, null, 2) : JSON.stringify(page));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      await writer.add(p + 1, body);
      keys.push(key);
    }
    segments = await writer.finish();
    pool = new MapThreadPool(2, threadCode);
  });

  afterAll(async () => {
    await pool?.close();
    s3?.destroy();
  });

  let outputs = 0;
  const job = (pages: Array<string | PageRead>): MapPartJob => {
    outputs++;
    return {
      pages: pages.map((p) => (typeof p === 'string' ? { key: p } : p)),
      windowStartMs: Date.parse(start),
      windowEndMs: Date.parse(end),
      idRange: {},
      partialKey: `mapped/v1/test/part-${outputs}.json`,
      quarantineKey: `quarantine/v1/test/part-${outputs}.ndjson`,
    };
  };
  /** What a thread stored for a job: its partial and its quarantine lines. */
  const stored = async (j: MapPartJob) => ({
    partialJson: await getText(s3, bucket, j.partialKey),
    bad: ((await getText(s3, bucket, j.quarantineKey)) ?? '').split('\n').filter(Boolean),
  });
  const manifestPages = () => keys.map((key, i) => ({ page: i + 1, key }));

  it('the light client reads and writes the bytes the SDK sees, deletes, and names a bad signature', async () => {
    const odd = 'raw/v1/instance=a.example/date=2026-05-06/source=tag-café (1)/page+00001.json';
    const body = JSON.stringify([{ text: 'ünïcödé ✓ "quoted"' }]);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: odd, Body: body }));
    const light = createS3LightClient(target);
    try {
      expect(await light.getText(odd)).toBe(body);
      expect(await light.getText(keys[0]!)).toBe(await getText(s3, bucket, keys[0]!));
      expect((await light.getBytes(odd))?.equals(Buffer.from(body, 'utf8'))).toBe(true);
      expect((await getBytes(s3, bucket, odd))?.equals(Buffer.from(body, 'utf8'))).toBe(true);
      expect(await light.getText('raw/v1/no-such-object.json')).toBeUndefined();
      const written = 'mapped/v1/dag=x/date=2026-05-06/task=map/instance=é.example/part-00001.json';
      await light.putText(written, body, 'application/json');
      expect(await getText(s3, bucket, written)).toBe(body);
      await light.deleteKey(written);
      expect(await getText(s3, bucket, written)).toBeUndefined();
      await light.deleteKey(written); // absent is fine
    } finally {
      light.close();
    }
    // As a map thread makes it: GETs through raw-http-get.ts into reused bodies, the rest as above.
    const bodies = new BodyBuffers();
    const threadLike = createS3LightClient(target, { bodies });
    try {
      const bigKey = 'raw/v1/big-segment.ndjson';
      const big = Buffer.from(`${body}\n`.repeat(60_000), 'utf8');
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: bigKey, Body: big }));
      const first = await threadLike.getBytes(bigKey);
      expect(first?.equals(big)).toBe(true);
      bodies.giveBack(first!);
      const again = await threadLike.getBytes(bigKey);
      expect(again?.equals(big)).toBe(true);
      expect(again?.buffer).toBe(first?.buffer);
      expect((await threadLike.getBytes(odd))?.equals(Buffer.from(body, 'utf8'))).toBe(true);
      expect(await threadLike.getBytes('raw/v1/no-such-object.json')).toBeUndefined();
    } finally {
      threadLike.close();
    }
    const wrong = createS3LightClient(
      { ...target, credentials: { ...target.credentials, secretAccessKey: 'not-the-secret' } },
      { bodies },
    );
    try {
      const err = await wrong.getText(keys[0]!).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(S3RequestError);
      expect((err as S3RequestError).status).toBe(403);
      expect((err as Error).message).toMatch(/SignatureDoesNotMatch/);
      expect((err as Error).message).not.toContain('not-the-secret');
    } finally {
      wrong.close();
    }
  });

  it('a part mapped on a thread stores what the same part mapped in-process through the SDK gives', async () => {
    const progress: number[] = [];
    const j = job(keys);
    const summary = await pool.run(j, target, (n) => progress.push(n));
    const threaded = await stored(j);
    const inProcess = await mapPages(j, (k) => getBytes(s3, bucket, k));
    expect(threaded.partialJson).toBe(inProcess.partialJson);
    expect(threaded.bad).toEqual(inProcess.bad);
    expect(summary.counts.input).toBe(12 * 40 + 1);
    expect(summary.counts.quarantined).toBe(1);
    expect(summary.quarantined).toBe(1);
    expect(JSON.parse(threaded.bad[0]!)).toMatchObject({
      ref: keys[2],
      index: 40,
      id: '1',
      record: { id: '1', created_at: 'not a date' },
    });
    expect(progress).toEqual([10]);
    // A re-run with no bad record removes the stale quarantine object.
    await pool.run({ ...j, pages: j.pages.slice(0, 2) }, target);
    expect(await getText(s3, bucket, j.quarantineKey)).toBeUndefined();
  });

  it('heaps grow further between collections only while the pool has parts in hand', async () => {
    // Off by default (V8's own factor): nothing is set.
    await pool.run(job(keys.slice(0, 2)), target);
    expect(mapHeapGrowthInForce()).toBe(false);
    process.env.MASTOFLOW_MAP_HEAP_GROWTH = '400';
    const growing = new MapThreadPool(2, threadCode); // reads the setting once, when made
    delete process.env.MASTOFLOW_MAP_HEAP_GROWTH;
    onTestFinished(() => growing.close());
    await growing.run(job(keys.slice(0, 1)), target); // its thread code loaded, as the shared pool's is
    const running = growing.run(job(keys.slice(0, 3)), target);
    expect(mapHeapGrowthInForce()).toBe(true);
    const other = growing.run(job(keys.slice(3, 6)), target);
    await running;
    expect(mapHeapGrowthInForce()).toBe(true); // the second part is still in hand
    await other;
    expect(mapHeapGrowthInForce()).toBe(false);
  });

  it('segments: 5 pages per object, and a part read from them equals the part read page by page', async () => {
    expect(segments.map((g) => [g.fromPage, g.toPage])).toEqual([
      [1, 5],
      [6, 10],
      [11, 12],
    ]);
    expect(segments[0]!.key).toMatch(/source=public-local\/segment-00001\.ndjson$/);
    const reads = pageReads(manifestPages(), segments, 4, 11);
    expect(
      reads.map((r) => [
        r.segment?.key === segments[0]!.key ? 0 : r.segment?.key === segments[1]!.key ? 1 : 2,
        r.segment?.line,
      ]),
    ).toEqual([
      [0, 3],
      [0, 4],
      [1, 0],
      [1, 1],
      [1, 2],
      [1, 3],
      [1, 4],
      [2, 0],
    ]);
    expect(reads[0]!.key).toBe(keys[3]);
    const j = job(pageReads(manifestPages(), segments, 1, 12));
    const summary = await pool.run(j, target);
    const fromSegments = await stored(j);
    const fromPages = await mapPages(job(keys), (k) => getBytes(s3, bucket, k));
    expect(fromSegments.partialJson).toBe(fromPages.partialJson);
    expect(fromSegments.bad).toEqual(fromPages.bad); // the quarantined record is read back from its page
    expect(summary.counts.input).toBe(12 * 40 + 1);
    expect(() => pageReads(manifestPages(), segments.slice(1), 1, 12)).toThrow(/page 1 .* is in no segment/);
  });

  it('queues more parts than threads and returns each its own result', async () => {
    const one = new MapThreadPool(1, threadCode);
    try {
      const results = await Promise.all([0, 4, 8].map((i) => one.run(job(keys.slice(i, i + 4)), target)));
      const inputs = results.map((r) => r.counts.input);
      expect(inputs).toEqual([161, 160, 160]); // the broken record is on page 3
      const whole = await mapPages(job(keys), (k) => getBytes(s3, bucket, k));
      expect(inputs.reduce((a, b) => a + b)).toBe(whole.counts.input);
    } finally {
      await one.close();
    }
  });

  it('a missing page fails the part with the page key, and the thread keeps serving', async () => {
    const missing = rawPageKey('threads.example', DAY, 'public-local', 99);
    const err = await pool.run(job([keys[0]!, missing]), target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingPageError);
    expect((err as MissingPageError).key).toBe(missing);
    const again = await pool.run(job([keys[0]!]), target);
    expect(again.counts.input).toBe(40);
    // A thread holds two parts at once: the failed one must not hold up the one behind it.
    const one = new MapThreadPool(1, threadCode);
    try {
      const [failed, next] = await Promise.allSettled([
        one.run(job([missing, keys[0]!]), target),
        one.run(job([keys[1]!]), target),
      ]);
      expect(failed.status === 'rejected' && failed.reason).toBeInstanceOf(MissingPageError);
      expect(next.status === 'fulfilled' && next.value.counts.input).toBe(40);
    } finally {
      await one.close();
    }
  });

  it('threads kept warm longer (MASTOFLOW_MAP_THREADS_IDLE_MS) rest after a second, map again, then exit', async () => {
    process.env.MASTOFLOW_MAP_THREADS_IDLE_MS = '3000';
    const p = new MapThreadPool(2, threadCode); // reads the setting once, when made
    delete process.env.MASTOFLOW_MAP_THREADS_IDLE_MS;
    onTestFinished(() => p.close());
    const [a, b] = await Promise.all([p.run(job(keys.slice(0, 6)), target), p.run(job(keys.slice(6, 12)), target)]);
    expect(p.threads).toBe(2);
    await new Promise((r) => setTimeout(r, 1_800));
    // Past the default second: still alive, each told once to let go of its buffers and garbage.
    expect(p.threads).toBe(2);
    expect(p.rests).toBe(2);
    // A rested thread maps as before (its segment buffers lent afresh).
    const again = await p.run(job(keys.slice(0, 6)), target);
    expect(again.counts).toEqual(a.counts);
    expect(a.counts.input + b.counts.input).toBe(12 * 40 + 1);
    await new Promise((r) => setTimeout(r, 3_500));
    expect(p.threads).toBe(0);
  });

  it('idle threads exit after a second (their heaps go back before the reduce) and come back on demand', async () => {
    const p = new MapThreadPool(2, threadCode);
    try {
      await Promise.all([p.run(job(keys.slice(0, 2)), target), p.run(job(keys.slice(2, 4)), target)]);
      expect(p.threads).toBe(2);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(p.threads).toBe(0);
      expect((await p.run(job(keys.slice(0, 1)), target)).counts.input).toBe(40);
      expect(p.threads).toBe(1);
      expect(p.rests).toBe(0); // exits rather than rests
    } finally {
      await p.close();
    }
  });
});
