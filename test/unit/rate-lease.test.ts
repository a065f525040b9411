import { describe, expect, it } from 'vitest';
import { rateBudgetWorkflowId } from '../../domain/keys';
import { parseRateHeaders, type ThrottleSpecs } from '../../domain/rate-budget';
import {
  LeaseLedger,
  type LeaseReport,
  LeaseRequestSchema,
  type LeaseSlot,
  leaseSize,
  slotGuardMs,
} from '../../domain/rate-lease';
import { RateLimiter, rateLimitHeaders } from '../../infra/mastodon-sim/rate-limit';

// The lease accounting of the shared budget (domain/rate-lease.ts) on a virtual clock, against the
// simulator's model of Mastodon's fixed-window throttles: several holders (worker processes) take
// leases from one ledger, send each slot when it is due, report the answers' headers with their
// next lease request — and the server never answers 429 while the binding budget is ≥ 90 % used.

const SERVER = { limit: 300, windowMs: 5_000, pagedLimit: 300, pagedWindowMs: 15_000 };
const SPECS: ThrottleSpecs = {
  api: { limit: SERVER.limit, periodMs: SERVER.windowMs },
  paging: { limit: SERVER.pagedLimit, periodMs: SERVER.pagedWindowMs },
};
const START = Date.UTC(2026, 2, 5, 6, 0, 0); // a multiple of both periods

interface Holder {
  name: string;
  paged: boolean;
  pool: LeaseSlot[];
  pending?: { arriveMs: number; slots: LeaseSlot[] };
  reports: LeaseReport[];
  diesAtMs?: number;
  sent: number;
}

interface Run {
  rejected: number;
  paged: number;
  unpaged: number;
  expired: number;
  stranded: number;
  leases: number;
  durationMs: number;
}

function simulate(
  holders: Holder[],
  opts: { durationMs: number; leaseLatencyMs: number; latencyMs: number; ledger?: LeaseLedger },
): Run {
  const ledger = opts.ledger ?? new LeaseLedger(SPECS);
  const server = new RateLimiter(SERVER);
  const size = leaseSize(SPECS);
  const run: Run = {
    rejected: 0,
    paged: 0,
    unpaged: 0,
    expired: 0,
    stranded: 0,
    leases: 0,
    durationMs: opts.durationMs,
  };
  for (let t = START; t < START + opts.durationMs; t++) {
    for (const h of holders) {
      if (h.diesAtMs !== undefined && t >= h.diesAtMs) continue;
      if (h.pending && t >= h.pending.arriveMs) {
        h.pool.push(...h.pending.slots);
        h.pending = undefined;
      }
      while (h.pool.length > 0 && h.pool[0]!.atMs <= t) {
        const slot = h.pool.shift()!;
        if (t > slot.deadlineMs) {
          run.expired++;
          continue;
        }
        const d = server.hit('127.0.0.1', h.paged, t + opts.latencyMs);
        const headers = rateLimitHeaders(d);
        const parsed = parseRateHeaders((n) => headers[n]);
        h.reports = [
          {
            paged: h.paged,
            releasedMs: t,
            marks: slot.marks,
            rateLimited: !d.allowed,
            ...(parsed ? { headers: parsed } : {}),
          },
        ];
        h.sent++;
        if (!d.allowed) run.rejected++;
        else if (h.paged) run.paged++;
        else run.unpaged++;
      }
      if (!h.pending && h.pool.length < size / 2) {
        ledger.learn(h.reports, t);
        h.reports = [];
        const lease = ledger.grant(h.paged, size, h.name, t);
        run.leases++;
        h.pending = { arriveMs: t + opts.leaseLatencyMs, slots: lease.slots };
      }
    }
  }
  for (const h of holders) if (h.diesAtMs !== undefined) run.stranded += h.pool.length + (h.pending?.slots.length ?? 0);
  return run;
}

const holder = (name: string, paged = true, diesAtMs?: number): Holder => ({
  name,
  paged,
  pool: [],
  reports: [],
  sent: 0,
  ...(diesAtMs !== undefined ? { diesAtMs } : {}),
});

/** Share of the paging budget used: paged requests over limit × elapsed / period. */
const pagedShare = (r: Run) => r.paged / ((SERVER.pagedLimit * r.durationMs) / SERVER.pagedWindowMs);

