import { describe, expect, it } from 'vitest';
import {
  compactIds,
  mergeIdColumns,
  CHEAP_FAMILIES,
  FAMILY_NAMES,
  METRIC_CATALOG,
  PartialOverlapError,
  createStatusMapper,
  emptyPartial,
  finalizeAll,
  mapStatuses,
  mergeAll,
  mergePartials,
  partialFromJson,
  partialToJson,
  type CombinedPartial,
  type KvRow,
  type MapOptions,
} from '../../domain/metrics/index';
import { followers } from '../../domain/metrics/followers';
import { codePointLength, htmlToText, textLength } from '../../domain/metrics/html-text';
import { isoToMs } from '../../domain/metrics/iso-time';
import { histogramPercentile } from '../../domain/metrics/viral';
import { lehmerRandom } from '../helpers/lehmer';

// ---------------------------------------------------------------------------------------------
// Hand-made statuses: a valid Mastodon status with only what a test changes spelled out.

const DAY = Date.UTC(2026, 6, 31); // 2026-07-31T00:00:00Z
const at = (h: number, m = 0, s = 0, ms = 0): string =>
  new Date(DAY + ((h * 60 + m) * 60 + s) * 1000 + ms).toISOString();

let nextId = 1n;
function snowflake(iso: string): string {
  return ((BigInt(Date.parse(iso)) << 16n) | (nextId++ % 65536n)).toString();
}

interface AccountOpts {
  acct?: string;
  bot?: boolean;
  note?: string;
  noindex?: boolean | null;
  discoverable?: boolean | null;
  followers?: number;
  createdAt?: string;
}
interface StatusOpts extends AccountOpts {
  id?: string;
  createdAt?: string;
  accountCreatedAt?: string;
  content?: string;
  language?: string | null;
  visibility?: string;
  tags?: string[];
  app?: string | null;
  fav?: number;
  reblogs?: number;
  replies?: number;
  media?: string[];
  cw?: string;
  sensitive?: boolean;
  reblog?: boolean;
}

function account(o: AccountOpts = {}): Record<string, unknown> {
  const acct = o.acct ?? 'alice';
  return {
    id: String(1000 + acct.length),
    username: acct.split('@')[0],
    acct,
    display_name: acct,
    locked: false,
    bot: o.bot ?? false,
    discoverable: o.discoverable === undefined ? true : o.discoverable,
    group: false,
    created_at: o.createdAt ?? '2022-04-08T00:00:00.000Z',
    note: o.note ?? '<p>hello</p>',
    url: `https://example.social/@${acct}`,
    followers_count: o.followers ?? 10,
    following_count: 5,
    statuses_count: 100,
    noindex: o.noindex === undefined ? false : o.noindex,
    emojis: [],
    fields: [],
  };
}

function status(o: StatusOpts = {}): Record<string, unknown> {
  const createdAt = o.createdAt ?? at(12);
  const id = o.id ?? snowflake(createdAt);
  return {
    id,
    created_at: createdAt,
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    sensitive: o.sensitive ?? false,
    spoiler_text: o.cw ?? '',
    visibility: o.visibility ?? 'public',
    language: o.language === undefined ? 'en' : o.language,
    uri: `https://example.social/statuses/${id}`,
    url: `https://example.social/@x/${id}`,
    replies_count: o.replies ?? 0,
    reblogs_count: o.reblogs ?? 0,
    favourites_count: o.fav ?? 0,
    content: o.content ?? '<p>Hello world</p>',
    reblog: o.reblog ? { id: '1', content: '<p>orig</p>' } : null,
    application:
      o.app === undefined || o.app === null ? (o.app === null ? null : undefined) : { name: o.app, website: null },
    account: account({ ...o, createdAt: o.accountCreatedAt }),
    media_attachments: (o.media ?? []).map((type, i) => ({ id: String(i), type, url: 'u' })),
    mentions: [],
    tags: (o.tags ?? []).map((name) => ({ name, url: `https://example.social/tags/${name}` })),
    emojis: [],
    card: null,
    poll: null,
  };
}

const rowsOf = (rows: KvRow[], metric: string): Record<string, number> =>
  Object.fromEntries(rows.filter((r) => r.metric === metric).map((r) => [r.key, r.value]));

const run = (statuses: unknown[], opts: MapOptions = {}, ctx = {}): KvRow[] =>
  finalizeAll(mapStatuses(statuses, opts).partial, ctx);

// ---------------------------------------------------------------------------------------------

