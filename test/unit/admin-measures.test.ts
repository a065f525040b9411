// The admin-dashboard families (origin servers, new and first-seen posters, link sharing): their
// pure kernels on hand-made statuses, merge order independence, and the charts their catalog
// declarations give (spec and rendered SVG marks). Equality with the DuckDB oracle is in
// metrics-oracle.test.ts (salted day) and mastodon-daily-oracle.test.ts (the real stack).
import { describe, expect, it } from 'vitest';
import { renderSvg } from '../../activities/report/chart-renderer';
import type { ViewRow } from '../../domain/charts/chart-data';
import { chartSpec } from '../../domain/charts/vega-lite-spec';
import { viewByName } from '../../domain/metrics/catalog';
import { finalizeAll, type KvRow, mapStatuses, mergeAll, type CombinedPartial } from '../../domain/metrics/index';
import { contentLinks, linkDomain } from '../../domain/metrics/links';
import { FIRST_SEEN_LOOKBACK_DAYS, firstSeenLookback } from '../../domain/metrics/new-accounts';
import { snowflakeFromMs } from '../../domain/snowflake';
import { originServer, ORIGIN_TOP_SERVERS } from '../../domain/metrics/origins';
import { ADMIN_MEASURES } from '../../infra/mastodon-sim/config';
import { generateDay } from '../../infra/mastodon-sim/generator';
import { countSvgMarks } from '../helpers/svg-marks';

const DAY = '2026-03-04';
const START = Date.parse(`${DAY}T00:00:00.000Z`);
const WINDOW = { windowStartMs: START, windowEndMs: START + 86_400_000 };

let nextId = 1;
function status(acct: string, opts: { content?: string; card?: unknown; createdAt?: string; at?: string } = {}) {
  const createdAt = opts.at ?? `${DAY}T12:00:00.000Z`;
  // A snowflake of its own time, as Mastodon's IDs are (the mapper dates broken records by it).
  const id = snowflakeFromMs(Date.parse(createdAt), nextId++);
  return {
    id,
    created_at: createdAt,
    account: {
      id: acct,
      username: acct.split('@')[0],
      acct,
      display_name: '',
      note: '',
      bot: false,
      created_at: opts.createdAt ?? '2020-01-01T00:00:00.000Z',
      followers_count: 1,
      following_count: 1,
      statuses_count: 1,
    },
    content: opts.content ?? '<p>hello</p>',
    visibility: 'public',
    sensitive: false,
    spoiler_text: '',
    media_attachments: [],
    mentions: [],
    tags: [],
    favourites_count: 0,
    reblogs_count: 0,
    replies_count: 0,
    ...(opts.card !== undefined ? { card: opts.card } : {}),
  };
}

const rowsOf = (rows: KvRow[], metric: string): Record<string, number> =>
  Object.fromEntries(rows.filter((r) => r.metric === metric).map((r) => [r.key, r.value]));

describe('origin servers of remote posts', () => {
  it('the origin server is the lower-cased domain after the last @; a local acct has none', () => {
    expect(originServer('alice@Social.Example')).toBe('social.example');
    expect(originServer('a@b@c.example')).toBe('c.example');
    expect(originServer('bob')).toBeUndefined();
    expect(originServer('bob@')).toBeUndefined();
  });

  it('counts statuses and distinct accounts per server, keeps the top 20 by statuses (ties by name), totals over all', () => {
    const statuses = [status('local1'), status('local1'), status('bob@')];
    // 25 servers: server i has i+1 statuses from min(i+1, 2) accounts.
    for (let i = 0; i < 25; i++) {
      const server = `s${String(i).padStart(2, '0')}.example`;
      for (let n = 0; n <= i; n++) statuses.push(status(`u${n % 2}@${n % 3 === 0 ? server.toUpperCase() : server}`));
    }
    const rows = finalizeAll(mapStatuses(statuses, WINDOW).partial);
    const st = rowsOf(rows, 'origin_statuses');
    const acc = rowsOf(rows, 'origin_accounts');
    expect(Object.keys(st)).toHaveLength(ORIGIN_TOP_SERVERS);
    expect(st['s24.example']).toBe(25);
    expect(st['s05.example']).toBe(6);
    expect(st['s04.example']).toBeUndefined();
    // u0@S.EXAMPLE and u0@s.example are two accts (accounts are distinct by acct, as everywhere).
    expect(acc['s24.example']).toBe(4);
    expect(acc['s00.example']).toBeUndefined();
    expect(rowsOf(rows, 'origin_stats')).toEqual({
      remote_statuses: (25 * 26) / 2,
      remote_accounts: 1 + 2 + 3 + 22 * 4,
      servers: 25,
    });
  });
});

