// Mastodon's API throttles (rack-attack): fixed windows aligned to multiples of the period,
// counted per client IP. Every API request counts against the general throttle
// (300 / 5 min); requests carrying max_id, min_id or since_id also count against the paging
// throttle (300 / 15 min). Throttles are checked in that order and the first one exceeded
// answers 429, so a request refused by the general throttle does not use up paging budget.
// Success headers describe the most limited applicable throttle, as Mastodon does.

import { z } from 'zod';

export const RateLimitOptionsSchema = z.object({
  limit: z.number().int().min(1).default(300),
  windowMs: z.number().int().min(1).default(300_000),
  pagedLimit: z.number().int().min(1).default(300),
  pagedWindowMs: z.number().int().min(1).default(900_000),
});

export type RateLimitOptions = z.output<typeof RateLimitOptionsSchema>;
export type RateLimitOptionsInput = z.input<typeof RateLimitOptionsSchema>;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetMs: number;
  throttle: 'api' | 'paging';
}

interface Counter {
  window: number;
  count: number;
}

class Throttle {
  private readonly counters = new Map<string, Counter>();

  constructor(
    readonly name: 'api' | 'paging',
    readonly limit: number,
    readonly periodMs: number,
  ) {}

  hit(client: string, nowMs: number): RateDecision {
    const window = Math.floor(nowMs / this.periodMs);
    let c = this.counters.get(client);
    if (!c || c.window !== window) {
      c = { window, count: 0 };
      this.counters.set(client, c);
    }
    c.count++;
    return {
      allowed: c.count <= this.limit,
      limit: this.limit,
      remaining: Math.max(0, this.limit - c.count),
      resetMs: (window + 1) * this.periodMs,
      throttle: this.name,
    };
  }
}

export class RateLimiter {
  private readonly api: Throttle;
  private readonly paging: Throttle;

  constructor(options: RateLimitOptionsInput = {}) {
    const o = RateLimitOptionsSchema.parse(options);
    this.api = new Throttle('api', o.limit, o.windowMs);
    this.paging = new Throttle('paging', o.pagedLimit, o.pagedWindowMs);
  }

  /** Count one request; the decision says whether to serve it and what headers to send. */
  hit(client: string, paged: boolean, nowMs: number): RateDecision {
    const api = this.api.hit(client, nowMs);
    if (!api.allowed || !paged) return api;
    const paging = this.paging.hit(client, nowMs);
    if (!paging.allowed) return paging;
    return paging.remaining < api.remaining ? paging : api;
  }
}

/**
 * Mastodon formats the reset with microseconds (`2026-08-02T07:20:00.237802Z`); the simulator
 * has ms, so the last three digits are zeros. Real servers also add the sub-second part of the
 * request time to the boundary, so a real Reset can be up to 1 s after the window flips; here it
 * is the exact boundary.
 */
export function formatReset(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

export function rateLimitHeaders(d: RateDecision): Record<string, string> {
  return {
    'x-ratelimit-limit': String(d.limit),
    'x-ratelimit-remaining': String(d.remaining),
    'x-ratelimit-reset': formatReset(d.resetMs),
  };
}