describe('volume: toots per day and per UTC hour', () => {
  it('buckets by the UTC hour of created_at, offsets converted', () => {
    const rows = run([
      status({ createdAt: at(0, 0) }),
      status({ createdAt: at(0, 59, 59, 999) }),
      status({ createdAt: at(13, 5) }),
      // 01:30 at +02:00 is 23:30 UTC the day before
      status({ createdAt: '2026-07-31T01:30:00+02:00' }),
    ]);
    expect(rowsOf(rows, 'toots_per_hour')).toEqual({ '2026-07-30T23': 1, '2026-07-31T00': 2, '2026-07-31T13': 1 });
    expect(rowsOf(rows, 'toots_per_day')).toEqual({ '2026-07-30': 1, '2026-07-31': 3 });
  });
});

describe('the time window is half-open [start, end)', () => {
  it('counts the first millisecond and excludes the end', () => {
    const opts = { windowStartMs: DAY, windowEndMs: DAY + 86_400_000 };
    const { partial } = mapStatuses(
      [
        status({ createdAt: new Date(DAY - 1).toISOString() }),
        status({ createdAt: new Date(DAY).toISOString() }),
        status({ createdAt: new Date(DAY + 86_400_000 - 1).toISOString() }),
        status({ createdAt: new Date(DAY + 86_400_000).toISOString() }),
      ],
      opts,
    );
    expect(partial.counts).toMatchObject({ input: 4, counted: 2, outOfWindow: 2 });
    expect(rowsOf(finalizeAll(partial), 'toots_per_day')).toEqual({ '2026-07-31': 2 });
  });

  it('rejects a window that is not start < end', () => {
    expect(() => mapStatuses([], { windowStartMs: DAY, windowEndMs: DAY })).toThrow(/windowStartMs < windowEndMs/);
    expect(() => mapStatuses([], { windowStartMs: DAY })).toThrow();
  });
});

describe('accounts: active, toots per account', () => {
  const statuses = [
    status({ acct: 'alice' }),
    status({ acct: 'alice' }),
    status({ acct: 'alice' }),
    status({ acct: 'bob@remote.example', bot: true }),
    status({ acct: 'carol' }),
    status({ acct: 'carol' }),
    status({ acct: 'dave', note: '<p>#nobot</p>' }),
  ];
  const rows = run(statuses, {}, { topK: 2 });

  it('counts distinct accounts, by type', () => {
    expect(rowsOf(rows, 'active_accounts')).toEqual({ all: 4, bot: 1, human: 3 });
  });

  it('summarises toots per account exactly (nearest-rank median/p90)', () => {
    // per account: 3, 1, 2, 1 -> sorted 1 1 2 3
    expect(rowsOf(rows, 'toots_per_account')).toEqual({ mean: 7 / 4, median: 1, p90: 3, max: 3 });
    expect(rowsOf(rows, 'accounts_by_toot_count')).toEqual({ '1': 2, '2': 1, '3': 1 });
  });

  it('keeps the top-k accounts by toots, ties by acct', () => {
    expect(rows.filter((r) => r.metric === 'top_accounts_by_toots')).toEqual([
      { metric: 'top_accounts_by_toots', key: 'alice', value: 3 },
      { metric: 'top_accounts_by_toots', key: 'carol', value: 2 },
    ]);
  });
});

