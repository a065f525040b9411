import { z } from 'zod';
import {
  DEFAULT_BUDGET_OPTIONS,
  RateBudget,
  type RateBudgetState,
  type ReleaseMark,
  type ThrottleSpecs,
  type Ticket,
} from './rate-budget';

// One instance's request budget shared by every worker process, as leases: pure accounting over
// a clock the caller passes in (the budget-keeper workflow, workflows/rate-budget-keeper.ts,
// passes its deterministic workflow time).
//
// A lease is a handful of slots: "one request of this kind may go out at or after atMs, and no
// later than deadlineMs". The ledger plans the slots with the same RateBudget that paces a single
// process (burst at the window start, then an even spread to the reset), so N processes together
// pace like one: each slot is counted in the fixed window it falls in, when it is granted. Hence:
//   - a slot never used (the process holding it died, or finished its work first) stays counted
//     until its window passes: conservative, never over budget;
//   - slots are granted in time order (a cursor that only moves forward), so a slot is never
//     counted in a later window than the one the server will count it in;
//   - no slot is planned in the last `guardMs` of a window, and a process drops a slot it could
//     not send before its deadline, so a request sent late is not counted by the server in the
//     next window while the ledger counted it in this one.
// What the server says corrects the plan: answers' X-RateLimit-* headers and 429s that the
// processes report back (with their next lease request) go through RateBudget.observe and
// .rateLimited, so requests of other clients on the same IP or token shrink the budget.

const Throttle = z.object({ limit: z.number().int().min(1), periodMs: z.number().int().min(1) });
export const ThrottleSpecsSchema = z.object({ api: Throttle, paging: Throttle.nullable() });

const Mark = z.object({
  throttle: z.enum(['api', 'paging']),
  windowEndMs: z.number(),
  seq: z.number().int(),
});

/** What a process learned from one answer to a slot's request. */
export const LeaseReportSchema = z.object({
  paged: z.boolean(),
  releasedMs: z.number(),
  marks: z.array(Mark).max(2),
  /** 429: the server refused (budget spent elsewhere too); else an answer with headers. */
  rateLimited: z.boolean(),
  headers: z.object({ limit: z.number(), remaining: z.number(), resetMs: z.number() }).optional(),
});
export type LeaseReport = z.output<typeof LeaseReportSchema>;

export const LeaseRequestSchema = z.object({
  paged: z.boolean(),
  /** Slots wanted; the ledger grants at most leaseSize(specs). */
  want: z.number().int().min(1).max(1000),
  /** Which process asks (host/pid): for the keeper's figures, never a secret. */
  holder: z.string().min(1).max(200),
  /** The sender's clock (epoch ms) when it asked: the keeper's time. */
  nowMs: z.number().int().min(0),
  reports: z.array(LeaseReportSchema).max(64).default([]),
});
export type LeaseRequest = z.input<typeof LeaseRequestSchema>;

export interface LeaseSlot {
  /** Not before. */
  atMs: number;
  /** Not after: send it by then or drop it (it is counted in the window that ends just after). */
  deadlineMs: number;
  /** Which window of which throttle the slot is counted in (the ticket's marks). */
  marks: ReleaseMark[];
}

export interface Lease {
  paged: boolean;
  slots: LeaseSlot[];
}

export interface LedgerStats {
  leases: number;
  slots: number;
  reports: number;
  rateLimitedReports: number;
  /** Slots granted per holder. */
  holders: Record<string, number>;
}

export interface LedgerState {
  budget: RateBudgetState;
  cursorMs: number;
  stats: LedgerStats;
}

/**
 * Slots per lease: a twentieth of the tightest limit (15 of Mastodon's 300), within [2, 64]. Big
 * enough that the keeper sees one Update per ~15 requests (at Mastodon's pace, one per 15 s per
 * process), small enough that a dead process strands few of them and one process does not hold
 * a whole window's budget while others wait.
 */
