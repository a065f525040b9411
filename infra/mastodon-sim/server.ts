// The simulated Mastodon instance as a real HTTP server on loopback. Order of concerns per
// request mirrors a real deployment: rate limiting (rack-attack, before anything else), added
// latency, upstream 5xx, token check, the endpoint, then body faults.
//
// Time: `now` decides which statuses exist (created/inserted by then), what profiles, weekly
// activity and trends say, and the Date header of every answer; it must be given by the caller
// (and may be moved with setNow), so tests are reproducible; the rate limiter runs on its own clock (real time by
// default) because its windows are about request timing, not simulated data.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOn } from '../ports';
import { setTimeout as sleep } from 'node:timers/promises';
import { addDays, utcDayOf } from '../../domain/snowflake';
import type { GeneratorConfigInput } from './config';
import { FaultInjector, HTML_ERROR_PAGE, type SimFaults, type SimFaultsInput } from './faults';
import { DAY_MS, dayNoOf, FLAG_LOCAL, FLAG_MEDIA, SimWorld, type DayBucket } from './generator';
import { activity, directory, instanceV1, instanceV2, peers, trendingTags } from './instance';
import { RateLimiter, rateLimitHeaders, type RateLimitOptionsInput } from './rate-limit';
import { parseCursor, selectPage, type PageRef } from './timeline';

export interface MastodonSimOptions extends GeneratorConfigInput {
  /** Simulated present: a fixed instant (tests) or a clock (the CLI passes Date.now). */
  now: number | (() => number);
  /** Interface to bind; loopback by default. */
  listenHost?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** First UTC day with statuses (default: 29 days before the day of `now` at start). */
  firstDay?: string;
  /** Last UTC day with statuses (default: no end, up to `now`). */
  lastDay?: string;
  /** Mastodon's throttles, scalable for tests; `false` turns them off. */
  rateLimit?: RateLimitOptionsInput | false;
  /** Clock of the rate limiter (default Date.now). */
  rateLimitClock?: () => number;
  faults?: SimFaultsInput;
  /** When set, every API request must carry `Authorization: Bearer <token>`. */
  requireToken?: string;
  /** Day buckets kept in memory. */
  cacheDays?: number;
}

export interface SimStats {
  requests: number;
  /** Requests carrying max_id, min_id or since_id. */
  paged: number;
  rateLimited: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  faults: { serverErrors: number; truncated: number; invalidJson: number; throttleBursts: number };
}

export interface MastodonSim {
  /** Base URL to give a client, e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  /** The simulated instance's domain (as in URIs and accts), e.g. sim.example. */
  host: string;
  world: SimWorld;
  /** First and last UTC day that hold statuses (lastDay may be after the current day). */
  days: { firstDay: string; lastDay: string | undefined };
  close(): Promise<void>;
  stats(): SimStats;
  resetStats(): void;
  setFaults(faults: SimFaultsInput): void;
  setNow(now: number | (() => number)): void;
}

interface Reply {
  status: number;
  body?: unknown;
  /** Pre-serialised body, sent as is. */
  raw?: string;
  headers?: Record<string, string>;
}

interface Ctx {
  url: URL;
  params: Record<string, string>;
  nowMs: number;
  origin: string;
  authenticated: boolean;
}

type Handler = (ctx: Ctx) => Reply;

const JSON_TYPE = 'application/json; charset=utf-8';
const STATUS_LIMIT = { def: 20, max: 40 };
const ACCOUNT_LIMIT = { def: 40, max: 80 };
const PAGING_PARAMS = ['max_id', 'min_id', 'since_id'] as const;

