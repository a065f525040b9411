import { setTimeout as sleep } from 'node:timers/promises';
import { type RateHeaders, parseRateHeaders, type ThrottleSpecs, type Ticket } from '../../domain/rate-budget';
import { leaseSize, type Lease, type LeaseReport, type LeaseRequest, type LeaseSlot } from '../../domain/rate-lease';
import { type AcquireOptions, type Acquired, pause, type RequestLimiter } from './rate-limiter';

// The process side of an instance's shared budget: the fetches of this process take request
// slots from leases the instance's keeper workflow grants (workflows/rate-budget-keeper.ts) —
// one lease request in flight per kind (paged / not) at a time, asked for again before the slots
// in hand run out, so one process alone paces as fast as its own limiter did. A lease is sized
// by demand: 4 slots per fetch of this process waiting for one (at most leaseSize), so a process
// with one fetch running does not hold slots another process with eight could send — a slot
// counted but never sent is budget lost for everyone. Each slot goes out
// no earlier than its not-before time and is dropped past its deadline (it would be counted by
// the server in a window the keeper did not count it in). What the server answers goes back to
// the keeper with the next lease request: the latest headers of each kind, and every 429.
//
// When this process dies, its slots die with it; the keeper counted them, so the instance's budget
// is under-used until their windows pass, never overspent.

export type LeaseCall = (req: LeaseRequest, signal?: AbortSignal) => Promise<Lease>;

/** The keeper cannot be asked at all (Updates turned off on the server): use the local limiter. */
export class LeaseUnavailableError extends Error {
  override readonly name = 'LeaseUnavailableError';
}

const WAIT_SLICE_MS = 1_000;
const MAX_429_REPORTS = 16;

type Kind = 'paged' | 'unpaged';
const kindOf = (paged: boolean): Kind => (paged ? 'paged' : 'unpaged');

export interface LeasedLimiterOptions {
  call: LeaseCall;
  specs: ThrottleSpecs;
  /** This process, for the keeper's figures (host/pid). */
  holder: string;
  /** Used from the first LeaseUnavailableError on. */
  fallback: RequestLimiter;
  /** Told once when falling back. */
  warn?: (message: string) => void;
  clock?: () => number;
}

export class LeasedRateLimiter implements RequestLimiter {
  private readonly pools: Record<Kind, LeaseSlot[]> = { paged: [], unpaged: [] };
  private readonly inFlight: Partial<Record<Kind, Promise<void>>> = {};
  private readonly latest: Partial<Record<Kind, LeaseReport>> = {};
  private limited: LeaseReport[] = [];
  private readonly size: number;
  /** acquire() calls in progress, per kind: the demand a lease is sized by. */
  private readonly waiting: Record<Kind, number> = { paged: 0, unpaged: 0 };
  private readonly clock: () => number;
  private local = false;
  readonly counters = { leases: 0, slots: 0, expired: 0, dropped429: 0 };

  constructor(private readonly opts: LeasedLimiterOptions) {
    this.size = leaseSize(opts.specs);
    this.clock = opts.clock ?? Date.now;
  }

  /** Whether this process fell back to pacing alone (the keeper could not be asked). */
  get usingLocalFallback(): boolean {
    return this.local;
  }

  async acquire(paged: boolean, opts: AcquireOptions = {}): Promise<Acquired> {
    const kind = kindOf(paged);
    this.waiting[kind]++;
    try {
      return await this.acquireSlot(paged, opts);
    } finally {
      this.waiting[kind]--;
    }
  }

  private async acquireSlot(paged: boolean, opts: AcquireOptions): Promise<Acquired> {
    const started = this.clock();
    for (;;) {
      if (this.local) return this.opts.fallback.acquire(paged, opts);
      const slot = this.take(paged);
      if (!slot) {
        await this.waitFor(this.refill(paged, opts.signal), opts);
        continue;
      }
      this.prefetch(paged, opts.signal);
      for (let left = slot.atMs - this.clock(); left > 0; left = slot.atMs - this.clock())
        await pause(Math.min(left, WAIT_SLICE_MS), opts);
      const now = this.clock();
      if (now > slot.deadlineMs) {
        this.counters.expired++;
        continue;
      }
      const ticket: Ticket = { paged, releasedMs: now, marks: slot.marks };
      return { ticket, waitedMs: now - started };
    }
  }

  observe(ticket: Ticket, headers: (name: string) => string | undefined): void {
    if (this.local) {
      this.opts.fallback.observe(ticket, headers);
      return;
    }
    const h = parseRateHeaders(headers);
    if (!h || ticket.marks.length === 0) return;
    this.latest[kindOf(ticket.paged)] = report(ticket, false, h);
  }

