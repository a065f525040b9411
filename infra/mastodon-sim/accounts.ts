// The simulated instance's account population: built once per world from the seed, small per
// account (a few fields), rendered to Mastodon JSON on demand. Counters that change over time
// (followers, statuses, last status) are functions of the moment asked about, so day-over-day
// deltas of tracked accounts are non-zero and reproducible.

import { snowflakeFromMs, utcDayOf } from '../../domain/snowflake';
import type { GeneratorConfig } from './config';
import { hashInts, Rng, ZipfTable } from './prng';
import type { SimAccount, SimField } from './types';
import { FIRST_NAMES, NOTE_BITS, syllableWord } from './vocab';

const DAY_MS = 86_400_000;
/** Accounts are created between mastodon.social's opening and a fixed date, independent of the
 * simulated days, so an account keeps its ID and created_at whatever range a test asks for. */
const ACCOUNTS_FROM_MS = Date.UTC(2016, 10, 23);
const ACCOUNTS_TO_MS = Date.UTC(2024, 5, 30);
/** The late-2022 sign-up wave, so sign-ups by month are not flat. */
const WAVE_FROM_MS = Date.UTC(2022, 9, 27);
const WAVE_TO_MS = Date.UTC(2023, 0, 31);

const PURPOSE_ACCOUNT = 0xacc;
const PURPOSE_NEWCOMER = 0xacd;
/** Newcomer indexes start here, far above any pool index (accountCount <= 1,000,000). */
const NEWCOMER_INDEX_BASE = 2 ** 32;

export interface AccountCore {
  index: number;
  id: string;
  createdMs: number;
  username: string;
  /** Host the account lives on: the instance itself for local accounts. */
  domain: string;
  local: boolean;
  displayName: string;
  bot: boolean;
  locked: boolean;
  group: boolean;
  discoverable: boolean | null;
  indexable: boolean;
  noindex: boolean;
  /** Profile note as HTML. */
  note: string;
  fields: SimField[];
  hasAvatar: boolean;
  followersBase: number;
  followersGrowthPerYear: number;
  followingCount: number;
  statusesBase: number;
}

export class AccountPool {
  readonly accounts: AccountCore[] = [];
  /** Posting activity: account index = Zipf rank, so index 0 posts most. */
  readonly activity: ZipfTable;
  private readonly byId = new Map<string, number>();
  private readonly byAcct = new Map<string, number>();
  private readonly newcomers = new Map<number, AccountCore>();

  constructor(
    private readonly config: GeneratorConfig,
    private readonly remoteHosts: readonly string[],
    private readonly hostZipf: ZipfTable,
  ) {
    this.activity = new ZipfTable(config.accountCount, config.accountZipf);
    const ids = new Set<string>();
    for (let i = 0; i < config.accountCount; i++) {
      const a = buildAccount(config, i, remoteHosts, hostZipf);
      // Two accounts in the same ms with the same low bits is unlikely but must stay unique.
      while (ids.has(a.id)) a.id = (BigInt(a.id) + 1n).toString();
      ids.add(a.id);
      this.accounts.push(a);
      this.byId.set(a.id, i);
      this.byAcct.set(this.acctOf(a).toLowerCase(), i);
      if (a.local) this.byAcct.set(`${a.username}@${config.host}`.toLowerCase(), i);
    }
  }

  /**
   * Newcomer k of a creation day (day number since the epoch), local or remote: an account
   * outside the pool, created at that day's midnight, which the generator makes the author of
   * some statuses (config.newAccountShare). Built from its own stream, so the pool is unchanged.
   */
  newcomer(dayNo: number, k: number, local: boolean): AccountCore {
    const index = NEWCOMER_INDEX_BASE + dayNo * 65536 + k * 2 + (local ? 1 : 0);
    const hit = this.newcomers.get(index);
    if (hit) return hit;
    const a = buildAccount(this.config, index, this.remoteHosts, this.hostZipf);
    const rng = new Rng(hashInts(this.config.seed, PURPOSE_NEWCOMER, dayNo, k, local ? 1 : 0));
    a.local = local;
    a.domain = local ? this.config.host : (this.remoteHosts[this.hostZipf.sample(rng)] ?? this.config.host);
    a.createdMs = dayNo * DAY_MS;
    a.id = snowflakeFromMs(a.createdMs, rng.int(0x10000));
    a.username = `new_${(dayNo % 1000).toString(36)}_${k.toString(36)}${local ? 'l' : 'r'}`;
    a.noindex = local && a.noindex;
    a.statusesBase = rng.int(5);
    a.followersBase = rng.int(20);
    if (this.newcomers.size > 10_000) this.newcomers.clear();
    this.newcomers.set(index, a);
    return a;
  }

  get(index: number): AccountCore {
    const a = this.accounts[index];
    if (!a) throw new RangeError(`no account #${index}`);
    return a;
  }

  findById(id: string): AccountCore | undefined {
    const i = this.byId.get(id);
    return i === undefined ? undefined : this.accounts[i];
  }

  /** Resolve `name`, `@name`, `name@host` the way /api/v1/accounts/lookup does. */
  findByAcct(acct: string): AccountCore | undefined {
    const key = acct.replace(/^@/, '').toLowerCase();
    const i = this.byAcct.get(key);
    return i === undefined ? undefined : this.accounts[i];
  }

  acctOf(a: AccountCore): string {
    return a.local ? a.username : `${a.username}@${a.domain}`;
  }

  /** Expected statuses per day this account writes on the simulated instance. */
  dailyRate(a: AccountCore): number {
    return this.config.statusesPerDay * this.activity.p(a.index);
  }

