// Instance-level answers: /api/v1/instance, /api/v2/instance, activity, peers, trends and the
// profile directory. Shapes follow the Mastodon 4.6 answers recorded in the cassettes.
// Weekly activity and trends are drawn around their expected values rather than counted from
// generated days: counting would mean generating 12 weeks of statuses per request.

import type { AccountCore } from './accounts';
import type { SimFaults } from './faults';
import { DAY_MS, type SimWorld } from './generator';
import { hashInts, Rng } from './prng';
import type { SimAccount, SimActivityWeek, SimTrendTag } from './types';

const WEEK_S = 604_800;
const VERSION = '4.6.4';
const PEERS_EXTRA = 200;

const MEDIA_TYPES = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'video/webm',
  'video/mp4',
  'audio/mpeg',
  'audio/ogg',
];

type FeedAccess = 'public' | 'authenticated' | 'disabled';

function liveFeedAccess(faults: SimFaults): FeedAccess {
  return faults.publicTimeline === 'unauthorized'
    ? 'authenticated'
    : faults.publicTimeline === 'disabled'
      ? 'disabled'
      : 'public';
}

function localUsers(world: SimWorld): number {
  return world.accounts.accounts.filter((a) => a.local).length;
}

function statusCount(world: SimWorld, nowMs: number): number {
  // A long-lived instance: pretend it has been running for two years at today's rate.
  return Math.floor(world.config.statusesPerDay * 730 + ((nowMs % DAY_MS) / DAY_MS) * world.config.statusesPerDay);
}

export function instanceV2(world: SimWorld, faults: SimFaults): unknown {
  const host = world.config.host;
  const feed = liveFeedAccess(faults);
  return {
    domain: host,
    title: 'Mastodon (simulated)',
    version: VERSION,
    source_url: 'https://github.com/mastodon/mastodon',
    description: 'A simulated Mastodon instance for tests and benchmarks.',
    usage: { users: { active_month: Math.round(localUsers(world) * 0.6) } },
    thumbnail: { url: `https://${host}/packs/media/images/preview.png` },
    icon: [],
    languages: ['en'],
    configuration: {
      urls: {
        streaming: `wss://${host}`,
        status: null,
        about: `https://${host}/about`,
        privacy_policy: `https://${host}/privacy-policy`,
        terms_of_service: null,
      },
      accounts: {
        max_display_name_length: 30,
        max_note_length: 500,
        max_featured_tags: 10,
        max_pinned_statuses: 5,
        max_profile_fields: 4,
      },
      statuses: { max_characters: 500, max_media_attachments: 4, characters_reserved_per_url: 23 },
      media_attachments: {
        description_limit: 1500,
        image_size_limit: 16777216,
        supported_mime_types: MEDIA_TYPES,
        video_size_limit: 103809024,
      },
      polls: { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2629746 },
      translation: { enabled: false },
      timelines_access: {
        live_feeds: { local: feed, remote: feed },
        hashtag_feeds: { local: 'public', remote: 'public' },
        trending_link_feeds: { local: 'public', remote: 'public' },
      },
      limited_federation: false,
    },
    registrations: {
      enabled: true,
      approval_required: false,
      reason_required: false,
      message: null,
      min_age: null,
      url: null,
    },
    api_versions: { mastodon: 11 },
    contact: { email: `admin@${host}`, account: null },
    rules: [],
  };
}

export function instanceV1(world: SimWorld, nowMs: number): unknown {
  const host = world.config.host;
  return {
    uri: host,
    title: 'Mastodon (simulated)',
    short_description: 'A simulated Mastodon instance for tests and benchmarks.',
    description: '',
    email: `admin@${host}`,
    version: VERSION,
    urls: { streaming_api: `wss://${host}` },
    stats: {
      user_count: localUsers(world),
      status_count: statusCount(world, nowMs),
      domain_count: peers(world).length,
    },
    thumbnail: `https://${host}/packs/media/images/preview.png`,
    languages: ['en'],
    registrations: true,
    approval_required: false,
    invites_enabled: true,
    configuration: {
      accounts: { max_featured_tags: 10 },
      statuses: { max_characters: 500, max_media_attachments: 4, characters_reserved_per_url: 23 },
      media_attachments: { supported_mime_types: MEDIA_TYPES, image_size_limit: 16777216, video_size_limit: 103809024 },
      polls: { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2629746 },
    },
    contact_account: null,
    rules: [],
  };
}

