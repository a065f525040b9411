import { classifyExchange } from './errors';
import type { MastodonSession } from './session';

// Whether an instance lets anonymous clients read a feed, from `/api/v2/instance`
// `configuration.timelines_access` (Mastodon 4.5+: public | authenticated | disabled per feed).
// A disabled live feed answers 200 with `[]` — indistinguishable from an empty day — so the
// fetchers ask here first and record such a feed as unavailable instead of as "0 statuses".
// Answers are cached per instance for a few minutes so a day's fetches ask once, not per feed.

export type FeedAccess = 'public' | 'authenticated' | 'disabled';

export interface TimelinesAccess {
  liveFeeds?: { local?: FeedAccess; remote?: FeedAccess };
  hashtagFeeds?: { local?: FeedAccess; remote?: FeedAccess };
}

const CACHE_MS = 5 * 60_000;
const cache = new Map<string, { at: number; value: TimelinesAccess | undefined }>();

function access(v: unknown): FeedAccess | undefined {
  return v === 'public' || v === 'authenticated' || v === 'disabled' ? v : undefined;
}

/** The parts of a v2 instance document that say who may read the feeds. */
export function timelinesAccessOf(v2: unknown): TimelinesAccess | undefined {
  const ta = (
    v2 as { configuration?: { timelines_access?: Record<string, Record<string, unknown> | undefined> } } | undefined
  )?.configuration?.timelines_access;
  if (!ta || typeof ta !== 'object') return undefined;
  const pair = (o: Record<string, unknown> | undefined) =>
    o ? { local: access(o.local), remote: access(o.remote) } : undefined;
  return { liveFeeds: pair(ta.live_feeds), hashtagFeeds: pair(ta.hashtag_feeds) };
}

/** undefined when the instance does not say (older Mastodon, no v2, an error). */
export async function timelinesAccess(session: MastodonSession, nowMs: number): Promise<TimelinesAccess | undefined> {
  const key = session.instance.baseUrl;
  const hit = cache.get(key);
  if (hit && nowMs - hit.at < CACHE_MS) return hit.value;
  const ex = await session.request('GET /api/v2/instance', false, (m) => m.client.get('/api/v2/instance'));
  // Not knowing is fine: the feed's own answer decides then.
  const cls = classifyExchange(ex);
  const value = cls === 'ok' ? timelinesAccessOf(ex.json) : undefined;
  // A server error says nothing about the instance's settings: ask again next time.
  if (cls === 'ok' || cls === 'client') cache.set(key, { at: nowMs, value });
  return value;
}

export function clearFeedAccessCache(): void {
  cache.clear();
}
