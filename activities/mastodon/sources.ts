import type { ApplicationFailure } from '@temporalio/common';
import type { InstanceConfig } from '../../domain/config';
import { MastodonAccount, MastodonInstanceV1, MastodonInstanceV2 } from '../../domain/mastodon-schemas';
import { isOptedOut } from '../../domain/privacy';
import { linkParam, STATUS_PAGE_LIMIT } from '../../domain/paging';
import { inSnapshotWindow, observedAtFrom } from '../../domain/snapshot-observation';
import {
  clientFailure,
  classifyExchange,
  describeStatus,
  invalidBodyFailure,
  serverErrorText,
  serverFailure,
  type FailureContext,
} from './errors';
import { timelinesAccess, type FeedAccess } from './feed-access';
import { isResuming, openSource, type FetchRuntime, type SessionFactory, type SourceRecorder } from './fetch-context';
import type { Exchange } from './http';
import { fetchResult, type FetchResult } from './manifest';
import type { MastodonSession } from './session';
import { scanManifestFields, scanTimeline, type ScanOutcome } from './timeline-fetch';

// The fetchers, one per kind of source, on top of the timeline scan and the page store. Each
// writes its `_manifest.json` last and returns references and counts only. Closed feeds are
// recorded as `unavailable` (a fact about the instance) and return normally; other refusals
// (4xx) write a manifest with `error` and throw a non-retryable failure naming instance,
// endpoint and status; server trouble throws retryable failures and Temporal retries.

