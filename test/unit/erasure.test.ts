import { describe, expect, it } from 'vitest';
import { mapPages } from '../../activities/aggregate/map-pages';
import { iterateDay } from '../../infra/mastodon-sim/generator';
import { ErasureMatcher, erasureHash, pseudonymOf } from '../../activities/erasure/erasure-hash';
import { forgetRequest } from '../../cli/commands/forget';
import { parseConfig } from '../../domain/config';
import { acctOfStatusUrl } from '../../activities/erasure/account-rows';
import { scrubBody } from '../../activities/erasure/scrub-page';
import { arrayElementSpans, canonicalAcct, parseAcctArgument, rewriteArray } from '../../domain/erasure';
import { erasureListEntryKey, erasureLogKey, forgetWorkflowId } from '../../domain/keys';

const SECRET = 'test-secret';
const status = (id: string, acct: string, extra: Record<string, unknown> = {}) => ({
  id,
  created_at: '2026-03-03T10:00:00.000Z',
  account: { id: `a-${acct}`, acct, url: `https://sim.example/@${acct.split('@')[0]}` },
  mentions: [],
  ...extra,
});

describe('erasure: byte-level removal from a JSON array page', () => {
  it('finds the top-level elements of an array, strings with brackets and escapes included', () => {
    const text = ' [ {"a":"x]\\"}"} , [1,[2]] ,"s,]" ,3 ] ';
    const spans = arrayElementSpans(Buffer.from(text))!;
    expect(spans.elements.map(([a, b]) => text.slice(a, b))).toEqual(['{"a":"x]\\"}"}', '[1,[2]]', '"s,]"', '3']);
    expect(arrayElementSpans(Buffer.from('[]'))!.elements).toEqual([]);
    expect(arrayElementSpans(Buffer.from('{"a":1}'))).toBeUndefined();
    expect(arrayElementSpans(Buffer.from('[1,2'))).toBeUndefined();
    expect(arrayElementSpans(Buffer.from('[1] x'))).toBeUndefined();
  });

  it('keeps every other element byte for byte (non-ASCII too)', () => {
    const text = '[{"t":"é ✓"},{"t":"drop"},{"t":"z"}]';
    const bytes = Buffer.from(text);
    const out = rewriteArray(bytes, arrayElementSpans(bytes)!, new Set([1]));
    expect(out.toString('utf8')).toBe('[{"t":"é ✓"},{"t":"z"}]');
    expect(rewriteArray(bytes, arrayElementSpans(bytes)!, new Set([0, 1, 2])).toString()).toBe('[]');
  });
});

describe('erasure: the keyed hash and the matcher', () => {
  it('hashes one canonical form, keyed, and never equal to a pseudonym', () => {
    expect(canonicalAcct('@Alice@Mastodon.Social')).toBe('alice@mastodon.social');
    expect(canonicalAcct('alice', 'sim.example')).toBe('alice@sim.example');
    expect(canonicalAcct('alice')).toBeUndefined();
    expect(erasureHash(SECRET, 'alice@x.org')).toMatch(/^[0-9a-f]{64}$/);
    expect(erasureHash(SECRET, 'alice@x.org')).not.toBe(erasureHash('other', 'alice@x.org'));
    expect(parseAcctArgument('alice')).toHaveProperty('error');
    expect(parseAcctArgument('@Alice@x.org')).toEqual({ acct: 'alice@x.org' });
  });

  it('recognises a local account by its profile URL, a remote one by its acct', () => {
    const m = new ErasureMatcher(
      new Set([erasureHash(SECRET, 'alice@sim.example'), erasureHash(SECRET, 'bob@remote.example')]),
      SECRET,
    );
    expect(m.matches('alice', 'https://sim.example/@alice')).toBe(true);
    expect(m.matches('alice', 'https://other.example/@alice')).toBe(false);
    expect(m.matches('alice', undefined, ['sim.example'])).toBe(true);
    expect(m.matches('Bob@Remote.example')).toBe(true);
    expect(m.matches('carol@remote.example')).toBe(false);
  });

  it('scrubs a page: statuses and boosts of the account go, mentions of it are redacted, the rest is untouched', () => {
    const m = new ErasureMatcher(new Set([erasureHash(SECRET, 'alice@sim.example')]), SECRET);
    const keep = status('1', 'carol');
    const page = [
      keep,
      status('2', 'alice'),
      status('3', 'dave', { reblog: status('2', 'alice') }),
      status('4', 'erin', {
        mentions: [{ id: 'a-alice', username: 'alice', acct: 'alice', url: 'https://sim.example/@alice' }],
      }),
    ];
    const body = Buffer.from(JSON.stringify(page));
    const r = scrubBody(body, m, { window: { fromMs: Date.parse('2026-03-03'), toMs: Date.parse('2026-03-04') } });
    expect(r.changed).toBe(true);
    expect(r.statusesRemoved).toBe(2);
    expect(r.removedInWindow).toBe(2);
    expect(r.mentionsRedacted).toBe(1);
    const out = JSON.parse(r.body.toString('utf8')) as Array<{ id: string; mentions: unknown[] }>;
    expect(out.map((s) => s.id)).toEqual(['1', '4']);
    expect(out[1]!.mentions).toEqual([]);
    expect(r.body.toString('utf8').startsWith(`[${JSON.stringify(keep)},`)).toBe(true);
    expect(r.body.toString('utf8')).not.toContain('alice');
    // A page without the account comes back as the very same buffer.
    const clean = Buffer.from(JSON.stringify([keep]));
    expect(scrubBody(clean, m).body).toBe(clean);
    // An account lookup answer of the account: the whole object goes.
    const lookup = Buffer.from(JSON.stringify({ id: 'a-alice', acct: 'alice', url: 'https://sim.example/@alice' }));
    expect(scrubBody(lookup, m).wholeObjectErased).toBe(true);
  });

  it('reads the author of a status URL', () => {
    expect(acctOfStatusUrl('https://sim.example/@alice/123')).toBe('alice@sim.example');
    expect(acctOfStatusUrl('https://a.example/@bob@b.example/9')).toBe('bob@b.example');
    expect(acctOfStatusUrl('https://a.example/notes/9')).toBeUndefined();
  });

  it('builds its keys from the hash only', () => {
    const h = erasureHash(SECRET, 'alice@sim.example');
    expect(erasureListEntryKey(h)).toBe(`erasure/v1/list/${h}.json`);
    expect(forgetWorkflowId(h)).toBe(`forget/${h.slice(0, 32)}`);
    expect(erasureLogKey('2026-12-02T22:00:00.000Z', h)).toMatch(
      /^erasure\/v1\/log\/20261202T220000000Z-[0-9a-f]{16}\.json$/,
    );
    expect(() => erasureListEntryKey('alice@sim.example')).toThrow(/erasure hash/);
  });
});

