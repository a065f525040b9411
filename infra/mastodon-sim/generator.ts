// Deterministic status generation, one UTC day of IDs at a time.
//
// A day bucket holds, for every status whose Snowflake ID falls in that day, only what paging
// and filtering need (ID key, author, tags, flags, arrival delays) in typed arrays: about 27
// bytes per status, so a 300k-status day costs ~8 MB. Full JSON is rendered on demand from
// (seed, day, position) alone, which is what lets any day be regenerated without storage.
//
// Buckets are keyed by ID day, not created_at day: that is how the server pages. Statuses that
// federated late ('late-id') carry an ID hours after their created_at and may sit in the next
// day's bucket; 'backdated' statuses have an ID equal to created_at but become visible later.

import { dayStartMs, snowflakeFromMs, utcDayOf } from '../../domain/snowflake';
import { AccountPool } from './accounts';
import { parseGeneratorConfig, type GeneratorConfig, type GeneratorConfigInput } from './config';
import { hashInts, Rng, ZipfTable } from './prng';
import type { AccountCore } from './accounts';
import type { ArrivalKind, SimMediaAttachment, SimMention, SimStatus, SimStatusEntry, SimStatusTag } from './types';
import {
  BOT_APPS,
  buildRemoteHosts,
  buildTagVocabulary,
  CONTENT_WARNINGS,
  LANGUAGES,
  LINK_DOMAINS,
  LOCAL_APPS,
  sentence,
  syllableWord,
} from './vocab';

export const DAY_MS = 86_400_000;
export const NO_TAG = 0xffff;
export const FLAG_LOCAL = 1;
export const FLAG_MEDIA = 2;
const TAGS_PER_STATUS = 3;
const TAG_VOCABULARY = 500;
const REMOTE_HOSTS = 60;
const MAX_LATE_ID_MS = 6 * 3_600_000 - 1;
const MAX_STAMP_LAG_MS = 4;
const MAX_BACKDATE_DELAY_MS = 36 * 3_600_000;

const PURPOSE_DAY = 0xda1;
const PURPOSE_STATUS = 0x57a;
const PURPOSE_VOCAB = 0x70c;
/** The admin measures' own stream (links, cards, newcomers): see config.ts. */
const PURPOSE_ADMIN = 0xad3;

export interface DayBucket {
  dayNo: number;
  startMs: number;
  size: number;
  /** (idMs - startMs) * 65536 + low16, ascending: exact in a double (< 2^43). */
  keys: Float64Array;
  account: Uint32Array;
  /** TAGS_PER_STATUS slots per status, NO_TAG when unused. */
  tags: Uint16Array;
  flags: Uint8Array;
  /** idMs - createdMs: hours for 'late-id' arrivals, -4..0 ms (stamp lag) otherwise. */
  createdBackMs: Int32Array;
  /** insertedMs - idMs: non-zero for 'backdated' arrivals. */
  insertDelayMs: Int32Array;
}

/** The parts of a status that paging needs; drawn first from the status's own stream. */
interface Core {
  account: number;
  tags: [number, number, number];
  media: boolean;
  createdBackMs: number;
  insertDelayMs: number;
}

export interface WorldOptions {
  /** Day buckets kept in memory (LRU). */
  cacheDays?: number;
}

export interface DayQueryOptions {
  /** Only statuses visible through the API at this instant (default: all, however late). */
  visibleAt?: number;
  /** Moment at which embedded account counters are rendered (default: the day's end). */
  atMs?: number;
}

export class SimWorld {
  readonly config: GeneratorConfig;
  readonly accounts: AccountPool;
  readonly tags: readonly string[];
  readonly tagZipf: ZipfTable;
  readonly remoteHosts: readonly string[];
  private readonly linkZipf = new ZipfTable(LINK_DOMAINS.length, 1.0);
  private readonly tagIndex = new Map<string, number>();
  private readonly cache = new Map<number, DayBucket>();
  private readonly cacheDays: number;
  private readonly core: Core = {
    account: 0,
    tags: [NO_TAG, NO_TAG, NO_TAG],
    media: false,
    createdBackMs: 0,
    insertDelayMs: 0,
  };