  rateLimited(ticket: Ticket, headers: (name: string) => string | undefined): number {
    if (this.local) return this.opts.fallback.rateLimited(ticket, headers);
    const h = parseRateHeaders(headers);
    if (this.limited.length < MAX_429_REPORTS) this.limited.push(report(ticket, true, h));
    const now = this.clock();
    // Without headers: the end of the latest window the request was counted in.
    const resetMs = h && h.resetMs > now ? h.resetMs : Math.max(now, ...ticket.marks.map((m) => m.windowEndMs));
    const resumeMs = resetMs + Math.min(1_000, Math.ceil(this.opts.specs.api.periodMs / 100));
    // Slots in hand before the reset would meet the same refusal.
    for (const kind of ['paged', 'unpaged'] as const) {
      const keep = this.pools[kind].filter((s) => s.atMs >= resumeMs);
      this.counters.dropped429 += this.pools[kind].length - keep.length;
      this.pools[kind] = keep;
    }
    return Math.max(0, resumeMs - now);
  }

  async wait(ms: number, opts: AcquireOptions = {}): Promise<void> {
    const end = this.clock() + ms;
    for (let left = ms; left > 0; left = end - this.clock()) await pause(Math.min(left, WAIT_SLICE_MS), opts);
  }

  /** The first slot in hand of this kind that can still go out (slots past their deadline dropped). */
  private take(paged: boolean): LeaseSlot | undefined {
    const pool = this.pools[kindOf(paged)];
    const now = this.clock();
    while (pool.length > 0 && pool[0]!.deadlineMs < now) {
      pool.shift();
      this.counters.expired++;
    }
    return pool.shift();
  }

  /** Slots to ask for: 4 per waiting fetch, within [4, leaseSize]. */
  private want(kind: Kind): number {
    return Math.min(this.size, Math.max(4, 4 * this.waiting[kind]));
  }

  /** Ask for the next lease while half of what the current demand wants is still in hand. */
  private prefetch(paged: boolean, signal: AbortSignal | undefined): void {
    const kind = kindOf(paged);
    if (this.pools[kind].length < this.want(kind) / 2) this.refill(paged, signal).catch(() => {});
  }

  private refill(paged: boolean, signal: AbortSignal | undefined): Promise<void> {
    const kind = kindOf(paged);
    const pending = this.inFlight[kind];
    if (pending) return pending;
    const reports = this.drainReports();
    const p = (async () => {
      try {
        const lease = await this.opts.call(
          { paged, want: this.want(kind), holder: this.opts.holder, nowMs: this.clock(), reports },
          signal,
        );
        this.counters.leases++;
        this.counters.slots += lease.slots.length;
        const pool = this.pools[kind];
        pool.push(...lease.slots);
        pool.sort((a, b) => a.atMs - b.atMs);
      } catch (err) {
        if (err instanceof LeaseUnavailableError) {
          if (!this.local) {
            try {
              this.opts.warn?.(err.message);
            } catch {
              // Outside an activity's context the activity logger throws: the fallback matters more.
            }
          }
          this.local = true;
          return;
        }
        // Not delivered: what they said still counts next time.
        this.limited = [...reports.filter((r) => r.rateLimited), ...this.limited].slice(0, MAX_429_REPORTS);
        throw err;
      } finally {
        this.inFlight[kind] = undefined;
      }
    })();
    this.inFlight[kind] = p;
    return p;
  }

  private drainReports(): LeaseReport[] {
    const out = [...this.limited, ...[this.latest.paged, this.latest.unpaged].filter((r) => r !== undefined)];
    this.limited = [];
    this.latest.paged = undefined;
    this.latest.unpaged = undefined;
    return out;
  }

  /** Wait for a lease, heartbeating every second (a keeper moving to another worker takes ~10 s). */
  private async waitFor(p: Promise<void>, opts: AcquireOptions): Promise<void> {
    let settled = false;
    const done = p.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    while (!settled) {
      await Promise.race([done, sleep(WAIT_SLICE_MS, undefined, { ref: false })]);
      if (!settled) opts.onWait?.();
      opts.signal?.throwIfAborted();
    }
    await p;
  }
}

function report(ticket: Ticket, rateLimited: boolean, headers: RateHeaders | undefined): LeaseReport {
  return {
    paged: ticket.paged,
    releasedMs: ticket.releasedMs,
    marks: ticket.marks,
    rateLimited,
    ...(headers ? { headers } : {}),
  };
}
