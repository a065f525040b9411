// The kernels against the independent DuckDB oracle (test/oracle/metrics-oracle.ts): for a
// generated day salted with every awkward case we know of, and for the real statuses in the
// cassettes, `finalizeAll` of the mapped pages equals the SQL computation over the same raw
// files, row for row and value for value (floats with Object.is: every float is one IEEE
// division of exact integers on both sides, so no rounding is needed).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { msFromSnowflake } from '../../domain/snowflake';
import {
  createStatusMapper,
  finalizeAll,
  mergeAll,
  METRIC_CATALOG,
  type CombinedPartial,
  type KvRow,
  type MapOptions,
} from '../../domain/metrics/index';
import { htmlToText } from '../../domain/metrics/html-text';
import { generateDay } from '../../infra/mastodon-sim/generator';
import {
  diffRows,
  ORACLE_SENTIMENT_METRICS,
  ORACLE_SQL_METRICS,
  plainTextsWithDuckDb,
  runOracle,
  type OracleResult,
} from '../oracle/metrics-oracle';
import { Rng } from '../../infra/mastodon-sim/prng';
import { ADMIN_MEASURES } from '../../infra/mastodon-sim/config';

const DAY = '2026-03-04';
const START = Date.parse(`${DAY}T00:00:00.000Z`);
const END = START + 86_400_000;
const WINDOW = { windowStartMs: START, windowEndMs: END };
// The salted day holds one account whose snapshots disagree on opting out: viral toots follow the
// account-level rule (opted out in any toot of the window), as every other account-level family.
const MIRROR = {} as const;
const SEED = 11;
const STATUSES_PER_DAY = 6000;
const PAGE = 40;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-oracle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Rec = Record<string, unknown>;

// Deterministic (mulberry32): the simulator's generator, so every run maps the same data.
function prng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.float();
}

function snowflake(ms: number, low: number): string {
  return ((BigInt(ms) << 16n) | BigInt(low & 0xffff)).toString();
}

function cmpIdDesc(a: Rec, b: Rec): number {
  const x = BigInt(a.id as string);
  const y = BigInt(b.id as string);
  return x > y ? -1 : x < y ? 1 : 0;
}

const isDecimalId = (v: unknown): v is string => typeof v === 'string' && /^(?:0|[1-9]\d{0,19})$/.test(v);

/** JSON with every non-ASCII code unit escaped as \uXXXX (valid surrogate pairs stay pairs). */
function asciiJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function writePages(
  dir: string,
  pages: readonly unknown[][],
  style: (i: number) => 'compact' | 'pretty' | 'ascii' = () => 'compact',
): string[] {
  mkdirSync(dir, { recursive: true });
  return pages.map((records, i) => {
    const file = path.join(dir, `page-${String(i + 1).padStart(5, '0')}.json`);
    const s = style(i);
    writeFileSync(
      file,
      s === 'ascii' ? asciiJson(records) : s === 'pretty' ? JSON.stringify(records, null, 1) : JSON.stringify(records),
    );
    return file;
  });
}

/** What a single mapper fed the pages in order computes (the kernels under test). */
function kernelRows(
  files: readonly string[],
  opts: MapOptions & { topK?: number } = WINDOW,
): { rows: KvRow[]; quarantined: { file: string; index: number }[] } {
  const { topK, ...mapOpts } = opts;
  const mapper = createStatusMapper(mapOpts);
  for (const f of files) mapper.add(JSON.parse(readFileSync(f, 'utf8')) as unknown[], f);
  const { partial, quarantined } = mapper.finish();
  return {
    rows: finalizeAll(partial, topK === undefined ? {} : { topK }),
    quarantined: quarantined.map((q) => ({ file: q.ref as string, index: q.index })),
  };
}

function expectSameRows(kernel: readonly KvRow[], oracle: readonly KvRow[]): void {
  expect(diffRows(oracle, kernel)).toEqual([]);
  expect(kernel.length).toBe(oracle.length);
}

// ---------------------------------------------------------------------------------------------
// The generated day, salted.

const TRICKY_HTML = [
  '<p>Hi &amp; <3 &#x1F600; <br/>x</p><a',
  '&#0; &#xD800; &#1114112; &#x110000; &#65;&#x41;&#X41;&#0000000065; &#00000000065;',
  '<P>a</P ><p>b</p/>c</LI><li>d</li >e<BR>f</br>g<br\fh',
  '  \u00a0 text \u3000\ufeff',
  '<a href="x&amp;y">l</a>&am<b>p;',
  'no tag < here & there &amp',
  '<!-- c --> <?x?> </> <//br>',
  '<p>emoji 👨‍👩‍👧 e\u0301 🇺🇦</p>',
  '&quot;&apos;&nbsp;&Amp;&AMP;&eacute;',
  '<p>a</p>\r\n<p>b</p>',
  '<br',
  'x</p',
  '&#x1f600',
  '<a <b>c</b>',
  'a\u2028b\u2029',
  '&#xa0; x &#160;',
  '<p>line1<br>line2<br />line3</p><p>para2</p>',
  '<ul><li>a</li><li>b</li></ul>',
  '<p>   </p>',
  '',
  '<p>Tom &amp; Jerry say &lt;hi&gt;</p>',
  '<p>unterminated <a href="x</p>',
  '<pre>code\n  block</pre>',
  '<p>zero\u200bwidth</p>',
  '<p>&#9;tab&#10;</p>',
  '<p>pair &#55357;&#56832; lone</p>',
  '<p>&#x10FFFF;&#1114111;</p>',
  '<P>UPPER</P><BR>',
  '<br/><br/>',
  '<p>I love this, it is great! 😀</p>',
  '<p>This is terrible &amp; awful :(</p>',
  '<p>a<3b and 1 < 2 > 0</p>',
  '<p>#no<b>bot</b> is not a note</p>',
];

