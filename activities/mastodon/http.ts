import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { Mastodon } from 'megalodon';
import type { InstanceConfig } from '../../domain/config';

// The HTTP side of talking to one instance. megalodon builds the requests, but its converted
// entities drop fields and it throws away the body the server sent; mastoflow stores that body
// byte for byte. So megalodon gets an axios instance of ours that
//   - asks for the raw bytes (responseType 'arraybuffer', no transform), keeps them, then parses
//     the JSON for megalodon's benefit (it reads `resp.data`);
//   - passes every HTTP status through (validateStatus), so 4xx/5xx answers are captured too and
//     classified by us (errors.ts) instead of surfacing as axios errors that carry the request
//     headers — with the Authorization token — in their config;
//   - sends `User-Agent: mastoflow/<version> (+<contact>)` so admins can reach whoever crawls.
// The captured exchange reaches the caller through AsyncLocalStorage: each call runs inside
// `capture()`, whose store the response interceptor fills, even when megalodon's converter then
// throws on a body it does not expect (an error JSON, a broken record).

export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

export function userAgent(instance: Pick<InstanceConfig, 'userAgentContact'>): string {
  return `mastoflow/${VERSION} (+${instance.userAgentContact})`;
}

/** One HTTP answer as the server sent it. Never holds request headers (the token is there). */
export interface Exchange {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** The body bytes, untouched. */
  body: Buffer;
  /** The body parsed as JSON, or undefined with `jsonError` set. */
  json: unknown;
  jsonError?: string;
  /** Path and query of the request (no origin, no token). */
  path: string;
}

interface CaptureStore {
  exchange?: Exchange;
}

const store = new AsyncLocalStorage<CaptureStore>();

/** Shared keep-alive agents per process: one connection pool per scheme. */
const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
};

export interface HttpOptions {
  token?: string;
  /** Per-request timeout (connect + answer). */
  timeoutMs?: number;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

export function createAxios(instance: Pick<InstanceConfig, 'userAgentContact'>, opts: HttpOptions = {}): AxiosInstance {
  const ax = axios.create({
    timeout: opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
    responseType: 'arraybuffer',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    maxRedirects: 3,
    httpAgent: agents.http,
    httpsAgent: agents.https,
    headers: { 'User-Agent': userAgent(instance), Accept: 'application/json' },
  });
  ax.interceptors.response.use((resp: AxiosResponse) => {
    const body = toBuffer(resp.data);
    let json: unknown;
    let jsonError: string | undefined;
    try {
      json = body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
      if (body.length === 0) jsonError = 'empty body';
    } catch (err) {
      jsonError = err instanceof Error ? err.message : String(err);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(resp.headers ?? {})) {
      if (v === undefined || v === null) continue;
      headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    }
    const s = store.getStore();
    if (s)
      s.exchange = {
        status: resp.status,
        headers,
        body,
        json,
        ...(jsonError ? { jsonError } : {}),
        path: requestPath(resp),
      };
    // megalodon reads resp.data: hand it the parsed JSON (or the text when it is not JSON).
    resp.data = json ?? body.toString('utf8');
    return resp;
  });
  return ax;
}

function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.alloc(0);
}

function requestPath(resp: AxiosResponse): string {
  const req = resp.request as { path?: string } | undefined;
  if (req?.path) return req.path;
  try {
    return new URL(resp.config.url ?? '', 'http://x.invalid').pathname;
  } catch {
    return resp.config.url ?? '';
  }
}

export interface Captured<T> {
  exchange?: Exchange;
  /** megalodon's converted result, when it did not throw. */
  value?: T;
  /** What megalodon (or axios, on a network error) threw. */
  error?: unknown;
}

/** Run one megalodon call and return the HTTP exchange it made, whatever megalodon did with it. */
export async function capture<T>(call: () => Promise<T>): Promise<Captured<T>> {
  const s: CaptureStore = {};
  return store.run(s, async () => {
    try {
      const value = await call();
      return { exchange: s.exchange, value };
    } catch (error) {
      return { exchange: s.exchange, error };
    }
  });
}

/** A megalodon client for one instance, over our axios instance. */
export function createMegalodon(
  instance: Pick<InstanceConfig, 'baseUrl' | 'userAgentContact'>,
  opts: HttpOptions = {},
): Mastodon {
  return new Mastodon(instance.baseUrl, opts.token ?? null, userAgent(instance), createAxios(instance, opts));
}
