import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_BUDGET_OPTIONS,
  MASTODON_THROTTLES,
  parseRateHeaders,
  RateBudget,
  type BudgetOptions,
  type BudgetSnapshot,
  type RateHeaders,
  type ThrottleSpecs,
  type Ticket,
} from '../../domain/rate-budget';

// One rate limiter per instance per worker process: a module-level map keyed by base URL, so
// every fetch activity this worker runs against an instance shares one budget (Mastodon counts
// per client IP, not per activity). Fetch activities use it only when the budget shared by all
// worker processes (leased-rate-limiter.ts, through a keeper workflow) is unavailable or turned
// off (MASTOFLOW_RATE_BUDGET=local); tests of a bare session use it directly. Requests are released one at a time, in arrival order; a
// caller that has to wait heartbeats at least every second so Temporal sees it alive. A 429 is
// not a failure: the request waits for the reset and is sent again (the caller counts it).
//
// Throttle shapes default to Mastodon's (300 / 5 min, paging 300 / 15 min). Servers with other
// limits (or benchmarks compressing them) set them per base URL with configureInstanceThrottles
// or, for worker processes, with MASTOFLOW_RATE_LIMITS (JSON: { "<baseUrl>" | "*": specs }).

/**
 * What a fetch session needs from a limiter: this process's own (InstanceRateLimiter, below) or
 * the instance's budget shared by every worker process through its keeper workflow
 * (LeasedRateLimiter, leased-rate-limiter.ts).
 */
export interface RequestLimiter {
  acquire(paged: boolean, opts?: AcquireOptions): Promise<Acquired>;
  observe(ticket: Ticket, headers: (name: string) => string | undefined): void;
  rateLimited(ticket: Ticket, headers: (name: string) => string | undefined): number;
  wait(ms: number, opts?: AcquireOptions): Promise<void>;
}

export interface AcquireOptions {
  /** Called at least once a second while waiting (heartbeat). */
  onWait?: () => void;
  signal?: AbortSignal;
}

export interface Acquired {
  ticket: Ticket;
  waitedMs: number;
}

const WAIT_SLICE_MS = 1_000;

export class InstanceRateLimiter implements RequestLimiter {
  private tail: Promise<void> = Promise.resolve();
  private readonly budget: RateBudget;

  constructor(
    readonly baseUrl: string,
    specs: ThrottleSpecs = MASTODON_THROTTLES,
    options: BudgetOptions = DEFAULT_BUDGET_OPTIONS,
    private readonly clock: () => number = Date.now,
  ) {
    this.budget = new RateBudget(specs, options);
  }

  /** Wait for this request's turn and for the budget to allow it, then count it. */
  async acquire(paged: boolean, opts: AcquireOptions = {}): Promise<Acquired> {
    const previous = this.tail;
    let done!: () => void;
    this.tail = new Promise<void>((resolve) => (done = resolve));
    const started = this.clock();
    try {
      await waitTurn(previous, opts);
      for (;;) {
        const delay = this.budget.delayMs(paged, this.clock());
        if (delay <= 0) break;
        await pause(Math.min(delay, WAIT_SLICE_MS), opts);
      }
      return { ticket: this.budget.release(paged, this.clock()), waitedMs: this.clock() - started };
    } finally {
      done();
    }
  }

  /** Learn from an answer (any status but 429). */
  observe(ticket: Ticket, headers: (name: string) => string | undefined): void {
    this.budget.observe(ticket, parseRateHeaders(headers), this.clock());
  }

  /** A 429: returns how long to wait before sending the same request again. */
  rateLimited(ticket: Ticket, headers: (name: string) => string | undefined): number {
    return this.budget.rateLimited(ticket, parseRateHeaders(headers), this.clock());
  }

  /** Sleep (heartbeating) — used after a 429 before retrying. */
  async wait(ms: number, opts: AcquireOptions = {}): Promise<void> {
    const end = this.clock() + ms;
    for (let left = ms; left > 0; left = end - this.clock()) await pause(Math.min(left, WAIT_SLICE_MS), opts);
  }

  snapshot(): BudgetSnapshot {
    return this.budget.snapshot(this.clock());
  }
}

async function waitTurn(previous: Promise<void>, opts: AcquireOptions): Promise<void> {
  // Heartbeat while queued behind other requests too.
  let settled = false;
  void previous.then(() => (settled = true));
  while (!settled) {
    await Promise.race([previous, sleep(WAIT_SLICE_MS, undefined, { ref: false })]);
    if (!settled) opts.onWait?.();
    opts.signal?.throwIfAborted();
  }
}

export async function pause(ms: number, opts: AcquireOptions): Promise<void> {
  opts.onWait?.();
  await sleep(ms, undefined, opts.signal ? { signal: opts.signal } : undefined);
}

// ---------------------------------------------------------------------------------------------
// The per-process registry

const limiters = new Map<string, InstanceRateLimiter>();
const configured = new Map<string, ThrottleSpecs>();
let envSpecs: { raw: string | undefined; parsed: Record<string, ThrottleSpecs> } | undefined;

function normalise(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').toLowerCase();
}

/** Set the throttle shapes of one instance (before its first request in this process). */
export function configureInstanceThrottles(baseUrl: string, specs: ThrottleSpecs): void {
  const key = normalise(baseUrl);
  configured.set(key, specs);
  limiters.delete(key);
}

/** Forget every limiter (tests that reuse a base URL with other limits). */
export function resetRateLimiters(): void {
  limiters.clear();
  configured.clear();
}

function specsFromEnv(env: NodeJS.ProcessEnv, key: string): ThrottleSpecs | undefined {
  const raw = env.MASTOFLOW_RATE_LIMITS;
  if (!raw) return undefined;
  if (envSpecs?.raw !== raw) {
    try {
      envSpecs = { raw, parsed: JSON.parse(raw) as Record<string, ThrottleSpecs> };
    } catch {
      throw new Error(
        'MASTOFLOW_RATE_LIMITS is not valid JSON ({ "<baseUrl>" | "*": { api: {limit, periodMs}, paging: {...} | null } })',
      );
    }
  }
  const byUrl = Object.fromEntries(Object.entries(envSpecs.parsed).map(([k, v]) => [normalise(k), v]));
  return byUrl[key] ?? byUrl['*'];
}

/** The throttle shapes of an instance as this process knows them (configured, env, Mastodon's). */
export function throttleSpecsFor(baseUrl: string, env: NodeJS.ProcessEnv = process.env): ThrottleSpecs {
  const key = normalise(baseUrl);
  return configured.get(key) ?? specsFromEnv(env, key) ?? MASTODON_THROTTLES;
}

export function rateLimiterFor(baseUrl: string, env: NodeJS.ProcessEnv = process.env): InstanceRateLimiter {
  const key = normalise(baseUrl);
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new InstanceRateLimiter(key, throttleSpecsFor(key, env));
    limiters.set(key, limiter);
  }
  return limiter;
}

export type { RateHeaders };