describe('new and first-seen posters', () => {
  it('new = created on the UTC day of a counted toot (offsets converted); first-seen = not among earlier posters', () => {
    const statuses = [
      status('new1', { createdAt: `${DAY}T00:00:00.000Z` }),
      status('new1', { createdAt: `${DAY}T00:00:00.000Z` }),
      status('new2@x.example', { createdAt: `${DAY}T01:00:00.000+01:00` }),
      status('old', { createdAt: `${DAY}T00:30:00.000+01:00` }), // 2026-03-03T23:30Z: the day before
      status('seen', { createdAt: '2025-01-01T00:00:00.000Z' }),
    ];
    const partial = mapStatuses(statuses, WINDOW).partial;
    expect(rowsOf(finalizeAll(partial), 'new_accounts')).toEqual({
      posters: 4,
      created_on_day: 2,
      first_seen: 4,
      lookback_days: 0,
    });
    const earlier = new Set(['seen', 'old', 'someone-else']);
    const rows = finalizeAll(partial, { firstSeen: { lookbackDays: 28, has: (a) => earlier.has(a) } });
    expect(rowsOf(rows, 'new_accounts')).toEqual({ posters: 4, created_on_day: 2, first_seen: 2, lookback_days: 28 });
  });

  it('the look-back is the 28 days before the day, never the day itself or a later one', () => {
    const days = firstSeenLookback(DAY);
    expect(days).toHaveLength(FIRST_SEEN_LOOKBACK_DAYS);
    expect(days[0]).toBe('2026-03-03');
    expect(days[27]).toBe('2026-02-04');
  });
});

describe('link sharing', () => {
  it('a link is an http(s) <a href> that is no mention or hashtag; its domain is the bare lower-case host', () => {
    expect(
      contentLinks(
        '<p><a href="https://m.example/@u" class="u-url mention">@u</a> <a href="https://x.example/tags/t" class="mention hashtag" rel="tag">#t</a> ' +
          '<a href="https://WWW.News.Example:8080/a?b" target="_blank">n</a> <a href="mailto:x@y">m</a></p>',
      ),
    ).toEqual(['https://WWW.News.Example:8080/a?b']);
    expect(linkDomain('https://WWW.News.Example:8080/a?b')).toBe('news.example');
    expect(linkDomain('http://user:pw@host.example./x#f')).toBe('host.example');
    expect(linkDomain('https://')).toBe('');
  });

  it('counts statuses with a card or a content link, and each domain once per status', () => {
    const link = (href: string) => `<a href="${href}" rel="nofollow">x</a>`;
    const statuses = [
      status('a', { content: `<p>${link('https://www.a.example/1')} ${link('https://a.example/2')}</p>` }),
      status('b', { card: { url: 'https://a.example/3' } }),
      status('c', { content: `<p>${link('https://b.example/')}</p>`, card: { url: 'https://c.example/' } }),
      status('d', { card: null }),
      status('e'),
    ];
    const rows = finalizeAll(mapStatuses(statuses, WINDOW).partial);
    expect(rowsOf(rows, 'link_stats')).toEqual({
      toots: 5,
      with_link: 3,
      with_card: 2,
      with_content_link: 2,
      distinct_domains: 3,
      share: 3 / 5,
    });
    expect(rowsOf(rows, 'top_linked_domains')).toEqual({ 'a.example': 2, 'b.example': 1, 'c.example': 1 });
  });

  it('a card without a url string quarantines the status, naming the field', () => {
    const { partial, quarantined } = mapStatuses([status('a', { card: { title: 'x' } })], WINDOW);
    expect(partial.counts.quarantined).toBe(1);
    expect(quarantined[0]?.reason).toContain('card.url');
  });
});