  constructor(config: GeneratorConfigInput = {}, options: WorldOptions = {}) {
    this.config = parseGeneratorConfig(config);
    this.cacheDays = Math.max(2, options.cacheDays ?? 4);
    const vocabRng = new Rng(hashInts(this.config.seed, PURPOSE_VOCAB));
    this.tags = buildTagVocabulary(vocabRng, TAG_VOCABULARY);
    for (const [i, t] of this.tags.entries()) this.tagIndex.set(t, i);
    this.tagZipf = new ZipfTable(this.tags.length, this.config.tagZipf);
    this.remoteHosts = buildRemoteHosts(vocabRng, REMOTE_HOSTS);
    this.accounts = new AccountPool(this.config, this.remoteHosts, new ZipfTable(this.remoteHosts.length, 1.0));
  }

  /** Index of a hashtag (case-insensitive), or undefined when the instance never used it. */
  tagIndexOf(name: string): number | undefined {
    return this.tagIndex.get(name.toLowerCase());
  }

  /** Expected uses of a tag in one day, for trends that need no day generation. */
  expectedTagUsesPerDay(tagIndex: number): number {
    return this.config.statusesPerDay * 0.55 * this.tagZipf.p(tagIndex);
  }

  bucket(dayNo: number): DayBucket {
    const hit = this.cache.get(dayNo);
    if (hit) {
      this.cache.delete(dayNo);
      this.cache.set(dayNo, hit);
      return hit;
    }
    const b = this.buildBucket(dayNo);
    this.cache.set(dayNo, b);
    if (this.cache.size > this.cacheDays) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return b;
  }

  idMsAt(b: DayBucket, j: number): number {
    return b.startMs + Math.floor((b.keys[j] as number) / 65536);
  }

  idAt(b: DayBucket, j: number): string {
    const key = b.keys[j] as number;
    return snowflakeFromMs(b.startMs + Math.floor(key / 65536), key % 65536);
  }

  insertedMsAt(b: DayBucket, j: number): number {
    return this.idMsAt(b, j) + (b.insertDelayMs[j] as number);
  }

  createdMsAt(b: DayBucket, j: number): number {
    return this.idMsAt(b, j) - (b.createdBackMs[j] as number);
  }

  arrivalAt(b: DayBucket, j: number): ArrivalKind {
    if ((b.createdBackMs[j] as number) > MAX_STAMP_LAG_MS) return 'late-id';
    if ((b.insertDelayMs[j] as number) > 0) return 'backdated';
    return 'on-time';
  }

  hasTag(b: DayBucket, j: number, tag: number): boolean {
    const o = j * TAGS_PER_STATUS;
    return b.tags[o] === tag || b.tags[o + 1] === tag || b.tags[o + 2] === tag;
  }