  toJson(a: AccountCore, atMs: number): SimAccount {
    const base = `https://${a.domain}`;
    const days = Math.max(0, (atMs - a.createdMs) / DAY_MS);
    const rate = this.dailyRate(a);
    // Growth in proportion, plus 0..2 followers that come and go with the UTC day: every profile's
    // count differs from one day to the next, so an observation of one day can be told from
    // another's (small, so the population's heavy tail stays as it is).
    const followers =
      Math.floor(a.followersBase * (1 + (a.followersGrowthPerYear * days) / 365)) + (Math.floor(atMs / DAY_MS) % 3);
    const statuses = a.statusesBase + Math.floor(rate * days);
    const gapDays = rate >= 1 ? 0 : Math.min(Math.floor(days), Math.floor(1 / Math.max(rate, 1e-3)));
    const avatar = a.hasAvatar
      ? `https://files.${a.domain}/accounts/avatars/${a.id.slice(0, 3)}/${a.id.slice(3, 6)}/${a.id}/original/avatar.png`
      : `${base}/avatars/original/missing.png`;
    const header = `${base}/headers/original/missing.png`;
    return {
      id: a.id,
      username: a.username,
      acct: this.acctOf(a),
      display_name: a.displayName,
      locked: a.locked,
      bot: a.bot,
      discoverable: a.discoverable,
      indexable: a.indexable,
      group: a.group,
      created_at: new Date(Math.floor(a.createdMs / DAY_MS) * DAY_MS).toISOString(),
      note: a.note,
      url: `${base}/@${a.username}`,
      uri: `${base}/users/${a.username}`,
      avatar,
      avatar_static: avatar,
      avatar_description: '',
      header,
      header_static: header,
      header_description: '',
      followers_count: followers,
      following_count: a.followingCount,
      statuses_count: statuses,
      last_status_at: atMs < a.createdMs ? null : utcDayOf(atMs - gapDays * DAY_MS),
      hide_collections: null,
      show_media: true,
      show_media_replies: true,
      show_featured: true,
      // Mastodon serialises noindex for local accounts only.
      ...(a.local ? { noindex: a.noindex } : {}),
      feature_approval: { automatic: ['public'], manual: [], current_user: 'denied' },
      emojis: [],
      roles: [],
      fields: a.fields,
    };
  }
}

function buildAccount(
  config: GeneratorConfig,
  index: number,
  remoteHosts: readonly string[],
  hostZipf: ZipfTable,
): AccountCore {
  const rng = new Rng(hashInts(config.seed, PURPOSE_ACCOUNT, index));
  const local = rng.chance(config.localAccountShare);
  const domain = local ? config.host : (remoteHosts[hostZipf.sample(rng)] ?? config.host);
  const createdMs = rng.chance(0.35)
    ? WAVE_FROM_MS + rng.int(WAVE_TO_MS - WAVE_FROM_MS)
    : ACCOUNTS_FROM_MS + rng.int(ACCOUNTS_TO_MS - ACCOUNTS_FROM_MS);
  const id = snowflakeFromMs(createdMs, rng.int(0x10000));
  const username = `${syllableWord(rng)}_${index.toString(36)}`;
  const bot = rng.chance(config.botShare);
  const displayName = bot
    ? `${capitalise(syllableWord(rng))} Bot`
    : `${rng.pick(FIRST_NAMES)} ${capitalise(syllableWord(rng))}`;
  const discoverable = rng.weighted<boolean | null>([
    [true, 75],
    [false, 18],
    [null, 7],
  ]);
  const noindex = local && rng.chance(0.1);
  const nobot = rng.chance(0.04);
  const noindexTag = rng.chance(0.03);
  const note = renderNote(rng, domain, bot, nobot, noindexTag);
  const fields: SimField[] = [];
  const nFields = rng.weighted([
    [0, 5],
    [1, 3],
    [2, 2],
  ] as const);
  for (let f = 0; f < nFields; f++) {
    fields.push({
      name: rng.pick(['Website', 'Pronouns', 'Location', 'Blog']),
      value: syllableWord(rng),
      verified_at: null,
    });
  }
  return {
    index,
    id,
    createdMs,
    username,
    domain,
    local,
    displayName,
    bot,
    locked: rng.chance(0.05),
    group: rng.chance(0.01),
    discoverable,
    indexable: discoverable === true && rng.chance(0.7),
    noindex,
    note,
    fields,
    hasAvatar: rng.chance(0.7),
    followersBase: rng.paretoInt(1.1, bot ? 10 : 30, 2_000_000),
    followersGrowthPerYear: rng.float() * 0.6,
    followingCount: rng.paretoInt(1.5, 80, 20_000),
    statusesBase: rng.paretoInt(1.2, 50, 500_000),
  };
}

/**
 * Mastodon links hashtags in profile notes, so `#nobot` usually arrives as
 * `#<span>nobot</span>` inside an anchor; a few notes carry it as plain text (other software).
 * Consumers must recognise both.
 */
function renderNote(rng: Rng, domain: string, bot: boolean, nobot: boolean, noindexTag: boolean): string {
  const bit = bot ? 'Automated account. Posts on a schedule.' : rng.pick(NOTE_BITS);
  const tags: string[] = [];
  for (const [wanted, tag] of [
    [nobot, 'nobot'],
    [noindexTag, 'noindex'],
  ] as const) {
    if (!wanted) continue;
    tags.push(
      rng.chance(0.8)
        ? `<a href="https://${domain}/tags/${tag}" class="mention hashtag" rel="tag">#<span>${tag}</span></a>`
        : `#${tag}`,
    );
  }
  return `<p>${bit}${tags.length ? ` ${tags.join(' ')}` : ''}</p>`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
