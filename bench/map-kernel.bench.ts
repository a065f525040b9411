// Map-step throughput: JSON.parse of raw page text + validation + folding into the metric
// families, on one core, over synthetic statuses shaped like the real Mastodon 4.6 answers in
// ../shared/fixtures/mastodon-api-cassettes (every field, embedded account, HTML content).
//
//   npx tsx bench/map-kernel.bench.ts [statuses=200000] [rounds=3] [--breakdown]
//
// --breakdown also times the mapper with no family and with each family alone.
//
// Prints statuses/s for each stage so the cost of each layer is visible; the figure to hold is
// "parse + validate + map (cheap families)" ≥ 150k statuses/s.
import { MastodonStatus } from '../domain/mastodon-schemas';
import { isStatusFast } from '../domain/metrics/fast-status-check';
import { CHEAP_FAMILIES, createStatusMapper, type FamilyName } from '../domain/metrics/index';
import { Rng } from '../infra/mastodon-sim/prng';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const BREAKDOWN = process.argv.includes('--breakdown');
const ONLY_MAP = process.argv.includes('--only-map'); // for profiling: just the headline stage
const TOTAL = Number(args[0] ?? 200_000);
const ROUNDS = Number(args[1] ?? 3);
const PAGE = 40;

// Deterministic (mulberry32): the simulator's generator, so every run maps the same data.
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.float();
}
const rand = rng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;

const HOST = 'bench.example';
const DAY_START = Date.UTC(2026, 6, 31);
const WORDS =
  'the a fediverse toot mastodon coffee morning rain great terrible happy sad love hate today really good bad new release open source weekend cat dog photo music book read game server update thanks'.split(
    ' ',
  );
const LANGS = ['en', 'en', 'en', 'de', 'fr', 'ja', 'es', 'pt', null, 'nl'] as const;
const TAGS = ['caturday', 'photography', 'rust', 'typescript', 'fediverse', 'music', 'news', 'art', 'Caturday'];
const APPS = ['Web', 'Ivory', 'Tusky', 'Elk', 'Mastodon for iOS', 'Mastodon for Android', 'Phanpy'];

function sentence(words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(pick(WORDS));
  return out.join(' ');
}

function account(i: number): Record<string, unknown> {
  const local = i % 3 === 0;
  const username = `user${i}`;
  const acct = local ? username : `${username}@remote${i % 97}.example`;
  const note =
    i % 50 === 0
      ? '<p>Private person <a href="https://bench.example/tags/nobot" class="mention hashtag" rel="tag">#<span>nobot</span></a></p>'
      : `<p>${sentence(12)}</p>`;
  return {
    id: String(109_000_000_000_000_000n + BigInt(i)),
    username,
    acct,
    display_name: `User ${i}`,
    locked: false,
    bot: i % 17 === 0,
    discoverable: i % 40 !== 0,
    indexable: true,
    group: false,
    created_at: `20${String(17 + (i % 9)).padStart(2, '0')}-${String(1 + (i % 12)).padStart(2, '0')}-08T00:00:00.000Z`,
    note,
    url: `https://${HOST}/@${username}`,
    uri: `https://${HOST}/users/${username}`,
    avatar: `https://${HOST}/avatars/original/missing.png`,
    avatar_static: `https://${HOST}/avatars/original/missing.png`,
    avatar_description: '',
    header: `https://${HOST}/headers/original/missing.png`,
    header_static: `https://${HOST}/headers/original/missing.png`,
    header_description: '',
    followers_count: Math.floor(1000 * rand() ** 3 * (i % 11)),
    following_count: Math.floor(300 * rand()),
    statuses_count: Math.floor(5000 * rand()),
    last_status_at: '2026-07-31',
    hide_collections: null,
    show_media: true,
    show_media_replies: true,
    show_featured: true,
    noindex: i % 60 === 0,
    emojis: [],
    roles: [],
    fields: [],
  };
}

const ACCOUNTS = Array.from({ length: 20_000 }, (_, i) => account(i));

function status(n: number): Record<string, unknown> {
  const ms = DAY_START + Math.floor((n / TOTAL) * 86_400_000);
  const id = ((BigInt(ms) << 16n) | BigInt(Math.floor(rand() * 65536))).toString();
  const acc = pick(ACCOUNTS);
  const tags = rand() < 0.25 ? [pick(TAGS), ...(rand() < 0.3 ? [pick(TAGS)] : [])] : [];
  const tagHtml = tags
    .map((t) => ` <a href="https://${HOST}/tags/${t}" class="mention hashtag" rel="tag">#<span>${t}</span></a>`)
    .join('');
  const link =
    rand() < 0.2
      ? ' <a href="https://example.org/some/long/path" target="_blank" rel="nofollow noopener"><span class="invisible">https://</span><span class="ellipsis">example.org/some/long</span><span class="invisible">/path</span></a>'
      : '';
  const content = `<p>${sentence(5 + Math.floor(rand() * 40))}${link}</p>${rand() < 0.3 ? `<p>${sentence(10)} &amp; more<br />${sentence(4)}</p>` : ''}${tagHtml ? `<p>${tagHtml}</p>` : ''}`;
  const heavy = rand() < 0.02;
  const fav = Math.floor((heavy ? 200 : 3) * rand() ** 2);
  const local = (acc.acct as string).indexOf('@') < 0;
  return {
    id,
    created_at: new Date(ms).toISOString(),
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    sensitive: rand() < 0.05,
    spoiler_text: rand() < 0.04 ? 'cw: food' : '',
    visibility: rand() < 0.98 ? 'public' : 'unlisted',
    language: pick(LANGS),
    uri: `https://${HOST}/users/${acc.username as string}/statuses/${id}`,
    url: `https://${HOST}/@${acc.username as string}/${id}`,
    replies_count: Math.floor(fav / 4),
    reblogs_count: Math.floor(fav / 2),
    favourites_count: fav,
    quotes_count: 0,
    edited_at: null,
    content,
    reblog: null,
    application: local ? { name: pick(APPS), website: null } : undefined,
    account: acc,
    media_attachments:
      rand() < 0.15
        ? [
            {
              id: String(n),
              type: pick(['image', 'image', 'video', 'gifv']),
              url: `https://${HOST}/media/${n}.png`,
              preview_url: `https://${HOST}/media/${n}_small.png`,
              remote_url: null,
              description: 'alt text',
              blurhash: 'UeKUpFxuo~R%0nW;WCnhF6RjaJt757oJodS$',
            },
          ]
        : [],
    mentions: [],
    tags: tags.map((t) => ({ name: t, url: `https://${HOST}/tags/${t}` })),
    emojis: [],
    card: null,
    poll: null,
  };
}