  /** Full Mastodon JSON of the status at position j; account counters as of atMs. */
  statusAt(b: DayBucket, j: number, atMs: number): SimStatus {
    const cfg = this.config;
    const rng = new Rng(hashInts(cfg.seed, PURPOSE_STATUS, b.dayNo, j));
    const core = this.drawCore(rng);
    const author = this.accounts.get(core.account);
    const id = this.idAt(b, j);
    const idMs = this.idMsAt(b, j);
    const createdMs = idMs - core.createdBackMs;
    const language = rng.weighted(LANGUAGES);
    const text = escapeHtml(sentence(rng, language));
    const spoiler = rng.chance(cfg.contentWarningShare) ? rng.pick(CONTENT_WARNINGS) : '';

    const mentions: SimMention[] = [];
    if (rng.chance(0.15)) {
      const n = rng.range(1, 2);
      for (let m = 0; m < n; m++) {
        const other = this.accounts.get(rng.int(cfg.accountCount));
        if (other.index === author.index || mentions.some((x) => x.id === other.id)) continue;
        mentions.push({
          id: other.id,
          username: other.username,
          url: `https://${other.domain}/@${other.username}`,
          acct: this.accounts.acctOf(other),
        });
      }
    }

    const media: SimMediaAttachment[] = [];
    if (core.media) {
      const n = rng.weighted([
        [1, 70],
        [2, 15],
        [3, 7],
        [4, 8],
      ] as const);
      for (let m = 0; m < n; m++) media.push(this.mediaAttachment(rng, createdMs, author.local, author.domain, m));
    }
    const sensitive = spoiler !== '' || (media.length > 0 && rng.chance(0.06));

    const tags: SimStatusTag[] = [];
    for (const t of core.tags) {
      if (t === NO_TAG) continue;
      const name = this.tags[t] as string;
      tags.push({ name, url: `https://${cfg.host}/tags/${name}` });
    }

    // Engagement grows with audience and is heavy-tailed: most posts get nothing, a few go viral.
    const reach = 0.3 + Math.sqrt(author.followersBase) / 6;
    const favourites = rng.paretoInt(1.25, reach, 500_000);
    const reblogs = Math.floor(favourites * rng.float() * 0.35) + rng.paretoInt(2.5, 0.2, 1000);
    const replies = rng.paretoInt(1.8, 0.25 + reach / 10, 50_000);
    const quotes = rng.chance(0.02) ? rng.range(1, 3) : 0;
    const app = author.local ? rng.weighted(author.bot ? BOT_APPS : LOCAL_APPS) : undefined;
    const editedAt = rng.chance(0.03) ? new Date(createdMs + rng.range(60_000, 1_800_000)).toISOString() : null;

    const mentionHtml = mentions
      .map(
        (m) =>
          `<span class="h-card" translate="no"><a href="${m.url}" class="u-url mention">@<span>${m.username}</span></a></span> `,
      )
      .join('');
    const tagHtml = tags
      .map((t) => `<a href="${t.url}" class="mention hashtag" rel="tag">#<span>${t.name}</span></a>`)
      .join(' ');
    const content =
      tagHtml === ''
        ? `<p>${mentionHtml}${text}</p>`
        : rng.chance(0.5)
          ? `<p>${mentionHtml}${text} ${tagHtml}</p>`
          : `<p>${mentionHtml}${text}</p><p>${tagHtml}</p>`;

    const base = `https://${author.domain}`;
    const status: SimStatus = {
      id,
      created_at: new Date(createdMs).toISOString(),
      in_reply_to_id: null,
      in_reply_to_account_id: null,
      sensitive,
      spoiler_text: spoiler,
      visibility: 'public',
      language,
      uri: `${base}/users/${author.username}/statuses/${id}`,
      url: `${base}/@${author.username}/${id}`,
      replies_count: replies,
      reblogs_count: reblogs,
      favourites_count: favourites,
      quotes_count: quotes,
      edited_at: editedAt,
      content,
      reblog: null,
      // Mastodon omits the key, not null, for remote statuses.
      ...(app ? { application: { name: app.name, website: app.website } } : {}),
      account: this.accounts.toJson(author, atMs),
      media_attachments: media,
      mentions,
      tags,
      emojis: [],
      tagged_collections: [],
      quote: null,
      card: null,
      poll: null,
      quote_approval: { automatic: ['public'], manual: [], current_user: 'denied' },
    };
    if (cfg.linkShare > 0 || cfg.newAccountShare > 0) this.addAdminMeasures(status, b.dayNo, j, author, atMs);
    return status;
  }