describe('length: code points of the plain text', () => {
  it('strips tags, decodes entities, counts <br> as 1 and paragraph breaks as 2', () => {
    // "Hello & bye" (11) + "\n\n" (2) + "x\ny" (3) = 16
    const html = '<p>Hello &amp; bye</p><p>x<br />y</p>';
    expect(htmlToText(html)).toBe('Hello & bye\n\nx\ny');
    expect(textLength(html)).toBe(16);
    expect(htmlToText('<ul><li>one</li><li>two</li></ul><BR>x&nbsp;')).toBe('one\ntwo\n\nx');
    const rows = run([status({ content: html }), status({ content: '<p>hi 👋🏽</p>' })]);
    // "hi 👋🏽" = h i space wave skin-tone = 5 code points
    expect(rowsOf(rows, 'toot_length')).toEqual({ toots: 2, total_chars: 21, mean: 10.5 });
    expect(rowsOf(rows, 'toot_length_hist')).toEqual({ '0': 2 });
  });

  it('keeps the hidden parts of links (the URL the author wrote)', () => {
    const html =
      '<p>see <a href="https://example.org/a/very/long/path"><span class="invisible">https://</span><span class="ellipsis">example.org/a/ve</span><span class="invisible">ry/long/path</span></a></p>';
    expect(htmlToText(html)).toBe('see https://example.org/a/very/long/path');
  });

  it('leaves "<" that does not open a tag, and unknown entities, as written', () => {
    expect(htmlToText('I <3 you &bogus; &#x1F600; &#0; a&b')).toBe('I <3 you &bogus; 😀 &#0; a&b');
    expect(htmlToText('<p>cut <a href="x"')).toBe('cut');
  });

  it('textLength equals codePointLength(htmlToText) on random HTML-ish strings', () => {
    const PIECES = [
      '<p>',
      '</p>',
      '<br>',
      '<br />',
      '</li>',
      '<li>',
      '<a href="x&amp;y">',
      '</a>',
      '<span class="invisible">',
      '</span>',
      '&amp;',
      '&lt;',
      '&gt;',
      '&quot;',
      '&#39;',
      '&nbsp;',
      '&#x1F600;',
      '&#128512;',
      '&bogus;',
      '&',
      '<',
      '<3',
      '>',
      ' ',
      '\n',
      '\t',
      '\u00a0',
      '\u2003',
      '\ufeff',
      'a',
      'Word',
      '😀',
      'é',
      '漢字',
      '\ud83d',
    ];
    const rand = lehmerRandom(7);
    for (let n = 0; n < 3000; n++) {
      const len = Math.floor(rand() * 12);
      let html = '';
      for (let i = 0; i < len; i++) html += PIECES[Math.floor(rand() * PIECES.length)];
      expect(textLength(html), JSON.stringify(html)).toBe(codePointLength(htmlToText(html)));
    }
  });
});

describe('languages', () => {
  it('lower-cases codes and maps null / empty / absent to und', () => {
    const noLang = status();
    delete noLang.language;
    const rows = run([
      status({ language: 'en' }),
      status({ language: 'EN' }),
      status({ language: null }),
      status({ language: '' }),
      status({ language: 'pt-BR' }),
      noLang,
    ]);
    expect(rowsOf(rows, 'toots_by_language')).toEqual({ en: 2, und: 3, 'pt-br': 1 });
  });
});

describe('apps (local posts: where application is present)', () => {
  it('counts only toots that carry an application', () => {
    const rows = run([
      status({ app: 'Ivory' }),
      status({ app: 'Ivory' }),
      status({ app: ' Tusky ' }),
      status({ app: '' }),
      status({ app: null }),
      status(),
    ]);
    expect(rowsOf(rows, 'toots_by_app')).toEqual({ Ivory: 2, Tusky: 1, '(unnamed)': 1 });
    expect(rowsOf(rows, 'toots_with_app')).toEqual({ all: 4 });
  });
});

describe('bots vs humans', () => {
  it('counts toots by the bot flag', () => {
    const rows = run([status({ bot: true, acct: 'b' }), status({ bot: true, acct: 'b' }), status({ acct: 'h' })]);
    expect(rowsOf(rows, 'toots_by_account_type')).toEqual({ bot: 2, human: 1 });
  });
});

describe('hashtags', () => {
  it('counts each tag once per toot, case-folded, and takes the top-k of exact counts', () => {
    const rows = run(
      [
        status({ tags: ['Rust', 'rust', 'TypeScript'] }),
        status({ tags: ['rust'] }),
        status({ tags: ['zig'] }),
        status({ tags: ['typescript'] }),
        status({ tags: ['ｒｕｓｔ'] }), // full-width: NFKC folds it to "rust"
        status(),
      ],
      {},
      { topK: 2 },
    );
    expect(rows.filter((r) => r.metric === 'top_hashtags')).toEqual([
      { metric: 'top_hashtags', key: 'rust', value: 3 },
      { metric: 'top_hashtags', key: 'typescript', value: 2 },
    ]);
    expect(rowsOf(rows, 'hashtag_stats')).toEqual({ distinct_tags: 3, tagged_toots: 5, tag_uses: 6 });
  });

  it('survives tags named like Object.prototype members', () => {
    const rows = run([status({ tags: ['__proto__', 'constructor'] }), status({ tags: ['constructor', 'toString'] })]);
    expect(rows.filter((r) => r.metric === 'top_hashtags').map((r) => [r.key, r.value])).toEqual([
      ['constructor', 2],
      ['__proto__', 1],
      ['tostring', 1],
    ]);
  });
});

