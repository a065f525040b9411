import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook, WEBHOOK_REJECTED } from '../../activities/notify/webhook';
import { webhookPayload } from '../../domain/notifications';

// postWebhook against a real local HTTP receiver: what Temporal will retry and what it will not,
// and that the URL (a credential) never shows in an error.

describe('postWebhook', () => {
  let server: Server;
  let base: string;
  const bodies: unknown[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => {
        data += c;
      });
      req.on('end', () => {
        const status = Number(/\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
        if (req.url?.includes('/slow')) return; // never answers
        bodies.push({ contentType: req.headers['content-type'], body: JSON.parse(data) });
        res.writeHead(status).end(status === 200 ? 'ok' : 'no such hook');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const opts = { timeoutMs: 500, urlEnv: 'MASTOFLOW_WEBHOOK_URL' };

  it('posts the JSON payload and returns the status', async () => {
    bodies.length = 0;
    expect(await postWebhook(`${base}/status/200/secret`, webhookPayload('hello'), opts)).toEqual({ status: 200 });
    expect(bodies).toEqual([{ contentType: 'application/json', body: { text: 'hello', username: 'mastoflow' } }]);
  });

  it('5xx: a plain (retryable) error naming the status, not the URL', async () => {
    const err = await postWebhook(`${base}/status/503/secret`, webhookPayload('x'), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect((err as Error).message).toContain('HTTP 503');
    expect((err as Error).message).not.toContain('secret');
  });

  it('4xx: a non-retryable failure naming the status and the env var, not the URL', async () => {
    const err = await postWebhook(`${base}/status/404/secret`, webhookPayload('x'), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).type).toBe(WEBHOOK_REJECTED);
    expect((err as Error).message).toMatch(/webhook \(MASTOFLOW_WEBHOOK_URL\) answered HTTP 404: no such hook/);
    expect((err as Error).message).not.toContain('secret');
  });

  it('no answer in time: a retryable error', async () => {
    const err = await postWebhook(`${base}/slow/secret`, webhookPayload('x'), opts).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect((err as Error).message).toBe('webhook (MASTOFLOW_WEBHOOK_URL) not reached: no answer within 500 ms');
  });
});