export async function startMastodonSim(options: MastodonSimOptions): Promise<MastodonSim> {
  const {
    now: nowOption,
    listenHost = '127.0.0.1',
    port = 0,
    firstDay: firstDayOption,
    lastDay,
    rateLimit,
    rateLimitClock = Date.now,
    faults,
    requireToken,
    cacheDays,
    ...generator
  } = options;
  const world = new SimWorld(generator, { cacheDays });
  let nowFn = typeof nowOption === 'function' ? nowOption : () => nowOption;
  const firstDay = firstDayOption ?? addDays(utcDayOf(nowFn()), -29);
  const firstDayNo = dayNoOf(firstDay);
  const lastDayNo = lastDay === undefined ? Number.POSITIVE_INFINITY : dayNoOf(lastDay);
  const limiter = rateLimit === false ? undefined : new RateLimiter(rateLimit ?? {});
  const injector = new FaultInjector(world.config.seed, faults ?? {});
  let stats = emptyStats();
  // A 429 burst in progress (faults.throttleBurstRate): requests still to refuse, and its reset.
  let burstLeft = 0;
  let burstResetMs = 0;

  const handlers = buildHandlers(world, () => injector.current, injector, firstDayNo, lastDayNo);

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(res, { status: 500, body: { error: String(err instanceof Error ? err.message : err) } }, stats);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    startedAt.set(res, performance.now());
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const route = matchRoute(path);
    stats.requests++;
    const endpoint = route?.name ?? 'unknown';
    stats.byEndpoint[endpoint] = (stats.byEndpoint[endpoint] ?? 0) + 1;
    const paged = PAGING_PARAMS.some((k) => (url.searchParams.get(k) ?? '') !== '');
    if (paged) stats.paged++;

    // Every answer carries the simulated clock as its Date header, as a real server's carries
    // its own: mastoflow takes a snapshot's observation time from it, so a test (or the demo)
    // that sets the clock to a past day observes that day at its own time.
    const headers: Record<string, string> = { date: new Date(nowFn()).toUTCString() };
    if (path.startsWith('/api/')) {
      const f = injector.current;
      if (burstLeft === 0 && injector.roll(f.throttleBurstRate)) {
        burstLeft = f.throttleBurstLength;
        burstResetMs = rateLimitClock() + f.throttleBurstMs;
      }
      if (burstLeft > 0) {
        burstLeft--;
        stats.rateLimited++;
        stats.faults.throttleBursts++;
        return send(
          res,
          {
            status: 429,
            body: { error: 'Too many requests' },
            headers: {
              'content-type': 'application/json',
              ...rateLimitHeaders({ allowed: false, limit: 300, remaining: 0, resetMs: burstResetMs, throttle: 'api' }),
            },
          },
          stats,
        );
      }
    }
    if (limiter && path.startsWith('/api/')) {
      const decision = limiter.hit(req.socket.remoteAddress ?? 'unknown', paged, rateLimitClock());
      Object.assign(headers, rateLimitHeaders(decision));
      if (!decision.allowed) {
        stats.rateLimited++;
        // Mastodon's throttled responder: plain application/json, no charset.
        return send(
          res,
          {
            status: 429,
            body: { error: 'Too many requests' },
            headers: { ...headers, 'content-type': 'application/json' },
          },
          stats,
        );
      }
    }
    const f = injector.current;
    if (f.latencyMs > 0) await sleep(f.latencyMs);
    if (injector.roll(f.latencySpikeRate)) await sleep(f.latencySpikeMs);
    if (injector.roll(f.serverErrorRate)) {
      stats.faults.serverErrors++;
      const status = f.serverErrorStatus;
      return send(
        res,
        {
          status,
          raw: `<html><head><title>${status}</title></head><body><h1>${status}</h1></body></html>\n`,
          headers: { ...headers, 'content-type': 'text/html' },
        },
        stats,
      );
    }
    const auth = req.headers.authorization ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
    if (requireToken !== undefined && path.startsWith('/api/')) {
      if (token === undefined)
        return send(res, unauthorized('This method requires an authenticated user', headers), stats);
      if (token !== requireToken) return send(res, unauthorized('The access token is invalid', headers), stats);
    }
    if (!route) return send(res, { status: 404, body: { error: 'Record not found' }, headers }, stats);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, { status: 405, body: { error: 'Method not allowed' }, headers }, stats);
    }
    const handler = handlers[route.name];
    const ctx: Ctx = {
      url,
      params: route.params,
      nowMs: nowFn(),
      origin: `http://${req.headers.host ?? `${listenHost}:${boundPort}`}`,
      authenticated: token !== undefined,
    };
    const reply = handler(ctx);
    reply.headers = { ...headers, ...reply.headers };
    if (reply.status === 200 && reply.raw === undefined && reply.body !== undefined) {
      if (injector.roll(f.invalidJsonRate)) {
        stats.faults.invalidJson++;
        return send(res, { status: 200, raw: HTML_ERROR_PAGE, headers: reply.headers }, stats);
      }
      if (injector.roll(f.truncateRate)) {
        stats.faults.truncated++;
        return sendTruncated(res, reply, f, stats);
      }
    }
    send(res, reply, stats);
  }

  const boundPort = await listenOn(server, port, listenHost);

  return {
    url: `http://${listenHost}:${boundPort}`,
    port: boundPort,
    host: world.config.host,
    world,
    days: { firstDay, lastDay },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    setFaults: (next) => injector.set(next),
    setNow: (next) => {
      nowFn = typeof next === 'function' ? next : () => next;
    },
  };
}