describe('top accounts by engagement and by followers', () => {
  it('sums favourites + reblogs + replies per account', () => {
    const rows = run([
      status({ acct: 'a', fav: 3, reblogs: 2, replies: 1 }),
      status({ acct: 'a', fav: 1 }),
      status({ acct: 'b', fav: 10 }),
      status({ acct: 'c' }),
    ]);
    expect(rowsOf(rows, 'top_accounts_by_engagement')).toEqual({ b: 10, a: 7 });
  });

  it('breaks a tie between snapshots of the same toot the same way in any merge order', () => {
    const a = { accts: ['x'], followers: [5], fromId: ['100'], flags: [0] };
    const b = { accts: ['x'], followers: [7], fromId: ['100'], flags: [1] };
    expect(followers.merge(a, b)).toEqual(followers.merge(b, a));
    expect(followers.merge(a, b)).toEqual({ accts: ['x'], followers: [7], fromId: ['100'], flags: [1] });
  });

  it('takes the followers snapshot of the newest toot, whatever the input order', () => {
    const older = status({ acct: 'a', createdAt: at(1), followers: 500 });
    const newer = status({ acct: 'a', createdAt: at(2), followers: 510 });
    for (const order of [
      [older, newer],
      [newer, older],
    ]) {
      expect(rowsOf(run(order), 'top_accounts_by_followers')).toEqual({ a: 510 });
    }
  });
});

describe('sign-ups by month of account created_at', () => {
  it('counts distinct active accounts per creation month', () => {
    const rows = run([
      status({ acct: 'a', accountCreatedAt: '2022-11-07T00:00:00.000Z' }),
      status({ acct: 'a', accountCreatedAt: '2022-11-07T00:00:00.000Z' }),
      status({ acct: 'b', accountCreatedAt: '2022-11-20T00:00:00.000Z' }),
      status({ acct: 'c', accountCreatedAt: '2017-04-01T00:00:00.000Z' }),
      // 00:30 at +01:00 is still October in UTC
      status({ acct: 'd', accountCreatedAt: '2022-11-01T00:30:00+01:00' }),
    ]);
    expect(rowsOf(rows, 'signups_by_month')).toEqual({ '2017-04': 1, '2022-10': 1, '2022-11': 2 });
  });
});

describe('media / content-warning / sensitive shares', () => {
  it('keeps counts and derives exact shares', () => {
    const rows = run([
      status({ media: ['image', 'image'] }),
      status({ media: ['video'], sensitive: true }),
      status({ cw: 'spoilers', sensitive: true }),
      status({ cw: '   ' }),
    ]);
    expect(rowsOf(rows, 'content_flags')).toEqual({
      toots: 4,
      with_media: 2,
      with_content_warning: 1,
      sensitive: 2,
      media_attachments: 3,
    });
    expect(rowsOf(rows, 'content_share')).toEqual({ with_media: 0.5, with_content_warning: 0.25, sensitive: 0.5 });
    expect(rowsOf(rows, 'media_by_type')).toEqual({ image: 2, video: 1 });
  });
});

describe('sentiment (English toots only)', () => {
  it('scores English toots and leaves the others unscored', () => {
    const rows = run([
      status({ content: '<p>I love this, it is wonderful!</p>', language: 'en' }),
      status({ content: '<p>This is terrible and sad.</p>', language: 'en-GB' }),
      status({ content: '<p>The bus leaves at nine.</p>', language: 'en' }),
      status({ content: '<p>I love this!</p>', language: 'de' }),
      status({ content: '<p>I love this!</p>', language: null }),
    ]);
    const s = rowsOf(rows, 'sentiment');
    expect(s).toMatchObject({ scored: 3, positive: 1, negative: 1, neutral: 1 });
    expect(s.mean_compound).toBeGreaterThan(-1);
    expect(s.mean_compound).toBeLessThan(1);
    const hist = rowsOf(rows, 'sentiment_compound_hist');
    expect(Object.keys(hist)).toHaveLength(20);
    expect(Object.values(hist).reduce((a, b) => a + b, 0)).toBe(3);
  });
});

