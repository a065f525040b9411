import { createHash } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, WithStartWorkflowOperation } from '@temporalio/client';
import { rateBudgetWorkflowId } from '../../domain/keys';
import type { ThrottleSpecs } from '../../domain/rate-budget';
import type { Lease, LeaseRequest } from '../../domain/rate-lease';
import { leaseUpdate, RATE_BUDGET_KEEPER_WORKFLOW_TYPE, type RateBudgetKeeperInput } from '../../workflows/contracts';
import { type LeaseCall, LeasedRateLimiter, LeaseUnavailableError } from './leased-rate-limiter';
import { type RequestLimiter, rateLimiterFor, throttleSpecsFor } from './rate-limiter';

// Which limiter a fetch activity paces its requests with: by default the instance's budget shared
// by every worker process, kept by one rateBudgetKeeper workflow per (task queue, instance,
// identity) and reached with update-with-start through the worker's own Temporal client (the
// activity context's). Mastodon counts unauthenticated requests per IP and authenticated ones per
// account: the identity is `anonymous` or a hash of the token — the token itself never leaves
// this process (not in the workflow ID, the keeper's input or its history).
//
// MASTOFLOW_RATE_BUDGET=local keeps each process on its own limiter (rate-limiter.ts), as before:
// for a single worker that wants no keeper workflow. The same happens, with a warning, when the
// server refuses Updates (update-with-start turned off).

/** `anonymous`, or `token-<16 hex>`: a hash of the token, never the token. */
export function budgetIdentity(token: string | undefined): string {
  if (!token) return 'anonymous';
  return `token-${createHash('sha256').update('mastoflow rate budget\n').update(token).digest('hex').slice(0, 16)}`;
}

/** About two minutes of retries; then the activity fails (and Temporal retries it). */
const MAX_LEASE_ATTEMPTS = 60;

const HOLDER = `${os.hostname()}/${process.pid}`;

interface Shared {
  limiter: LeasedRateLimiter;
  /** The throttle shapes it was made for (JSON): other shapes configured since make a new one. */
  specs: string;
  /** The client of the latest activity that used it (workers of one process may come and go). */
  client: Client | undefined;
}

const shared = new Map<string, Shared>();

export interface LimiterRequest {
  baseUrl: string;
  token: string | undefined;
  taskQueue: string;
  env: NodeJS.ProcessEnv;
  /** The running activity's client, when there is one. */
  client: Client | undefined;
  warn: (message: string) => void;
}

export function limiterFor(req: LimiterRequest): RequestLimiter {
  const mode = req.env.MASTOFLOW_RATE_BUDGET || 'shared';
  if (mode !== 'shared' && mode !== 'local')
    throw new Error(`MASTOFLOW_RATE_BUDGET must be "shared" (the default) or "local", got ${JSON.stringify(mode)}`);
  const local = rateLimiterFor(req.baseUrl, req.env);
  if (!req.client || mode === 'local') return local;
  const specs = throttleSpecsFor(req.baseUrl, req.env);
  const workflowId = rateBudgetWorkflowId(req.taskQueue, req.baseUrl, budgetIdentity(req.token));
  let entry = shared.get(workflowId);
  if (!entry || entry.specs !== JSON.stringify(specs)) {
    const e: Shared = {
      client: req.client,
      specs: JSON.stringify(specs),
      limiter: undefined as unknown as LeasedRateLimiter,
    };
    e.limiter = new LeasedRateLimiter({
      call: leaseCall(() => e.client!, { workflowId, taskQueue: req.taskQueue, specs }),
      specs,
      holder: HOLDER,
      fallback: local,
      warn: req.warn,
    });
    entry = e;
    shared.set(workflowId, entry);
  }
  entry.client = req.client;
  return entry.limiter;
}

/** Forget every shared limiter of this process (tests that reuse a base URL). */
export function resetSharedLimiters(): void {
  shared.clear();
}

/** One lease through update-with-start; retried until it is answered or the activity is cancelled. */
function leaseCall(
  client: () => Client,
  keeper: { workflowId: string; taskQueue: string; specs: ThrottleSpecs },
): LeaseCall {
  const input: RateBudgetKeeperInput = { specs: keeper.specs };
  return async (req: LeaseRequest, signal?: AbortSignal): Promise<Lease> => {
    for (let attempt = 0; ; attempt++) {
      const c = client();
      const ask = () =>
        c.workflow.executeUpdateWithStart(leaseUpdate, {
          // The keeper's clock is the asker's: now, not when the first attempt was made.
          args: [{ ...req, nowMs: Math.max(req.nowMs, Date.now()) }],
          startWorkflowOperation: new WithStartWorkflowOperation(RATE_BUDGET_KEEPER_WORKFLOW_TYPE, {
            workflowId: keeper.workflowId,
            taskQueue: keeper.taskQueue,
            args: [input],
            workflowIdConflictPolicy: 'USE_EXISTING',
          }),
        });
      try {
        return await (signal ? c.connection.withAbortSignal(signal, ask) : ask());
      } catch (err) {
        signal?.throwIfAborted();
        if (attempt >= MAX_LEASE_ATTEMPTS) throw err;
        if (unavailable(err))
          throw new LeaseUnavailableError(
            `the Temporal server refuses update-with-start (${err instanceof Error ? err.message : String(err)}): ` +
              'this worker paces its requests alone; several workers may exceed the instance rate limit',
          );
        // The keeper is between runs (continue-as-new, idle end) or its worker just died: again.
        await sleep(Math.min(2_000, 100 * 2 ** attempt), undefined, signal ? { signal } : undefined);
      }
    }
  };
}

/** gRPC UNIMPLEMENTED, or the server saying the feature is off. */
function unavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === 12) return true;
    const msg = e instanceof Error ? e.message : '';
    if (/update.*(disabled|not enabled)|(disabled|not enabled).*update|multi.?operation.*disabled/i.test(msg))
      return true;
  }
  return false;
}