console.log(`generating ${TOTAL} statuses in pages of ${PAGE}…`);
const pages: string[] = [];
for (let p = 0; p * PAGE < TOTAL; p++) {
  const batch = [];
  for (let i = p * PAGE; i < Math.min(TOTAL, (p + 1) * PAGE); i++) batch.push(status(i));
  batch.reverse(); // timelines are newest first
  pages.push(JSON.stringify(batch));
}
pages.reverse();
const bytes = pages.reduce((s, p) => s + p.length, 0);
console.log(
  `${pages.length} pages, ${(bytes / 1e6).toFixed(1)} MB, ${Math.round(bytes / TOTAL)} bytes/status (cassette statuses: ~1,880)`,
);

// CPU time of this process (user + system, all its threads, GC helpers included) rather than
// wall time: the machine is shared, and CPU time is what "per core" means.
function time(label: string, count: number, fn: () => void): number {
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    rates.push(count / ((c.user + c.system) / 1e6));
  }
  rates.sort((a, b) => a - b);
  const best = rates[rates.length - 1] as number;
  const median = rates[Math.floor(rates.length / 2)] as number;
  console.log(
    `${label.padEnd(52)} ${Math.round(median).toLocaleString('en').padStart(9)} statuses/s (median of ${ROUNDS}), best ${Math.round(best).toLocaleString('en')}`,
  );
  return median;
}

let sink = 0;
function mapPages(list: readonly string[], families: readonly FamilyName[]): void {
  const mapper = createStatusMapper({ windowStartMs: DAY_START, windowEndMs: DAY_START + 86_400_000, families });
  for (const p of list) mapper.add(JSON.parse(p) as unknown[]);
  const { partial } = mapper.finish();
  sink += partial.counts.counted;
}
if (ONLY_MAP) {
  time('parse + validate + map, cheap families (the figure)', TOTAL, () => mapPages(pages, CHEAP_FAMILIES));
  process.exit(0);
}
const parseOnly = time('JSON.parse only', TOTAL, () => {
  for (const p of pages) sink += (JSON.parse(p) as unknown[]).length;
});
time('parse + fast validate', TOTAL, () => {
  for (const p of pages) for (const s of JSON.parse(p) as unknown[]) sink += isStatusFast(s) ? 1 : 0;
});
const ZOD_N = Math.min(TOTAL, 50_000);
time(`parse + zod safeParse (${ZOD_N.toLocaleString('en')})`, ZOD_N, () => {
  for (const p of pages.slice(0, ZOD_N / PAGE))
    for (const s of JSON.parse(p) as unknown[]) sink += MastodonStatus.safeParse(s).success ? 1 : 0;
});

const full = time('parse + validate + map, cheap families (the figure)', TOTAL, () => mapPages(pages, CHEAP_FAMILIES));
console.log(
  `  => map adds ${(1e6 / full - 1e6 / parseOnly).toFixed(2)} µs/status on top of JSON.parse's ${(1e6 / parseOnly).toFixed(2)} µs ` +
    `(${Math.round((100 * full) / parseOnly)} % of the parse-only rate)`,
);
let partialBytes = 0;
time('  … + JSON.stringify of the sealed partial', TOTAL, () => {
  const mapper = createStatusMapper({
    windowStartMs: DAY_START,
    windowEndMs: DAY_START + 86_400_000,
    families: CHEAP_FAMILIES,
  });
  for (const p of pages) mapper.add(JSON.parse(p) as unknown[]);
  partialBytes = JSON.stringify(mapper.finish().partial).length;
});
console.log(
  `  => sealed partial: ${(partialBytes / 1e6).toFixed(1)} MB of JSON (${Math.round(partialBytes / TOTAL)} bytes/status)`,
);
// Mapping right after parsing each page keeps the objects in cache, as in the map activity;
// objects parsed long before and mapped later are cache-cold and measure memory, not the map.
if (BREAKDOWN) {
  time('parse + validate + facts, no family', TOTAL, () => mapPages(pages, []));
  for (const family of CHEAP_FAMILIES) time(`  … + ${family} alone`, TOTAL, () => mapPages(pages, [family]));
}
const SENT_N = Math.min(TOTAL, 20_000);
time(`parse + validate + map, sentiment only (${SENT_N.toLocaleString('en')})`, SENT_N, () =>
  mapPages(pages.slice(0, SENT_N / PAGE), ['sentiment']),
);
console.log(sink > 0 ? 'done' : '');