describe('viral toots', () => {
  it('uses max(floor, nearest-rank p99) over the day’s engagement', () => {
    // 200 toots: 196 with engagement 0..195 spread, plus four big ones.
    const list = [];
    for (let i = 0; i < 196; i++) list.push(status({ acct: `u${i}`, fav: i % 5 }));
    list.push(status({ acct: 'v1', fav: 40 }), status({ acct: 'v2', fav: 30 }), status({ acct: 'v3', fav: 12 }));
    list.push(status({ acct: 'quiet', fav: 9 }));
    const rows = run(list);
    const stats = rowsOf(rows, 'viral_stats');
    // sorted engagement: …, 9, 12, 30, 40; n = 200, rank ceil(0.99*200) = 198 -> 12
    expect(stats).toEqual({ toots: 200, p99_engagement: 12, threshold: 12, viral_toots: 3 });
    expect(rows.filter((r) => r.metric === 'viral_toots').map((r) => r.value)).toEqual([40, 30, 12]);
  });

  it('never calls anything below the floor viral on a quiet day', () => {
    const rows = run([status({ fav: 3 }), status({ fav: 2 }), status({ fav: 0 })]);
    expect(rowsOf(rows, 'viral_stats')).toMatchObject({ p99_engagement: 3, threshold: 10, viral_toots: 0 });
    expect(rowsOf(rows, 'viral_toots')).toEqual({});
  });

  it('counts a toot exactly at the threshold as viral', () => {
    const quiet = Array.from({ length: 199 }, () => status({ fav: 1 }));
    const atFloor = status({ fav: 6, reblogs: 3, replies: 1 });
    const rows = run([...quiet, atFloor]);
    expect(rowsOf(rows, 'viral_stats')).toMatchObject({ p99_engagement: 1, threshold: 10, viral_toots: 1 });
    expect(rowsOf(rows, 'viral_toots')).toEqual({ [atFloor.id as string]: 10 });
  });

  it('computes nearest-rank percentiles from a histogram', () => {
    expect(histogramPercentile({ '1': 1, '2': 1, '3': 1, '4': 1 }, 0.5)).toBe(2);
    expect(histogramPercentile({ '0': 99, '7': 1 }, 0.99)).toBe(0);
    expect(histogramPercentile({ '0': 98, '7': 2 }, 0.99)).toBe(7);
    expect(histogramPercentile({}, 0.99)).toBeUndefined();
  });
});

describe('what the mapper skips, and that nothing is dropped silently', () => {
  it('quarantines invalid records with the field named and counts every record once', () => {
    const bad1 = status();
    delete bad1.created_at;
    const bad2 = status();
    (bad2.account as Record<string, unknown>).followers_count = 'many';
    const records = [
      status(),
      bad1,
      null,
      bad2,
      status({ visibility: 'unlisted' }),
      status({ visibility: 'private' }),
      status({ reblog: true }),
    ];
    const dup = status();
    records.push(dup, structuredClone(dup));
    const mapper = createStatusMapper();
    mapper.add(records, 'raw/page-00001.json');
    const { partial, quarantined } = mapper.finish();
    expect(quarantined).toEqual([
      { index: 1, ref: 'raw/page-00001.json', id: bad1.id, reason: expect.stringContaining('created_at') },
      { index: 2, ref: 'raw/page-00001.json', reason: expect.stringContaining('(record)') },
      { index: 3, ref: 'raw/page-00001.json', id: bad2.id, reason: expect.stringContaining('account.followers_count') },
    ]);
    const c = partial.counts;
    expect(c).toEqual({
      input: 9,
      counted: 2,
      quarantined: 3,
      nonPublic: 2,
      reblogs: 1,
      outOfWindow: 0,
      outOfRange: 0,
      duplicates: 1,
    });
    expect(c.counted + c.quarantined + c.nonPublic + c.reblogs + c.outOfWindow + c.outOfRange + c.duplicates).toBe(
      c.input,
    );
    expect(rowsOf(finalizeAll(partial), 'map_counts')).toMatchObject({ input: 9, quarantined: 3, non_public: 2 });
  });

  it('de-duplicates by id within a mapper, also across its batches and out of order', () => {
    const a = status({ createdAt: at(1) });
    const b = status({ createdAt: at(2) });
    const c = status({ createdAt: at(3) });
    const mapper = createStatusMapper();
    mapper.add([c, a]);
    mapper.add([b, structuredClone(a), structuredClone(c), structuredClone(b)]);
    const { partial } = mapper.finish();
    expect(partial.counts).toMatchObject({ counted: 3, duplicates: 3 });
    expect(partial.ids).toEqual([a.id, b.id, c.id]);
  });

  it('keeps only statuses inside the part’s half-open ID range', () => {
    const list = [
      status({ id: '100' }),
      status({ id: '199' }),
      status({ id: '200' }),
      status({ id: '99' }),
      status({ id: '1000' }),
    ];
    const { partial } = mapStatuses(list, { idRange: { minId: '100', maxId: '200' } });
    expect(partial.ids).toEqual(['100', '199']);
    expect(partial.counts.outOfRange).toBe(3);
  });

  it('accepts every status of the cassette form, including deleted ones that carry only `text`', () => {
    const deleted = status({ content: undefined });
    delete deleted.content;
    deleted.text = 'I <3 plain source #tag';
    const { partial, quarantined } = mapStatuses([deleted]);
    expect(quarantined).toEqual([]);
    expect(rowsOf(finalizeAll(partial), 'toot_length')).toMatchObject({ total_chars: 'I <3 plain source #tag'.length });
  });
});

