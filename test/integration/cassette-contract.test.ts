import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FetchRuntime, SessionFactory } from '../../activities/mastodon/fetch-context';
import { clearFeedAccessCache } from '../../activities/mastodon/feed-access';
import { capture, createMegalodon, VERSION } from '../../activities/mastodon/http';
import { readManifest } from '../../activities/mastodon/manifest';
import { InstanceRateLimiter, rateLimiterFor } from '../../activities/mastodon/rate-limiter';
import { MastodonSession } from '../../activities/mastodon/session';
import {
  fetchInstanceInfoSource,
  fetchListSource,
  fetchPublicTimelineSource,
  fetchTagTimelineSource,
} from '../../activities/mastodon/sources';
import type { InstanceConfig } from '../../domain/config';
import { parseResetHeader } from '../../domain/rate-budget';
import { loadAnswers, type RecordedAnswer } from '../../infra/mastodon-replay/cassette';
import { startReplayServer, type ReplayServer } from '../../infra/mastodon-replay/server';
import { ensureBucket } from '../../runtime/clients';
import { getObject } from '../helpers/fetch-fixtures';
import { testConfig, testS3, testStack, uniqueName } from '../helpers/stack';

// Contract tests against answers real Mastodon servers gave (the VCR cassettes in
// ../shared/fixtures/mastodon-api-cassettes, replayed byte for byte): the fetchers store those
// bodies untouched, follow `Link`, understand the ISO-8601 X-RateLimit-Reset, record a disabled
// live feed as unavailable, and read both instance API versions. The fetchers run here without
// Temporal (same code the activities run), against MinIO.

const bucketName = uniqueName('cassette');
const config = testConfig(bucketName, {
  s3: { endpoint: testStack().s3Endpoint, bucket: bucketName, forcePathStyle: true },
});
const s3 = testS3(config);
const TAG = 'fgiztsshwiaqqiztpmmjbtvmescsculuvmgjgopwoeidbcrixp';

function instanceFor(url: string, name = 'replay.local'): InstanceConfig {
  return { ...config.instances[0]!, name, baseUrl: url };
}

function runtime(fetchId = uniqueName('f')): FetchRuntime {
  return { s3, bucket: config.s3.bucket, fetchId, attempt: 1, heartbeat: () => {}, now: Date.now };
}

function sessions(inst: InstanceConfig, token?: string): SessionFactory {
  return ({ onWait, counters }) =>
    new MastodonSession(inst, { token, limiter: rateLimiterFor(inst.baseUrl), onWait, counters });
}

/** The recorded answer the replay server gave for each request, in order. */
function servedAnswers(replay: ReplayServer, cassettes: string[]): RecordedAnswer[] {
  const answers = loadAnswers(undefined, cassettes);
  return replay.served().map((s) => answers.find((a) => a.cassette === s.cassette && a.index === s.index)!);
}