function emptyStats(): SimStats {
  return {
    requests: 0,
    paged: 0,
    rateLimited: 0,
    byEndpoint: {},
    byStatus: {},
    faults: { serverErrors: 0, truncated: 0, invalidJson: 0, throttleBursts: 0 },
  };
}

function unauthorized(message: string, headers: Record<string, string>): Reply {
  return {
    status: 401,
    body: { error: message },
    headers: {
      ...headers,
      'www-authenticate': `Bearer realm="Doorkeeper", error="invalid_token", error_description="${message}"`,
    },
  };
}

/** When each answer started, for Mastodon's X-Runtime header (seconds spent serving). */
const startedAt = new WeakMap<ServerResponse, number>();

function runtime(res: ServerResponse): string {
  return ((performance.now() - (startedAt.get(res) ?? performance.now())) / 1000).toFixed(6);
}

function send(res: ServerResponse, reply: Reply, stats: SimStats): void {
  const body = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
  const buf = Buffer.from(body, 'utf8');
  stats.byStatus[reply.status] = (stats.byStatus[reply.status] ?? 0) + 1;
  res.writeHead(reply.status, {
    'content-type': JSON_TYPE,
    ...reply.headers,
    'content-length': String(buf.length),
    'x-runtime': runtime(res),
  });
  res.end(buf);
}

function sendTruncated(res: ServerResponse, reply: Reply, f: SimFaults, stats: SimStats): void {
  const full = Buffer.from(JSON.stringify(reply.body), 'utf8');
  const half = full.subarray(0, Math.floor(full.length / 2));
  stats.byStatus[reply.status] = (stats.byStatus[reply.status] ?? 0) + 1;
  if (f.truncateMode === 'body') {
    res.writeHead(reply.status, { 'content-type': JSON_TYPE, ...reply.headers, 'content-length': String(half.length) });
    res.end(half);
    return;
  }
  // The peer sees a Content-Length it never receives: a connection cut mid-answer.
  res.writeHead(reply.status, { 'content-type': JSON_TYPE, ...reply.headers, 'content-length': String(full.length) });
  res.write(half, () => res.destroy());
}

// ---------------------------------------------------------------------------------------------
// Routing

type RouteName =
  | 'timelines/public'
  | 'timelines/tag'
  | 'accounts/lookup'
  | 'accounts/:id'
  | 'accounts/:id/statuses'
  | 'statuses/:id'
  | 'instance/v1'
  | 'instance/v2'
  | 'instance/activity'
  | 'instance/peers'
  | 'trends/tags'
  | 'directory';

const ROUTES: readonly (readonly [RouteName, RegExp, readonly string[]])[] = [
  ['timelines/public', /^\/api\/v1\/timelines\/public$/, []],
  ['timelines/tag', /^\/api\/v1\/timelines\/tag\/([^/]+)$/, ['hashtag']],
  ['accounts/lookup', /^\/api\/v1\/accounts\/lookup$/, []],
  ['accounts/:id/statuses', /^\/api\/v1\/accounts\/([^/]+)\/statuses$/, ['id']],
  ['accounts/:id', /^\/api\/v1\/accounts\/([^/]+)$/, ['id']],
  ['statuses/:id', /^\/api\/v1\/statuses\/([^/]+)$/, ['id']],
  ['instance/v1', /^\/api\/v1\/instance$/, []],
  ['instance/v2', /^\/api\/v2\/instance$/, []],
  ['instance/activity', /^\/api\/v1\/instance\/activity$/, []],
  ['instance/peers', /^\/api\/v1\/instance\/peers$/, []],
  ['trends/tags', /^\/api\/v1\/trends(?:\/tags)?$/, []],
  ['directory', /^\/api\/v1\/directory$/, []],
];