describe('account-level privacy', () => {
  const optedOut = [
    status({
      acct: 'nobot',
      note: '<p><a href="https://x/tags/nobot" class="mention hashtag">#<span>NoBot</span></a></p>',
      fav: 500,
      followers: 99_999,
    }),
    status({ acct: 'noindex', noindex: true, fav: 400, followers: 88_888 }),
    status({ acct: 'hidden', discoverable: false, fav: 300, followers: 77_777 }),
    status({ acct: 'hidden', discoverable: false, fav: 300 }),
  ];
  const visible = [status({ acct: 'open', fav: 20, followers: 5 }), status({ acct: 'open2', fav: 1 })];
  const rows = run([...optedOut, ...visible], {}, { topK: 100 });
  const accountLevel = new Set(METRIC_CATALOG.filter((m) => m.accountLevel).map((m) => m.metric));

  it('keeps opted-out accounts out of every account-level row', () => {
    const leaked = rows.filter(
      (r) =>
        accountLevel.has(r.metric) &&
        (['nobot', 'noindex', 'hidden'].includes(r.key) || optedOut.some((s) => s.id === r.key)),
    );
    expect(leaked).toEqual([]);
    expect(rowsOf(rows, 'top_accounts_by_followers')).toEqual({ open: 5, open2: 10 });
    expect(rowsOf(rows, 'top_accounts_by_engagement')).toEqual({ open: 20, open2: 1 });
    expect(rowsOf(rows, 'top_accounts_by_toots')).toEqual({ open: 1, open2: 1 });
  });

  it('still counts them in aggregates', () => {
    expect(rowsOf(rows, 'active_accounts').all).toBe(5);
    expect(rowsOf(rows, 'toots_per_day')).toEqual({ '2026-07-31': 6 });
  });

  it('keeps their toots out of viral_toots rows but in the viral count', () => {
    const quiet = Array.from({ length: 600 }, () => status({ acct: 'quiet' }));
    const r = run([...optedOut, ...visible, ...quiet], {}, { topK: 100 });
    // 606 toots, nearest-rank p99 = the 600th smallest = 0, threshold = floor 10:
    // viral are 500, 400, 300, 300 (opted out) and 20 (open).
    expect(rowsOf(r, 'viral_stats')).toMatchObject({ threshold: 10, viral_toots: 5 });
    expect(rowsOf(r, 'viral_toots')).toEqual({ [visible[0]!.id as string]: 20 });
  });

  it('treats an account as opted out if any of its toots in the window says so', () => {
    const r = run([status({ acct: 'x', fav: 50 }), status({ acct: 'x', noindex: true })]);
    expect(rowsOf(r, 'top_accounts_by_engagement')).toEqual({});
  });

  it('applies accountKey to account-level keys only', () => {
    const r = run(visible, {}, { accountKey: (acct: string) => `pseud:${acct.length}` });
    expect(rowsOf(r, 'top_accounts_by_toots')).toEqual({ 'pseud:4': 1, 'pseud:5': 1 });
    expect(rowsOf(r, 'toots_by_language')).toEqual({ en: 2 });
  });
});

// ---------------------------------------------------------------------------------------------
// Merge: map(A ∪ B) == merge(map(A), map(B)) for random splits, in any order and grouping.

function corpus(n: number, seed: number): Record<string, unknown>[] {
  const rand = lehmerRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const acct = pick(['a', 'b', 'c', 'd@x.example', 'e@y.example', 'bot', 'shy', '__proto__', 'constructor']);
    out.push(
      status({
        acct,
        bot: acct === 'bot',
        noindex: acct === 'shy' ? rand() < 0.5 : false,
        createdAt: new Date(DAY + Math.floor(rand() * 86_400_000)).toISOString(),
        accountCreatedAt: pick(['2017-04-01T00:00:00.000Z', '2022-11-07T00:00:00.000Z', '2024-02-29T00:00:00.000Z']),
        followers: Math.floor(rand() * 1000),
        language: pick(['en', 'en', 'de', null, 'ja', 'EN']),
        tags: rand() < 0.4 ? [pick(['rust', 'Rust', 'cats', 'news', 'constructor'])] : [],
        app: rand() < 0.3 ? pick(['Ivory', 'Web', '__proto__']) : undefined,
        fav: Math.floor(rand() ** 4 * 60),
        reblogs: Math.floor(rand() ** 4 * 20),
        replies: Math.floor(rand() * 3),
        media: rand() < 0.2 ? [pick(['image', 'video'])] : [],
        cw: rand() < 0.1 ? 'cw' : '',
        sensitive: rand() < 0.1,
        content: pick(['<p>I love it!</p>', '<p>awful day</p>', '<p>The train.</p>', '<p>a<br>b &amp; c 👋</p>']),
        visibility: rand() < 0.95 ? 'public' : 'unlisted',
      }),
    );
  }
  return out;
}