describe('on the simulated instance with links, cards and newcomers turned on', () => {
  const statuses = generateDay(3, DAY, { statusesPerDay: 3000, ...ADMIN_MEASURES });

  it('every status stays what it is with the knobs off, except its author, content link and card', () => {
    const plain = generateDay(3, DAY, { statusesPerDay: 3000 });
    expect(plain).toHaveLength(statuses.length);
    const strip = (s: Record<string, unknown>) => ({ ...s, account: 0, content: 0, card: 0, uri: 0, url: 0 });
    let changed = 0;
    statuses.forEach((s, i) => {
      expect(strip(s as never)).toEqual(strip(plain[i] as never));
      if (JSON.stringify(s) !== JSON.stringify(plain[i])) changed++;
    });
    expect(changed).toBeGreaterThan(300);
    expect(plain.every((s) => s.card === null && !s.content.includes('nofollow'))).toBe(true);
  });

  it('exercises every family: > 20 origin servers, new accounts, cards and linked domains; parts merge exactly', () => {
    const whole = finalizeAll(mapStatuses(statuses, WINDOW).partial);
    const parts: CombinedPartial[] = [0, 1, 2].map(
      (k) =>
        mapStatuses(
          statuses.filter((_, i) => i % 3 === k),
          WINDOW,
        ).partial,
    );
    const merged = finalizeAll(mergeAll([parts[2]!, parts[0]!, parts[1]!]));
    const pick = (rows: KvRow[]) =>
      rows.filter((r) => /^(origin_|new_accounts|link_stats|top_linked_domains)/.test(r.metric));
    expect(pick(merged)).toEqual(pick(whole));
    expect(rowsOf(whole, 'origin_stats').servers).toBeGreaterThan(20);
    expect(Object.keys(rowsOf(whole, 'origin_statuses'))).toHaveLength(20);
    expect(rowsOf(whole, 'new_accounts').created_on_day).toBeGreaterThan(5);
    expect(rowsOf(whole, 'link_stats').with_card).toBeGreaterThan(100);
    expect(Object.keys(rowsOf(whole, 'top_linked_domains')).length).toBeGreaterThan(15);
  });
});

describe('charts of the new views, from their catalog declarations', () => {
  const days = ['2026-03-01', '2026-03-02', '2026-03-03'];
  const instances = ['alpha.social', 'beta.example'];
  const rows = (f: (instance: string, day: string, d: number) => ViewRow[]): ViewRow[] =>
    instances.flatMap((instance) => days.flatMap((day, d) => f(instance, day, d)));

  it('v_origin_servers: the top 20 servers per instance by statuses summed over the days', async () => {
    const view = viewByName('v_origin_servers')!;
    const data = rows((instance, day, d) =>
      Array.from({ length: 25 }, (_, i) => ({
        instance,
        day,
        server: `s${i}.example`,
        statuses: 100 - i + d,
        accounts: 3,
      })),
    );
    const spec = chartSpec(view, data);
    const json = spec as unknown as { title: { text: string }; data: { values: unknown[] } };
    expect(json.title.text).toBe('Remote posts by origin server');
    expect(json.data.values).toHaveLength(2 * 20);
    expect(json.data.values[0]).toEqual({ instance: 'alpha.social', category: 's0.example', value: 303 });
    expect(countSvgMarks(await renderSvg(spec)).rects).toBe(2 * 20);
  }, 30_000);

  it('v_first_seen_accounts, v_new_accounts, v_link_sharing: a line per instance over the days', async () => {
    for (const [name, columns] of [
      ['v_first_seen_accounts', { first_seen: 40, lookback_days: 28 }],
      ['v_new_accounts', { posters: 900, new_accounts: 12 }],
      [
        'v_link_sharing',
        { toots: 1000, with_link: 120, with_card: 70, with_content_link: 120, distinct_domains: 30, link_share: 0.12 },
      ],
    ] as const) {
      const spec = chartSpec(
        viewByName(name)!,
        rows((instance, day) => [{ instance, day, ...columns }]),
      );
      expect(countSvgMarks(await renderSvg(spec)).lineVertices, name).toEqual([3, 3]);
    }
  }, 30_000);

  it('v_top_linked_domains: the top 10 domains per instance', async () => {
    const data = rows((instance, day) =>
      Array.from({ length: 12 }, (_, i) => ({ instance, day, domain: `d${i}.example`, toots: 50 - i, rank: i + 1 })),
    );
    const spec = chartSpec(viewByName('v_top_linked_domains')!, data);
    expect(countSvgMarks(await renderSvg(spec)).rects).toBe(2 * 10);
  }, 30_000);
});