function matchRoute(path: string): { name: RouteName; params: Record<string, string> } | undefined {
  for (const [name, re, keys] of ROUTES) {
    const m = re.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    keys.forEach((k, i) => {
      params[k] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { name, params };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Endpoints

function buildHandlers(
  world: SimWorld,
  faults: () => SimFaults,
  injector: FaultInjector,
  firstDayNo: number,
  lastDayNo: number,
): Record<RouteName, Handler> {
  const notFound: Reply = { status: 404, body: { error: 'Record not found' } };

  const page = (ctx: Ctx, accept: (b: DayBucket, j: number) => boolean): PageRef[] => {
    const q = ctx.url.searchParams;
    return selectPage(world, {
      maxId: q.get('max_id') || undefined,
      sinceId: q.get('since_id') || undefined,
      minId: q.get('min_id') || undefined,
      limit: limitParam(q.get('limit'), STATUS_LIMIT),
      nowMs: ctx.nowMs,
      firstDayNo,
      lastDayNo: Math.min(lastDayNo, Math.floor(ctx.nowMs / DAY_MS)),
      accept,
    });
  };

  const statusesReply = (ctx: Ctx, refs: PageRef[], keep: readonly string[]): Reply => {
    const statuses = refs.map((r) => world.statusAt(r.bucket, r.j, ctx.nowMs));
    const headers: Record<string, string> = { 'cache-control': 'private, no-store', vary: 'Authorization, Origin' };
    const first = refs[0];
    const last = refs[refs.length - 1];
    if (first && last) {
      headers.link = linkHeader(ctx, keep, world.idAt(last.bucket, last.j), world.idAt(first.bucket, first.j));
    }
    return { status: 200, body: injector.breakRecords(statuses), headers };
  };

  const feedFilter = (q: URLSearchParams) => {
    const local = truthy(q.get('local'));
    const remote = truthy(q.get('remote'));
    const onlyMedia = truthy(q.get('only_media'));
    // Mastodon: both local and remote set means neither restriction.
    const localOnly = local && !remote;
    const remoteOnly = remote && !local;
    return (b: DayBucket, j: number): boolean => {
      const flags = b.flags[j] as number;
      if (localOnly && !(flags & FLAG_LOCAL)) return false;
      if (remoteOnly && flags & FLAG_LOCAL) return false;
      if (onlyMedia && !(flags & FLAG_MEDIA)) return false;
      return true;
    };
  };

  return {
    'timelines/public': (ctx) => {
      const access = faults().publicTimeline;
      if (access === 'unauthorized' && !ctx.authenticated)
        return { status: 401, body: { error: 'This method requires an authenticated user' } };
      if (access === 'disabled') return { status: 200, body: [] };
      const refs = page(ctx, feedFilter(ctx.url.searchParams));
      return statusesReply(ctx, refs, ['local', 'remote', 'limit', 'only_media']);
    },

    'timelines/tag': (ctx) => {
      const tag = world.tagIndexOf(ctx.params.hashtag ?? '');
      if (tag === undefined) return { status: 200, body: [] };
      const feed = feedFilter(ctx.url.searchParams);
      const refs = page(ctx, (b, j) => world.hasTag(b, j, tag) && feed(b, j));
      return statusesReply(ctx, refs, ['local', 'remote', 'limit', 'only_media']);
    },

    'accounts/lookup': (ctx) => {
      const a = world.accounts.findByAcct(ctx.url.searchParams.get('acct') ?? '');
      return a && a.createdMs <= ctx.nowMs ? { status: 200, body: world.accounts.toJson(a, ctx.nowMs) } : notFound;
    },

    'accounts/:id': (ctx) => {
      const a = world.accounts.findById(ctx.params.id ?? '');
      return a && a.createdMs <= ctx.nowMs ? { status: 200, body: world.accounts.toJson(a, ctx.nowMs) } : notFound;
    },

    'accounts/:id/statuses': (ctx) => {
      const a = world.accounts.findById(ctx.params.id ?? '');
      if (!a || a.createdMs > ctx.nowMs) return notFound;
      const q = ctx.url.searchParams;
      // Simulated statuses are never pinned, replies or boosts.
      if (truthy(q.get('pinned'))) return { status: 200, body: [] };
      const onlyMedia = truthy(q.get('only_media'));
      const taggedName = q.get('tagged');
      const tagged = taggedName ? world.tagIndexOf(taggedName) : undefined;
      if (taggedName && tagged === undefined) return { status: 200, body: [] };
      const refs = page(
        ctx,
        (b, j) =>
          b.account[j] === a.index &&
          (!onlyMedia || ((b.flags[j] as number) & FLAG_MEDIA) !== 0) &&
          (tagged === undefined || world.hasTag(b, j, tagged)),
      );
      return statusesReply(ctx, refs, ['limit', 'only_media', 'exclude_replies']);
    },

    'statuses/:id': (ctx) => {
      // Check the day before looking: an arbitrary ID must not make us generate its day.
      const pos = parseCursor(ctx.params.id);
      if (!pos || pos.dayNo < firstDayNo || pos.dayNo > Math.min(lastDayNo, Math.floor(ctx.nowMs / DAY_MS)))
        return notFound;
      const found = world.findStatus(ctx.params.id ?? '');
      if (!found) return notFound;
      if (world.insertedMsAt(found.bucket, found.j) > ctx.nowMs) return notFound;
      return { status: 200, body: world.statusAt(found.bucket, found.j, ctx.nowMs) };
    },

    'instance/v1': (ctx) => ({ status: 200, body: instanceV1(world, ctx.nowMs) }),

    'instance/v2': () => ({ status: 200, body: instanceV2(world, faults()) }),

    'instance/activity': (ctx) =>
      injector.unavailable('activity') ? { status: 404, raw: '' } : { status: 200, body: activity(world, ctx.nowMs) },

    'instance/peers': () =>
      injector.unavailable('peers') ? { status: 404, raw: '' } : { status: 200, body: peers(world) },

    'trends/tags': (ctx) => {
      if (injector.unavailable('trends')) return { status: 200, body: [] };
      const q = ctx.url.searchParams;
      const limit = limitParam(q.get('limit'), { def: 10, max: 20 });
      const offset = Math.abs(toI(q.get('offset')));
      const tags = trendingTags(world, ctx.nowMs, offset, limit);
      const headers: Record<string, string> = {};
      const links: string[] = [];
      if (tags.length === limit && offset + limit < world.tags.length) {
        links.push(
          `<${ctx.origin}/api/v1/trends/tags?${toQuery({ limit: String(limit), offset: String(offset + limit) })}>; rel="next"`,
        );
      }
      if (offset > 0)
        links.push(
          `<${ctx.origin}/api/v1/trends/tags?${toQuery({ limit: String(limit), offset: String(Math.max(0, offset - limit)) })}>; rel="prev"`,
        );
      if (links.length) headers.link = links.join(', ');
      return { status: 200, body: tags, headers };
    },

    directory: (ctx) => {
      if (injector.unavailable('directory')) return notFound;
      const q = ctx.url.searchParams;
      const list = directory(world, ctx.nowMs, {
        offset: Math.abs(toI(q.get('offset'))),
        limit: limitParam(q.get('limit'), ACCOUNT_LIMIT),
        order: q.get('order') === 'new' ? 'new' : 'active',
        local: truthy(q.get('local')),
      });
      return { status: 200, body: injector.breakRecords(list) };
    },
  };
}

/** Mastodon's Link header: next = older (max_id = last), prev = newer (min_id = first). */
function linkHeader(ctx: Ctx, keep: readonly string[], lastId: string, firstId: string): string {
  const q = ctx.url.searchParams;
  const base: Record<string, string> = {};
  for (const k of keep) {
    const v = q.get(k);
    if (v !== null) base[k] = v;
  }
  const path = ctx.url.pathname.replace(/\/+$/, '');
  const next = `${ctx.origin}${path}?${toQuery({ ...base, max_id: lastId })}`;
  const prev = `${ctx.origin}${path}?${toQuery({ ...base, min_id: firstId })}`;
  return `<${next}>; rel="next", <${prev}>; rel="prev"`;
}

/** Rails' Hash#to_query: keys sorted, values escaped. */
function toQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k] as string)}`)
    .join('&');
}

/** Rails' boolean cast of a query parameter. */
function truthy(v: string | null): boolean {
  if (v === null || v === '') return false;
  return !['0', 'f', 'F', 'false', 'FALSE', 'off', 'OFF'].includes(v);
}

/** Ruby's String#to_i: leading integer or 0. */
function toI(v: string | null): number {
  if (v === null) return 0;
  const n = parseInt(v, 10);
  return Number.isNaN(n) ? 0 : n;
}

/** Mastodon's limit_param: default when absent, else |limit| capped at the maximum. */
function limitParam(v: string | null, l: { def: number; max: number }): number {
  if (v === null) return l.def;
  return Math.min(Math.abs(toI(v)), l.max);
}
