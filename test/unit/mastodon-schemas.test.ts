import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  InstanceActivityWeek,
  InstancePeers,
  MastodonAccount,
  MastodonInstanceV1,
  MastodonInstanceV2,
  MastodonStatus,
  TrendTag,
  describeIssues,
} from '../../domain/mastodon-schemas';
import { isAccountFast, isStatusFast } from '../../domain/metrics/fast-status-check';

// Real answers of a Mastodon 4.6 server (and of mastodon.social), recorded by another project.
const CASSETTES = fileURLToPath(new URL('../../../shared/fixtures/mastodon-api-cassettes/', import.meta.url));

interface Interaction {
  request: { method: string; uri: string };
  response: { status: { code: number }; body: { string: string } };
}

interface Bodies {
  statuses: unknown[];
  accounts: unknown[];
  instanceV2: unknown[];
  instanceV1: unknown[];
  activity: unknown[];
  peers: unknown[];
}

function loadCassettes(): Bodies {
  const out: Bodies = { statuses: [], accounts: [], instanceV2: [], instanceV1: [], activity: [], peers: [] };
  for (const file of readdirSync(CASSETTES).filter((f) => f.endsWith('.yaml'))) {
    const doc = parse(readFileSync(CASSETTES + file, 'utf8')) as { interactions: Interaction[] };
    for (const { request, response } of doc.interactions) {
      if (response.status.code !== 200) continue;
      let body: unknown;
      try {
        body = JSON.parse(response.body.string);
      } catch {
        continue;
      }
      const path = new URL(request.uri).pathname.replace(/\/$/, '');
      const items = Array.isArray(body) ? body : [body];
      if (path === '/api/v2/instance') out.instanceV2.push(body);
      else if (path === '/api/v1/instance') out.instanceV1.push(body);
      else if (path === '/api/v1/instance/activity') out.activity.push(...items);
      else if (path === '/api/v1/instance/peers') out.peers.push(body);
      else if (/^\/api\/v1\/(statuses|timelines\/|accounts\/\d+\/statuses)/.test(path)) out.statuses.push(...items);
      else if (/^\/api\/v1\/(accounts\/(lookup|verify_credentials)|directory)/.test(path)) out.accounts.push(...items);
    }
  }
  // Every status embeds its author; boosts embed the original.
  for (const s of [...out.statuses]) {
    const status = s as { account: unknown; reblog: unknown };
    out.accounts.push(status.account);
    if (status.reblog) out.statuses.push(status.reblog);
  }
  return out;
}

const bodies = loadCassettes();

function sample(): Record<string, unknown> {
  return structuredClone(bodies.statuses[0]) as Record<string, unknown>;
}

function reasonFor(record: unknown): string {
  const r = MastodonStatus.safeParse(record);
  expect(r.success).toBe(false);
  return r.success ? '' : describeIssues(r.error);
}

describe('MastodonStatus / MastodonAccount on the recorded cassettes', () => {
  it('finds the recorded statuses and accounts', () => {
    // The cassettes hold 203 status bodies (timelines, posts, deletes) and their authors.
    expect(bodies.statuses.length).toBeGreaterThanOrEqual(200);
    expect(bodies.accounts.length).toBeGreaterThanOrEqual(200);
  });

  it('accepts every recorded status, with zod and with the fast check', () => {
    const rejected = bodies.statuses.flatMap((s, i) => {
      const r = MastodonStatus.safeParse(s);
      return r.success ? [] : [`#${i}: ${describeIssues(r.error)}`];
    });
    expect(rejected).toEqual([]);
    expect(bodies.statuses.filter((s) => !isStatusFast(s))).toEqual([]);
  });

  it('accepts every recorded account, with zod and with the fast check', () => {
    const rejected = bodies.accounts.flatMap((a, i) => {
      const r = MastodonAccount.safeParse(a);
      return r.success ? [] : [`#${i}: ${describeIssues(r.error)}`];
    });
    expect(rejected).toEqual([]);
    expect(bodies.accounts.filter((a) => !isAccountFast(a))).toEqual([]);
  });

  it('keeps unknown fields (loose objects) and the values unchanged', () => {
    const raw = bodies.statuses[0] as Record<string, unknown>;
    const parsed = MastodonStatus.parse(raw) as Record<string, unknown>;
    expect(parsed).toEqual(raw);
    expect(parsed.quote_approval).toBeDefined();
  });

  it('accepts the midnight created_at Mastodon sends for accounts, and offsets', () => {
    const s = sample();
    (s.account as Record<string, unknown>).created_at = '2022-04-08T00:00:00.000Z';
    s.created_at = '2026-08-01T15:55:50+02:00';
    expect(MastodonStatus.safeParse(s).success).toBe(true);
    expect(isStatusFast(s)).toBe(true);
  });

  it('accepts a null language, a missing application and noindex/discoverable null', () => {
    const s = sample();
    s.language = null;
    delete s.application;
    const account = s.account as Record<string, unknown>;
    account.noindex = null;
    account.discoverable = null;
    expect(MastodonStatus.safeParse(s).success).toBe(true);
    expect(isStatusFast(s)).toBe(true);
  });
});

