// Pacing against Mastodon's rate limits, as pure arithmetic over a clock the caller passes in.
// activities/mastodon/rate-limiter.ts wraps one RateBudget per instance with real timers.
//
// Mastodon (rack-attack) counts requests in fixed windows aligned to multiples of the period:
// every API request against the general throttle (300 / 5 min per IP), and requests carrying
// max_id / min_id / since_id also against the paging throttle (300 / 15 min). Answers carry
// X-RateLimit-Limit / -Remaining / -Reset (ISO-8601, fractional seconds) describing the MOST
// limited throttle that applied — so the paging throttle is often invisible in the headers
// (at a common window start the general throttle shows the smaller remaining), and a client that
// only follows headers overspends it and meets a 429 when the general window rolls over. Hence
// the budget tracks both throttles itself (known period and limit, local counts) and uses the
// headers to correct its counts, limits and window ends.
//
// Policy per throttle, per request: a small burst (burstShare of the limit) goes out at once,
// the rest of the window's remaining budget is spent evenly until the reset; with nothing left,
// wait until the reset plus a margin (clocks differ, and real servers add a sub-second part).

export interface ThrottleSpec {
  limit: number;
  periodMs: number;
}

export interface ThrottleSpecs {
  api: ThrottleSpec;
  /** null: the server has no separate paging throttle. */
  paging: ThrottleSpec | null;
}

/** Mastodon's defaults for unauthenticated clients. */
export const MASTODON_THROTTLES: ThrottleSpecs = {
  api: { limit: 300, periodMs: 300_000 },
  paging: { limit: 300, periodMs: 900_000 },
};

export interface BudgetOptions {
  /** Share of a window's limit that may go out back to back before pacing starts. */
  burstShare: number;
  /** Wait this long past a reset; default min(1 s, 1 % of the period). */
  resetMarginMs?: number;
}

export const DEFAULT_BUDGET_OPTIONS: BudgetOptions = { burstShare: 0.1 };

export interface RateHeaders {
  limit: number;
  remaining: number;
  resetMs: number;
}

/**
 * X-RateLimit-Reset as epoch ms. Mastodon sends ISO-8601 with microseconds
 * (`2026-08-02T07:10:00.327266Z`); other servers send Unix seconds. Fractional seconds of any
 * length are cut to milliseconds, so the parse does not depend on the engine's leniency.
 */
export function parseResetHeader(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) {
    const n = Number(v);
    // Unix seconds; a value in ms would be > year 33658 as seconds.
    return n > 1e11 ? Math.round(n) : Math.round(n * 1000);
  }
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})$/i.exec(v);
  if (!m) return undefined;
  const frac = (m[2] ?? '').slice(0, 3).padEnd(3, '0');
  const zone = (m[3] ?? 'Z').toUpperCase();
  const ms = Date.parse(
    `${m[1]}.${frac}${zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`,
  );
  return Number.isNaN(ms) ? undefined : ms;
}

/** The three headers, or undefined when any is missing or unreadable. */
export function parseRateHeaders(get: (name: string) => string | undefined): RateHeaders | undefined {
  const limit = Number(get('x-ratelimit-limit'));
  const remaining = Number(get('x-ratelimit-remaining'));
  const resetMs = parseResetHeader(get('x-ratelimit-reset'));
  if (!Number.isFinite(limit) || limit <= 0 || !Number.isFinite(remaining) || resetMs === undefined) return undefined;
  return { limit, remaining: Math.max(0, remaining), resetMs };
}

type ThrottleName = 'api' | 'paging';

export interface ThrottleState {
  name: ThrottleName;
  limit: number;
  periodMs: number;
  /** End of the window being counted. */
  windowEndMs: number;
  /** Requests released in this window. */
  used: number;
  /** Best estimate of what the server still allows in this window. */
  remaining: number;
  lastReleaseMs: number | undefined;
  /** Where the server's windows start relative to multiples of the period (clock offset). */
  offsetMs: number;
}

/** Which window of which throttle a released request was counted in. */
export interface ReleaseMark {
  throttle: ThrottleName;
  windowEndMs: number;
  /** 1-based position of the request in that window. */
  seq: number;
}

export interface Ticket {
  paged: boolean;
  releasedMs: number;
  marks: ReleaseMark[];
}

/** Everything a RateBudget knows, as plain data (a budget-keeper workflow carries it across continue-as-new). */
export interface RateBudgetState {
  api: ThrottleState;
  paging: ThrottleState | null;
  burstShare: number;
  resetMarginMs?: number;
}

export interface BudgetSnapshot {
  api: { limit: number; periodMs: number; windowEndMs: number; used: number; remaining: number };
  paging?: { limit: number; periodMs: number; windowEndMs: number; used: number; remaining: number };
}