describe('forget: what the CLI sends and refuses', () => {
  const config = (extra: Record<string, unknown> = {}) => {
    const parsed = parseConfig(
      {
        instances: [
          {
            name: 'sim.example',
            baseUrl: 'http://127.0.0.1:9999',
            userAgentContact: 'mailto:me@example.org',
            accounts: ['local1'],
          },
        ],
        s3: { bucket: 'mastoflow' },
        accounts: ['tracked@elsewhere.example'],
        ...extra,
      },
      'test',
    );
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.config;
  };
  const env = { MASTOFLOW_PSEUDONYM_KEY: SECRET };

  it('sends the keyed hash only, and refuses tracked accounts, bad accts and a missing secret', () => {
    const { input, workflowId } = forgetRequest(config(), env, '@Alice@Sim.Example');
    expect(input).toEqual({ accountHash: erasureHash(SECRET, 'alice@sim.example'), rowKeys: [], reason: 'request' });
    expect(JSON.stringify({ input, workflowId })).not.toMatch(/alice/i);
    expect(() => forgetRequest(config(), env, 'tracked@elsewhere.example')).toThrow(/still tracks .*accounts\[0\]/);
    // A bare tracked acct of an instance is that instance's local account.
    expect(() => forgetRequest(config(), env, 'local1@sim.example')).toThrow(/instances\[0\]\.accounts\[0\]/);
    expect(() => forgetRequest(config(), env, 'alice')).toThrow(/expected an account as user@domain/);
    expect(() => forgetRequest(config(), {}, 'alice@x.org')).toThrow(/MASTOFLOW_PSEUDONYM_KEY is not set/);
  });

  it('in pseudonymised mode also sends the row keys: full acct everywhere, bare where it is local', () => {
    const { input } = forgetRequest(config({ privacy: { pseudonymise: true } }), env, 'alice@sim.example');
    expect(input.rowKeys).toEqual([
      { instance: 'sim.example', key: pseudonymOf(SECRET, 'alice@sim.example') },
      { instance: 'sim.example', key: pseudonymOf(SECRET, 'alice') },
    ]);
    expect(input.rowKeys.every((k) => /^anon:[0-9a-f]{16}$/.test(k.key))).toBe(true);
  });
});

describe('the map honours the erasure list', () => {
  it('maps a page holding an erased account exactly as the page without its statuses', async () => {
    const statuses: Array<{ account: { acct: string; url: string } }> = [];
    for (const e of iterateDay(7, '2026-03-04', { statusesPerDay: 600, accountCount: 100 }))
      statuses.push(e.status as unknown as { account: { acct: string; url: string } });
    const counts = new Map<string, number>();
    for (const s of statuses) counts.set(s.account.acct, (counts.get(s.account.acct) ?? 0) + 1);
    const local = [...counts.entries()].filter(([a]) => !a.includes('@')).sort((a, b) => b[1] - a[1])[0]![0];
    const host = new URL(statuses.find((s) => s.account.acct === local)!.account.url).host;
    const pages = (list: unknown[]) =>
      Array.from({ length: Math.ceil(list.length / 40) }, (_, i) =>
        Buffer.from(JSON.stringify(list.slice(i * 40, i * 40 + 40))),
      );
    const run = (bytes: Buffer[], erased?: { hashes: string[]; secret: string }) =>
      mapPages(
        {
          pages: bytes.map((_, i) => ({ key: `p${i}` })),
          windowStartMs: Date.parse('2026-03-04T00:00:00Z'),
          windowEndMs: Date.parse('2026-03-05T00:00:00Z'),
          idRange: {},
          ...(erased ? { erased } : {}),
        },
        async (key) => bytes[Number(key.slice(1))],
      );
    const withList = await run(pages(statuses), {
      hashes: [erasureHash(SECRET, `${local}@${host}`)],
      secret: SECRET,
    });
    const without = await run(pages(statuses.filter((s) => s.account.acct !== local)));
    expect(counts.get(local)).toBeGreaterThan(5);
    expect(withList.partialJson).toBe(without.partialJson);
    expect(withList.partialJson).not.toContain(`"${local}"`);
  });
});
