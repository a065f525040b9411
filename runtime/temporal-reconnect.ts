import type { ConnectionLike } from '@temporalio/client';

// Following a run outlives the Temporal server's restarts. A CLI command that follows a run
// (`run --wait`, `backfill`) only watches: the run lives in Temporal and carries on without it.
// When the server goes away, the gRPC calls fail with UNAVAILABLE (or "Channel has been shut
// down", "Connection dropped", ...); instead of dying with that stack trace, the follower says it
// lost the connection, naming the address, and keeps trying until the server answers again.
// gRPC reconnects the channel by itself; the connection's reconnect backoff is capped (see
// CLIENT_CHANNEL_ARGS) so a restarted server is found within seconds.

/** gRPC channel settings for clients that follow runs: retry a lost server at least every 2 s. */
export const CLIENT_CHANNEL_ARGS = {
  'grpc.initial_reconnect_backoff_ms': 500,
  'grpc.max_reconnect_backoff_ms': 2_000,
} as const;

// gRPC status codes (grpc-js is not a direct dependency; the numbers are the gRPC spec's).
const GrpcStatus = { UNKNOWN: 2, DEADLINE_EXCEEDED: 4, INTERNAL: 13, UNAVAILABLE: 14 } as const;

/** gRPC codes that mean "the server is not there (now)", not "the server said no". */
const LOST_CODES: ReadonlySet<number> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.INTERNAL, // "Received RST_STREAM" when the server dies mid-call
  GrpcStatus.UNKNOWN, // "Connection dropped" on some grpc-js versions
]);

const LOST_MESSAGES =
  /Channel has been shut down|Connection dropped|ECONNREFUSED|ECONNRESET|No connection established|Failed to connect/i;

/** True when `err` (or an error it wraps) says the Temporal server could not be reached. */
export function isConnectionLost(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof e !== 'object') return false;
    const code = (e as { code?: unknown }).code;
    const details = `${(e as { details?: unknown }).details ?? ''} ${(e as { message?: unknown }).message ?? ''}`;
    if (typeof code === 'number' && LOST_CODES.has(code)) {
      // UNKNOWN and INTERNAL also carry real server answers: only their connection-shaped ones count.
      if (code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED) return true;
      if (LOST_MESSAGES.test(details) || /RST_STREAM/.test(details)) return true;
    }
    if (LOST_MESSAGES.test(details)) return true;
  }
  return false;
}

export interface ReconnectOptions {
  /** The address followed (printed in the notices). */
  address: string;
  /** Called once when the connection is lost, then every `stillEveryMs` while it stays lost. */
  onLost: (notice: string) => void;
  /** Called once when the server answers again. */
  onBack: (notice: string) => void;
  /** Pause between attempts (default 1 s). */
  retryMs?: number;
  /** How often to repeat the "still reconnecting" notice (default 30 s). */
  stillEveryMs?: number;
}

/**
 * The follower's view of the connection, shared by its calls (the outcome's long poll, the
 * progress polls, the probe): each lost call reports here, each answered one too, and the
 * notices are printed once per outage whichever call noticed first.
 */
export class ConnectionNotices {
  private lostSince: number | undefined;
  private lastNotice = 0;

  constructor(readonly opts: ReconnectOptions) {}

  get isLost(): boolean {
    return this.lostSince !== undefined;
  }

  /** A call failed: announce the outage if it is one (true when it was). */
  failed(err: unknown, now = Date.now()): boolean {
    if (!isConnectionLost(err)) return false;
    if (this.lostSince === undefined) {
      this.lostSince = now;
      this.lastNotice = now;
      this.opts.onLost(lostNotice(this.opts.address, err));
    } else if (now - this.lastNotice >= (this.opts.stillEveryMs ?? 30_000)) {
      this.lastNotice = now;
      this.opts.onLost(
        `still reconnecting to Temporal at ${this.opts.address} (${Math.round((now - this.lostSince) / 1000)} s)`,
      );
    }
    return true;
  }

  /** A call was answered: announce the end of an outage. */
  answered(now = Date.now()): void {
    if (this.lostSince === undefined) return;
    this.opts.onBack(reconnectedNotice(this.opts.address, now - this.lostSince));
    this.lostSince = undefined;
  }
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '').slice(0, 160);
}

/**
 * Run `call` until it settles with something other than a lost connection: a lost connection is
 * announced (with the address), waited out and retried; any other error is thrown as it is.
 * `signal` stops the waiting (the caller detached): the last error is thrown.
 */
export async function untilReachable<T>(
  call: () => Promise<T>,
  notices: ConnectionNotices,
  signal?: AbortSignal,
): Promise<T> {
  for (;;) {
    try {
      const value = await call();
      notices.answered();
      return value;
    } catch (err) {
      if (signal?.aborted || !notices.failed(err)) throw err;
      await pause(notices.opts.retryMs ?? 1_000, signal);
      if (signal?.aborted) throw err;
    }
  }
}

/** How long the probe waits for the server: a dead one is noticed within this, not after gRPC's retries. */
const PROBE_DEADLINE_MS = 3_000;

/**
 * One cheap call with a short deadline, so a follower notices an outage in seconds: the client's
 * own gRPC retries would otherwise hide it for about 20 s. Reports to `notices`; never throws.
 */
export async function probeTemporal(connection: ConnectionLike, notices: ConnectionNotices): Promise<void> {
  try {
    await connection.withDeadline(Date.now() + PROBE_DEADLINE_MS, () => connection.workflowService.getSystemInfo({}));
    notices.answered();
  } catch (err) {
    notices.failed(err);
  }
}

export function lostNotice(address: string, err: unknown): string {
  return (
    `lost the connection to Temporal at ${address} (${firstLine(err)}); reconnecting until it is back — ` +
    'the run itself carries on in Temporal'
  );
}

export function reconnectedNotice(address: string, downMs: number): string {
  return `reconnected to Temporal at ${address} after ${Math.max(1, Math.round(downMs / 1000))} s; following again`;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