export class RateBudget {
  private readonly api: ThrottleState;
  private readonly paging: ThrottleState | undefined;
  private readonly burstShare: number;
  private readonly resetMarginMs: number | undefined;

  constructor(specs: ThrottleSpecs = MASTODON_THROTTLES, options: BudgetOptions = DEFAULT_BUDGET_OPTIONS) {
    this.api = newThrottle('api', specs.api);
    this.paging = specs.paging ? newThrottle('paging', specs.paging) : undefined;
    this.burstShare = Math.min(1, Math.max(0, options.burstShare));
    this.resetMarginMs = options.resetMarginMs;
  }

  /** A budget carrying on from `state()` of another (identical answers from then on). */
  static restore(state: RateBudgetState): RateBudget {
    const specs: ThrottleSpecs = {
      api: { limit: state.api.limit, periodMs: state.api.periodMs },
      paging: state.paging ? { limit: state.paging.limit, periodMs: state.paging.periodMs } : null,
    };
    const budget = new RateBudget(specs, {
      burstShare: state.burstShare,
      ...(state.resetMarginMs !== undefined ? { resetMarginMs: state.resetMarginMs } : {}),
    });
    Object.assign(budget.api, state.api);
    if (budget.paging && state.paging) Object.assign(budget.paging, state.paging);
    return budget;
  }

  state(): RateBudgetState {
    return {
      api: { ...this.api },
      paging: this.paging ? { ...this.paging } : null,
      burstShare: this.burstShare,
      ...(this.resetMarginMs !== undefined ? { resetMarginMs: this.resetMarginMs } : {}),
    };
  }

  /**
   * Where the window a request of this kind sent at `nowMs` is counted in ends (the earliest of
   * its throttles' windows), and the margin to wait past it.
   */
  windowEnd(paged: boolean, nowMs: number): { endMs: number; marginMs: number } {
    let first: ThrottleState | undefined;
    for (const t of this.applicable(paged)) {
      this.roll(t, nowMs);
      if (!first || t.windowEndMs < first.windowEndMs) first = t;
    }
    return { endMs: first!.windowEndMs, marginMs: this.margin(first!) };
  }

  /** Milliseconds to wait before a request of this kind may go out (0: now). */
  delayMs(paged: boolean, nowMs: number): number {
    let delay = 0;
    for (const t of this.applicable(paged)) {
      this.roll(t, nowMs);
      delay = Math.max(delay, this.throttleDelay(t, nowMs));
    }
    return delay;
  }

  /** Count a request that goes out now; keep the ticket to match its answer. */
  release(paged: boolean, nowMs: number): Ticket {
    const marks: ReleaseMark[] = [];
    for (const t of this.applicable(paged)) {
      this.roll(t, nowMs);
      t.used++;
      t.remaining--;
      t.lastReleaseMs = nowMs;
      marks.push({ throttle: t.name, windowEndMs: t.windowEndMs, seq: t.used });
    }
    return { paged, releasedMs: nowMs, marks };
  }

  /**
   * Learn from an answer's headers. They describe one throttle (the most limited that applied):
   * the general one for an unpaged request; for a paged one, whichever window end the reset
   * matches. The server's count wins over ours when it is lower (other clients on the same IP,
   * requests of a crashed worker); its window end wins when it disagrees with our alignment.
   */
  observe(ticket: Ticket, headers: RateHeaders | undefined, nowMs: number): void {
    if (!headers || headers.resetMs <= nowMs) return;
    const t = this.attribute(ticket, headers);
    if (!t) return;
    const mark = ticket.marks.find((m) => m.throttle === t.name);
    if (!mark) return;
    this.roll(t, nowMs);
    const resetMs = this.saneReset(t, headers.resetMs, nowMs);
    const tol = tolerance(t.periodMs);
    if (Math.abs(resetMs - t.windowEndMs) > tol) {
      // The server counts in another window than we do. A request released in an earlier window
      // of ours tells nothing about the current one.
      if (mark.windowEndMs !== t.windowEndMs) return;
      t.windowEndMs = resetMs;
      const offset = resetMs - Math.round(resetMs / t.periodMs) * t.periodMs;
      if (Math.abs(offset) <= t.periodMs / 2) t.offsetMs = offset;
    }
    if (mark.windowEndMs !== t.windowEndMs && Math.abs(mark.windowEndMs - t.windowEndMs) > tol) return;
    t.limit = headers.limit;
    const sinceThen = Math.max(0, t.used - mark.seq);
    t.remaining = Math.min(t.remaining, headers.remaining - sinceThen, t.limit - t.used);
  }