/** Links for the link-sharing family: every rule of links.ts on both sides of its edge. */
const TRICKY_LINKS = [
  '<p>see <a href="https://WWW.Example.COM:8443/path?q=1" target="_blank" rel="nofollow noopener"><span class="invisible">https://www.</span>example.com</a></p>',
  '<a href="http://user:pw@news.example.org./x">x</a>',
  '<a class="u-url mention" href="https://m.example/@u">@u</a>',
  '<a href="https://x.example/tags/t" class="mention hashtag" rel="tag">#t</a>',
  '<a href="mailto:a@b.example">mail</a> <a href="ftp://f.example/">ftp</a>',
  '<a href="HTTPS://Caps.Example">c</a>',
  '<a href="https://">empty host</a>',
  "<a href='https://single.example'>single quotes are not read</a>",
  '<A HREF="https://upper.example">upper-case attribute</A>',
  '<a href="https://two.example/a">a</a> <a href="https://two.example/b">b</a>',
  '<a href="https://classy.example" class="hashtags mentions">not a mention</a>',
  '<a\nhref="https://newline.example/">nl</a>',
  '<a href="https://www.">www.</a> <a href="https://www..">www..</a>',
  '<a href="https://bücher.example/x">idn</a> <a href="https://ÉCOLE.Example">upper idn</a>',
  '<a href="https://[::1]:8080/x">v6</a> <a href="https://a.example#f">f</a> <a href="https://b.example?x">q</a>',
  '<abbr href="https://abbr.example">not an anchor</abbr> <a>no href</a>',
  '<p>&lt;a href="https://escaped.example"&gt;</p>',
];
const TRICKY_CARDS: unknown[] = [
  { url: 'https://Card.Example/x', title: 't' },
  { url: 'ftp://card.example/x' },
  { url: 'https://www.example.com/y' },
  { url: '' },
  null,
];
const TRICKY_ACCTS = ['someone@Host.Example', 'a@b@c.example', 'trailing@', 'x@Ünï.Example', 'local_only'];

const TRICKY_LANGUAGES: (string | null | undefined)[] = [
  'EN',
  ' en ',
  '',
  '  ',
  'en-GB',
  'en_US',
  'En',
  'eng',
  'pt-BR',
  'ΕΛ',
  'İT',
  null,
  undefined,
];
const TRICKY_TAGS = [
  'Rust',
  'rust',
  'RUST',
  'ＲＵＳＴ',
  'ﬁle',
  'file',
  'İstanbul',
  'ΣΑΣ',
  'Café',
  'Cafe\u0301',
  'caturday',
  '日本語',
];

/** Broken records: each breaks the status schema in one way (the map step must quarantine it). */
const BREAKERS: ((s: Rec) => unknown)[] = [
  (s) => ({ ...s, id: undefined }),
  (s) => ({ ...s, id: Number(s.id) }),
  (s) => ({ ...s, id: `0${s.id as string}` }),
  (s) => ({ ...s, id: '123456789012345678901' }),
  (s) => ({ ...s, id: '' }),
  (s) => ({ ...s, created_at: 'not-a-date' }),
  (s) => ({ ...s, created_at: '2026-02-30T10:00:00.000Z' }),
  (s) => ({ ...s, created_at: '2026-03-04T10:00:00.000z' }),
  (s) => ({ ...s, created_at: '2026-03-04T24:00:00.000Z' }),
  (s) => ({ ...s, created_at: '2026-03-04 10:00:00Z' }),
  (s) => ({ ...s, created_at: '2026-03-04T10:00Z' }),
  (s) => ({ ...s, account: undefined }),
  (s) => ({ ...s, account: [] }),
  (s) => ({ ...s, account: { ...(s.account as Rec), bot: 'false' } }),
  (s) => ({ ...s, account: { ...(s.account as Rec), followers_count: 1.5 } }),
  (s) => ({ ...s, account: { ...(s.account as Rec), followers_count: '5' } }),
  (s) => ({ ...s, account: { ...(s.account as Rec), acct: '' } }),
  (s) => ({ ...s, account: { ...(s.account as Rec), locked: null } }),
  (s) => ({ ...s, account: { ...(s.account as Rec), noindex: 'yes' } }),
  (s) => ({ ...s, account: { ...(s.account as Rec), created_at: '2022-04-08' } }),
  (s) => ({ ...s, favourites_count: -1 }),
  (s) => ({ ...s, replies_count: 2 ** 53 }),
  (s) => ({ ...s, reblogs_count: 2.5 }),
  (s) => ({ ...s, content: null }),
  (s) => ({ ...s, content: undefined, text: undefined }),
  (s) => ({ ...s, language: 5 }),
  (s) => ({ ...s, visibility: '' }),
  (s) => ({ ...s, sensitive: null }),
  (s) => ({ ...s, spoiler_text: null }),
  (s) => ({ ...s, tags: {} }),
  (s) => ({ ...s, tags: [{ name: '' }] }),
  (s) => ({ ...s, media_attachments: [{ id: '1' }] }),
  (s) => ({ ...s, mentions: [{ id: '1', username: 'u', acct: 'u', url: null }] }),
  (s) => ({ ...s, application: { name: null } }),
  (s) => ({ ...s, reblog: { id: 5 } }),
  (s) => ({ ...s, uri: null }),
  (s) => ({ ...s, edited_at: 0 }),
  (s) => ({ ...s, card: { title: 'a card without url' } }),
  (s) => ({ ...s, card: 'https://card.example/' }),
  () => null,
  () => 'a string',
  () => [],
  () => 42,
];

