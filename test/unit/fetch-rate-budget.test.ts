import { describe, expect, it } from 'vitest';
import {
  budgetShare,
  MASTODON_THROTTLES,
  parseRateHeaders,
  parseResetHeader,
  RateBudget,
  type RateHeaders,
  type ThrottleSpecs,
  type Ticket,
} from '../../domain/rate-budget';
import { RateLimiter } from '../../infra/mastodon-sim/rate-limit';

// The pacing maths against a model of Mastodon's throttles (the simulator's own fixed-window
// counter, run on a virtual clock): no 429 and at least 90 % of the binding budget used.

describe('X-RateLimit-Reset parsing', () => {
  it('reads ISO-8601 with microseconds as Mastodon sends it', () => {
    expect(parseResetHeader('2026-08-02T07:10:00.327266Z')).toBe(Date.UTC(2026, 7, 2, 7, 10, 0, 327));
    expect(parseResetHeader('2026-08-02T07:10:00.000000Z')).toBe(Date.UTC(2026, 7, 2, 7, 10, 0, 0));
  });
  it('reads whole seconds, offsets and Unix seconds', () => {
    expect(parseResetHeader('2026-08-02T07:10:00Z')).toBe(Date.UTC(2026, 7, 2, 7, 10));
    expect(parseResetHeader('2026-08-02T09:10:00.5+02:00')).toBe(Date.UTC(2026, 7, 2, 7, 10, 0, 500));
    expect(parseResetHeader('1785654600')).toBe(1785654600_000);
  });
  it('rejects garbage', () => {
    expect(parseResetHeader('soon')).toBeUndefined();
    expect(parseResetHeader(undefined)).toBeUndefined();
    const h: Record<string, string> = { 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '299' };
    expect(parseRateHeaders((n) => h[n])).toBeUndefined();
    h['x-ratelimit-reset'] = '2026-08-02T07:10:00.327266Z';
    expect(parseRateHeaders((n) => h[n])).toEqual({
      limit: 300,
      remaining: 299,
      resetMs: Date.UTC(2026, 7, 2, 7, 10, 0, 327),
    });
  });
});

interface SimOptions {
  server: { limit: number; windowMs: number; pagedLimit: number; pagedWindowMs: number };
  client: ThrottleSpecs;
  concurrency: number;
  latencyMs: number;
  /** Time a caller spends between getting an answer and asking for the next request. */
  processMs: number;
  durationMs: number;
  startMs: number;
  /** Which requests are paged (by sequence number). */
  paged: (n: number) => boolean;
  /** Requests another client on the same IP makes, per ms of virtual time. */
  foreignPerMs?: number;
}

interface SimResult {
  sent: number;
  paged: number;
  unpaged: number;
  rejected: number;
  elapsedMs: number;
}

/** Discrete-event run of `concurrency` callers sharing one RateBudget against a fixed-window server. */
function simulate(o: SimOptions): SimResult {
  const server = new RateLimiter(o.server);
  const budget = new RateBudget(o.client);
  const slots: number[] = Array.from({ length: o.concurrency }, () => o.startMs);
  const inflight: { at: number; ticket: Ticket; headers: RateHeaders; allowed: boolean; slot: number }[] = [];
  const res: SimResult = { sent: 0, paged: 0, unpaged: 0, rejected: 0, elapsedMs: 0 };
  let queueTime = o.startMs;
  let foreignAt = o.startMs;
  let n = 0;
  const end = o.startMs + o.durationMs;
  const deliver = (t: number) => {
    inflight.sort((a, b) => a.at - b.at);
    while (inflight.length && inflight[0]!.at <= t) {
      const r = inflight.shift()!;
      if (r.allowed) budget.observe(r.ticket, r.headers, r.at);
      else slots[r.slot] = Math.max(slots[r.slot]!, r.at + budget.rateLimited(r.ticket, r.headers, r.at));
    }
  };
  const foreign = (t: number) => {
    if (!o.foreignPerMs) return;
    for (; foreignAt < t; foreignAt += 1 / o.foreignPerMs) server.hit('c', false, foreignAt);
  };
  for (;;) {
    let slot = 0;
    for (let i = 1; i < slots.length; i++) if (slots[i]! < slots[slot]!) slot = i;
    let t = Math.max(queueTime, slots[slot]!);
    deliver(t);
    const paged = o.paged(n);
    for (let d = budget.delayMs(paged, t); d > 0; d = budget.delayMs(paged, t)) {
      t += d;
      deliver(t);
    }
    if (t >= end) break;
    foreign(t);
    const ticket = budget.release(paged, t);
    const decision = server.hit('c', paged, t + o.latencyMs / 2);
    n++;
    res.sent++;
    if (!decision.allowed) res.rejected++;
    else if (paged) res.paged++;
    else res.unpaged++;
    inflight.push({
      at: t + o.latencyMs,
      ticket,
      headers: { limit: decision.limit, remaining: decision.remaining, resetMs: decision.resetMs },
      allowed: decision.allowed,
      slot,
    });
    slots[slot] = t + o.latencyMs + o.processMs;
    queueTime = t;
    res.elapsedMs = t + o.latencyMs - o.startMs;
  }
  return res;
}