describe('cassette contract (real Mastodon answers, replayed)', () => {
  const replays: ReplayServer[] = [];
  const replay = async (cassettes: string[], hosts?: string[]) => {
    const r = await startReplayServer({ cassettes, ...(hosts ? { hosts } : {}) });
    replays.push(r);
    return r;
  };
  beforeAll(async () => {
    await ensureBucket(s3, config.s3.bucket);
    clearFeedAccessCache();
  });
  afterAll(async () => {
    for (const r of replays) await r.close();
    s3.destroy();
  });

  it('tag timeline: follows Link rel="next" to the end and stores each body byte for byte', async () => {
    const cassettes = ['test_pagination_iterator.yaml'];
    const r = await replay(cassettes);
    const inst = instanceFor(r.url);
    const result = await fetchTagTimelineSource(runtime(), sessions(inst), inst, {
      day: '2026-08-01',
      tag: TAG,
      pageLimit: 10,
      startMaxId: null,
    });
    expect(r.unmatched()).toEqual([]);
    const served = r.served().map((s) => s.url);
    // v2 instance (feed access), then the newest page, then each Link "next" cursor, to the empty page.
    expect(served[0]).toBe('/api/v2/instance');
    const pages = served.slice(1);
    expect(pages).toHaveLength(4);
    expect(new URLSearchParams(pages[0]!.split('?')[1]).get('max_id')).toBeNull();
    expect(pages.slice(1).map((u) => new URLSearchParams(u.split('?')[1]).get('max_id'))).toEqual([
      '117020582177108552',
      '117020582097668259',
      '117020582018205171',
    ]);
    const m = await readManifest(s3, config.s3.bucket, result.manifestKey);
    expect(m.complete).toBe(true);
    expect(m.cursors.stopReason).toBe('empty-page');
    expect(m.pages.map((p) => p.count)).toEqual([10, 10, 10, 0]);
    expect(m.statusesInWindow).toBe(30);
    const answers = servedAnswers(r, cassettes).slice(1);
    for (const [i, page] of m.pages.entries()) {
      const stored = await getObject(s3, config.s3.bucket, page.key);
      expect(stored.equals(answers[i]!.body)).toBe(true);
      expect(page.bytes).toBe(answers[i]!.body.length);
    }
  });

  it('a live feed the instance disabled (mastodon.social) is recorded as unavailable, without asking for it', async () => {
    const r = await replay(['test_timeline_disabled.yaml'], ['mastodon.social']);
    const inst = instanceFor(r.url, 'mastodon.social');
    for (const scope of ['local', 'remote'] as const) {
      const result = await fetchPublicTimelineSource(runtime(), sessions(inst), inst, { day: '2026-08-01', scope });
      expect(result.unavailable).toEqual({
        httpStatus: 200,
        reason: expect.stringContaining(`live_feeds.${scope} = "disabled"`),
      });
      expect(result.complete).toBe(true);
      expect(result.pages).toBe(0);
    }
    expect(r.unmatched()).toEqual([]);
    expect(r.served().map((s) => s.url)).toEqual(['/api/v2/instance']);
  });

  it('instance v2 is read and stored as sent', async () => {
    const cassettes = ['test_instance.yaml'];
    const r = await replay(cassettes);
    const inst = instanceFor(r.url);
    const result = await fetchInstanceInfoSource(runtime(), sessions(inst), inst, { day: '2026-08-01' });
    const m = await readManifest(s3, config.s3.bucket, result.manifestKey);
    expect(m.instanceInfo).toEqual({ api: 'v2', domain: 'localhost:3000', version: expect.stringMatching(/^4\.6\./) });
    expect((await getObject(s3, config.s3.bucket, m.pages[0]!.key)).equals(servedAnswers(r, cassettes)[0]!.body)).toBe(
      true,
    );
  });

  it('instance v1 is the fallback when v2 is missing, and parsed too', async () => {
    const cassettes = ['test_instance_v1.yaml'];
    const r = await replay(cassettes);
    const inst = instanceFor(r.url);
    // A day of its own: the test above observed 2026-08-01's instance document already, and a day
    // keeps its first observation (a later one is stored beside it, not as the day's).
    const result = await fetchInstanceInfoSource(runtime(), sessions(inst), inst, { day: '2026-07-31' });
    const m = await readManifest(s3, config.s3.bucket, result.manifestKey);
    expect(r.unmatched().map((u) => u.url)).toEqual(['/api/v2/instance']);
    expect(m.instanceInfo).toEqual({ api: 'v1', domain: 'localhost:3000', version: expect.stringMatching(/^4\.6\./) });
    expect(m.pages[0]!.path).toBe('/api/v1/instance');
    const v1 = servedAnswers(r, cassettes).find((a) => a.key.startsWith('GET /api/v1/instance'))!;
    expect((await getObject(s3, config.s3.bucket, m.pages[0]!.key)).equals(v1.body)).toBe(true);
  });

  it('weekly activity and peers are stored as sent', async () => {
    const cassettes = ['test_instance_activity.yaml', 'test_instance_peers.yaml'];
    const r = await replay(cassettes);
    const inst = instanceFor(r.url);
    for (const kind of ['activity', 'peers'] as const) {
      const result = await fetchListSource(runtime(), sessions(inst), inst, { day: '2026-08-01', kind });
      const m = await readManifest(s3, config.s3.bucket, result.manifestKey);
      expect(m.complete).toBe(true);
      const answer = servedAnswers(r, cassettes).find((a) => a.key === `GET /api/v1/instance/${kind}`)!;
      expect((await getObject(s3, config.s3.bucket, m.pages[0]!.key)).equals(answer.body)).toBe(true);
      expect(m.pages[0]!.count).toBe((JSON.parse(answer.body.toString('utf8')) as unknown[]).length);
    }
    expect(r.unmatched()).toEqual([]);
  });

  it('the rate limiter understands the recorded ISO-8601 X-RateLimit-Reset (microseconds)', async () => {
    const r = await replay(['test_instance.yaml']);
    const inst = instanceFor(r.url);
    const { exchange } = await capture(() => createMegalodon(inst).client.get('/api/v2/instance'));
    const h = exchange!.headers;
    expect(h['x-ratelimit-reset']).toBe('2026-08-01T13:55:00.441909Z');
    expect(parseResetHeader(h['x-ratelimit-reset'])).toBe(Date.UTC(2026, 7, 1, 13, 55, 0, 441));
    // At the recorded moment (its Date header), the answer says: 299 of 300 left until 13:55:00.
    const at = Date.parse(h.date!);
    const limiter = new InstanceRateLimiter(r.url, undefined, undefined, () => at);
    const { ticket } = await limiter.acquire(false);
    limiter.observe(ticket, (n) => h[n]);
    const snap = limiter.snapshot().api;
    expect(snap.limit).toBe(300);
    expect(snap.remaining).toBe(299);
    expect(Math.abs(snap.windowEndMs - Date.UTC(2026, 7, 1, 13, 55, 0, 441))).toBeLessThan(1_000);
  });

  it('sends User-Agent mastoflow/<version> (+contact), and the token only as a Bearer header', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"Record not found"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const inst = { ...instanceFor(url), userAgentContact: 'https://example.org/contact' };
      await fetchListSource(runtime(), sessions(inst), inst, { day: '2026-08-01', kind: 'peers' });
      await fetchListSource(runtime(), sessions(inst, 'sekrit'), inst, { day: '2026-08-01', kind: 'peers' });
      expect(seen.map((h) => h['user-agent'])).toEqual([
        `mastoflow/${VERSION} (+https://example.org/contact)`,
        `mastoflow/${VERSION} (+https://example.org/contact)`,
      ]);
      expect(seen.map((h) => h.authorization)).toEqual([undefined, 'Bearer sekrit']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
