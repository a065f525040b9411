import { describe, expect, it } from 'vitest';
import {
  type LeaseCall,
  LeasedRateLimiter,
  LeaseUnavailableError,
} from '../../activities/mastodon/leased-rate-limiter';
import { InstanceRateLimiter } from '../../activities/mastodon/rate-limiter';
import { budgetIdentity } from '../../activities/mastodon/shared-budget';
import type { ThrottleSpecs } from '../../domain/rate-budget';
import { LeaseLedger, type LeaseRequest } from '../../domain/rate-lease';

// The process side of the shared budget (activities/mastodon/leased-rate-limiter.ts): how it
// takes slots, reports what the server said, and falls back. The lease call here is the pure
// ledger answering directly — the seam the keeper workflow's Update stands behind
// (test/integration/fetch-shared-budget.test.ts runs it through real Temporal).

const SPECS: ThrottleSpecs = { api: { limit: 60, periodMs: 1_000 }, paging: null };

function ledgerCall(ledger: LeaseLedger, seen: LeaseRequest[]): LeaseCall {
  return async (req) => {
    seen.push(req);
    ledger.learn(req.reports ?? [], req.nowMs);
    return ledger.grant(req.paged, req.want, req.holder, req.nowMs);
  };
}

describe('the leased limiter of one process', () => {
  it('takes slots in time order from leases, one lease per few requests', async () => {
    const seen: LeaseRequest[] = [];
    const limiter = new LeasedRateLimiter({
      call: ledgerCall(new LeaseLedger(SPECS), seen),
      specs: SPECS,
      holder: 'test/1',
      fallback: new InstanceRateLimiter('http://x', SPECS),
    });
    let last = 0;
    for (let i = 0; i < 12; i++) {
      const { ticket } = await limiter.acquire(false);
      expect(ticket.releasedMs).toBeGreaterThanOrEqual(last);
      expect(ticket.marks).toHaveLength(1);
      last = ticket.releasedMs;
    }
    // Lease size 3 for a limit of 60: 12 requests, a handful of leases (prefetched at half).
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.length).toBeLessThanOrEqual(6);
    expect(limiter.counters.slots).toBeGreaterThanOrEqual(12);
  });

  it('a 429 drops the slots in hand before the reset, waits for it, and tells the keeper next time', async () => {
    const seen: LeaseRequest[] = [];
    const limiter = new LeasedRateLimiter({
      call: ledgerCall(new LeaseLedger(SPECS), seen),
      specs: SPECS,
      holder: 'test/1',
      fallback: new InstanceRateLimiter('http://x', SPECS),
    });
    const { ticket } = await limiter.acquire(false);
    const reset = new Date(Date.now() + 800).toISOString();
    const headers: Record<string, string> = {
      'x-ratelimit-limit': '60',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': reset,
    };
    const wait = limiter.rateLimited(ticket, (n) => headers[n]);
    expect(wait).toBeGreaterThanOrEqual(700);
    expect(limiter.counters.dropped429).toBeGreaterThan(0);
    await limiter.wait(wait);
    const next = await limiter.acquire(false);
    expect(next.ticket.releasedMs).toBeGreaterThanOrEqual(Date.parse(reset));
    const reports = seen.flatMap((r) => r.reports ?? []);
    expect(reports.filter((r) => r.rateLimited)).toHaveLength(1);
  });

  it('falls back to its own limiter, saying so once, when the keeper cannot be asked', async () => {
    const warnings: string[] = [];
    const limiter = new LeasedRateLimiter({
      call: async () => {
        throw new LeaseUnavailableError('update-with-start is disabled');
      },
      specs: SPECS,
      holder: 'test/1',
      fallback: new InstanceRateLimiter('http://x', SPECS),
      warn: (m) => warnings.push(m),
    });
    for (let i = 0; i < 3; i++) {
      const { ticket } = await limiter.acquire(true);
      expect(ticket.marks.length).toBeGreaterThan(0);
    }
    expect(limiter.usingLocalFallback).toBe(true);
    expect(warnings).toEqual(['update-with-start is disabled']);
  });

  it('drops slots past their deadline instead of sending them late', async () => {
    let now = 10_000;
    const ledger = new LeaseLedger(SPECS);
    const limiter = new LeasedRateLimiter({
      call: async (req) => {
        const lease = ledger.grant(req.paged, req.want, req.holder, req.nowMs);
        if (now === 10_000) now = 12_000; // the first lease arrives two windows late
        return lease;
      },
      specs: SPECS,
      holder: 'test/1',
      fallback: new InstanceRateLimiter('http://x', SPECS),
      clock: () => now,
    });
    const call = limiter.acquire(false);
    // Every slot of the late lease is dropped; the next lease (granted at 12 000) is used.
    const { ticket } = await call;
    expect(limiter.counters.expired).toBeGreaterThan(0);
    expect(ticket.marks[0]!.windowEndMs).toBe(13_000);
  });
});

describe('the identity the shared budget is keyed by', () => {
  it('is a hash of the token, never the token', () => {
    const token = 'very-secret-token-value-123';
    const id = budgetIdentity(token);
    expect(id).toMatch(/^token-[0-9a-f]{16}$/);
    expect(id).not.toContain(token);
    expect(budgetIdentity(token)).toBe(id);
    expect(budgetIdentity('another')).not.toBe(id);
    expect(budgetIdentity(undefined)).toBe('anonymous');
  });
});