describe('leases of one shared budget', () => {
  for (const n of [1, 2, 4]) {
    it(`${n} holder(s) taking leases: 0 × 429 and ≥ 90 % of the paging budget`, () => {
      const hs = Array.from({ length: n }, (_, i) => holder(`w${i}`));
      const r = simulate(hs, { durationMs: 60_000, leaseLatencyMs: 40, latencyMs: 3 });
      expect(r.rejected).toBe(0);
      expect(pagedShare(r)).toBeGreaterThanOrEqual(0.9);
      expect(pagedShare(r)).toBeLessThanOrEqual(1.01);
      // Everybody got a share.
      for (const h of hs) expect(h.sent).toBeGreaterThan(100 / n);
    });
  }

  it('paged and unpaged holders together stay within both throttles', () => {
    // Slots of both kinds are granted in one time order (as the single-process limiter releases
    // requests in arrival order): the paging throttle binds, unpaged requests (first pages,
    // instance documents) fill in between.
    const hs = [holder('a'), holder('b', false), holder('c'), holder('d')];
    const r = simulate(hs, { durationMs: 45_000, leaseLatencyMs: 25, latencyMs: 2 });
    expect(r.rejected).toBe(0);
    expect(r.unpaged).toBeGreaterThan(50);
    expect(pagedShare(r)).toBeGreaterThanOrEqual(0.8);
    const generalShare = (r.paged + r.unpaged) / ((SERVER.limit * r.durationMs) / SERVER.windowMs);
    expect(generalShare).toBeLessThanOrEqual(1.01);
  });

  it('a holder that dies with leased slots strands them: counted as spent, never over budget', () => {
    const hs = [holder('dies', true, START + 7_300), holder('lives')];
    const r = simulate(hs, { durationMs: 45_000, leaseLatencyMs: 40, latencyMs: 3 });
    expect(r.stranded).toBeGreaterThan(0);
    expect(r.stranded).toBeLessThanOrEqual(leaseSize(SPECS) * 2);
    expect(r.rejected).toBe(0);
    // The survivor carries on at the full pace after the stranded window.
    expect(pagedShare(r)).toBeGreaterThanOrEqual(0.85);
  });

  it('slots are in time order, counted in the window they fall in, never in a window end guard', () => {
    const ledger = new LeaseLedger(SPECS);
    const guard = slotGuardMs(SPECS);
    let last = 0;
    let now = START + 123;
    for (let i = 0; i < 200; i++) {
      const lease = ledger.grant(i % 3 !== 0, 15, `h${i % 4}`, now);
      for (const s of lease.slots) {
        expect(s.atMs).toBeGreaterThanOrEqual(last);
        last = s.atMs;
        expect(s.deadlineMs).toBeGreaterThanOrEqual(s.atMs);
        for (const m of s.marks) {
          expect(s.atMs).toBeLessThanOrEqual(m.windowEndMs - guard);
          const period = m.throttle === 'api' ? SERVER.windowMs : SERVER.pagedWindowMs;
          expect(m.windowEndMs - period).toBeLessThanOrEqual(s.atMs);
          expect(s.deadlineMs).toBeLessThan(m.windowEndMs);
        }
      }
      now += 17;
    }
  });

  it('carries on identically after continue-as-new (state as JSON)', () => {
    const a = new LeaseLedger(SPECS);
    for (let i = 0; i < 30; i++) a.grant(true, 15, 'x', START + i * 50);
    const b = new LeaseLedger(SPECS, JSON.parse(JSON.stringify(a.state())));
    for (let i = 30; i < 60; i++) {
      const now = START + i * 50;
      expect(b.grant(i % 2 === 0, 15, 'y', now)).toEqual(a.grant(i % 2 === 0, 15, 'y', now));
    }
    expect(b.state()).toEqual(JSON.parse(JSON.stringify(a.state())));
  });

  it('a reported 429 moves the next slots past the reset it names', () => {
    const ledger = new LeaseLedger(SPECS);
    const first = ledger.grant(true, 5, 'a', START + 1_000);
    const reset = START + 5_000;
    ledger.learn(
      [
        {
          paged: true,
          releasedMs: first.slots[0]!.atMs,
          marks: first.slots[0]!.marks,
          rateLimited: true,
          headers: { limit: 300, remaining: 0, resetMs: reset },
        },
      ],
      START + 1_100,
    );
    const next = ledger.grant(true, 5, 'a', START + 1_100);
    expect(next.slots[0]!.atMs).toBeGreaterThan(reset);
  });

  it("a server's lower remaining (another client on the same IP) shrinks what is granted", () => {
    const ledger = new LeaseLedger(SPECS);
    const now = START + 100;
    const first = ledger.grant(false, 2, 'a', now);
    // The server says only 10 remain in this 5 s window.
    ledger.learn(
      [
        {
          paged: false,
          releasedMs: first.slots[1]!.atMs,
          marks: first.slots[1]!.marks,
          rateLimited: false,
          headers: { limit: 300, remaining: 10, resetMs: START + 5_000 },
        },
      ],
      now + 10,
    );
    let inWindow = 0;
    for (let i = 0; i < 40; i++) {
      for (const s of ledger.grant(false, 15, 'a', now + 10).slots) if (s.atMs < START + 5_000) inWindow++;
    }
    expect(inWindow).toBeLessThanOrEqual(10);
  });

  it('sizes leases from the tightest limit, within [2, 64]', () => {
    expect(leaseSize(SPECS)).toBe(15);
    expect(leaseSize({ api: { limit: 20, periodMs: 1_000 }, paging: null })).toBe(2);
    expect(leaseSize({ api: { limit: 1_000_000, periodMs: 1_000 }, paging: null })).toBe(64);
  });

  it('a lease request is checked before the keeper sees it', () => {
    expect(LeaseRequestSchema.safeParse({ paged: true, want: 0, holder: 'h', nowMs: 1 }).success).toBe(false);
    expect(LeaseRequestSchema.safeParse({ paged: true, want: 5, holder: 'h', nowMs: 1 }).success).toBe(true);
  });
});

describe('the keeper workflow ID', () => {
  it('names queue, instance and a token hash, never a token', () => {
    expect(rateBudgetWorkflowId('mastoflow', 'https://Mastodon.Social/', 'anonymous')).toBe(
      'rate-budget/mastoflow/https_mastodon.social/anonymous',
    );
    expect(rateBudgetWorkflowId('q', 'http://127.0.0.1:4567', 'token-0123456789abcdef')).toBe(
      'rate-budget/q/http_127.0.0.1_4567/token-0123456789abcdef',
    );
    expect(() => rateBudgetWorkflowId('q', 'https://x.example', 'secret-token-value')).toThrow(/identity/);
  });
});