export interface ScanKnobs {
  /** Statuses per page (Mastodon allows 40). */
  pageLimit?: number;
  /** Widening of the ID window on each side (ms). */
  marginMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Timelines

export async function fetchPublicTimelineSource(
  rt: FetchRuntime,
  newSession: SessionFactory,
  instance: InstanceConfig,
  input: { day: string; scope: 'local' | 'remote' } & ScanKnobs & { startMaxId?: string | null },
): Promise<FetchResult> {
  const source = input.scope === 'local' ? 'public-local' : 'public-remote';
  const { rec, session } = openSource(rt, { instance, day: input.day, source, kind: 'public-timeline' }, newSession);
  const endpoint = `GET /api/v1/timelines/public?${input.scope}=true`;
  const closed = await closedFeed(
    rec,
    session,
    (a) => (input.scope === 'local' ? a.liveFeeds?.local : a.liveFeeds?.remote),
    `live_feeds.${input.scope}`,
  );
  if (closed) return closed;
  const outcome = await scanTimeline(
    rec,
    session,
    {
      endpoint,
      call: (m, maxId, limit) =>
        input.scope === 'local'
          ? m.getLocalTimeline({ limit, ...(maxId ? { max_id: maxId } : {}) })
          : // megalodon has no remote-only flag: same client, same axios instance, our params.
            m.client.get('/api/v1/timelines/public', { remote: true, limit, ...(maxId ? { max_id: maxId } : {}) }),
    },
    scanOptions(input),
  );
  return finishScan(rec, session, outcome, endpoint);
}

export async function fetchTagTimelineSource(
  rt: FetchRuntime,
  newSession: SessionFactory,
  instance: InstanceConfig,
  input: { day: string; tag: string } & ScanKnobs & { startMaxId?: string | null },
): Promise<FetchResult> {
  const tag = input.tag.replace(/^#/, '');
  const { rec, session } = openSource(
    rt,
    { instance, day: input.day, source: `tag-${tag.toLowerCase()}`, kind: 'tag-timeline' },
    newSession,
  );
  const endpoint = `GET /api/v1/timelines/tag/${tag}`;
  const closed = await closedFeed(
    rec,
    session,
    (a) => (a.hashtagFeeds?.local === 'disabled' && a.hashtagFeeds?.remote === 'disabled' ? 'disabled' : undefined),
    'hashtag_feeds',
  );
  if (closed) return closed;
  const outcome = await scanTimeline(
    rec,
    session,
    {
      endpoint,
      call: (m, maxId, limit) =>
        m.getTagTimeline(encodeURIComponent(tag), { limit, ...(maxId ? { max_id: maxId } : {}) }),
    },
    scanOptions(input),
  );
  return finishScan(rec, session, outcome, endpoint);
}

function scanOptions(input: { day: string; startMaxId?: string | null } & ScanKnobs) {
  return {
    day: input.day,
    pageLimit: input.pageLimit ?? STATUS_PAGE_LIMIT,
    ...(input.marginMs !== undefined ? { marginMs: input.marginMs } : {}),
    ...(input.startMaxId !== undefined ? { startMaxId: input.startMaxId } : {}),
  };
}

/** A feed the instance says is disabled is recorded as unavailable before any page is asked for. */
async function closedFeed(
  rec: SourceRecorder,
  session: MastodonSession,
  pick: (a: NonNullable<Awaited<ReturnType<typeof timelinesAccess>>>) => FeedAccess | undefined,
  setting: string,
): Promise<FetchResult | undefined> {
  if (isResuming(rec.rt) && (await rec.pages.head(1))?.fetchId === rec.rt.fetchId) return undefined;
  const access = await timelinesAccess(session, rec.rt.now());
  if (!access || pick(access) !== 'disabled') return undefined;
  const reason = `the instance disabled this feed (configuration.timelines_access.${setting} = "disabled"; it answers 200 with [])`;
  const m = await rec.finish(session, { complete: true, unavailable: { reason, httpStatus: 200 } });
  return fetchResult(rec.manifestKey, m);
}

async function finishScan(
  rec: SourceRecorder,
  session: MastodonSession,
  outcome: ScanOutcome,
  endpoint: string,
): Promise<FetchResult> {
  const ctx = { instance: rec.target.instance.name, endpoint };
  if (outcome.refused) {
    const ex = outcome.refused;
    // 401 without a token on the first page: the instance only shows this feed to its users.
    if (ex.status === 401 && !session.hasToken && rec.entries.length === 0) {
      const reason = `the instance requires an authenticated user for this feed (HTTP 401${serverErrorText(ex) ? `: ${serverErrorText(ex)}` : ''}); set tokenEnv for ${rec.target.instance.name} to read it`;
      const m = await rec.finish(session, {
        ...scanManifestFields(outcome),
        complete: true,
        unavailable: { reason, httpStatus: 401 },
      });
      return fetchResult(rec.manifestKey, m);
    }
    throw await refuse(rec, session, ctx, ex, outcome);
  }
  const m = await rec.finish(session, { ...scanManifestFields(outcome), complete: true });
  return fetchResult(rec.manifestKey, m);
}

/** Record a refusal in the manifest, then hand back the non-retryable failure to throw. */
async function refuse(
  rec: SourceRecorder,
  session: MastodonSession,
  ctx: FailureContext,
  ex: Exchange,
  outcome?: ScanOutcome,
): Promise<ApplicationFailure> {
  const hint = hintFor(ex.status, session, rec.target.instance);
  const failure = clientFailure(ctx, ex, hint);
  await rec.finish(session, {
    ...(outcome ? scanManifestFields(outcome) : {}),
    complete: false,
    error: { message: failure.message, httpStatus: ex.status },
  });
  return failure;
}

function hintFor(status: number, session: MastodonSession, instance: InstanceConfig): string | undefined {
  if (status === 401)
    return session.hasToken ? `the token in ${instance.tokenEnv} was refused` : 'a token is needed (set tokenEnv)';
  if (status === 403) return 'forbidden for this client (blocked, or the token lacks the read scope)';
  if (status === 404) return 'not found';
  if (status === 410) return 'gone (deleted or suspended)';
  if (status === 422) return 'the request was refused as invalid';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Tracked accounts: profile snapshot (page 1, the lookup answer) + statuses in the window

export async function fetchAccountSource(
  rt: FetchRuntime,
  newSession: SessionFactory,
  instance: InstanceConfig,
  input: { day: string; acct: string } & ScanKnobs & { startMaxId?: string | null },
): Promise<FetchResult> {
  const acct = input.acct.replace(/^@/, '');
  const { rec, session } = openSource(
    rt,
    { instance, day: input.day, source: `account-${acct.toLowerCase()}`, kind: 'account' },
    newSession,
  );
  const lookupEndpoint = `GET /api/v1/accounts/lookup?acct=${acct}`;
  const ctx = { instance: instance.name, endpoint: lookupEndpoint };

  // The profile is a snapshot: the day keeps the one observed in its window (a re-run reuses it,
  // no lookup); otherwise it is looked up now and stored as an observation of this moment.
  const kept = await rec.keptObservation();
  const keptInWindow = kept && inSnapshotWindow(input.day, kept.obs.observedAt) ? kept.manifest : undefined;
  // An observation of an account erased since is not reused: the lookup below says it is erased.
  const reused =
    keptInWindow?.profile &&
    rt.erasure?.matchesAccount({ acct: keptInWindow.profile.acct, id: keptInWindow.profile.id })
      ? undefined
      : keptInWindow;
  let account: { id: string; acct: string; followers_count: number; following_count: number; statuses_count: number };
  if (reused?.profile && reused.pages[0]) {
    const p = reused.profile;
    account = {
      id: p.id,
      acct: p.acct,
      followers_count: p.followersCount,
      following_count: p.followingCount,
      statuses_count: p.statusesCount,
    };
    rec.entries.push(reused.pages[0]);
  } else {
    const ex = await session.request(lookupEndpoint, false, (m) => m.lookupAccount(encodeURIComponent(acct)));
    const cls = classifyExchange(ex);
    if (cls === 'server') throw serverFailure(ctx, ex);
    if (cls === 'invalid-body') throw invalidBodyFailure(ctx, ex);
    if (cls === 'client') throw await refuse(rec, session, ctx, ex);
    const parsed = MastodonAccount.safeParse(ex.json);
    if (!parsed.success)
      throw invalidBodyFailure(ctx, { ...ex, jsonError: `not an account: ${parsed.error.issues[0]?.message ?? ''}` });
    // Etiquette: an account that opted out (noindex, discoverable false, #nobot / #noindex in its
    // bio) is not tracked, nor one on the erasure list; nothing of it is stored.
    const erased = rt.erasure?.matchesAccount(parsed.data) === true;
    if (isOptedOut(parsed.data) || erased) {
      const m = await rec.finish(session, {
        complete: true,
        unavailable: {
          reason: erased
            ? 'the account is on the erasure list (mastoflow forget); nothing stored'
            : `account ${acct} opted out of crawling (noindex, discoverable: false, or #nobot/#noindex in its bio); nothing stored`,
          httpStatus: 200,
        },
      });
      return fetchResult(rec.manifestKey, m);
    }
    account = parsed.data;
    rec.observe(observedAtFrom(ex.headers.date, rt.now()));
    await rec.store(ex.body, { path: ex.path, httpStatus: ex.status, count: 1 }, 'statuses');
    rec.endObservation();
  }
  rt.heartbeat(rec.checkpoint(session, null));

  const endpoint = `GET /api/v1/accounts/${account.id}/statuses`;
  const outcome = await scanTimeline(
    rec,
    session,
    {
      endpoint,
      call: (m, maxId, limit) =>
        m.getAccountStatuses(account.id, { limit, only_media: false, ...(maxId ? { max_id: maxId } : {}) }),
    },
    scanOptions(input),
  );
  const profile = {
    id: account.id,
    acct: account.acct,
    followersCount: account.followers_count,
    followingCount: account.following_count,
    statusesCount: account.statuses_count,
  };
  if (outcome.refused)
    throw await refuse(rec, session, { instance: instance.name, endpoint }, outcome.refused, outcome);
  const m = await rec.finish(session, { ...scanManifestFields(outcome), complete: true, profile });
  return fetchResult(rec.manifestKey, m);
}

// ---------------------------------------------------------------------------------------------
// Instance-level sources

/** `/api/v2/instance`, falling back to `/api/v1/instance` on servers without v2 (404/410). */
export async function fetchInstanceInfoSource(
  rt: FetchRuntime,
  newSession: SessionFactory,
  instance: InstanceConfig,
  input: { day: string },
): Promise<FetchResult> {
  const { rec, session } = openSource(
    rt,
    { instance, day: input.day, source: 'instance', kind: 'instance' },
    newSession,
  );
  // A snapshot: a re-run of the day reuses the observation from its window (no request).
  const kept = await rec.keptObservation();
  if (kept && inSnapshotWindow(input.day, kept.obs.observedAt)) return fetchResult(rec.manifestKey, kept.manifest);
  let endpoint = 'GET /api/v2/instance';
  let ex = await session.request(endpoint, false, (m) => m.client.get('/api/v2/instance'));
  if (ex.status === 404 || ex.status === 410) {
    endpoint = 'GET /api/v1/instance';
    ex = await session.request(endpoint, false, (m) => m.getInstance());
  }
  const ctx = { instance: instance.name, endpoint };
  const cls = classifyExchange(ex);
  if (cls === 'server') throw serverFailure(ctx, ex);
  if (cls === 'invalid-body') throw invalidBodyFailure(ctx, ex);
  if (cls === 'client') throw await refuse(rec, session, ctx, ex);
  const page = { json: ex.json, path: ex.path };
  rec.observe(observedAtFrom(ex.headers.date, rt.now()));
  await rec.store(ex.body, { path: ex.path, httpStatus: ex.status, count: 1 }, 'end:single');
  const m = await rec.finish(session, { complete: true, ...instanceInfoOf(page.json, page.path) });
  return fetchResult(rec.manifestKey, m);
}

/** v2 or v1 instance document → the manifest's summary (undefined when neither parses). */
export function instanceInfoOf(
  json: unknown,
  path: string,
): { instanceInfo?: { api: 'v2' | 'v1'; domain: string; version: string } } {
  const v2 = MastodonInstanceV2.safeParse(json);
  if (v2.success && !path.includes('/api/v1/'))
    return { instanceInfo: { api: 'v2', domain: v2.data.domain, version: v2.data.version } };
  const v1 = MastodonInstanceV1.safeParse(json);
  if (v1.success) return { instanceInfo: { api: 'v1', domain: v1.data.uri, version: v1.data.version } };
  return {};
}

type ListKind = 'activity' | 'peers' | 'trends' | 'directory';

interface ListSpec {
  endpoint: string;
  call: (m: import('megalodon').Mastodon, offset: number, limit: number) => Promise<unknown>;
  /** Page size asked for (0: the endpoint is not paged). */
  limit: number;
  /** `[]` on the first page means the feature is off (trends). */
  emptyMeansUnavailable?: string;
}

const LIST_SPECS: Record<ListKind, ListSpec> = {
  activity: { endpoint: 'GET /api/v1/instance/activity', limit: 0, call: (m) => m.getInstanceActivity() },
  peers: { endpoint: 'GET /api/v1/instance/peers', limit: 0, call: (m) => m.getInstancePeers() },
  trends: {
    endpoint: 'GET /api/v1/trends/tags',
    limit: 20,
    call: (m, offset, limit) => m.client.get('/api/v1/trends/tags', { limit, ...(offset > 0 ? { offset } : {}) }),
    emptyMeansUnavailable: 'the instance lists no trending tags (trends are disabled, or nothing trends yet)',
  },
  directory: {
    endpoint: 'GET /api/v1/directory',
    limit: 80,
    call: (m, offset, limit) => m.getInstanceDirectory({ limit, offset, order: 'active', local: true }),
  },
};

/**
 * Weekly activity, peers, trending tags, the profile directory: one page, or offset pages up to
 * maxPages. A 404 is the admin having switched the endpoint off: unavailable, not a failure.
 */
export async function fetchListSource(
  rt: FetchRuntime,
  newSession: SessionFactory,
  instance: InstanceConfig,
  input: { day: string; kind: ListKind; maxPages?: number },
): Promise<FetchResult> {
  const spec = LIST_SPECS[input.kind];
  const { rec, session } = openSource(
    rt,
    { instance, day: input.day, source: input.kind, kind: input.kind },
    newSession,
  );
  const ctx = { instance: instance.name, endpoint: spec.endpoint };
  const maxPages = spec.limit === 0 ? 1 : Math.max(1, input.maxPages ?? 5);
  let offset = 0;
  let done = false;
  let items = 0;
  // A snapshot: a re-run of the day reuses the observation from its window (no request). A
  // retried attempt takes a new observation (its pages are under a new time; nothing to resume).
  const kept = await rec.keptObservation();
  if (kept && inSnapshotWindow(input.day, kept.obs.observedAt)) return fetchResult(rec.manifestKey, kept.manifest);
  while (!done && rec.entries.length < maxPages) {
    const ex = await session.request(spec.endpoint, false, (m) => spec.call(m, offset, spec.limit));
    const cls = classifyExchange(ex, false);
    if (cls === 'server') throw serverFailure(ctx, ex);
    if (cls === 'client') {
      if (ex.status === 404 && rec.entries.length === 0) {
        const reason = `${describeStatus(ctx, ex)}: the admin switched this endpoint off`;
        const m = await rec.finish(session, { complete: true, unavailable: { reason, httpStatus: 404 } });
        return fetchResult(rec.manifestKey, m);
      }
      throw await refuse(rec, session, ctx, ex);
    }
    if (!Array.isArray(ex.json)) throw invalidBodyFailure(ctx, ex);
    const n = ex.json.length;
    if (n === 0 && rec.entries.length === 0 && spec.emptyMeansUnavailable) {
      const m = await rec.finish(session, {
        complete: true,
        unavailable: { reason: spec.emptyMeansUnavailable, httpStatus: ex.status },
      });
      return fetchResult(rec.manifestKey, m);
    }
    // Next page: Link rel="next" when the server gives one, else offset + what came back.
    if (rec.entries.length === 0) rec.observe(observedAtFrom(ex.headers.date, rt.now()));
    const linkOffset = Number(linkParam(ex.headers.link, 'next', 'offset'));
    const more = spec.limit > 0 && n >= spec.limit;
    const nextOffset = Number.isFinite(linkOffset) && linkOffset > offset ? linkOffset : offset + n;
    await rec.store(
      ex.body,
      { path: ex.path, httpStatus: ex.status, count: n },
      more ? `offset:${nextOffset}` : 'end:last-page',
    );
    items += n;
    if (more) offset = nextOffset;
    else done = true;
    rt.heartbeat(rec.checkpoint(session, done ? null : String(offset)));
  }
  const m = await rec.finish(session, {
    complete: true,
    cursors: { items, lastOffset: offset, truncatedAtMaxPages: done ? null : maxPages },
  });
  return fetchResult(rec.manifestKey, m);
}