  /**
   * Newcomer authors, links in content and preview cards, drawn from a stream of their own after
   * everything else, so the status's other fields are those it has with the knobs at 0.
   */
  private addAdminMeasures(status: SimStatus, dayNo: number, j: number, author: AccountCore, atMs: number): void {
    const cfg = this.config;
    const rng = new Rng(hashInts(cfg.seed, PURPOSE_ADMIN, dayNo, j));
    if (rng.chance(cfg.newAccountShare)) {
      // Created on the status's day or up to 3 days before; the author's locality is kept so the
      // local and remote timelines hold the same statuses.
      const createdDay = Math.floor(Date.parse(status.created_at) / DAY_MS) - rng.pick([0, 0, 1, 2, 3]);
      const perDay = Math.max(3, Math.ceil((cfg.statusesPerDay * cfg.newAccountShare) / 4));
      const newcomer = this.accounts.newcomer(createdDay, rng.int(perDay), author.local);
      status.account = this.accounts.toJson(newcomer, atMs);
      const base = `https://${newcomer.domain}`;
      status.uri = `${base}/users/${newcomer.username}/statuses/${status.id}`;
      status.url = `${base}/@${newcomer.username}/${status.id}`;
    }
    if (rng.chance(cfg.linkShare)) {
      const domain = LINK_DOMAINS[this.linkZipf.sample(rng)] as string;
      const path = `${syllableWord(rng)}/${rng.nextU32().toString(36)}`;
      const url = `https://${domain}/${path}`;
      // Mastodon's rendering of a link: the scheme hidden, the rest shown.
      const anchor = `<a href="${url}" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span><span class="">${domain}/${path}</span><span class="invisible"></span></a>`;
      status.content = status.content.replace(/<\/p>$/, ` ${anchor}</p>`);
      if (rng.chance(cfg.cardShare)) {
        const site = domain.replace(/^www\./, '');
        status.card = {
          url,
          title: `${syllableWord(rng)} ${syllableWord(rng)}`,
          description: `An article on ${site}.`,
          type: 'link',
          author_name: '',
          author_url: '',
          provider_name: site,
          provider_url: '',
          html: '',
          width: 0,
          height: 0,
          image: null,
          embed_url: '',
          blurhash: null,
        };
      }
    }
  }

  entryAt(b: DayBucket, j: number, atMs: number): SimStatusEntry {
    return {
      status: this.statusAt(b, j, atMs),
      idMs: this.idMsAt(b, j),
      createdMs: this.createdMsAt(b, j),
      insertedMs: this.insertedMsAt(b, j),
      arrival: this.arrivalAt(b, j),
      local: ((b.flags[j] as number) & FLAG_LOCAL) !== 0,
    };
  }

  /**
   * Statuses whose created_at lies in the UTC day (what a daily metric counts), newest ID first.
   * Reads the day's ID bucket, the next one (late-federated statuses of the day) and the tail of
   * the previous one (stamp lag). Order: next-day bucket first, then by descending ID.
   */
  *iterateDay(day: string, opts: DayQueryOptions = {}): Generator<SimStatusEntry> {
    const startMs = dayStartMs(day);
    const endMs = startMs + DAY_MS;
    const atMs = opts.atMs ?? endMs;
    const visibleAt = opts.visibleAt ?? Number.POSITIVE_INFINITY;
    const dayNo = startMs / DAY_MS;
    for (const d of [dayNo + 1, dayNo]) {
      const b = this.bucket(d);
      for (let j = b.size - 1; j >= 0; j--) {
        const created = this.createdMsAt(b, j);
        if (created < startMs || created >= endMs) continue;
        if (this.insertedMsAt(b, j) > visibleAt) continue;
        yield this.entryAt(b, j, atMs);
      }
    }
    // The stamp lag puts the first milliseconds of the day into the previous day's IDs.
    const prev = this.bucket(dayNo - 1);
    for (let j = prev.size - 1; j >= 0 && this.idMsAt(prev, j) >= startMs - MAX_STAMP_LAG_MS; j--) {
      const created = this.createdMsAt(prev, j);
      if (created < startMs || created >= endMs) continue;
      if (this.insertedMsAt(prev, j) > visibleAt) continue;
      yield this.entryAt(prev, j, atMs);
    }
  }

