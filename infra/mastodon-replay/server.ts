// An HTTP server that answers GET requests with real Mastodon answers recorded in cassettes,
// so fetch code can be tested against bytes the project did not produce itself.
//
// The answer is the recording: status code and message, headers and body byte for byte. The
// one change: absolute URLs inside `Link` headers are rewritten to this server's origin, so a
// client following rel="next"/rel="prev" comes back here instead of to the recorded host.
// Hop-by-hop headers (connection, keep-alive, transfer-encoding) are not replayed, and
// Content-Length is recomputed from the body (it equals the recorded value for every fixture).
//
// When a request was recorded several times (a cassette that re-reads a page, or the same path
// in several cassettes), the answers are served in recorded order and the last one repeats.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOn } from '../ports';
import { CASSETTES_DIR, loadAnswers, requestKey, type RecordedAnswer } from './cassette';

export interface ReplayOptions {
  /** Directory of *.yaml cassettes (default: ../shared/fixtures/mastodon-api-cassettes). */
  cassettesDir?: string;
  /** Cassette file names to load (with or without .yaml); default: all in the directory. */
  cassettes?: readonly string[];
  /** Only replay answers recorded from these hosts, e.g. ['mastodon.social']. */
  hosts?: readonly string[];
  listenHost?: string;
  port?: number;
}

export interface UnmatchedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  key: string;
}

export interface ServedRequest {
  url: string;
  cassette: string;
  index: number;
  status: number;
}

export interface ReplayServer {
  url: string;
  port: number;
  /** Normalised request keys that have at least one recorded answer. */
  keys(): string[];
  unmatched(): UnmatchedRequest[];
  served(): ServedRequest[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
  'proxy-connection',
]);

/** Point every absolute URL inside <...> at the replay server. */
export function rewriteLink(value: string, origin: string): string {
  return value.replace(/<https?:\/\/[^/>]+/g, `<${origin}`);
}

export async function startReplayServer(options: ReplayOptions = {}): Promise<ReplayServer> {
  const { cassettesDir = CASSETTES_DIR, cassettes, hosts, listenHost = '127.0.0.1', port = 0 } = options;
  const wanted = hosts ? new Set(hosts.map((h) => h.toLowerCase())) : undefined;
  const answers = loadAnswers(cassettesDir, cassettes).filter((a) => !wanted || wanted.has(a.host.toLowerCase()));
  const byKey = new Map<string, RecordedAnswer[]>();
  for (const a of answers) {
    const list = byKey.get(a.key);
    if (list) list.push(a);
    else byKey.set(a.key, [a]);
  }
  const cursor = new Map<string, number>();
  const unmatched: UnmatchedRequest[] = [];
  const served: ServedRequest[] = [];

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: `replay server failed: ${err instanceof Error ? err.message : String(err)}` }));
      } else {
        res.destroy();
      }
    }
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const key = requestKey(method, url);
    const list = method === 'GET' ? byKey.get(key) : undefined;
    if (!list || list.length === 0) {
      unmatched.push({ method, url, key });
      const path = key.split('?')[0]?.replace(/^\S+ /, '') ?? '';
      const samePath = [...byKey.keys()].filter((k) => k.replace(/\?.*$/, '') === `GET ${path}`);
      const body = Buffer.from(
        JSON.stringify({ error: `no recorded answer for ${method} ${url}`, key, recorded_for_same_path: samePath }),
        'utf8',
      );
      res.writeHead(404, 'Not Found', {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(body.length),
      });
      res.end(body);
      return;
    }
    const n = cursor.get(key) ?? 0;
    cursor.set(key, n + 1);
    const answer = list[Math.min(n, list.length - 1)] as RecordedAnswer;
    served.push({ url, cassette: answer.cassette, index: answer.index, status: answer.status });

    const origin = `http://${req.headers.host ?? `${listenHost}:${boundPort}`}`;
    for (const [name, values] of answer.headers) {
      if (HOP_BY_HOP.has(name.toLowerCase())) continue;
      res.setHeader(name, name.toLowerCase() === 'link' ? values.map((v) => rewriteLink(v, origin)) : values);
    }
    res.setHeader('content-length', String(answer.body.length));
    res.writeHead(answer.status, answer.statusMessage || undefined);
    res.end(answer.body);
  }

  const boundPort = await listenOn(server, port, listenHost);

  return {
    url: `http://${listenHost}:${boundPort}`,
    port: boundPort,
    keys: () => [...byKey.keys()].sort(),
    unmatched: () => unmatched.map((u) => ({ ...u })),
    served: () => served.map((s) => ({ ...s })),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