describe('broken statuses are rejected with the field named', () => {
  const cases: [string, (s: Record<string, unknown>) => void, string][] = [
    // A status id sent as a JSON number (it loses precision, which is why it must be refused).
    ['numeric id', (s) => (s.id = Number('117020593378945190')), 'id:'],
    ['id with letters', (s) => (s.id = '11702abc'), 'id:'],
    ['missing created_at', (s) => delete s.created_at, 'created_at:'],
    ['created_at not a date-time', (s) => (s.created_at = 'yesterday'), 'created_at:'],
    ['created_at impossible date', (s) => (s.created_at = '2026-02-30T00:00:00.000Z'), 'created_at:'],
    ['favourites_count as a string', (s) => (s.favourites_count = '3'), 'favourites_count:'],
    ['negative reblogs_count', (s) => (s.reblogs_count = -1), 'reblogs_count:'],
    ['fractional replies_count', (s) => (s.replies_count = 1.5), 'replies_count:'],
    ['account missing', (s) => delete s.account, 'account:'],
    [
      'account.created_at broken',
      (s) => ((s.account as Record<string, unknown>).created_at = '2022-13-01'),
      'account.created_at:',
    ],
    ['account.bot as a string', (s) => ((s.account as Record<string, unknown>).bot = 'false'), 'account.bot:'],
    [
      'account.followers_count null',
      (s) => ((s.account as Record<string, unknown>).followers_count = null),
      'account.followers_count:',
    ],
    ['tag without a name', (s) => (s.tags = [{ url: 'x' }]), 'tags[0].name:'],
    ['media without a type', (s) => (s.media_attachments = [{ id: '1' }]), 'media_attachments[0].type:'],
    ['language as a number', (s) => (s.language = 5), 'language:'],
    ['application without a name', (s) => (s.application = { website: null }), 'application.name:'],
    ['sensitive missing', (s) => delete s.sensitive, 'sensitive:'],
    ['content null', (s) => (s.content = null), 'content:'],
  ];
  for (const [label, breakIt, field] of cases) {
    it(label, () => {
      const s = sample();
      breakIt(s);
      expect(isStatusFast(s)).toBe(false);
      expect(reasonFor(s)).toContain(field);
    });
  }

  it('rejects non-objects', () => {
    for (const v of [null, 42, 'status', [], [sample()]]) {
      expect(isStatusFast(v)).toBe(false);
      expect(MastodonStatus.safeParse(v).success).toBe(false);
    }
  });
});