  generateDay(day: string, opts: DayQueryOptions = {}): SimStatus[] {
    const out: SimStatus[] = [];
    for (const e of this.iterateDay(day, opts)) out.push(e.status);
    return out;
  }

  /** The status with this ID, if the world holds one (regardless of visibility). */
  findStatus(id: string): { bucket: DayBucket; j: number } | undefined {
    if (!/^\d+$/.test(id)) return undefined;
    const v = BigInt(id);
    const ms = Number(v >> 16n);
    const dayNo = Math.floor(ms / DAY_MS);
    const b = this.bucket(dayNo);
    const key = (ms - b.startMs) * 65536 + Number(v & 0xffffn);
    const j = lowerBound(b.keys, key);
    return j < b.size && b.keys[j] === key ? { bucket: b, j } : undefined;
  }

  private buildBucket(dayNo: number): DayBucket {
    const cfg = this.config;
    const n = cfg.statusesPerDay;
    const startMs = dayNo * DAY_MS;
    const rng = new Rng(hashInts(cfg.seed, PURPOSE_DAY, dayNo));
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = diurnalOffsetMs(rng) * 65536 + (rng.nextU32() & 0xffff);
    keys.sort();
    // Equal keys (same ms and same low bits) would be the same ID; nudge to keep IDs unique.
    for (let i = 1; i < n; i++) {
      if ((keys[i] as number) <= (keys[i - 1] as number)) keys[i] = (keys[i - 1] as number) + 1;
    }
    // A nudge past the day's last ms would leave the bucket; pull the tail back below the end.
    const lastKey = DAY_MS * 65536 - 1;
    for (let i = n - 1; i >= 0 && (keys[i] as number) > lastKey - (n - 1 - i); i--) keys[i] = lastKey - (n - 1 - i);

    const account = new Uint32Array(n);
    const tags = new Uint16Array(n * TAGS_PER_STATUS);
    const flags = new Uint8Array(n);
    const createdBackMs = new Int32Array(n);
    const insertDelayMs = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const core = this.drawCore(new Rng(hashInts(cfg.seed, PURPOSE_STATUS, dayNo, j)));
      account[j] = core.account;
      tags[j * 3] = core.tags[0];
      tags[j * 3 + 1] = core.tags[1];
      tags[j * 3 + 2] = core.tags[2];
      flags[j] = (this.accounts.get(core.account).local ? FLAG_LOCAL : 0) | (core.media ? FLAG_MEDIA : 0);
      createdBackMs[j] = core.createdBackMs;
      insertDelayMs[j] = core.insertDelayMs;
    }
    return { dayNo, startMs, size: n, keys, account, tags, flags, createdBackMs, insertDelayMs };
  }

  /** Always the first draws of a status's stream, so bucket building and rendering agree. */
  private drawCore(rng: Rng): Core {
    const cfg = this.config;
    const core = this.core;
    core.account = this.accounts.activity.sample(rng);
    const u = rng.float();
    const nTags = u < 0.65 ? 0 : u < 0.85 ? 1 : u < 0.95 ? 2 : 3;
    core.tags[0] = core.tags[1] = core.tags[2] = NO_TAG;
    for (let t = 0; t < nTags; t++) {
      let tag = this.tagZipf.sample(rng);
      for (let tries = 0; tries < 4 && core.tags.includes(tag); tries++) tag = this.tagZipf.sample(rng);
      if (!core.tags.includes(tag)) core.tags[t] = tag;
    }
    core.media = rng.chance(cfg.mediaShare);
    // Mastodon takes the ID a few ms before it stamps created_at (0-4 ms in the recorded
    // answers), so a status created at 00:00:00.002 can carry an ID of the previous day.
    core.createdBackMs = -rng.int(MAX_STAMP_LAG_MS + 1);
    core.insertDelayMs = 0;
    const late = rng.float();
    if (!this.accounts.get(core.account).local) {
      if (late < cfg.lateIdShare) {
        core.createdBackMs = Math.min(MAX_LATE_ID_MS, 60_000 + Math.floor(rng.exp(45 * 60_000)));
      } else if (late < cfg.lateIdShare + cfg.backdatedShare) {
        core.insertDelayMs = Math.min(MAX_BACKDATE_DELAY_MS, 600_000 + Math.floor(rng.exp(6 * 3_600_000)));
      }
    }
    return core;
  }

  private mediaAttachment(rng: Rng, createdMs: number, local: boolean, domain: string, n: number): SimMediaAttachment {
    const host = this.config.host;
    const id = snowflakeFromMs(createdMs, (rng.nextU32() & 0xfff0) | n);
    const type = rng.weighted([
      ['image', 85],
      ['video', 8],
      ['gifv', 5],
      ['audio', 2],
    ] as const);
    const ext = type === 'image' ? 'jpg' : type === 'audio' ? 'mp3' : 'mp4';
    const hex = rng.nextU32().toString(16).padStart(8, '0');
    const path = `media_attachments/files/${id.slice(0, 3)}/${id.slice(3, 6)}/${id.slice(6, 9)}/original/${hex}.${ext}`;
    const url = local ? `https://files.${host}/${path}` : `https://files.${host}/cache/${path}`;
    const preview = url.replace('/original/', '/small/').replace(/\.(mp4|mp3)$/, '.png');
    const w = rng.pick([640, 800, 1024, 1280, 1600, 2048]);
    const h = rng.pick([480, 600, 768, 960, 1200, 1536]);
    const meta =
      type === 'audio'
        ? { length: '0:01:23', duration: 83 }
        : {
            original: { width: w, height: h, size: `${w}x${h}`, aspect: round3(w / h) },
            small: {
              width: 480,
              height: Math.round((480 * h) / w),
              size: `480x${Math.round((480 * h) / w)}`,
              aspect: round3(w / h),
            },
          };
    return {
      id,
      type,
      url,
      preview_url: preview,
      remote_url: local ? null : `https://${domain}/system/${path}`,
      preview_remote_url: null,
      text_url: null,
      meta,
      description: rng.chance(0.6) ? 'A photo, described for screen readers.' : null,
      blurhash: type === 'audio' ? null : blurhash(rng),
    };
  }
}