const COMPRESSED = { limit: 300, windowMs: 5_000, pagedLimit: 300, pagedWindowMs: 15_000 };
const COMPRESSED_CLIENT: ThrottleSpecs = {
  api: { limit: 300, periodMs: 5_000 },
  paging: { limit: 300, periodMs: 15_000 },
};
const ALIGNED = Date.UTC(2026, 2, 4, 12, 0, 0);

describe('RateBudget pacing against fixed windows', () => {
  for (const concurrency of [1, 4, 12]) {
    it(`compressed limits, all paged, ${concurrency} caller(s): 0 × 429, ≥ 90 % of the paging budget`, () => {
      const r = simulate({
        server: COMPRESSED,
        client: COMPRESSED_CLIENT,
        concurrency,
        latencyMs: 25,
        processMs: 10,
        durationMs: 120_000,
        startMs: ALIGNED,
        paged: () => true,
      });
      expect(r.rejected).toBe(0);
      expect(budgetShare(r.paged, { limit: 300, periodMs: 15_000 }, r.elapsedMs)).toBeGreaterThanOrEqual(0.9);
    });
  }

  it("Mastodon's real limits over two hours, mixed paged and unpaged requests", () => {
    const r = simulate({
      server: { limit: 300, windowMs: 300_000, pagedLimit: 300, pagedWindowMs: 900_000 },
      client: MASTODON_THROTTLES,
      concurrency: 4,
      latencyMs: 120,
      processMs: 20,
      durationMs: 2 * 3_600_000,
      startMs: ALIGNED,
      paged: (n) => n % 5 !== 0,
    });
    expect(r.rejected).toBe(0);
    // The paging throttle binds: 4 of 5 requests are paged.
    expect(budgetShare(r.paged, { limit: 300, periodMs: 900_000 }, r.elapsedMs)).toBeGreaterThanOrEqual(0.9);
  });

  it('unpaged requests are bound by the general throttle only', () => {
    const r = simulate({
      server: COMPRESSED,
      client: COMPRESSED_CLIENT,
      concurrency: 4,
      latencyMs: 10,
      processMs: 0,
      durationMs: 60_000,
      startMs: ALIGNED,
      paged: () => false,
    });
    expect(r.rejected).toBe(0);
    expect(budgetShare(r.unpaged, { limit: 300, periodMs: 5_000 }, r.elapsedMs)).toBeGreaterThanOrEqual(0.9);
  });

  it('starting mid-window and with a slow caller still gets no 429', () => {
    for (const startMs of [ALIGNED + 4_321, ALIGNED + 14_990, ALIGNED + 7_500]) {
      const r = simulate({
        server: COMPRESSED,
        client: COMPRESSED_CLIENT,
        concurrency: 2,
        latencyMs: 80,
        processMs: 40,
        durationMs: 60_000,
        startMs,
        paged: (n) => n % 7 !== 3,
      });
      expect(r.rejected).toBe(0);
    }
  });

  it('learns a server limit lower than assumed from the headers', () => {
    const r = simulate({
      server: { limit: 100, windowMs: 5_000, pagedLimit: 300, pagedWindowMs: 15_000 },
      client: COMPRESSED_CLIENT,
      concurrency: 1,
      latencyMs: 5,
      processMs: 0,
      durationMs: 60_000,
      startMs: ALIGNED,
      paged: () => false,
    });
    // The first answer says 100: from then on the 100 / 5 s budget is respected.
    expect(r.rejected).toBe(0);
    expect(budgetShare(r.unpaged, { limit: 100, periodMs: 5_000 }, r.elapsedMs)).toBeGreaterThanOrEqual(0.9);
  });

  it('a 429 stops the throttle until its reset', () => {
    const b = new RateBudget(COMPRESSED_CLIENT);
    const t = b.release(true, ALIGNED + 1_000);
    const wait = b.rateLimited(t, { limit: 300, remaining: 0, resetMs: ALIGNED + 15_000 }, ALIGNED + 1_010);
    expect(wait).toBeGreaterThanOrEqual(13_990);
    expect(b.delayMs(true, ALIGNED + 2_000)).toBeGreaterThanOrEqual(13_000);
    // Unpaged requests are not held up by the paging throttle.
    expect(b.delayMs(false, ALIGNED + 2_000)).toBe(0);
    expect(b.delayMs(true, ALIGNED + 15_200)).toBe(0);
  });

  it('ignores resets in the past (replayed answers) and caps resets far in the future', () => {
    const b = new RateBudget(MASTODON_THROTTLES);
    const now = Date.UTC(2026, 10, 23);
    const t = b.release(false, now);
    b.observe(t, { limit: 300, remaining: 0, resetMs: Date.UTC(2026, 7, 2, 7, 10) }, now + 5);
    expect(b.delayMs(false, now + 10)).toBe(0);
    const t2 = b.release(false, now + 10);
    b.observe(t2, { limit: 300, remaining: 0, resetMs: now + 86_400_000 }, now + 20);
    // Nothing left, but never longer than one period plus the margin.
    expect(b.delayMs(false, now + 30)).toBeLessThanOrEqual(300_000 + 1_000);
  });
});
