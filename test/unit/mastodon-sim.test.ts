import { afterEach, describe, expect, it } from 'vitest';
import { compareIds, dayWindow, inWindow, msFromSnowflake } from '../../domain/snowflake';
import { dayNoOf, generateDay, iterateDay, SimWorld } from '../../infra/mastodon-sim/generator';
import { startMastodonSim, type MastodonSim, type MastodonSimOptions } from '../../infra/mastodon-sim/server';
import type { SimAccount, SimActivityWeek, SimStatus, SimTrendTag } from '../../infra/mastodon-sim/types';

const DAY = '2026-03-02';
const NOW_LATER = Date.parse('2026-03-05T06:00:00.000Z');
const BASE: Omit<MastodonSimOptions, 'now'> = {
  seed: 7,
  statusesPerDay: 600,
  accountCount: 300,
  firstDay: '2026-03-01',
  rateLimit: false,
};

const running: MastodonSim[] = [];

async function sim(options: Partial<MastodonSimOptions> = {}): Promise<MastodonSim> {
  const s = await startMastodonSim({ ...BASE, now: NOW_LATER, ...options });
  running.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

interface Got {
  status: number;
  headers: Headers;
  text: string;
}

async function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Got> {
  const res = await fetch(path.startsWith('http') ? path : base + path, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function getJson<T>(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ body: T; headers: Headers }> {
  const r = await get(base, path, headers);
  expect(r.status, `${path}: ${r.text.slice(0, 200)}`).toBe(200);
  return { body: JSON.parse(r.text) as T, headers: r.headers };
}

function links(header: string | null): { next?: string; prev?: string } {
  const out: { next?: string; prev?: string } = {};
  for (const m of (header ?? '').matchAll(/<([^>]+)>;\s*rel="(next|prev)"/g)) out[m[2] as 'next' | 'prev'] = m[1];
  return out;
}

function expectNewestFirst(ids: string[]): void {
  for (let i = 1; i < ids.length; i++) expect(compareIds(ids[i - 1] as string, ids[i] as string)).toBe(1);
}

/** Every status ID whose Snowflake time lies in the day, straight from the generator. */
function idsOfIdDay(world: SimWorld, day: string): string[] {
  const b = world.bucket(dayNoOf(day));
  const ids: string[] = [];
  for (let j = 0; j < b.size; j++) ids.push(world.idAt(b, j));
  return ids;
}

describe('determinism', () => {
  it('gives the same bytes for the same seed and now, different bytes for another seed', async () => {
    const a = await sim();
    const b = await sim();
    const c = await sim({ seed: 8 });
    const paths = [
      `/api/v1/timelines/public?limit=40&max_id=${dayWindow(DAY).maxId}`,
      '/api/v1/directory?limit=10',
      '/api/v2/instance',
      '/api/v1/trends/tags',
      '/api/v1/instance/activity',
    ];
    for (const p of paths) {
      const [ra, rb, rc] = await Promise.all([get(a.url, p), get(b.url, p), get(c.url, p)]);
      expect(ra.status).toBe(200);
      expect(ra.text).toBe(rb.text);
      if (!p.includes('instance')) expect(ra.text).not.toBe(rc.text);
    }
  });

  it('generateDay is a pure function of seed, day and options', () => {
    const one = generateDay(7, DAY, { statusesPerDay: 200, accountCount: 100 });
    const two = generateDay(7, DAY, { statusesPerDay: 200, accountCount: 100 });
    const other = generateDay(8, DAY, { statusesPerDay: 200, accountCount: 100 });
    expect(JSON.stringify(one)).toBe(JSON.stringify(two));
    expect(one.map((s) => s.id)).not.toEqual(other.map((s) => s.id));
    expect(one.length).toBeGreaterThan(150);
    for (const s of one) expect(inWindow(s.created_at, dayWindow(DAY))).toBe(true);
  });

  it('serves exactly the statuses the generator produces for a day', async () => {
    const s = await sim();
    const expected = s.world.generateDay(DAY, { atMs: NOW_LATER });
    const w = dayWindow(DAY);
    // Widen the ID window by the late-arrival bound so every status created on DAY is reached.
    const served: SimStatus[] = [];
    let url: string | undefined =
      `/api/v1/timelines/public?limit=40&max_id=${(BigInt(w.endMs + 7 * 3_600_000) << 16n).toString()}`;
    while (url) {
      const page: { body: SimStatus[]; headers: Headers } = await getJson<SimStatus[]>(s.url, url);
      served.push(...page.body);
      const last = page.body[page.body.length - 1];
      url = last && msFromSnowflake(last.id) >= w.startMs - 10 ? links(page.headers.get('link')).next : undefined;
    }
    const ofDay = served.filter((x) => inWindow(x.created_at, w));
    expect(ofDay.length).toBe(expected.length);
    const byId = new Map(ofDay.map((x) => [x.id, JSON.stringify(x)]));
    for (const e of expected) expect(byId.get(e.id)).toBe(JSON.stringify(e));
  });
});

describe('paging like Mastodon', () => {
  it('walks a whole day with max_id and rel="next", visiting every status once, newest first', async () => {
    const s = await sim();
    const w = dayWindow(DAY);
    const expected = idsOfIdDay(s.world, DAY);
    expect(expected.length).toBe(600);
    const seen: string[] = [];
    let url: string | undefined = `/api/v1/timelines/public?limit=40&max_id=${w.maxId}`;
    let pages = 0;
    while (url && pages < 100) {
      pages++;
      const { body, headers }: { body: SimStatus[]; headers: Headers } = await getJson<SimStatus[]>(s.url, url);
      if (body.length === 0) {
        expect(headers.get('link')).toBeNull();
        break;
      }
      const inDay = body.map((x) => x.id).filter((id) => compareIds(id, w.minId) > 0);
      seen.push(...inDay);
      if (inDay.length < body.length) break;
      url = links(headers.get('link')).next;
    }
    expectNewestFirst(seen);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort(compareIds)).toEqual([...expected].sort(compareIds));
  });

  it('walks the same day upwards with min_id and rel="prev", each page ascending from the cursor', async () => {
    const s = await sim();
    const w = dayWindow(DAY);
    const expected = idsOfIdDay(s.world, DAY);
    const seen: string[] = [];
    let url: string | undefined = `/api/v1/timelines/public?limit=40&min_id=${w.minId}`;
    let cursor = w.minId;
    for (let pages = 0; url && pages < 100; pages++) {
      const { body, headers }: { body: SimStatus[]; headers: Headers } = await getJson<SimStatus[]>(s.url, url);
      expect(body.length).toBeGreaterThan(0);
      const ids = body.map((x) => x.id);
      expectNewestFirst(ids);
      // min_id returns the statuses immediately after the cursor: the oldest one is next in line.
      const oldest = ids[ids.length - 1] as string;
      expect(compareIds(oldest, cursor)).toBe(1);
      const inDay = ids.filter((id) => compareIds(id, w.maxId) < 0);
      seen.push(...inDay.reverse());
      if (inDay.length < ids.length) break;
      const prev: string | undefined = links(headers.get('link')).prev;
      cursor = ids[0] as string;
      expect(prev).toContain(`min_id=${cursor}`);
      url = prev;
    }
    expect(seen).toEqual([...expected].sort(compareIds));
  });

  it('since_id returns the newest page above the cursor, min_id the page right after it', async () => {
    const s = await sim();
    const w = dayWindow(DAY);
    const ids = idsOfIdDay(s.world, DAY);
    const cursor = ids[100] as string;
    const bound = `&max_id=${w.maxId}`;
    const since = await getJson<SimStatus[]>(s.url, `/api/v1/timelines/public?limit=10&since_id=${cursor}${bound}`);
    const min = await getJson<SimStatus[]>(s.url, `/api/v1/timelines/public?limit=10&min_id=${cursor}${bound}`);
    expect(since.body.map((x) => x.id)).toEqual(ids.slice(-10).reverse());
    expect(min.body.map((x) => x.id)).toEqual(ids.slice(101, 111).reverse());
  });

  it('writes Link with absolute URLs, sorted query keys and the kept filters', async () => {
    const s = await sim();
    const r = await get(s.url, `/api/v1/timelines/public?remote=1&local=1&limit=5&max_id=${dayWindow(DAY).maxId}`);
    const body = JSON.parse(r.text) as SimStatus[];
    const first = body[0]?.id;
    const last = body[body.length - 1]?.id;
    expect(r.headers.get('link')).toBe(
      `<${s.url}/api/v1/timelines/public?limit=5&local=1&max_id=${last}&remote=1>; rel="next", ` +
        `<${s.url}/api/v1/timelines/public?limit=5&local=1&min_id=${first}&remote=1>; rel="prev"`,
    );
    const followed = await get(s.url, links(r.headers.get('link')).next as string);
    expect(followed.status).toBe(200);
    expect(compareIds((JSON.parse(followed.text) as SimStatus[])[0]?.id as string, last as string)).toBe(-1);
  });

  it('caps limit at 40 for statuses and 80 for accounts, with defaults 20 and 40', async () => {
    const s = await sim();
    const tl = (q: string) =>
      getJson<SimStatus[]>(s.url, `/api/v1/timelines/public?max_id=${dayWindow(DAY).maxId}${q}`);
    expect((await tl('')).body).toHaveLength(20);
    expect((await tl('&limit=100')).body).toHaveLength(40);
    expect((await tl('&limit=7')).body).toHaveLength(7);
    expect((await tl('&limit=-5')).body).toHaveLength(5);
    const dir = (q: string) => getJson<SimAccount[]>(s.url, `/api/v1/directory${q}`);
    expect((await dir('')).body).toHaveLength(40);
    expect((await dir('?limit=500')).body).toHaveLength(80);
  });

  it('filters local, remote and only_media and keeps application on local statuses only', async () => {
    const s = await sim();
    const bound = `max_id=${dayWindow(DAY).maxId}&limit=40`;
    const local = (await getJson<SimStatus[]>(s.url, `/api/v1/timelines/public?local=true&${bound}`)).body;
    const remote = (await getJson<SimStatus[]>(s.url, `/api/v1/timelines/public?remote=true&${bound}`)).body;
    const media = (await getJson<SimStatus[]>(s.url, `/api/v1/timelines/public?only_media=1&${bound}`)).body;
    expect(local.length).toBe(40);
    expect(remote.length).toBe(40);
    for (const x of local) {
      expect(x.account.acct).not.toContain('@');
      expect(x.application).toBeDefined();
    }
    for (const x of remote) {
      expect(x.account.acct).toMatch(/^[a-z0-9_]+@[a-z0-9.-]+$/);
      expect('application' in x).toBe(false);
    }
    for (const x of media) expect(x.media_attachments.length).toBeGreaterThan(0);
  });

  it('shows statuses only once the simulated now has passed them', async () => {
    const now = Date.parse(`${DAY}T12:00:00.000Z`);
    const s = await sim({ now });
    const newest = (await getJson<SimStatus[]>(s.url, '/api/v1/timelines/public?limit=40')).body;
    expect(newest.length).toBe(40);
    for (const x of newest) {
      expect(Date.parse(x.created_at)).toBeLessThanOrEqual(now);
      expect(msFromSnowflake(x.id)).toBeLessThanOrEqual(now);
    }
    // Nothing newer than now, even when asked for it explicitly.
    const future = await getJson<SimStatus[]>(s.url, `/api/v1/timelines/public?min_id=${newest[0]?.id}`);
    expect(future.body).toEqual([]);
    s.setNow(now + 3_600_000);
    const later = await getJson<SimStatus[]>(s.url, `/api/v1/timelines/public?min_id=${newest[0]?.id}`);
    expect(later.body.length).toBeGreaterThan(0);
  });
});

describe('rate limits', () => {
  it('counts down X-RateLimit-Remaining, answers 429 when exceeded and recovers in the next window', async () => {
    let clock = Date.parse('2026-03-05T10:00:00.000Z');
    const s = await sim({
      rateLimit: { limit: 5, windowMs: 60_000, pagedLimit: 100, pagedWindowMs: 60_000 },
      rateLimitClock: () => clock,
    });
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await get(s.url, '/api/v1/instance');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-ratelimit-limit')).toBe('5');
      expect(r.headers.get('x-ratelimit-reset')).toBe('2026-03-05T10:01:00.000000Z');
      remaining.push(r.headers.get('x-ratelimit-remaining') as string);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const limited = await get(s.url, '/api/v1/timelines/public');
    expect(limited.status).toBe(429);
    expect(limited.text).toBe('{"error":"Too many requests"}');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset')).toBe('2026-03-05T10:01:00.000000Z');
    expect(Date.parse(limited.headers.get('x-ratelimit-reset') as string)).toBe(Date.parse('2026-03-05T10:01:00Z'));
    clock += 60_000;
    const recovered = await get(s.url, '/api/v1/instance');
    expect(recovered.status).toBe(200);
    expect(recovered.headers.get('x-ratelimit-remaining')).toBe('4');
    expect(s.stats().rateLimited).toBe(1);
  });

  it('limits paged requests separately and reports the most limited throttle', async () => {
    let clock = Date.parse('2026-03-05T10:00:00.000Z');
    const s = await sim({
      rateLimit: { limit: 10, windowMs: 300_000, pagedLimit: 2, pagedWindowMs: 900_000 },
      rateLimitClock: () => clock,
    });
    const paged = `/api/v1/timelines/public?max_id=${dayWindow(DAY).maxId}`;
    const r1 = await get(s.url, paged);
    expect(r1.headers.get('x-ratelimit-limit')).toBe('2');
    expect(r1.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(r1.headers.get('x-ratelimit-reset')).toBe('2026-03-05T10:15:00.000000Z');
    expect((await get(s.url, paged)).status).toBe(200);
    const r3 = await get(s.url, paged);
    expect(r3.status).toBe(429);
    expect(r3.headers.get('x-ratelimit-limit')).toBe('2');
    // Unpaged requests still pass: the general throttle has budget left.
    const plain = await get(s.url, '/api/v1/timelines/public');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('x-ratelimit-limit')).toBe('10');
    expect(plain.headers.get('x-ratelimit-remaining')).toBe('6');
    clock += 900_000;
    expect((await get(s.url, paged)).status).toBe(200);
  });

  it('recovers on the real clock after a scaled-down window', async () => {
    const s = await sim({ rateLimit: { limit: 2, windowMs: 1000, pagedLimit: 2, pagedWindowMs: 1000 } });
    // Start right after a window boundary so the three requests share one window.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await get(s.url, '/api/v1/instance'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    const reset = Date.parse(answers[2]!.headers.get('x-ratelimit-reset') as string);
    expect(reset % 1000).toBe(0);
    await new Promise((r) => setTimeout(r, reset - Date.now() + 20));
    expect((await get(s.url, '/api/v1/instance')).status).toBe(200);
  });
});

describe('faults', () => {
  const page = `/api/v1/timelines/public?limit=10&max_id=${dayWindow(DAY).maxId}`;

  it('answers 5xx at the configured ratio and stops when switched off', async () => {
    const s = await sim({ faults: { serverErrorRate: 1, serverErrorStatus: 502 } });
    expect((await get(s.url, page)).status).toBe(502);
    s.setFaults({ serverErrorRate: 0.5 });
    const codes: number[] = [];
    for (let i = 0; i < 40; i++) codes.push((await get(s.url, '/api/v1/instance')).status);
    const errors = codes.filter((c) => c === 503).length;
    expect(errors).toBeGreaterThan(8);
    expect(errors).toBeLessThan(32);
    s.setFaults({});
    expect((await get(s.url, page)).status).toBe(200);
    expect(s.stats().faults.serverErrors).toBe(1 + errors);
  });

  it('adds latency', async () => {
    const s = await sim({ faults: { latencyMs: 150 } });
    const t0 = performance.now();
    expect((await get(s.url, '/api/v1/instance')).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
  });

  it('truncates JSON bodies within a complete answer', async () => {
    const s = await sim({ faults: { truncateRate: 1 } });
    const r = await get(s.url, page);
    expect(r.status).toBe(200);
    expect(Number(r.headers.get('content-length'))).toBe(Buffer.byteLength(r.text));
    expect(() => JSON.parse(r.text)).toThrow();
    s.setFaults({});
    const full = await get(s.url, page);
    expect(full.text.startsWith(r.text)).toBe(true);
    expect(full.text.length).toBeGreaterThan(r.text.length);
  });

  it('cuts the connection mid-body in connection mode', async () => {
    const s = await sim({ faults: { truncateRate: 1, truncateMode: 'connection' } });
    await expect(get(s.url, page)).rejects.toThrow();
  });

  it('sends invalid JSON (an HTML error page) with status 200', async () => {
    const s = await sim({ faults: { invalidJsonRate: 1 } });
    const r = await get(s.url, page);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(r.text.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(() => JSON.parse(r.text)).toThrow();
    expect(s.stats().faults.invalidJson).toBe(1);
  });

  it('answers bursts of 429s with a reset ahead, then serves again', async () => {
    const s = await sim({ faults: { throttleBurstRate: 1, throttleBurstLength: 3, throttleBurstMs: 500 } });
    const first = await get(s.url, '/api/v1/instance');
    expect(first.status).toBe(429);
    expect(Date.parse(first.headers.get('x-ratelimit-reset') as string)).toBeGreaterThan(Date.now());
    s.setFaults({ throttleBurstRate: 0, throttleBurstLength: 3 });
    // The burst runs its length even once no new one starts.
    expect([(await get(s.url, '/api/v1/instance')).status, (await get(s.url, '/api/v1/instance')).status]).toEqual([
      429, 429,
    ]);
    expect((await get(s.url, '/api/v1/instance')).status).toBe(200);
    expect(s.stats().faults.throttleBursts).toBe(3);
    expect(s.stats().rateLimited).toBe(3);
  });

  it('adds latency spikes to a share of answers', async () => {
    const s = await sim({ faults: { latencySpikeRate: 1, latencySpikeMs: 200 } });
    const t0 = performance.now();
    expect((await get(s.url, '/api/v1/instance')).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195);
  });

  it('picked by ID, breaks the same records on every answer, whatever else misbehaves', async () => {
    const url = `/api/v1/timelines/public?limit=40&max_id=${dayWindow(DAY).maxId}`;
    const brokenIds = async (s: MastodonSim) => {
      const { body } = await getJson<Record<string, unknown>[]>(s.url, url);
      return body.filter(
        (x) => typeof x.id !== 'string' || Number.isNaN(Date.parse(String(x.created_at))) || x.account === undefined,
      ).length;
    };
    const a = await sim({ faults: { brokenRecordRate: 0.2, brokenRecordPick: 'id' } });
    const b = await sim({
      faults: { brokenRecordRate: 0.2, brokenRecordPick: 'id', latencySpikeRate: 0.5, latencySpikeMs: 1 },
    });
    const once = await brokenIds(a);
    expect(once).toBeGreaterThan(0);
    expect(once).toBeLessThan(40);
    expect(await brokenIds(a)).toBe(once);
    expect(await brokenIds(b)).toBe(once);
  });

  it('breaks a share of records against the Status schema', async () => {
    const s = await sim({ faults: { brokenRecordRate: 1 } });
    const { body } = await getJson<Record<string, unknown>[]>(
      s.url,
      `/api/v1/timelines/public?limit=40&max_id=${dayWindow(DAY).maxId}`,
    );
    expect(body).toHaveLength(40);
    for (const x of body) {
      const broken =
        typeof x.id !== 'string' || Number.isNaN(Date.parse(String(x.created_at))) || x.account === undefined;
      expect(broken).toBe(true);
    }
    s.setFaults({ brokenRecordRate: 0.25 });
    const mixed = (
      await getJson<Record<string, unknown>[]>(
        s.url,
        `/api/v1/timelines/public?limit=40&max_id=${dayWindow(DAY).maxId}`,
      )
    ).body;
    const brokenCount = mixed.filter(
      (x) => typeof x.id !== 'string' || Number.isNaN(Date.parse(String(x.created_at))) || x.account === undefined,
    ).length;
    expect(brokenCount).toBeGreaterThan(2);
    expect(brokenCount).toBeLessThan(25);
  });

  it('closes the public timeline with 401 for anonymous clients, open with a token', async () => {
    const s = await sim({ faults: { publicTimeline: 'unauthorized' } });
    const r = await get(s.url, '/api/v1/timelines/public');
    expect(r.status).toBe(401);
    expect(r.text).toBe('{"error":"This method requires an authenticated user"}');
    const withToken = await get(s.url, '/api/v1/timelines/public', { authorization: 'Bearer anything' });
    expect(withToken.status).toBe(200);
    const v2 = (
      await getJson<{ configuration: { timelines_access: { live_feeds: { local: string } } } }>(
        s.url,
        '/api/v2/instance',
      )
    ).body;
    expect(v2.configuration.timelines_access.live_feeds.local).toBe('authenticated');
  });

  it('disables the public timeline as 200 with [] and says so in /api/v2/instance', async () => {
    const s = await sim({ faults: { publicTimeline: 'disabled' } });
    const r = await get(s.url, '/api/v1/timelines/public?local=true');
    expect(r.status).toBe(200);
    expect(r.text).toBe('[]');
    expect(r.headers.get('link')).toBeNull();
    const v2 = (
      await getJson<{ configuration: { timelines_access: { live_feeds: { local: string; remote: string } } } }>(
        s.url,
        '/api/v2/instance',
      )
    ).body;
    expect(v2.configuration.timelines_access.live_feeds).toEqual({ local: 'disabled', remote: 'disabled' });
    // Hashtag feeds stay open, as on mastodon.social.
    expect((await get(s.url, `/api/v1/timelines/tag/${s.world.tags[0]}`)).text).not.toBe('[]');
  });

  it('switches off activity, peers, directory and trends the way Mastodon does', async () => {
    const s = await sim({ faults: { unavailable: ['activity', 'peers', 'directory', 'trends'] } });
    const activity = await get(s.url, '/api/v1/instance/activity');
    expect([activity.status, activity.text]).toEqual([404, '']);
    const peers = await get(s.url, '/api/v1/instance/peers');
    expect([peers.status, peers.text]).toEqual([404, '']);
    const directory = await get(s.url, '/api/v1/directory');
    expect([directory.status, directory.text]).toEqual([404, '{"error":"Record not found"}']);
    const trends = await get(s.url, '/api/v1/trends/tags');
    expect([trends.status, trends.text]).toEqual([200, '[]']);
    s.setFaults({});
    expect((await get(s.url, '/api/v1/instance/activity')).status).toBe(200);
  });
});

describe('bearer token', () => {
  it('demands the configured token on every API request', async () => {
    const s = await sim({ requireToken: 'secret' });
    const none = await get(s.url, '/api/v1/instance');
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text)).toEqual({ error: 'This method requires an authenticated user' });
    const wrong = await get(s.url, '/api/v1/instance', { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.text)).toEqual({ error: 'The access token is invalid' });
    const right = await get(s.url, '/api/v1/instance', { authorization: 'Bearer secret' });
    expect(right.status).toBe(200);
  });
});

describe('late arrivals', () => {
  const opts = { statusesPerDay: 2000, accountCount: 300, lateIdShare: 0.2, backdatedShare: 0.1 };

  it('generates statuses whose ID is hours after created_at, some in the next day’s ID window', () => {
    const entries = [...iterateDay(3, DAY, opts)];
    const late = entries.filter((e) => e.arrival === 'late-id');
    expect(late.length).toBeGreaterThan(50);
    for (const e of late) {
      expect(e.idMs - e.createdMs).toBeGreaterThanOrEqual(60_000);
      expect(msFromSnowflake(e.status.id)).toBe(e.idMs);
      expect(Date.parse(e.status.created_at)).toBe(e.createdMs);
      expect(e.local).toBe(false);
    }
    const crossing = late.filter((e) => compareIds(e.status.id, dayWindow(DAY).maxId) >= 0);
    expect(crossing.length).toBeGreaterThan(0);
    for (const e of crossing) expect(inWindow(e.status.created_at, dayWindow(DAY))).toBe(true);
    // Everything else: ID 0-4 ms before created_at, like the recorded Mastodon answers.
    for (const e of entries.filter((x) => x.arrival !== 'late-id')) {
      expect(e.createdMs - e.idMs).toBeGreaterThanOrEqual(0);
      expect(e.createdMs - e.idMs).toBeLessThanOrEqual(4);
    }
  });

  it('hides backdated statuses until they arrive, then shows them inside the old ID window', async () => {
    const s = await sim({ ...opts, seed: 3, now: Date.parse('2026-03-03T00:30:00.000Z') });
    const backdated = [...s.world.iterateDay(DAY)].filter(
      (e) => e.arrival === 'backdated' && e.insertedMs > Date.parse('2026-03-03T00:30:00.000Z'),
    );
    expect(backdated.length).toBeGreaterThan(0);
    const target = backdated[0]!;
    const around = (id: string) => `/api/v1/timelines/public?limit=40&max_id=${(BigInt(id) + 1n).toString()}`;
    const before = (await getJson<SimStatus[]>(s.url, around(target.status.id))).body;
    expect(before.map((x) => x.id)).not.toContain(target.status.id);
    s.setNow(target.insertedMs);
    const after = (await getJson<SimStatus[]>(s.url, around(target.status.id))).body;
    expect(after[0]?.id).toBe(target.status.id);
    expect(inWindow(after[0]!.created_at, dayWindow(DAY))).toBe(true);
  });
});

describe('realistic shape', () => {
  const world = new SimWorld({ seed: 11, statusesPerDay: 3000, accountCount: 1500 });
  const statuses = world.generateDay(DAY);

  it('has Mastodon status fields with public visibility, HTML content and consistent IDs', () => {
    for (const x of statuses.slice(0, 200)) {
      expect(x.visibility).toBe('public');
      expect(x.content.startsWith('<p>')).toBe(true);
      expect(x.id).toMatch(/^\d{17,19}$/);
      expect(x.url).toContain(x.id);
      expect(x.in_reply_to_id).toBeNull();
      expect(x.reblog).toBeNull();
      expect(typeof x.account.id).toBe('string');
      expect(x.spoiler_text === '' || x.sensitive).toBe(true);
      for (const t of x.tags) expect(x.content).toContain(`#<span>${t.name}</span>`);
    }
  });

  it('mixes languages (some null), bots, media, content warnings and sensitive posts', () => {
    const langs = new Set(statuses.map((x) => x.language));
    expect(langs.has(null)).toBe(true);
    expect(langs.has('en')).toBe(true);
    expect(langs.size).toBeGreaterThan(6);
    const share = (f: (x: SimStatus) => boolean) => statuses.filter(f).length / statuses.length;
    expect(share((x) => x.account.bot)).toBeGreaterThan(0.005);
    expect(share((x) => x.media_attachments.length > 0)).toBeGreaterThan(0.1);
    expect(share((x) => x.spoiler_text !== '')).toBeGreaterThan(0.03);
    expect(share((x) => x.sensitive)).toBeGreaterThan(0.03);
    expect(share((x) => x.mentions.length > 0)).toBeGreaterThan(0.05);
    expect(share((x) => x.application !== undefined)).toBeGreaterThan(0.2);
    for (const x of statuses) expect(x.application !== undefined).toBe(!x.account.acct.includes('@'));
  });

  it('has heavy-tailed hashtags and engagement', () => {
    const counts = new Map<string, number>();
    for (const x of statuses) for (const t of x.tags) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    expect(sorted[0]!).toBeGreaterThan(5 * (sorted[19] ?? 0));
    const favs = statuses.map((x) => x.favourites_count).sort((a, b) => a - b);
    const median = favs[Math.floor(favs.length / 2)]!;
    expect(favs[favs.length - 1]!).toBeGreaterThan(20 * Math.max(1, median));
    const followers = world.accounts.accounts
      .map((a) => world.accounts.toJson(a, NOW_LATER).followers_count)
      .sort((a, b) => a - b);
    expect(followers[followers.length - 1]!).toBeGreaterThan(
      50 * Math.max(1, followers[Math.floor(followers.length / 2)]!),
    );
  });

  it('has accounts that opt out: #nobot/#noindex notes, noindex, not discoverable; local and remote accts', () => {
    const accounts = world.accounts.accounts.map((a) => world.accounts.toJson(a, NOW_LATER));
    expect(accounts.some((a) => /#(<span>)?nobot/.test(a.note))).toBe(true);
    expect(accounts.some((a) => /#(<span>)?noindex/.test(a.note))).toBe(true);
    expect(accounts.some((a) => a.noindex === true)).toBe(true);
    expect(accounts.some((a) => a.discoverable === false)).toBe(true);
    expect(accounts.some((a) => a.acct.includes('@'))).toBe(true);
    expect(accounts.some((a) => !a.acct.includes('@'))).toBe(true);
    for (const a of accounts) {
      expect('noindex' in a).toBe(!a.acct.includes('@'));
      expect(a.created_at).toMatch(/T00:00:00\.000Z$/);
    }
    const years = new Set(accounts.map((a) => a.created_at.slice(0, 4)));
    expect(years.size).toBeGreaterThanOrEqual(6);
  });
});

describe('other endpoints', () => {
  it('looks up local and remote accounts and answers 404 for unknown ones', async () => {
    const s = await sim();
    const local = s.world.accounts.accounts.find((a) => a.local)!;
    const remote = s.world.accounts.accounts.find((a) => !a.local)!;
    const byName = await getJson<SimAccount>(s.url, `/api/v1/accounts/lookup?acct=${local.username}`);
    expect(byName.body.id).toBe(local.id);
    const byFull = await getJson<SimAccount>(
      s.url,
      `/api/v1/accounts/lookup?acct=${encodeURIComponent(`${local.username}@${s.host}`)}`,
    );
    expect(byFull.body.id).toBe(local.id);
    const r = await getJson<SimAccount>(
      s.url,
      `/api/v1/accounts/lookup?acct=${encodeURIComponent(`${remote.username}@${remote.domain}`)}`,
    );
    expect(r.body.acct).toBe(`${remote.username}@${remote.domain}`);
    const byId = await getJson<SimAccount>(s.url, `/api/v1/accounts/${local.id}`);
    expect(byId.body.username).toBe(local.username);
    const missing = await get(s.url, '/api/v1/accounts/lookup?acct=nobody_here');
    expect([missing.status, missing.text]).toEqual([404, '{"error":"Record not found"}']);
    expect((await get(s.url, '/api/v1/accounts/1')).status).toBe(404);
  });

  it('grows followers and statuses counts from one day to the next', async () => {
    const s = await sim();
    const a = s.world.accounts.accounts[0]!;
    const day1 = (await getJson<SimAccount>(s.url, `/api/v1/accounts/${a.id}`)).body;
    s.setNow(NOW_LATER + 86_400_000);
    const day2 = (await getJson<SimAccount>(s.url, `/api/v1/accounts/${a.id}`)).body;
    expect(day2.statuses_count).toBeGreaterThan(day1.statuses_count);
    expect(day2.followers_count).toBeGreaterThanOrEqual(day1.followers_count);
  });

  it('pages an account’s statuses and only that account’s', async () => {
    const s = await sim();
    const a = s.world.accounts.accounts[0]!;
    const { body, headers } = await getJson<SimStatus[]>(s.url, `/api/v1/accounts/${a.id}/statuses?limit=40`);
    expect(body.length).toBe(40);
    for (const x of body) expect(x.account.id).toBe(a.id);
    expectNewestFirst(body.map((x) => x.id));
    const next = links(headers.get('link')).next!;
    expect(next).toBe(`${s.url}/api/v1/accounts/${a.id}/statuses?limit=40&max_id=${body[39]!.id}`);
    const more = (await getJson<SimStatus[]>(s.url, next)).body;
    expect(compareIds(more[0]!.id, body[39]!.id)).toBe(-1);
  });

  it('serves a hashtag timeline with only tagged statuses, case-insensitively', async () => {
    const s = await sim();
    const tag = s.world.tags[0]!;
    const { body } = await getJson<SimStatus[]>(s.url, `/api/v1/timelines/tag/${tag.toUpperCase()}?limit=40`);
    expect(body.length).toBe(40);
    for (const x of body) expect(x.tags.map((t) => t.name)).toContain(tag);
    expect((await get(s.url, '/api/v1/timelines/tag/neverusedtag')).text).toBe('[]');
  });

  it('answers instance v1, v2, activity, peers, trends and directory in Mastodon shapes', async () => {
    const s = await sim();
    const v1 = (
      await getJson<{ uri: string; stats: { user_count: number; domain_count: number } }>(s.url, '/api/v1/instance')
    ).body;
    expect(v1.uri).toBe('sim.example');
    expect(v1.stats.user_count).toBe(s.world.accounts.accounts.filter((a) => a.local).length);
    const v2 = (
      await getJson<{ domain: string; usage: { users: { active_month: number } } }>(s.url, '/api/v2/instance/')
    ).body;
    expect(v2.domain).toBe('sim.example');
    expect(v2.usage.users.active_month).toBeGreaterThan(0);

    const weeks = (await getJson<SimActivityWeek[]>(s.url, '/api/v1/instance/activity')).body;
    expect(weeks).toHaveLength(12);
    expect(weeks[0]!.week).toBe(String(Math.floor(NOW_LATER / 1000)));
    expect(Number(weeks[0]!.week) - Number(weeks[1]!.week)).toBe(604_800);
    for (const w of weeks) for (const v of Object.values(w)) expect(v).toMatch(/^\d+$/);
    expect(Number(weeks[1]!.statuses)).toBeGreaterThan(0);

    const peers = (await getJson<string[]>(s.url, '/api/v1/instance/peers')).body;
    expect(peers.length).toBe(v1.stats.domain_count);
    const remoteDomain = s.world.accounts.accounts.find((a) => !a.local)!.domain;
    expect(peers).toContain(remoteDomain);

    const trends = await getJson<SimTrendTag[]>(s.url, '/api/v1/trends/tags');
    expect(trends.body).toHaveLength(10);
    expect(trends.body[0]!.history).toHaveLength(7);
    expect(trends.body[0]!.history[0]!.day).toBe(String(Date.parse('2026-03-05T00:00:00Z') / 1000));
    expect(links(trends.headers.get('link')).next).toBe(`${s.url}/api/v1/trends/tags?limit=10&offset=10`);

    const dir = (await getJson<SimAccount[]>(s.url, '/api/v1/directory?order=new&local=true&limit=80')).body;
    expect(dir.length).toBeGreaterThan(10);
    for (const a of dir) {
      expect(a.discoverable).toBe(true);
      expect(a.acct).not.toContain('@');
    }
    const created = dir.map((a) => a.created_at);
    expect([...created].sort().reverse()).toEqual(created);
  });

  it('serves a single status by ID, and 404 outside the simulated days or before it exists', async () => {
    const s = await sim();
    const ids = idsOfIdDay(s.world, DAY);
    const one = await getJson<SimStatus>(s.url, `/api/v1/statuses/${ids[5]}`);
    expect(one.body.id).toBe(ids[5]);
    expect((await get(s.url, '/api/v1/statuses/1')).status).toBe(404);
    expect((await get(s.url, `/api/v1/statuses/${(BigInt(ids[5]!) + 1n).toString()}`)).status).toBe(404);
    s.setNow(Date.parse(`${DAY}T00:00:00.000Z`));
    expect((await get(s.url, `/api/v1/statuses/${ids[ids.length - 1]}`)).status).toBe(404);
  });

  it('counts requests per endpoint', async () => {
    const s = await sim();
    await get(s.url, '/api/v1/instance');
    await get(s.url, '/api/v1/instance');
    await get(s.url, `/api/v1/timelines/public?max_id=${dayWindow(DAY).maxId}`);
    await get(s.url, '/api/v1/nothing');
    const st = s.stats();
    expect(st.requests).toBe(4);
    expect(st.paged).toBe(1);
    expect(st.byEndpoint).toEqual({ 'instance/v1': 2, 'timelines/public': 1, unknown: 1 });
    expect(st.byStatus).toEqual({ 200: 3, 404: 1 });
  });
});