/** Statuses created on a UTC day, as the simulator with this seed would serve them. */
export function generateDay(seed: number, day: string, opts: GeneratorConfigInput & DayQueryOptions = {}): SimStatus[] {
  const { visibleAt, atMs, ...config } = opts;
  return new SimWorld({ ...config, seed }, { cacheDays: 2 }).generateDay(day, { visibleAt, atMs });
}

/** Lazy version of generateDay for big days: entries carry idMs, createdMs, insertedMs, arrival. */
export function iterateDay(
  seed: number,
  day: string,
  opts: GeneratorConfigInput & DayQueryOptions = {},
): Generator<SimStatusEntry> {
  const { visibleAt, atMs, ...config } = opts;
  return new SimWorld({ ...config, seed }, { cacheDays: 2 }).iterateDay(day, { visibleAt, atMs });
}

export function dayNoOf(day: string): number {
  return dayStartMs(day) / DAY_MS;
}

export function dayOfDayNo(dayNo: number): string {
  return utcDayOf(dayNo * DAY_MS);
}

/** First index whose key is >= key. */
export function lowerBound(keys: Float64Array, key: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as number) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose key is > key. */
export function upperBound(keys: Float64Array, key: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as number) <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Offset in the day with more posts in the (UTC) afternoon and fewer at night. */
function diurnalOffsetMs(rng: Rng): number {
  for (;;) {
    const t = rng.int(DAY_MS);
    const hour = t / 3_600_000;
    const weight = 0.55 + 0.45 * Math.sin((2 * Math.PI * (hour - 9)) / 24);
    if (rng.float() < weight) return t;
  }
}

const BASE83 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~';

function blurhash(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 28; i++) s += BASE83.charAt(rng.int(BASE83.length));
  return s;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
