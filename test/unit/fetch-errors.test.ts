import { describe, expect, it } from 'vitest';
import {
  classifyExchange,
  clientFailure,
  ERROR_TYPES,
  invalidBodyFailure,
  serverFailure,
  transportFailure,
} from '../../activities/mastodon/errors';
import type { Exchange } from '../../activities/mastodon/http';

// How each kind of answer (or its absence) is treated: retryable for the server's trouble,
// non-retryable for refusals, with messages that name instance, endpoint and status.

function ex(status: number, body = '[]', extra: Partial<Exchange> = {}): Exchange {
  let json: unknown;
  let jsonError: string | undefined;
  try {
    json = JSON.parse(body);
  } catch (e) {
    jsonError = (e as Error).message;
  }
  return {
    status,
    headers: {},
    body: Buffer.from(body),
    json,
    ...(jsonError ? { jsonError } : {}),
    path: '/api/v1/timelines/public',
    ...extra,
  };
}

const ctx = { instance: 'example.social', endpoint: 'GET /api/v1/timelines/public?local=true' };

describe('classifying answers', () => {
  it('sorts statuses and bodies', () => {
    expect(classifyExchange(ex(200))).toBe('ok');
    expect(classifyExchange(ex(429, '{"error":"Too many requests"}'))).toBe('rate-limited');
    for (const s of [500, 502, 503, 504]) expect(classifyExchange(ex(s, '<html>'))).toBe('server');
    for (const s of [401, 403, 404, 410, 422]) expect(classifyExchange(ex(s, '{"error":"x"}'))).toBe('client');
    expect(classifyExchange(ex(200, '[{"id":"1"'))).toBe('invalid-body');
    expect(classifyExchange(ex(200, '<!DOCTYPE html><html>'))).toBe('invalid-body');
    // An empty 404 (activity/peers switched off) is still a client answer, not a body problem.
    expect(classifyExchange(ex(404, ''), false)).toBe('client');
  });

  it('makes retryable failures of server trouble and non-retryable ones of refusals', () => {
    const s = serverFailure(ctx, ex(503, '<html>'));
    expect(s.nonRetryable).toBe(false);
    expect(s.type).toBe(ERROR_TYPES.server);
    expect(s.message).toBe('example.social: GET /api/v1/timelines/public?local=true answered HTTP 503');
    const c = clientFailure(ctx, ex(403, '{"error":"This action is not allowed"}'), 'forbidden');
    expect(c.nonRetryable).toBe(true);
    expect(c.message).toBe(
      'example.social: GET /api/v1/timelines/public?local=true answered HTTP 403 (This action is not allowed): forbidden',
    );
    const b = invalidBodyFailure(ctx, ex(200, '[{"id":'));
    expect(b.nonRetryable).toBe(false);
    expect(b.message).toMatch(/not valid JSON \(7 bytes/);
  });

  it('tells timeouts from other network errors, without copying the request config', () => {
    const timeout = Object.assign(new Error('timeout of 300ms exceeded'), {
      code: 'ECONNABORTED',
      config: { headers: { Authorization: 'Bearer secret' } },
    });
    const t = transportFailure(ctx, timeout);
    expect(t.type).toBe(ERROR_TYPES.timeout);
    expect(t.nonRetryable).toBe(false);
    expect(t.message).toBe('example.social: GET /api/v1/timelines/public?local=true timed out');
    const reset = Object.assign(new Error('socket hang up'), {
      code: 'ECONNRESET',
      config: { headers: { Authorization: 'Bearer secret' } },
    });
    const n = transportFailure(ctx, reset);
    expect(n.type).toBe(ERROR_TYPES.network);
    expect(JSON.stringify({ m: n.message, d: n.details, c: n.cause })).not.toContain('secret');
  });
});