interface GeneratedDay {
  files: string[];
  injectedBad: number;
  pageIds: { first?: string; last?: string }[];
  boundary: { inWindow: number; outOfWindow: number };
  statuses: Rec[];
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

let built: GeneratedDay | undefined;
function buildGeneratedDay(): GeneratedDay {
  built ??= generateSaltedDay();
  return built;
}

function generateSaltedDay(): GeneratedDay {
  const rand = prng(2026);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const chance = (p: number): boolean => rand() < p;
  const opts = { statusesPerDay: STATUSES_PER_DAY, accountCount: 1500, ...ADMIN_MEASURES };
  const day = clone(generateDay(SEED, DAY, opts)) as unknown as Rec[];
  const prev = clone(generateDay(SEED, '2026-03-03', opts)) as unknown as Rec[];
  const next = clone(generateDay(SEED, '2026-03-05', opts)) as unknown as Rec[];
  // Neighbours: out of the window (same accounts, other snapshots).
  const statuses: Rec[] = [...day, ...prev.filter(() => chance(0.03)), ...next.filter(() => chance(0.03))];

  for (const s of statuses) {
    const account = s.account as Rec;
    if (chance(0.03)) s.content = pick(TRICKY_HTML);
    if (chance(0.005)) {
      delete s.content;
      s.text = pick(['Deleted & <redrafted> text  ', '  plain &amp; text ', 'I love it!', '']);
    }
    if (chance(0.03)) {
      const lang = pick(TRICKY_LANGUAGES);
      if (lang === undefined) delete s.language;
      else s.language = lang;
    }
    if (s.application && chance(0.05))
      (s.application as Rec).name = pick(['  Tusky  ', '', '   ', 'Ivory', 'Elk\u00a0']);
    if (s.application && chance(0.01)) delete (s.application as Rec).website;
    if (!s.application && chance(0.01)) s.application = null;
    if (chance(0.03)) {
      const n = 1 + Math.floor(rand() * 3);
      s.tags = [
        ...(s.tags as Rec[]),
        ...Array.from({ length: n }, () => ({ name: pick(TRICKY_TAGS), url: 'https://x.example/tags/t' })),
      ];
    }
    if (chance(0.02)) s.spoiler_text = pick(['   ', '\u00a0', '\u3000', ' cw ', '\n']);
    if (chance(0.01))
      s.media_attachments = [...(s.media_attachments as Rec[]), { id: '9', type: pick(['unknown', 'image', 'Image']) }];
    if (chance(0.01)) s.sensitive = !s.sensitive;
    if (chance(0.01)) s.visibility = pick(['unlisted', 'private', 'direct', 'Public', 'limited']);
    // Account snapshots that disagree between toots of one account (flags OR, newest followers).
    if (chance(0.01)) account.noindex = true;
    if (chance(0.01)) account.discoverable = false;
    if (chance(0.005)) account.discoverable = null;
    if (chance(0.01))
      account.note = pick([
        '<p>Just me. #NoBots please</p>',
        '<p><a href="https://x/tags/noindex" class="mention hashtag">#<span>NoIndex</span></a></p>',
        '<p>nobot here but no hash</p>',
      ]);
    if (chance(0.01)) account.bot = !account.bot;
    if (chance(0.02)) account.followers_count = Math.floor(rand() * 5000);
    if (chance(0.005)) account.created_at = '2022-11-01T00:30:00.000+02:00';
    // Equivalent or near-equivalent created_at forms.
    if (chance(0.01)) {
      const ms = Date.parse(s.created_at as string);
      const hhmm = new Date(ms + 5.5 * 3_600_000).toISOString().slice(0, 19);
      s.created_at = pick([
        `${hhmm}+05:30`,
        `${new Date(ms).toISOString().slice(0, 19)}.${String(ms % 1000).padStart(3, '0')}987Z`,
        `${new Date(ms).toISOString().slice(0, 19)}Z`,
      ]);
    }
    if (chance(0.005)) s.favourites_count = 10_000 + Math.floor(rand() * 100);
  }
  // Links, cards, origin servers and creation days, from a stream of their own (the salt above
  // stays what it was before these families existed).
  const rand2 = prng(2027);
  const pick2 = <T>(xs: readonly T[]): T => xs[Math.floor(rand2() * xs.length)] as T;
  for (const s of statuses) {
    const account = s.account as Rec;
    if (rand2() < 0.02) s.content = pick2(TRICKY_LINKS);
    if (rand2() < 0.01) s.card = clone(pick2(TRICKY_CARDS));
    if (rand2() < 0.003) delete s.card;
    if (rand2() < 0.005) account.acct = pick2(TRICKY_ACCTS);
    if (rand2() < 0.005)
      account.created_at = pick2([
        `${DAY}T00:00:00.000Z`,
        `${DAY}T01:00:00.000+02:00`,
        '2026-03-05T00:30:00.000+01:00',
        '2026-03-05T00:00:00.000Z',
      ]);
  }

  // Boundary statuses: [D 00:00, D+1 00:00) exactly.
  const template = statuses[0] as Rec;
  const at = (createdAt: string, ms: number, i: number): Rec => ({
    ...clone(template),
    id: snowflake(ms, 60_000 + i),
    created_at: createdAt,
  });
  const inWindow = [
    at(`${DAY}T00:00:00.000Z`, START, 1),
    at(`${DAY}T23:59:59.999Z`, END - 1, 2),
    at('2026-03-05T00:59:59.999+01:00', END - 1, 3),
    at(`${DAY}T00:00:00-00:00`, START, 4),
    at(`${DAY}T01:00:00.000+01:00`, START, 5),
    at(`${DAY}T00:00:00Z`, START, 6),
    at('2026-03-03T23:00:00.000-01:00', START, 7),
  ];
  const outOfWindow = [
    at('2026-03-05T00:00:00.000Z', END, 8),
    at('2026-03-03T23:59:59.999Z', START - 1, 9),
    at('2026-03-03T23:59:59.9999999Z', START - 1, 10),
    at('2026-03-05T01:00:00+01:00', END, 11),
    at(`${DAY}T00:59:59.999+01:00`, START - 1, 12),
  ];
  statuses.push(...inWindow, ...outOfWindow);

  // Boosts: wrappers around an original (not counted as toots).
  for (let i = 0; i < 40; i++) {
    const original = pick(day);
    const ms = START + Math.floor(rand() * 86_400_000);
    statuses.push({
      ...clone(pick(day)),
      id: snowflake(ms, 1000 + i),
      created_at: new Date(ms).toISOString(),
      content: '',
      reblog: clone(original),
    });
  }

  // Newest first, as the timeline pages them; then 40 per page with Mastodon-like overlaps.
  statuses.sort(cmpIdDesc);
  const pages: unknown[][] = [];
  for (let i = 0; i < statuses.length; i += PAGE) pages.push(statuses.slice(i, i + PAGE));
  for (let p = 0; p + 1 < pages.length; p++) {
    if (chance(0.3)) {
      // The next page's newest status repeated at the end of this page (identical copy), or
      // with engagement that moved between the two requests (the first copy read counts).
      const copy = clone(pages[p + 1]![0]) as Rec;
      if (chance(0.3)) copy.favourites_count = (copy.favourites_count as number) + 7;
      pages[p]!.push(copy);
    }
  }
  // Broken records, each next to the status it was made from (same ID when it keeps one).
  let injectedBad = 0;
  for (const breaker of BREAKERS) {
    const p = Math.floor(rand() * pages.length);
    const page = pages[p]!;
    const at = Math.floor(rand() * page.length);
    const bad = breaker(clone(page[at] as Rec));
    page.splice(
      at,
      0,
      bad === null || typeof bad !== 'object' || Array.isArray(bad) ? bad : JSON.parse(JSON.stringify(bad)),
    );
    // One whose snowflake ID dates it to another day is that day's to quarantine (out of window here).
    const id = bad !== null && typeof bad === 'object' ? (bad as Rec).id : undefined;
    const foreign =
      typeof id === 'string' &&
      /^[1-9]\d{15,19}$/.test(id) &&
      (msFromSnowflake(id) < WINDOW.windowStartMs || msFromSnowflake(id) >= WINDOW.windowEndMs);
    if (!foreign) injectedBad++;
  }
  const pageIds = pages.map((page) => {
    const ids = page.map((r) => (r !== null && typeof r === 'object' ? (r as Rec).id : undefined)).filter(isDecimalId);
    ids.sort((a, b) => (BigInt(a) > BigInt(b) ? -1 : BigInt(a) < BigInt(b) ? 1 : 0));
    return { first: ids[0], last: ids[ids.length - 1] };
  });
  const files = writePages(path.join(tmp, 'generated'), pages, (i) =>
    i % 10 === 3 ? 'ascii' : i % 10 === 7 ? 'pretty' : 'compact',
  );
  return {
    files,
    injectedBad,
    pageIds,
    boundary: { inWindow: inWindow.length, outOfWindow: outOfWindow.length },
    statuses,
  };
}

// ---------------------------------------------------------------------------------------------

describe('DuckDB oracle = kernels, on a generated day salted with awkward records', () => {
  let gen: GeneratedDay;
  let oracle: OracleResult;
  let kernel: ReturnType<typeof kernelRows>;

  beforeAll(async () => {
    gen = buildGeneratedDay();
    oracle = await runOracle(gen.files, { ...WINDOW, ...MIRROR });
    kernel = kernelRows(gen.files);
  }, 120_000);

  it('covers the cases it is meant to (sanity of the data set)', () => {
    const value = (metric: string, key: string) => oracle.rows.find((r) => r.metric === metric && r.key === key)?.value;
    expect(value('map_counts', 'counted')).toBeGreaterThan(5000);
    expect(value('map_counts', 'duplicates')).toBeGreaterThan(20);
    expect(value('map_counts', 'non_public')).toBeGreaterThan(20);
    expect(value('map_counts', 'reblogs')).toBe(40);
    expect(value('map_counts', 'out_of_window')).toBeGreaterThan(100);
    expect(value('sentiment', 'scored')).toBeGreaterThan(1000);
    expect(value('viral_stats', 'viral_toots')).toBeGreaterThan(0);
    expect(oracle.rows.filter((r) => r.metric === 'toots_by_app').length).toBeGreaterThan(3);
    expect(value('origin_stats', 'servers')).toBeGreaterThan(20);
    expect(oracle.rows.filter((r) => r.metric === 'origin_statuses').length).toBe(20);
    expect(value('new_accounts', 'created_on_day')).toBeGreaterThan(10);
    expect(value('new_accounts', 'first_seen')).toBe(value('new_accounts', 'posters'));
    expect(value('link_stats', 'with_card')).toBeGreaterThan(50);
    expect(value('link_stats', 'with_content_link')).toBeGreaterThan(value('link_stats', 'with_card') as number);
    for (const domain of ['example.com', 'news.example.org', 'caps.example', 'two.example', 'classy.example', 'www'])
      expect(value('top_linked_domains', domain), domain).toBeGreaterThan(0);
    for (const domain of ['m.example', 'x.example', 'single.example', 'upper.example', 'escaped.example', ''])
      expect(value('top_linked_domains', domain), domain).toBeUndefined();
  });

  it('first-seen posters: the kernel and the oracle agree with a look-back of earlier posters', async () => {
    // Earlier days' posters: every other poster of this day, and accounts this day never saw.
    const earlier = [...oracle.posters.filter((_, i) => i % 2 === 0), 'gone@elsewhere.example', 'nobody'];
    const o = await runOracle(gen.files, {
      ...WINDOW,
      ...MIRROR,
      sentiment: false,
      earlierPosters: { lookbackDays: 3, accts: earlier },
    });
    const mapper = createStatusMapper(WINDOW);
    for (const f of gen.files) mapper.add(JSON.parse(readFileSync(f, 'utf8')) as unknown[], f);
    const set = new Set(earlier);
    const rows = finalizeAll(mapper.finish().partial, { firstSeen: { lookbackDays: 3, has: (a) => set.has(a) } });
    const pick = (rows: KvRow[]) => rows.filter((r) => r.metric === 'new_accounts');
    expect(diffRows(pick(o.rows), pick(rows))).toEqual([]);
    const firstSeen = pick(rows).find((r) => r.key === 'first_seen')?.value;
    expect(firstSeen).toBe(oracle.posters.length - Math.ceil(oracle.posters.length / 2));
    expect(pick(rows).find((r) => r.key === 'lookback_days')?.value).toBe(3);
  });

  it('every metric equals the oracle exactly (default top-k 50)', () => {
    expectSameRows(kernel.rows, oracle.rows);
  });

  it('every metric equals the oracle exactly with top-k lists long enough to hold every account and tag', async () => {
    const all = await runOracle(gen.files, { ...WINDOW, ...MIRROR, topK: 1_000_000, sentiment: false });
    const rows = kernelRows(gen.files, { ...WINDOW, topK: 1_000_000 }).rows.filter(
      (r) => !r.metric.startsWith('sentiment'),
    );
    expect(all.rows.filter((r) => r.metric === 'top_accounts_by_toots').length).toBeGreaterThan(500);
    expectSameRows(rows, all.rows);
  });

  it('map parts over tiling ID ranges, merged, give the same rows (the pipeline’s shape)', () => {
    // Runs of 7 pages; each part owns [oldest ID of its last page, previous part's lower bound).
    const parts: CombinedPartial[] = [];
    let upper: string | undefined;
    for (let i = 0; i < gen.files.length; i += 7) {
      const files = gen.files.slice(i, i + 7);
      const isLast = i + 7 >= gen.files.length;
      const lower = isLast ? undefined : gen.pageIds[i + files.length - 1]!.last;
      const mapper = createStatusMapper({
        ...WINDOW,
        idRange: { ...(lower ? { minId: lower } : {}), ...(upper ? { maxId: upper } : {}) },
      });
      for (const f of files) mapper.add(JSON.parse(readFileSync(f, 'utf8')) as unknown[], f);
      parts.push(mapper.finish().partial);
      upper = lower;
    }
    const merged = finalizeAll(mergeAll(parts));
    const counts = (rows: KvRow[]) =>
      Object.fromEntries(rows.filter((r) => r.metric === 'map_counts').map((r) => [r.key, r.value]));
    const m = counts(merged);
    const o = counts(oracle.rows);
    // A copy outside its part's range is `out_of_range` there instead of a duplicate.
    expect(m.out_of_range).toBeGreaterThan(0);
    expect((m.out_of_range ?? 0) + (m.duplicates ?? 0)).toBe(o.duplicates);
    const rest = (rows: KvRow[]) =>
      rows.filter((r) => !(r.metric === 'map_counts' && (r.key === 'out_of_range' || r.key === 'duplicates')));
    expectSameRows(rest(merged), rest(oracle.rows));
  });

  it('quarantines exactly the injected bad records, at the same places', () => {
    expect(kernel.quarantined.length).toBe(gen.injectedBad);
    expect(oracle.quarantined.length).toBe(gen.injectedBad);
    expect(oracle.quarantined.map((q) => ({ file: q.file, index: q.index }))).toEqual(kernel.quarantined);
    expect(oracle.rows.find((r) => r.metric === 'map_counts' && r.key === 'quarantined')?.value).toBe(gen.injectedBad);
  });

  it('keeps the window half-open: D 00:00:00.000 in, D+1 00:00:00.000 out, in every date-time form', async () => {
    const template = gen.statuses.find((s) => s.visibility === 'public' && !s.reblog) as Rec;
    const forms: [string, boolean][] = [
      [`${DAY}T00:00:00.000Z`, true],
      [`${DAY}T00:00:00Z`, true],
      [`${DAY}T01:00:00.000+01:00`, true],
      ['2026-03-03T23:00:00-01:00', true],
      [`${DAY}T23:59:59.999Z`, true],
      [`${DAY}T23:59:59.9999999Z`, true],
      ['2026-03-05T00:59:59.999+01:00', true],
      ['2026-03-05T00:00:00.000Z', false],
      ['2026-03-05T00:00:00Z', false],
      ['2026-03-05T01:00:00.000+01:00', false],
      ['2026-03-03T23:59:59.999Z', false],
      ['2026-03-03T23:59:59.9999999Z', false],
      [`${DAY}T00:59:59.999+01:00`, false],
    ];
    const records = forms.map(([createdAt], i) => ({
      ...clone(template),
      id: snowflake(START, i + 1),
      created_at: createdAt,
    }));
    const files = writePages(path.join(tmp, 'window'), [records]);
    const o = await runOracle(files, WINDOW);
    const k = kernelRows(files);
    expectSameRows(k.rows, o.rows);
    const expectedIn = forms.filter(([, inside]) => inside).length;
    const get = (rows: KvRow[], metric: string, key: string) =>
      rows.find((r) => r.metric === metric && r.key === key)?.value;
    expect(get(o.rows, 'toots_per_day', DAY)).toBe(expectedIn);
    expect(get(o.rows, 'map_counts', 'out_of_window')).toBe(forms.length - expectedIn);
    expect(get(o.rows, 'toots_per_hour', `${DAY}T00`)).toBe(4);
    expect(get(o.rows, 'toots_per_hour', `${DAY}T23`)).toBe(3);
    // And the salted day's own boundary statuses.
    expect(gen.boundary).toEqual({ inWindow: 7, outOfWindow: 5 });
  });

  it('never shows an opted-out account in account-level rows, but counts it in aggregates', async () => {
    const optedOut = (a: Rec): boolean =>
      a.noindex === true ||
      a.discoverable === false ||
      /#no(?:bot|index)/i.test((a.note as string).replace(/<[^>]*>/g, ''));
    const counted = gen.statuses.filter(
      (s) =>
        s.visibility === 'public' &&
        !s.reblog &&
        Date.parse(s.created_at as string) >= START &&
        Date.parse(s.created_at as string) < END,
    );
    const hidden = new Set(
      counted.filter((s) => optedOut(s.account as Rec)).map((s) => (s.account as Rec).acct as string),
    );
    // (Per toot for now: see MIRROR.)
    const hiddenIds = new Set(counted.filter((s) => optedOut(s.account as Rec)).map((s) => s.id as string));
    expect(hidden.size).toBeGreaterThan(10);
    const all = await runOracle(gen.files, { ...WINDOW, ...MIRROR, topK: 1_000_000, sentiment: false });
    const rows = kernelRows(gen.files, { ...WINDOW, topK: 1_000_000 }).rows;
    for (const r of [...rows, ...all.rows]) {
      if (['top_accounts_by_toots', 'top_accounts_by_engagement', 'top_accounts_by_followers'].includes(r.metric)) {
        expect(hidden.has(r.key), `${r.metric} shows opted-out ${r.key}`).toBe(false);
      }
      if (r.metric === 'viral_toots')
        expect(hiddenIds.has(r.key), `viral toot ${r.key} of an opted-out account`).toBe(false);
    }
    // Still counted: every active account is in active_accounts#all, hidden ones included.
    const active = new Set(counted.map((s) => (s.account as Rec).acct as string));
    expect(rows.find((r) => r.metric === 'active_accounts' && r.key === 'all')?.value).toBe(active.size);
    expect(all.rows.filter((r) => r.metric === 'top_accounts_by_toots').length).toBe(active.size - hidden.size);
  });
});

// ---------------------------------------------------------------------------------------------
// The recorded answers of real servers.

const CASSETTES = fileURLToPath(new URL('../../../shared/fixtures/mastodon-api-cassettes/', import.meta.url));

interface Interaction {
  request: { method: string; uri: string };
  response: { status: { code: number }; body: { string: string } };
}

/** Every status body of the cassettes, as a page file of the bytes the server sent. */
function cassettePages(dir: string): string[] {
  const bodies: string[] = [];
  for (const file of readdirSync(CASSETTES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const doc = parse(readFileSync(CASSETTES + file, 'utf8')) as { interactions: Interaction[] };
    for (const { request, response } of doc.interactions) {
      if (response.status.code !== 200 || typeof response.body?.string !== 'string') continue;
      const p = new URL(request.uri).pathname.replace(/\/$/, '');
      if (!/^\/api\/v1\/(statuses|timelines\/|accounts\/\d+\/statuses|trends\/statuses)/.test(p)) continue;
      const text = response.body.string;
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        continue;
      }
      if (Array.isArray(body)) bodies.push(text);
      else if (body !== null && typeof body === 'object' && 'created_at' in body) bodies.push(`[${text}]`);
    }
  }
  mkdirSync(dir, { recursive: true });
  return bodies.map((b, i) => {
    const file = path.join(dir, `page-${String(i + 1).padStart(5, '0')}.json`);
    writeFileSync(file, b);
    return file;
  });
}

describe('DuckDB oracle = kernels, on the statuses recorded in the cassettes', () => {
  let files: string[];
  let statuses: Rec[];
  beforeAll(() => {
    files = cassettePages(path.join(tmp, 'cassettes'));
    statuses = files.flatMap((f) => JSON.parse(readFileSync(f, 'utf8')) as Rec[]);
  });

  it('finds the recorded status bodies', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(statuses.length).toBeGreaterThan(250);
    expect(statuses.some((s) => s.content === undefined && typeof s.text === 'string')).toBe(true);
  });

  it('every metric equals the oracle exactly over a window holding all of them', async () => {
    const days = statuses.map((s) => Date.parse(s.created_at as string));
    const window = {
      windowStartMs: Math.floor(Math.min(...days) / 86_400_000) * 86_400_000,
      windowEndMs: (Math.floor(Math.max(...days) / 86_400_000) + 1) * 86_400_000,
    };
    const o = await runOracle(files, window);
    const k = kernelRows(files, window);
    expect(o.rows.find((r) => r.metric === 'map_counts' && r.key === 'counted')?.value).toBeGreaterThan(50);
    expectSameRows(k.rows, o.rows);
    expect(o.quarantined).toEqual([]);
  });

  it('every metric equals the oracle exactly for each recorded UTC day, with small top-k', async () => {
    const days = [...new Set(statuses.map((s) => (s.created_at as string).slice(0, 10)))].sort();
    expect(days.length).toBeGreaterThanOrEqual(2);
    for (const day of days) {
      const window = {
        windowStartMs: Date.parse(`${day}T00:00:00Z`),
        windowEndMs: Date.parse(`${day}T00:00:00Z`) + 86_400_000,
      };
      const o = await runOracle(files, { ...window, topK: 3 });
      const k = kernelRows(files, { ...window, topK: 3 });
      expectSameRows(k.rows, o.rows);
    }
  });

  it('plain text of every recorded content and note equals htmlToText (the length rules)', async () => {
    const htmls = [
      ...new Set(
        statuses.flatMap((s) =>
          [s.content as string | undefined, (s.account as Rec).note as string].filter(
            (h): h is string => typeof h === 'string',
          ),
        ),
      ),
    ];
    expect(htmls.length).toBeGreaterThan(50);
    expect(await plainTextsWithDuckDb(htmls)).toEqual(htmls.map(htmlToText));
  });
});