  /** A 429: nothing is left in the throttle that refused, until the reset it names. */
  rateLimited(ticket: Ticket, headers: RateHeaders | undefined, nowMs: number): number {
    const candidates = this.applicable(ticket.paged);
    let t = headers ? this.attribute(ticket, headers) : undefined;
    // Unknown which refused: assume the slowest applicable one.
    t ??= candidates.reduce((a, b) => (b.periodMs > a.periodMs ? b : a));
    this.roll(t, nowMs);
    if (headers && headers.resetMs > nowMs) {
      t.windowEndMs = this.saneReset(t, headers.resetMs, nowMs);
      t.limit = headers.limit;
    }
    t.remaining = 0;
    return Math.max(0, t.windowEndMs + this.margin(t) - nowMs);
  }

  snapshot(nowMs: number): BudgetSnapshot {
    const view = (t: ThrottleState) => {
      this.roll(t, nowMs);
      return { limit: t.limit, periodMs: t.periodMs, windowEndMs: t.windowEndMs, used: t.used, remaining: t.remaining };
    };
    return this.paging ? { api: view(this.api), paging: view(this.paging) } : { api: view(this.api) };
  }

  private applicable(paged: boolean): ThrottleState[] {
    return paged && this.paging ? [this.api, this.paging] : [this.api];
  }

  private attribute(ticket: Ticket, headers: RateHeaders): ThrottleState | undefined {
    const candidates = this.applicable(ticket.paged);
    if (candidates.length === 1) return candidates[0];
    // A limit only one of them has decides; else the window end closest to the reset.
    const byLimit = candidates.filter((t) => t.limit === headers.limit);
    if (byLimit.length === 1) return byLimit[0];
    return candidates.reduce((a, b) =>
      Math.abs(b.windowEndMs - headers.resetMs) < Math.abs(a.windowEndMs - headers.resetMs) ? b : a,
    );
  }

  /** A reset further away than one period is a clock problem (or a replayed answer): cap it. */
  private saneReset(t: ThrottleState, resetMs: number, nowMs: number): number {
    return Math.min(resetMs, nowMs + t.periodMs);
  }

  private roll(t: ThrottleState, nowMs: number): void {
    if (nowMs < t.windowEndMs) return;
    // Fixed windows aligned to multiples of the period, as rack-attack counts them (shifted by
    // the offset learned from the server's resets, when its clock differs from ours).
    t.windowEndMs = (Math.floor((nowMs - t.offsetMs) / t.periodMs) + 1) * t.periodMs + t.offsetMs;
    t.used = 0;
    t.remaining = t.limit;
    t.lastReleaseMs = undefined;
  }

  private margin(t: ThrottleState): number {
    return this.resetMarginMs ?? Math.min(1000, Math.ceil(t.periodMs * 0.01));
  }

  private throttleDelay(t: ThrottleState, nowMs: number): number {
    if (t.remaining <= 0) return t.windowEndMs + this.margin(t) - nowMs;
    const burst = Math.max(1, Math.floor(t.limit * this.burstShare));
    // Inside the burst allowance: the remaining budget still covers an even spread of the rest.
    const reserve = (t.limit - burst) * ((t.windowEndMs - nowMs) / t.periodMs);
    if (t.remaining - 1 >= reserve || t.lastReleaseMs === undefined) return 0;
    // Even spread of what is left until the reset, counted from the last release.
    const interval = (t.windowEndMs - t.lastReleaseMs) / (t.remaining + 1);
    return Math.max(0, t.lastReleaseMs + interval - nowMs);
  }
}

function newThrottle(name: ThrottleName, spec: ThrottleSpec): ThrottleState {
  if (!(spec.limit >= 1) || !(spec.periodMs >= 1))
    throw new RangeError(`throttle ${name} needs limit >= 1 and periodMs >= 1`);
  return {
    name,
    limit: spec.limit,
    periodMs: spec.periodMs,
    windowEndMs: 0,
    used: 0,
    remaining: spec.limit,
    lastReleaseMs: undefined,
    offsetMs: 0,
  };
}

/** How far a reset may be from our window end and still be the same window. */
function tolerance(periodMs: number): number {
  return Math.min(1500, periodMs / 4);
}

/**
 * Share of the allowed budget a run used: requests counted by a throttle over what it allows in
 * the elapsed time (limit × elapsed / period). Meaningful for a run that starts at a window start.
 */
export function budgetShare(requests: number, spec: ThrottleSpec, elapsedMs: number): number {
  if (elapsedMs <= 0) return 0;
  return requests / ((spec.limit * elapsedMs) / spec.periodMs);
}
