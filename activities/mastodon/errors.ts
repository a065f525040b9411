import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../../domain/failures';
import type { Exchange } from './http';

// What a failed exchange means for the fetch, in one place:
//   - 5xx, timeouts, cut connections, truncated or non-JSON bodies → a retryable failure:
//     Temporal retries the activity with backoff, and the fetch resumes from its cursor;
//   - 401/403/404/410/422 and any other 4xx but 429 → non-retryable, with a message naming the
//     instance, the endpoint and the status (and the server's own `error` text);
//   - 429 never gets here: the session waits for the reset and sends the request again.
// "Closed feeds" (a public timeline that needs a token, an endpoint the admin switched off) are
// not failures at all: fetchers turn those answers into `unavailable` in the manifest first.
// Messages never contain request headers, so no token can leak through a failure.

export const ERROR_TYPES = {
  server: FAILURE_TYPES.mastodonServer,
  timeout: FAILURE_TYPES.mastodonTimeout,
  network: FAILURE_TYPES.mastodonNetwork,
  invalidBody: FAILURE_TYPES.mastodonInvalidBody,
  rateLimited: FAILURE_TYPES.mastodonRateLimited,
  client: FAILURE_TYPES.mastodonClient,
} as const;

export interface FailureContext {
  instance: string;
  /** e.g. GET /api/v1/timelines/public */
  endpoint: string;
}

/** The server's `{"error": "..."}` text, if the body has one. */
export function serverErrorText(ex: Exchange): string | undefined {
  const e = (ex.json as { error?: unknown } | undefined)?.error;
  return typeof e === 'string' && e.length > 0 ? e.slice(0, 200) : undefined;
}

export function describeStatus(ctx: FailureContext, ex: Exchange): string {
  const text = serverErrorText(ex);
  return `${ctx.instance}: ${ctx.endpoint} answered HTTP ${ex.status}${text ? ` (${text})` : ''}`;
}

/** Retryable: the server had a problem (5xx). */
export function serverFailure(ctx: FailureContext, ex: Exchange): ApplicationFailure {
  return ApplicationFailure.retryable(describeStatus(ctx, ex), ERROR_TYPES.server, { httpStatus: ex.status });
}

/** Non-retryable: the request itself is refused; retrying cannot help. */
export function clientFailure(ctx: FailureContext, ex: Exchange, hint?: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${describeStatus(ctx, ex)}${hint ? `: ${hint}` : ''}`, ERROR_TYPES.client, {
    httpStatus: ex.status,
  });
}

/** Retryable: a 2xx whose body is not the JSON it should be (cut off, or an HTML error page). */
export function invalidBodyFailure(ctx: FailureContext, ex: Exchange): ApplicationFailure {
  const why = ex.jsonError ?? 'unexpected JSON shape';
  return ApplicationFailure.retryable(
    `${ctx.instance}: ${ctx.endpoint} answered HTTP ${ex.status} with a body that is not valid JSON (${ex.body.length} bytes: ${why})`,
    ERROR_TYPES.invalidBody,
    { httpStatus: ex.status },
  );
}

export function rateLimitFailure(ctx: FailureContext, attempts: number): ApplicationFailure {
  return ApplicationFailure.retryable(
    `${ctx.instance}: ${ctx.endpoint} still answered 429 after ${attempts} waits for the reset`,
    ERROR_TYPES.rateLimited,
  );
}

/** No HTTP answer at all: a timeout or a connection problem. Both retryable. */
export function transportFailure(ctx: FailureContext, err: unknown): ApplicationFailure {
  const { code, message } = errorFields(err);
  const timeout = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(message);
  const what = timeout ? 'timed out' : `failed without an answer (${code ?? 'network error'}: ${message})`;
  return ApplicationFailure.retryable(
    `${ctx.instance}: ${ctx.endpoint} ${what}`,
    timeout ? ERROR_TYPES.timeout : ERROR_TYPES.network,
  );
}

/** The code and message of an axios/Node error, and nothing else (its config holds headers). */
function errorFields(err: unknown): { code?: string; message: string } {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message.slice(0, 200) : String(err).slice(0, 200);
  return { code, message };
}

export type ExchangeClass = 'ok' | 'rate-limited' | 'server' | 'client' | 'invalid-body';

/** How to treat an answer; `expectJson` false for endpoints whose success body may be empty. */
export function classifyExchange(ex: Exchange, expectJson = true): ExchangeClass {
  if (ex.status === 429) return 'rate-limited';
  if (ex.status >= 500) return 'server';
  if (ex.status >= 400) return 'client';
  if (ex.status < 200 || ex.status >= 300) return 'server';
  if (expectJson && ex.jsonError !== undefined) return 'invalid-body';
  return 'ok';
}