describe('the oracle’s scope', () => {
  it('covers every status metric the kernels emit (a new family must be added to the oracle)', () => {
    const covered: string[] = [...ORACLE_SQL_METRICS, ...ORACLE_SENTIMENT_METRICS];
    expect(METRIC_CATALOG.map((m) => m.metric).sort()).toEqual([...covered].sort());
  });

  it('gives the same rows for an empty page list and for empty pages', async () => {
    const files = writePages(path.join(tmp, 'empty'), [[], []]);
    expectSameRows(kernelRows(files).rows, (await runOracle(files, WINDOW)).rows);
    expectSameRows(kernelRows([]).rows, (await runOracle([], WINDOW)).rows);
  });
});

describe('the oracle’s HTML rules', () => {
  it('gives htmlToText’s plain text on awkward fragments', async () => {
    expect(await plainTextsWithDuckDb(TRICKY_HTML)).toEqual(TRICKY_HTML.map(htmlToText));
  });
});

// ---------------------------------------------------------------------------------------------
// Where the kernels and the documented definitions part ways (reported, not fixed here).

describe('opt-out rules the oracle found broken (now fixed)', () => {
  // viral.ts keeps each candidate's own snapshot flag (`f.optedOut`) and finalize hides only
  // those, while privacy.ts says an opted-out account never appears in an output keyed by a
  // single toot and accounts.ts ORs the flag over the window ("treated so everywhere"). Input:
  // two toots of one account, the first with `noindex: true` (not viral), the second viral with
  // `noindex: false`. Expected: no viral_toots row (viral_stats still counts it). Got: the row
  // `viral_toots#<second id> = 20`. When viral.ts is fixed these start failing: drop `.fails`
  // and MIRROR.
  it('a viral toot of an account that opted out in another toot of the window is hidden', async () => {
    const toot = (i: number, noindex: boolean, fav: number): Rec => ({
      id: snowflake(START + i * 1000, i),
      created_at: new Date(START + i * 1000).toISOString(),
      account: {
        id: '1',
        username: 'shy',
        acct: 'shy@remote.example',
        display_name: 'Shy',
        note: '<p>hi</p>',
        bot: false,
        noindex,
        created_at: '2022-04-08T00:00:00.000Z',
        followers_count: 5,
        following_count: 1,
        statuses_count: 2,
        discoverable: true,
      },
      content: '<p>hello</p>',
      language: 'en',
      visibility: 'public',
      sensitive: false,
      spoiler_text: '',
      media_attachments: [],
      mentions: [],
      tags: [],
      favourites_count: fav,
      reblogs_count: 0,
      replies_count: 0,
      reblog: null,
    });
    const files = writePages(path.join(tmp, 'viral-optout'), [[toot(2, false, 20), toot(1, true, 0)]]);
    const o = await runOracle(files, WINDOW);
    expect(o.rows.filter((r) => r.metric === 'viral_toots')).toEqual([]);
    expectSameRows(kernelRows(files).rows, o.rows);
  });

  it('on the salted day, viral_toots follow the account-level opt-out rule', async () => {
    const gen = buildGeneratedDay();
    const o = await runOracle(gen.files, { ...WINDOW, sentiment: false });
    const k = kernelRows(gen.files).rows.filter((r) => !r.metric.startsWith('sentiment'));
    expectSameRows(k, o.rows);
  }, 120_000);

  // privacy.ts: "the hashtags are matched case-insensitively in the note's plain text". The
  // kernel first tests /no(?:bot|index)/i on the raw HTML as a cheap prefilter, which misses an
  // opt-out whose letters are split by markup or written as character references: plain text
  // "#nobot", prefilter false, account not opted out. The oracle follows the definition. When
  // privacy.ts is fixed this test starts failing: drop `.fails` then.
  it('an opt-out hashtag split by markup (#no<b>bot</b>) or written with a reference (#nob&#111;t) opts out', async () => {
    for (const note of ['<p>#no<b>bot</b></p>', '<p>#nob&#111;t</p>']) {
      const template = {
        id: snowflake(START + 1000, 1),
        created_at: new Date(START + 1000).toISOString(),
        account: {
          id: '1',
          username: 'shy',
          acct: 'shy@remote.example',
          display_name: 'Shy',
          note,
          bot: false,
          created_at: '2022-04-08T00:00:00.000Z',
          followers_count: 5,
          following_count: 1,
          statuses_count: 1,
          discoverable: true,
        },
        content: '<p>hello</p>',
        language: 'en',
        visibility: 'public',
        sensitive: false,
        spoiler_text: '',
        media_attachments: [],
        mentions: [],
        tags: [],
        favourites_count: 20,
        reblogs_count: 0,
        replies_count: 0,
        reblog: null,
      };
      const files = writePages(path.join(tmp, `optout-${note.length}`), [[template]]);
      const o = await runOracle(files, WINDOW);
      const k = kernelRows(files);
      expect(o.rows.some((r) => r.metric === 'top_accounts_by_toots')).toBe(false);
      expectSameRows(k.rows, o.rows);
    }
  });
});