describe('the fast check never accepts what zod rejects', () => {
  // Deterministic PRNG so a failure reproduces.
  let seed = 12345;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const WEIRD: unknown[] = [
    null,
    undefined,
    0,
    -1,
    1.5,
    2 ** 60,
    Number.NaN,
    '',
    'x',
    '123',
    '0123',
    '2026-08-01T13:55:50.338Z',
    '2026-08-01T13:55:50+05:30',
    '2026-08-01T25:00:00Z',
    '2026-08-01',
    true,
    false,
    [],
    [{}],
    [{ name: '' }],
    [{ id: '1', type: 'image' }],
    {},
    { name: 'x' },
    { id: '1' },
  ];

  function paths(value: unknown, prefix: string[] = []): string[][] {
    if (typeof value !== 'object' || value === null) return [prefix];
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
  }

  function mutate(record: unknown, path: string[], value: unknown, remove: boolean): unknown {
    if (path.length === 0) return value;
    const copy = structuredClone(record) as Record<string, unknown>;
    let node = copy;
    for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>;
    const last = path[path.length - 1] as string;
    if (remove) delete node[last];
    else node[last] = value;
    return copy;
  }

  it('holds on 5,000 random single-field mutations of recorded statuses', () => {
    let fastAccepted = 0;
    let zodAccepted = 0;
    for (let n = 0; n < 5000; n++) {
      const base = bodies.statuses[Math.floor(rand() * bodies.statuses.length)];
      const all = paths(base).filter((p) => p.length > 0);
      const path = all[Math.floor(rand() * all.length)] as string[];
      const mutated = mutate(base, path, WEIRD[Math.floor(rand() * WEIRD.length)], rand() < 0.15);
      const fast = isStatusFast(mutated);
      const zod = MastodonStatus.safeParse(mutated).success;
      if (fast && !zod) throw new Error(`fast check accepted what zod rejects at ${path.join('.')}`);
      if (fast) fastAccepted++;
      if (zod) zodAccepted++;
    }
    // Most mutations hit fields nobody reads (loose objects) and stay valid; the two checks
    // should agree on nearly all of them (fast may only be stricter).
    expect(fastAccepted).toBeGreaterThan(1000);
    expect(zodAccepted - fastAccepted).toBeLessThan(zodAccepted * 0.05);
  }, 60_000);
});

describe('instance entities', () => {
  it('parses /api/v2/instance of the test server and of mastodon.social', () => {
    expect(bodies.instanceV2.length).toBeGreaterThanOrEqual(2);
    for (const body of bodies.instanceV2) expect(MastodonInstanceV2.safeParse(body).success).toBe(true);
    const social = bodies.instanceV2
      .map((b) => MastodonInstanceV2.parse(b))
      .find((i) => i.domain === 'mastodon.social');
    expect(social?.configuration.timelines_access?.live_feeds?.local).toBe('disabled');
    expect(social?.usage.users.active_month).toBeGreaterThan(0);
  });

  it('parses /api/v1/instance', () => {
    expect(bodies.instanceV1.length).toBeGreaterThanOrEqual(2);
    for (const body of bodies.instanceV1) {
      const r = MastodonInstanceV1.safeParse(body);
      expect(r.success).toBe(true);
    }
  });

  it('parses weekly activity, turning decimal strings into numbers', () => {
    expect(bodies.activity.length).toBe(12);
    const weeks = bodies.activity.map((w) => InstanceActivityWeek.parse(w));
    expect(weeks[0]).toMatchObject({ week: 1785592262, statuses: 18, logins: 4, registrations: 4 });
    expect(InstanceActivityWeek.safeParse({ week: 'x', statuses: '1', logins: '1', registrations: '1' }).success).toBe(
      false,
    );
  });

  it('parses peers', () => {
    for (const body of bodies.peers) expect(InstancePeers.parse(body)).toContain('chitter.xyz');
  });

  it('parses a trending tag with its history (the cassettes have none: documented shape)', () => {
    const tag = TrendTag.parse({
      name: 'hola',
      url: 'https://mastodon.social/tags/hola',
      history: [
        { day: '1574553600', uses: '10', accounts: '6' },
        { day: '1574467200', uses: '2', accounts: '2' },
      ],
      following: false,
    });
    expect(tag.history[0]).toEqual({ day: 1574553600, uses: 10, accounts: 6 });
    const bad = TrendTag.safeParse({ name: 'hola', url: 'u', history: [{ day: 'monday', uses: '1', accounts: '1' }] });
    expect(bad.success).toBe(false);
    if (!bad.success) expect(describeIssues(bad.error)).toContain('history[0].day');
  });
});