function split<T>(items: readonly T[], parts: number, seed: number): T[][] {
  const rand = lehmerRandom(seed);
  const out: T[][] = Array.from({ length: parts }, () => []);
  for (const item of items) out[Math.floor(rand() * parts)]!.push(item);
  return out;
}

const roundTrip = (p: CombinedPartial): CombinedPartial => JSON.parse(JSON.stringify(p)) as CombinedPartial;

describe('merging partials is exact, associative and commutative', () => {
  const all = corpus(400, 99);
  const opts = { windowStartMs: DAY, windowEndMs: DAY + 86_400_000 };
  const whole = mapStatuses(all, opts).partial;

  it('covers every family', () => {
    expect(whole.families).toEqual(FAMILY_NAMES);
    expect(whole.counts.counted).toBeGreaterThan(350);
  });

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`map(A∪B∪C) == merge of the parts, any order (split seed ${seed})`, () => {
      const [a, b, c] = split(all, 3, seed).map((part) => roundTrip(mapStatuses(part, opts).partial)) as [
        CombinedPartial,
        CombinedPartial,
        CombinedPartial,
      ];
      const left = mergePartials(mergePartials(a, b), c);
      const right = mergePartials(a, mergePartials(b, c));
      const swapped = mergePartials(c, mergePartials(b, a));
      // Canonical form: identical bytes, not just equal values.
      expect(JSON.stringify(left)).toBe(JSON.stringify(whole));
      expect(JSON.stringify(right)).toBe(JSON.stringify(whole));
      expect(JSON.stringify(swapped)).toBe(JSON.stringify(whole));
      expect(finalizeAll(left, { topK: 5 })).toEqual(finalizeAll(whole, { topK: 5 }));
    });
  }

  it('partials through their JSON form (acct columns written once, shared when read) merge to the same bytes', () => {
    const parts = split(all, 4, 7).map((part) => mapStatuses(part, opts).partial);
    const wire = parts.map(partialToJson);
    for (const [i, text] of wire.entries()) {
      const plain = JSON.stringify(parts[i]);
      // Six account-keyed families, fewer distinct columns: the wire form is the smaller.
      expect(text.length).toBeLessThan(plain.length);
      expect(JSON.parse(text).acctColumns.length).toBeLessThan(6);
      const back = partialFromJson(text);
      expect(back).toEqual(parts[i]);
      expect(back.partials.engagement?.accts).toBe(back.partials.accounts?.accts);
      // A partial written inline (JSON.stringify) reads back the same.
      expect(partialFromJson(plain)).toEqual(parts[i]);
    }
    // Joins computed once per pair of shared columns are replayed for the next families, and for
    // the same pair met again: every order and repetition gives the whole's bytes.
    const read = () =>
      wire.map(partialFromJson) as [CombinedPartial, CombinedPartial, CombinedPartial, CombinedPartial];
    const [a, b, c, d] = read();
    const ab = mergePartials(a, b);
    expect(JSON.stringify(mergePartials(ab, mergePartials(c, d)))).toBe(JSON.stringify(whole));
    expect(JSON.stringify(mergePartials(mergePartials(d, ab), c))).toBe(JSON.stringify(whole));
    expect(JSON.stringify(mergePartials(mergePartials(a, b), mergePartials(c, d)))).toBe(JSON.stringify(whole));
    const [a2, b2, c2, d2] = read();
    expect(JSON.stringify(mergeAll([c2, a2, d2, b2]))).toBe(JSON.stringify(whole));
  });

  it('names a missing acct column', () => {
    const text = partialToJson(whole).replace(/"acctColumns":\[\[.*?\]\]/, '"acctColumns":[]');
    expect(() => partialFromJson(text)).toThrow(/acct column 0, it has 0/);
  });

  it('has the empty partial as identity', () => {
    expect(JSON.stringify(mergePartials(emptyPartial(opts), whole))).toBe(JSON.stringify(whole));
    expect(JSON.stringify(mergeAll([whole, emptyPartial(opts)]))).toBe(JSON.stringify(whole));
  });

  it('is plain JSON: a round trip changes nothing', () => {
    expect(roundTrip(whole)).toEqual(whole);
  });

  it('refuses to merge partials that counted the same status', () => {
    const a = mapStatuses(all.slice(0, 10), opts).partial;
    const b = mapStatuses(all.slice(5, 15), opts).partial;
    expect(() => mergePartials(a, b)).toThrow(PartialOverlapError);
  });

  it('compact ID columns merge like the string lists and refuse the same overlaps', () => {
    const a = mapStatuses(all.slice(0, 10), opts).partial;
    const b = mapStatuses(all.slice(10, 20), opts).partial;
    const merged = mergeIdColumns(compactIds(a.ids), compactIds(b.ids));
    expect(merged).toBeInstanceOf(BigUint64Array);
    expect(Array.from(merged as BigUint64Array, String)).toEqual(mergePartials(a, b).ids);
    const c = mapStatuses(all.slice(5, 15), opts).partial;
    expect(() => mergeIdColumns(compactIds(a.ids), compactIds(c.ids))).toThrow(PartialOverlapError);
    // An ID beyond 64 bits (the schema allows 20 digits) keeps the exact string form.
    const huge = ['1', '99999999999999999999'];
    expect(compactIds(huge)).toBe(huge);
    expect(mergeIdColumns(compactIds(['5', '7']), compactIds(huge))).toEqual(['1', '5', '7', '99999999999999999999']);
    expect(() => mergeIdColumns(compactIds(['7']), compactIds(['7', '99999999999999999999']))).toThrow(
      PartialOverlapError,
    );
  });

  it('refuses to merge partials of different windows or families', () => {
    const a = mapStatuses(all.slice(0, 5), opts).partial;
    expect(() => mergePartials(a, mapStatuses(all.slice(5, 10)).partial)).toThrow(/different windows/);
    expect(() => mergePartials(a, mapStatuses(all.slice(5, 10), { ...opts, families: ['volume'] }).partial)).toThrow(
      /different families/,
    );
  });

  it('gives exact cross-page counts when parts own disjoint ID ranges of overlapping pages', () => {
    const sorted = [...all].sort((x, y) => (BigInt(x.id as string) < BigInt(y.id as string) ? -1 : 1));
    const mid = sorted[200]!.id as string;
    // Both parts read an overlapping middle slice; each keeps only its own range.
    const lo = mapStatuses(sorted.slice(0, 260), { ...opts, idRange: { maxId: mid } }).partial;
    const hi = mapStatuses(sorted.slice(140), { ...opts, idRange: { minId: mid } }).partial;
    expect(JSON.stringify(mergePartials(lo, hi).partials)).toBe(JSON.stringify(whole.partials));
  });
});