export function leaseSize(specs: ThrottleSpecs): number {
  const tightest = Math.min(specs.api.limit, specs.paging?.limit ?? Number.POSITIVE_INFINITY);
  return Math.min(64, Math.max(2, Math.floor(tightest / 20)));
}

/** No slot in the last guardMs of a window: min(500 ms, 1 % of the shortest period). */
export function slotGuardMs(specs: ThrottleSpecs): number {
  const shortest = Math.min(specs.api.periodMs, specs.paging?.periodMs ?? Number.POSITIVE_INFINITY);
  return Math.min(500, Math.ceil(shortest / 100));
}

export class LeaseLedger {
  private readonly budget: RateBudget;
  private cursorMs: number;
  private readonly stats: LedgerStats;
  private readonly guardMs: number;
  private readonly size: number;

  constructor(
    readonly specs: ThrottleSpecs,
    state?: LedgerState,
  ) {
    this.budget = state ? RateBudget.restore(state.budget) : new RateBudget(specs, DEFAULT_BUDGET_OPTIONS);
    this.cursorMs = state?.cursorMs ?? 0;
    this.stats = state
      ? { ...state.stats, holders: { ...state.stats.holders } }
      : { leases: 0, slots: 0, reports: 0, rateLimitedReports: 0, holders: {} };
    this.guardMs = slotGuardMs(specs);
    this.size = leaseSize(specs);
  }

  /** Learn from what processes report (answers' headers, 429s), before granting. */
  learn(reports: readonly LeaseReport[], nowMs: number): void {
    for (const r of reports) {
      const ticket: Ticket = { paged: r.paged, releasedMs: r.releasedMs, marks: r.marks };
      this.stats.reports++;
      if (r.rateLimited) {
        this.stats.rateLimitedReports++;
        this.budget.rateLimited(ticket, r.headers, nowMs);
      } else {
        this.budget.observe(ticket, r.headers, nowMs);
      }
    }
  }

  /** Plan up to `want` slots of one kind (at most leaseSize), in time order after every slot granted before. */
  grant(paged: boolean, want: number, holder: string, nowMs: number): Lease {
    const n = Math.max(1, Math.min(want, this.size));
    const slots: LeaseSlot[] = [];
    let t = Math.max(nowMs, this.cursorMs);
    for (let i = 0; i < n; i++) {
      t = this.nextSendable(paged, t);
      const { endMs } = this.budget.windowEnd(paged, t);
      const ticket = this.budget.release(paged, t);
      slots.push({ atMs: t, deadlineMs: endMs - Math.ceil(this.guardMs / 2), marks: ticket.marks });
    }
    this.cursorMs = t;
    this.stats.leases++;
    this.stats.slots += slots.length;
    this.stats.holders[holder] = (this.stats.holders[holder] ?? 0) + slots.length;
    return { paged, slots };
  }

  state(): LedgerState {
    return { budget: this.budget.state(), cursorMs: this.cursorMs, stats: { ...this.stats } };
  }

  figures(nowMs: number): LedgerStats & { cursorMs: number; budget: ReturnType<RateBudget['snapshot']> } {
    return { ...this.stats, cursorMs: this.cursorMs, budget: this.budget.snapshot(nowMs) };
  }

  /** The first time at or after t the budget allows a request of this kind, outside a window's guard. */
  private nextSendable(paged: boolean, from: number): number {
    let t = from;
    // Each turn moves t forward (to the budget's next release, or past a window's end); the cap
    // only guards against a bug looping the workflow forever.
    for (let turn = 0; turn < 10_000; turn++) {
      const delay = this.budget.delayMs(paged, t);
      if (delay > 0) {
        t += delay;
        continue;
      }
      const { endMs, marginMs } = this.budget.windowEnd(paged, t);
      if (endMs - t < this.guardMs) {
        t = endMs + marginMs;
        continue;
      }
      return t;
    }
    throw new Error('rate lease: no sendable time found (budget state inconsistent)');
  }
}
