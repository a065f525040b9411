import { allHandlersFinished, condition, continueAsNew, setHandler } from '@temporalio/workflow';
import { LeaseLedger, LeaseRequestSchema, type Lease, type LedgerStats } from '../domain/rate-lease';
import { leaseUpdate, rateBudgetQuery, type RateBudgetKeeperInput } from './contracts';

// rateBudgetKeeper: the one place an instance's request budget is kept, however many worker
// processes fetch from it. Each process's fetch activities ask it for a lease — a few request
// slots with not-before times — through a Workflow Update (activities/mastodon/leased-rate-limiter.ts),
// and report the answers' X-RateLimit-* headers and 429s with their next request. The ledger
// (domain/rate-lease.ts) is pure and driven by the requesters' clocks (assumed NTP-synchronised:
// a skew beyond the slot guard, min(500 ms, 1 % of the period), could overspend a window), so
// the state is the history:
//
//   - the worker running this workflow dies: the workflow task times out on that worker's sticky
//     queue (about 10 s) and another worker of the queue replays the history and carries on;
//     lease requests wait meanwhile (the fetches heartbeat while they wait), nothing is lost;
//   - a process holding a lease dies: its unused slots stay counted in their windows (the
//     ledger never takes them back), so the budget is under-used for at most one window, never
//     overspent.
//
// Why not Temporal's task-queue rate limit (maxTaskQueueActivitiesPerSecond)? It counts activity
// starts, and one fetch activity makes hundreds of HTTP requests (a page each), at a pace that
// depends on the answers; the budget Mastodon enforces is HTTP requests per fixed window.
//
// The handler is synchronous: a lease is computed in the workflow task that delivers the Update,
// so its latency is one workflow task. Leases are batched (leaseSize slots, ~15 for Mastodon) to
// keep that to one Update per ~15 requests per process. The history is bounded by
// continue-as-new after `leasesPerRun` leases; an idle keeper ends (the next lease request starts
// a fresh one: by then every window it counted has passed).

const DEFAULT_LEASES_PER_RUN = 500;

export async function rateBudgetKeeper(input: RateBudgetKeeperInput): Promise<LedgerStats> {
  const ledger = new LeaseLedger(input.specs, input.state);
  const leasesPerRun = input.leasesPerRun ?? DEFAULT_LEASES_PER_RUN;
  const longest = Math.max(input.specs.api.periodMs, input.specs.paging?.periodMs ?? 0);
  const idleMs = input.idleMs ?? Math.max(60_000, 2 * longest);
  let leases = 0;
  // The keeper's clock: the latest of the requesters' clocks (each request carries its sender's
  // time), never going back. Pure input, so a replay computes the same leases.
  let nowMs = input.state?.cursorMs ?? 0;

  setHandler(
    leaseUpdate,
    (raw): Lease => {
      const req = LeaseRequestSchema.parse(raw);
      nowMs = Math.max(nowMs, req.nowMs);
      ledger.learn(req.reports, nowMs);
      leases++;
      return ledger.grant(req.paged, req.want, req.holder, nowMs);
    },
    {
      // A malformed request is rejected before it enters the history.
      validator: (raw) => {
        LeaseRequestSchema.parse(raw);
      },
    },
  );
  setHandler(rateBudgetQuery, () => ({ ...ledger.figures(nowMs), leasesThisRun: leases }));

  for (;;) {
    const seen = leases;
    if (await condition(() => leases >= leasesPerRun, idleMs)) break;
    if (leases === seen) {
      // No request for idleMs: every window counted has passed; the next request starts afresh.
      await condition(allHandlersFinished);
      return ledger.state().stats;
    }
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof rateBudgetKeeper>({ ...input, state: ledger.state() });
}