/**
 * Twelve weeks, newest first. Like Mastodon, `week` is the request time minus i weeks (not a
 * week boundary) and every number is a string. Values are stable within a calendar week.
 */
export function activity(world: SimWorld, nowMs: number): SimActivityWeek[] {
  const nowS = Math.floor(nowMs / 1000);
  const localShare = world.config.localAccountShare;
  const out: SimActivityWeek[] = [];
  for (let i = 0; i < 12; i++) {
    const weekStartS = nowS - i * WEEK_S;
    const rng = new Rng(hashInts(world.config.seed, 0xac7, Math.floor(weekStartS / WEEK_S)));
    // The current week is still running: count only the part of it that has passed.
    const share = i === 0 ? (nowS % WEEK_S) / WEEK_S : 1;
    const statuses = Math.round(world.config.statusesPerDay * 7 * localShare * share * (0.85 + rng.float() * 0.3));
    const logins = Math.round(localUsers(world) * (0.4 + rng.float() * 0.2) * (i === 0 ? Math.max(share, 0.3) : 1));
    const registrations = Math.round(localUsers(world) * 0.004 * (0.5 + rng.float()) * share);
    out.push({
      week: String(weekStartS),
      statuses: String(statuses),
      logins: String(logins),
      registrations: String(registrations),
    });
  }
  return out;
}

/** Domains this instance federates with: those of its remote accounts plus quieter ones. */
export function peers(world: SimWorld): string[] {
  const set = new Set<string>(world.remoteHosts);
  for (let i = 0; i < PEERS_EXTRA; i++) set.add(`peer-${i.toString(36)}.example`);
  return [...set].sort();
}

/** Trending tags: the most used tags with 7 days of history (newest first), counts as strings. */
export function trendingTags(world: SimWorld, nowMs: number, offset: number, limit: number): SimTrendTag[] {
  const host = world.config.host;
  const todayStart = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const out: SimTrendTag[] = [];
  for (let t = offset; t < Math.min(world.tags.length, offset + limit); t++) {
    const name = world.tags[t] as string;
    const expected = world.expectedTagUsesPerDay(t);
    const history = [];
    for (let d = 0; d < 7; d++) {
      const dayStart = todayStart - d * DAY_MS;
      const rng = new Rng(hashInts(world.config.seed, 0x7ae, t, dayStart / DAY_MS));
      const share = d === 0 ? (nowMs - todayStart) / DAY_MS : 1;
      const uses = Math.round(expected * share * (0.7 + rng.float() * 0.6));
      history.push({ day: String(dayStart / 1000), uses: String(uses), accounts: String(Math.round(uses * 0.75)) });
    }
    out.push({ name, url: `https://${host}/tags/${name}`, history });
  }
  return out;
}

export interface DirectoryQuery {
  offset: number;
  limit: number;
  order: 'active' | 'new';
  local: boolean;
}

/** Profile directory: discoverable accounts only, by activity or by sign-up date. */
export function directory(world: SimWorld, nowMs: number, q: DirectoryQuery): SimAccount[] {
  const pool = world.accounts;
  let list: AccountCore[] = pool.accounts.filter(
    (a) => a.discoverable === true && (!q.local || a.local) && a.createdMs <= nowMs,
  );
  // Account index is the activity rank, so the pool's order already is "most active first".
  if (q.order === 'new') list = [...list].sort((a, b) => b.createdMs - a.createdMs);
  return list.slice(q.offset, q.offset + q.limit).map((a) => pool.toJson(a, nowMs));
}
