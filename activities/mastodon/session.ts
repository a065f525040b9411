import type { Mastodon } from 'megalodon';
import type { InstanceConfig } from '../../domain/config';
import { rateLimitFailure, transportFailure } from './errors';
import { capture, createMegalodon, type Exchange } from './http';
import type { RequestLimiter } from './rate-limiter';
import type { RateLimitCounters } from './manifest';

// One fetch's conversation with one instance: every request waits for the instance's shared
// rate budget, its answer teaches the budget, a 429 waits for the reset and sends the same
// request again (the fetch's cursor stays where it was, so no status is lost). Anything without
// an HTTP answer (timeout, reset connection, a body cut mid-transfer) becomes a retryable
// failure here; answers with a status are returned for the fetcher to classify.

export const MAX_429_WAITS = 8;

export interface SessionOptions {
  token?: string;
  timeoutMs?: number;
  limiter: RequestLimiter;
  /** Heartbeat while waiting for the budget. */
  onWait?: () => void;
  signal?: AbortSignal;
  /** Counters carried over from an earlier attempt. */
  counters?: RateLimitCounters;
}

export class MastodonSession {
  readonly client: Mastodon;
  readonly counters: RateLimitCounters;

  constructor(
    readonly instance: InstanceConfig,
    private readonly opts: SessionOptions,
  ) {
    this.client = createMegalodon(instance, { token: opts.token, timeoutMs: opts.timeoutMs });
    this.counters = { ...(opts.counters ?? { requests: 0, waits: 0, waitedMs: 0, http429: 0 }) };
  }

  get hasToken(): boolean {
    return !!this.opts.token;
  }

  /**
   * Send one request through megalodon. `paged` says whether it carries max_id/min_id/since_id
   * (Mastodon's paging throttle). Returns the answer for any status but 429.
   */
  async request(endpoint: string, paged: boolean, call: (m: Mastodon) => Promise<unknown>): Promise<Exchange> {
    const { limiter, onWait, signal } = this.opts;
    for (let waits429 = 0; ; waits429++) {
      const { ticket, waitedMs } = await limiter.acquire(paged, { onWait, signal });
      if (waitedMs > 0) {
        this.counters.waits++;
        this.counters.waitedMs += waitedMs;
      }
      this.counters.requests++;
      const result = await capture(() => call(this.client));
      const ex = result.exchange;
      if (!ex) throw transportFailure({ instance: this.instance.name, endpoint }, result.error);
      const header = (name: string) => ex.headers[name];
      if (ex.status !== 429) {
        limiter.observe(ticket, header);
        return ex;
      }
      this.counters.http429++;
      if (waits429 >= MAX_429_WAITS) throw rateLimitFailure({ instance: this.instance.name, endpoint }, waits429);
      const waitMs = limiter.rateLimited(ticket, header);
      const before = Date.now();
      await limiter.wait(waitMs, { onWait, signal });
      this.counters.waits++;
      this.counters.waitedMs += Date.now() - before;
    }
  }
}
