import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compareIds } from '../../domain/snowflake';
import { CASSETTES_DIR, listCassettes, requestKey } from '../../infra/mastodon-replay/cassette';
import { startReplayServer, type ReplayOptions, type ReplayServer } from '../../infra/mastodon-replay/server';

const running: ReplayServer[] = [];

async function replay(options: ReplayOptions = {}): Promise<ReplayServer> {
  const r = await startReplayServer(options);
  running.push(r);
  return r;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

interface RawInteraction {
  request: { method: string; uri: string };
  response: { status: { code: number; message: string }; headers: Record<string, string[]>; body: { string: string } };
}

/** Read a cassette straight from YAML, independently of the server's loader. */
function recorded(cassette: string): RawInteraction[] {
  const doc = parse(readFileSync(join(CASSETTES_DIR, cassette), 'utf8')) as { interactions: RawInteraction[] };
  return doc.interactions.filter((i) => i.request.method === 'GET');
}

function pathOf(uri: string): string {
  const u = new URL(uri);
  return u.pathname + u.search;
}

function header(it: RawInteraction, name: string): string | undefined {
  const entry = Object.entries(it.response.headers).find(([k]) => k.toLowerCase() === name);
  return entry?.[1][0];
}

function links(h: string | null): { next?: string; prev?: string } {
  const out: { next?: string; prev?: string } = {};
  for (const m of (h ?? '').matchAll(/<([^>]+)>;\s*rel="(next|prev)"/g)) out[m[2] as 'next' | 'prev'] = m[1];
  return out;
}

describe('cassettes directory', () => {
  it('resolves beside the repository and holds the recorded files', () => {
    expect(CASSETTES_DIR.replace(/\\/g, '/')).toMatch(/\/shared\/fixtures\/mastodon-api-cassettes$/);
    const names = listCassettes();
    expect(names).toContain('test_timeline_disabled.yaml');
    expect(names).toContain('test_pagination_iterator.yaml');
  });
});

describe('byte-for-byte answers', () => {
  const cases: [string, string[] | undefined][] = [
    ['test_instance.yaml', undefined],
    ['test_instance_v1.yaml', undefined],
    ['test_instance_activity.yaml', undefined],
    ['test_instance_languages.yaml', undefined],
    ['test_directory.yaml', undefined],
    ['test_public_tl_anonymous.yaml', undefined],
    ['test_account_lookup.yaml', undefined],
    ['test_timeline_disabled.yaml', ['mastodon.social']],
  ];

  for (const [cassette, hosts] of cases) {
    it(`replays ${cassette}${hosts ? ` (${hosts.join(',')})` : ''} exactly`, async () => {
      const r = await replay({ cassettes: [cassette], hosts });
      const interactions = recorded(cassette).filter((i) => !hosts || hosts.includes(new URL(i.request.uri).host));
      expect(interactions.length).toBeGreaterThan(0);
      for (const it of interactions) {
        const res = await fetch(r.url + pathOf(it.request.uri));
        const bytes = Buffer.from(await res.arrayBuffer());
        const expected = Buffer.from(it.response.body.string, 'utf8');
        expect(res.status).toBe(it.response.status.code);
        expect(res.statusText).toBe(it.response.status.message);
        expect(bytes.equals(expected)).toBe(true);
        expect(bytes.length).toBe(Number(header(it, 'content-length')));
        for (const name of [
          'x-ratelimit-limit',
          'x-ratelimit-remaining',
          'x-ratelimit-reset',
          'content-type',
          'etag',
        ]) {
          expect(res.headers.get(name) ?? undefined).toBe(header(it, name));
        }
      }
      expect(r.unmatched()).toEqual([]);
    });
  }

  it('keeps multi-byte UTF-8 intact (byte length differs from character length)', async () => {
    const r = await replay({ cassettes: ['test_timeline_disabled.yaml'], hosts: ['mastodon.social'] });
    const res = await fetch(`${r.url}/api/v2/instance/`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    expect(bytes.length).toBe(25668);
    expect(text.length).toBeLessThan(bytes.length);
    const body = JSON.parse(text) as { domain: string; configuration: { timelines_access: { live_feeds: unknown } } };
    expect(body.domain).toBe('mastodon.social');
    expect(body.configuration.timelines_access.live_feeds).toEqual({ local: 'disabled', remote: 'disabled' });
  });

  it('passes the recorded rate-limit headers through unchanged (ISO-8601 with microseconds)', async () => {
    const r = await replay({ cassettes: ['test_instance.yaml'] });
    const res = await fetch(`${r.url}/api/v2/instance/`);
    expect(res.headers.get('x-ratelimit-reset')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(res.headers.get('x-ratelimit-limit')).toBe('300');
  });
});

describe('Link headers', () => {
  it('rewrites absolute URLs to the replay server and the client can follow them to the end', async () => {
    const r = await replay({ cassettes: ['test_pagination_iterator.yaml'] });
    const tag = 'fgiztsshwiaqqiztpmmjbtvmescsculuvmgjgopwoeidbcrixp';
    let url: string | undefined = `${r.url}/api/v1/timelines/tag/${tag}?limit=10`;
    const ids: string[] = [];
    let firstPrev: string | undefined;
    for (let page = 0; url && page < 10; page++) {
      const res: Response = await fetch(url);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { id: string }[];
      if (body.length === 0) {
        expect(res.headers.get('link')).toBeNull();
        break;
      }
      const l = links(res.headers.get('link'));
      expect(l.next?.startsWith(`${r.url}/api/v1/timelines/tag/${tag}?limit=10&max_id=`)).toBe(true);
      expect(res.headers.get('link')).not.toContain('localhost:3000');
      firstPrev ??= l.prev;
      ids.push(...body.map((s) => s.id));
      url = l.next;
    }
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    for (let i = 1; i < ids.length; i++) expect(compareIds(ids[i - 1]!, ids[i]!)).toBe(1);
    // Following rel="prev" from the newest page asks for anything newer: recorded as [].
    expect(firstPrev).toBe(`${r.url}/api/v1/timelines/tag/${tag}?limit=10&min_id=${ids[0]}`);
    const newer = await fetch(firstPrev!);
    expect(await newer.text()).toBe('[]');
    expect(r.unmatched()).toEqual([]);
  });

  it('changes nothing but the origin in the Link value', async () => {
    const r = await replay({ cassettes: ['test_public_tl.yaml'] });
    const it = recorded('test_public_tl.yaml').find((i) => i.request.uri.endsWith('/api/v1/timelines/public'))!;
    const res = await fetch(`${r.url}/api/v1/timelines/public`);
    expect(res.headers.get('link')).toBe(header(it, 'link')!.replaceAll('http://localhost:3000', r.url));
  });
});

describe('request matching', () => {
  it('ignores parameter order, trailing slashes and equivalent boolean spellings', async () => {
    const r = await replay({
      cassettes: ['test_timeline_disabled.yaml', 'test_public_tl.yaml'],
      hosts: ['localhost:3000'],
    });
    const a = await fetch(`${r.url}/api/v1/timelines/public?remote=1&local=1`);
    const b = await fetch(`${r.url}/api/v1/timelines/public?local=true&remote=true`);
    expect(a.status).toBe(200);
    expect(await a.text()).toBe(await b.text());
    // megalodon sends local=false on the public timeline; Mastodon reads it as "not set".
    const pub = await fetch(`${r.url}/api/v1/timelines/public?local=false`);
    expect(pub.status).toBe(200);
    expect(pub.headers.get('link')).toContain('/api/v1/timelines/public?max_id=');
    expect((await fetch(`${r.url}/api/v1/instance`)).status).toBe(200);
    expect(requestKey('GET', '/api/v1/accounts/lookup?acct=a%40b')).toBe(
      requestKey('GET', '/api/v1/accounts/lookup?acct=a@b'),
    );
    expect(r.unmatched()).toEqual([]);
  });

  it('serves repeated recordings in order, then repeats the last', async () => {
    const r = await replay({ cassettes: ['test_timeline_disabled.yaml'] });
    const domains: string[] = [];
    for (let i = 0; i < 3; i++) {
      const body = (await (await fetch(`${r.url}/api/v2/instance/`)).json()) as { domain: string };
      domains.push(body.domain);
    }
    expect(domains).toEqual(['localhost:3000', 'mastodon.social', 'mastodon.social']);
    expect(r.served().map((s) => s.index)).toEqual([0, 1, 1]);
  });

  it('answers unmatched requests with 404 naming the request and records them', async () => {
    const r = await replay({ cassettes: ['test_instance.yaml'] });
    const res = await fetch(`${r.url}/api/v1/timelines/public?limit=40`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: string; key: string };
    expect(body.error).toBe('no recorded answer for GET /api/v1/timelines/public?limit=40');
    const post = await fetch(`${r.url}/api/v2/instance/`, { method: 'POST' });
    expect(post.status).toBe(404);
    expect(r.unmatched()).toEqual([
      { method: 'GET', url: '/api/v1/timelines/public?limit=40', key: 'GET /api/v1/timelines/public?limit=40' },
      { method: 'POST', url: '/api/v2/instance/', key: 'POST /api/v2/instance' },
    ]);
  });

  it('does not match a different query value', async () => {
    const r = await replay({ cassettes: ['test_account_lookup.yaml'] });
    expect((await fetch(`${r.url}/api/v1/accounts/lookup?acct=mastodonpy_test`)).status).toBe(200);
    expect((await fetch(`${r.url}/api/v1/accounts/lookup?acct=someone_else`)).status).toBe(404);
    expect(r.unmatched().map((u) => u.url)).toEqual(['/api/v1/accounts/lookup?acct=someone_else']);
  });
});