describe('family selection', () => {
  it('computes only the requested families', () => {
    const { partial } = mapStatuses(corpus(20, 5), { families: ['languages', 'volume'] });
    expect(partial.families).toEqual(['volume', 'languages']);
    expect(Object.keys(partial.partials).sort()).toEqual(['languages', 'volume']);
    expect(new Set(finalizeAll(partial).map((r) => r.metric))).toEqual(
      new Set(['map_counts', 'toots_per_day', 'toots_per_hour', 'toots_by_language']),
    );
  });

  it('lists sentiment apart from the cheap families', () => {
    expect(CHEAP_FAMILIES).not.toContain('sentiment');
    expect(CHEAP_FAMILIES.length).toBe(FAMILY_NAMES.length - 1);
    expect(() => mapStatuses([], { families: ['nope' as never] })).toThrow(/unknown metric family/);
  });

  it('catalogues every metric finalizeAll emits', () => {
    const catalogued = new Set(METRIC_CATALOG.map((m) => m.metric));
    const emitted = new Set(run(corpus(200, 11)).map((r) => r.metric));
    expect([...emitted].filter((m) => !catalogued.has(m))).toEqual([]);
  });
});

describe('isoToMs', () => {
  it('agrees with Date.parse on the canonical form and on offsets', () => {
    const rand = lehmerRandom(3);
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor(rand() * 4_102_444_800_000); // 1970 … 2100
      const iso = new Date(ms).toISOString();
      expect(isoToMs(iso)).toBe(ms);
    }
    for (const iso of [
      '2024-02-29T23:59:59.999Z',
      '2000-03-01T00:00:00.000Z',
      '2026-08-01T15:55:50+02:00',
      '2026-08-01T15:55:50.123456Z',
    ]) {
      expect(isoToMs(iso)).toBe(Date.parse(iso));
    }
  });
});
