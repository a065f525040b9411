// Switchable misbehaviour, so fetchers can be tested against what real instances and their
// proxies do: flaky 5xx, slowness, cut-off or non-JSON bodies, records that break the schema,
// and feeds an admin has closed. Which request gets hit is drawn from a seeded stream, so a
// given request sequence misbehaves the same way on every run.

import { z } from 'zod';
import { hashInts, hashString, Rng } from './prng';

export const UnavailableFeedSchema = z.enum(['activity', 'peers', 'directory', 'trends']);
export type UnavailableFeed = z.output<typeof UnavailableFeedSchema>;

export const SimFaultsSchema = z.object({
  /** Share of API requests answered with serverErrorStatus. */
  serverErrorRate: z.number().min(0).max(1).default(0),
  serverErrorStatus: z.number().int().min(500).max(599).default(503),
  /**
   * Share of API requests that start a burst of 429s: that request and the next
   * throttleBurstLength - 1 are refused as a throttled proxy or instance would, with
   * X-RateLimit-Reset throttleBurstMs ahead (whatever the rate limiter counts).
   */
  throttleBurstRate: z.number().min(0).max(1).default(0),
  throttleBurstLength: z.number().int().min(1).default(5),
  throttleBurstMs: z.number().int().min(0).default(1_000),
  /** Added before every API answer. */
  latencyMs: z.number().min(0).default(0),
  /** Share of API answers delayed by latencySpikeMs more (slow spikes, not a steady crawl). */
  latencySpikeRate: z.number().min(0).max(1).default(0),
  latencySpikeMs: z.number().min(0).default(2_000),
  /** Share of JSON answers cut in half. */
  truncateRate: z.number().min(0).max(1).default(0),
  /**
   * 'body': a complete HTTP answer whose JSON is cut (Content-Length matches the cut body);
   * 'connection': Content-Length of the full body, then the socket is destroyed half-way.
   */
  truncateMode: z.enum(['body', 'connection']).default('body'),
  /** Share of JSON answers replaced by an HTML error page (still 200, JSON content type). */
  invalidJsonRate: z.number().min(0).max(1).default(0),
  /** Share of records in status/account lists that break the entity schema. */
  brokenRecordRate: z.number().min(0).max(1).default(0),
  /**
   * 'stream': records to break are drawn from the request stream (a retried page breaks other
   * records). 'id': a status breaks by a hash of its ID, the same one on every answer whatever
   * else misbehaves, so a run under other faults can be compared with a run without them.
   */
  brokenRecordPick: z.enum(['stream', 'id']).default('stream'),
  /**
   * How the public timeline (live feeds) answers anonymous requests: 'unauthorized' is
   * Mastodon's `authenticated` setting (401), 'disabled' answers 200 with `[]`.
   */
  publicTimeline: z.enum(['open', 'unauthorized', 'disabled']).default('open'),
  /** Endpoints the admin switched off: activity/peers 404 with empty body, directory 404
   * with a JSON error, trends 200 with `[]` (what Mastodon does for each). */
  unavailable: z.array(UnavailableFeedSchema).default([]),
});

export type SimFaults = z.output<typeof SimFaultsSchema>;
export type SimFaultsInput = z.input<typeof SimFaultsSchema>;

export type BrokenRecordKind = 'missing-id' | 'bad-created-at' | 'missing-account' | 'numeric-id';

export const HTML_ERROR_PAGE =
  "<!DOCTYPE html>\n<html><head><title>We're sorry, but something went wrong (500)</title></head>" +
  "<body><h1>We're sorry, but something went wrong.</h1></body></html>\n";

export class FaultInjector {
  private faults: SimFaults;
  private readonly rng: Rng;

  constructor(
    private readonly seed: number,
    faults: SimFaultsInput = {},
  ) {
    this.faults = SimFaultsSchema.parse(faults);
    this.rng = new Rng(hashInts(seed, 0xfa017));
  }

  get current(): SimFaults {
    return this.faults;
  }

  set(faults: SimFaultsInput): void {
    this.faults = SimFaultsSchema.parse(faults);
  }

  roll(rate: number): boolean {
    // Draw only when the fault is on, so switching one fault does not shift the others' draws.
    return rate > 0 && (rate >= 1 || this.rng.chance(rate));
  }

  unavailable(feed: UnavailableFeed): boolean {
    return this.faults.unavailable.includes(feed);
  }

  /** Copy the list, breaking a share of its records in one of a few schema-violating ways. */
  breakRecords<T extends object>(records: T[]): T[] {
    const rate = this.faults.brokenRecordRate;
    if (rate <= 0) return records;
    const kinds: BrokenRecordKind[] = ['missing-id', 'bad-created-at', 'missing-account', 'numeric-id'];
    const byId = this.faults.brokenRecordPick === 'id';
    return records.map((r) => {
      const id = (r as { id?: unknown }).id;
      const h = byId ? hashInts(this.seed, 0xb40c, hashString(String(id))) : 0;
      if (byId ? h / 2 ** 32 >= rate : !this.roll(rate)) return r;
      const copy: Record<string, unknown> = { ...(r as Record<string, unknown>) };
      const kind = kinds[byId ? h % kinds.length : this.rng.int(kinds.length)] as BrokenRecordKind;
      if (kind === 'missing-id') delete copy.id;
      else if (kind === 'bad-created-at') copy.created_at = 'not-a-date';
      else if (kind === 'missing-account' && 'account' in copy) delete copy.account;
      else copy.id = Number(copy.id);
      return copy as T;
    });
  }
}
