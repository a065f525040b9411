import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { BodyBuffers } from './body-buffers';
import { RawHttpGetter } from './raw-http-get';

// Minimal S3 GET / PUT / DELETE over keep-alive HTTP, signed with SigV4 by hand, for the map
// worker threads only. Measured on the map benchmark, the AWS SDK spends ~2.5 ms of CPU per
// GetObject (middleware stack, checksums, stream wrappers) — more than parsing and mapping the
// 40-status page it returns — and the threads cannot share the main thread's S3Client. Writing
// the partial from the thread keeps its ~300 KB JSON out of the main thread's heap (large
// strings sit in V8's old space until a full GC: +140 MB RSS over a 1M-status map).
// Everything else keeps using the SDK.

/** Where and as whom to read: plain data, so it can be handed to a worker thread. */
export interface S3ReadTarget {
  /** e.g. http://127.0.0.1:9000; absent = AWS (https://s3.<region>.amazonaws.com). */
  endpoint?: string;
  region: string;
  bucket: string;
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export class S3RequestError extends Error {
  constructor(
    readonly method: string,
    readonly key: string,
    readonly status: number,
    detail: string,
  ) {
    super(`S3 ${method} ${key} failed with HTTP ${status}: ${detail}`);
    this.name = 'S3RequestError';
  }
}

const UNRESERVED = /[!'()*]/g;
/** RFC 3986 encoding of one path segment, as SigV4 wants it (S3: encoded once, "/" kept). */
function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(UNRESERVED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');

export interface S3LightClient {
  /** The object's text, or undefined when there is no such key. */
  getText(key: string): Promise<string | undefined>;
  /**
   * The object's bytes, or undefined when there is no such key. With `bodies` (see
   * createS3LightClient), a large body may be a lent buffer: hand it to `bodies.giveBack` when done.
   */
  getBytes(key: string): Promise<Buffer | undefined>;
  putText(key: string, body: string, contentType: string): Promise<void>;
  /** Deletes the key (absent is fine, as in S3). */
  deleteKey(key: string): Promise<void>;
  close(): void;
}

/**
 * A response body. With a Content-Length (S3 always sends one) the chunks are copied into one
 * buffer of that size as they arrive, instead of being kept and concatenated at the end: a 5 MB
 * segment then needs 5 MB of native memory, not 10, in threads whose freed native memory the
 * process does not readily give back.
 */
class BodyCollector {
  private buffer: Buffer | undefined;
  private used = 0;
  private chunks: Buffer[] = [];
  /** The lent buffer, when `buffer` is one (given back if the body outgrows it). */
  private lent: Buffer | undefined;
  constructor(
    length: number,
    private readonly bodies?: BodyBuffers,
  ) {
    this.lent = bodies?.lend(length);
    this.buffer = this.lent;
    if (!this.buffer && Number.isSafeInteger(length) && length > 0) this.buffer = Buffer.allocUnsafeSlow(length);
  }
  add(chunk: Buffer): void {
    if (this.buffer && this.used + chunk.length <= this.buffer.length) {
      chunk.copy(this.buffer, this.used);
      this.used += chunk.length;
      return;
    }
    // No length, or more bytes than announced: keep chunks (after what was copied so far).
    if (this.buffer) {
      this.chunks.push(this.buffer.subarray(0, this.used));
      this.buffer = undefined;
    }
    this.chunks.push(chunk);
  }
  bytes(): Buffer {
    if (this.buffer) {
      if (this.used === this.buffer.length) return this.buffer;
      const short = this.buffer.subarray(0, this.used);
      if (this.lent) this.bodies?.lendAs(this.lent, short);
      return short;
    }
    const whole = Buffer.concat(this.chunks);
    // What was copied into a lent buffer is in `whole` now.
    if (this.lent) this.bodies?.giveBack(this.lent);
    return whole;
  }
}

export interface S3LightOptions {
  /**
   * Buffers to reuse for large GET bodies (a map thread's segments: see body-buffers.ts). With
   * them, GETs from a plain-http endpoint go through raw-http-get.ts, which reads sockets into
   * one reused buffer too.
   */
  bodies?: BodyBuffers;
}

export function createS3LightClient(target: S3ReadTarget, options: S3LightOptions = {}): S3LightClient {
  const base = new URL(target.endpoint ?? `https://s3.${target.region}.amazonaws.com`);
  const pathStyle = target.forcePathStyle;
  const host = pathStyle ? base.host : `${target.bucket}.${base.host}`;
  const prefix = `${base.pathname.replace(/\/$/, '')}${pathStyle ? `/${encodeSegment(target.bucket)}` : ''}`;
  const secure = base.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 16 })
    : new http.Agent({ keepAlive: true, maxSockets: 16 });
  const raw =
    options.bodies && !secure
      ? new RawHttpGetter(base.hostname.replace(/^\[(.*)\]$/, '$1'), Number(base.port || 80), options.bodies)
      : undefined;
  const { accessKeyId, secretAccessKey, sessionToken } = target.credentials;
  let keyDate = '';
  let signingKey: Buffer = Buffer.alloc(0);

  function sign(method: string, path: string, payloadHash: string): Record<string, string> {
    const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    const date = amzDate.slice(0, 8);
    if (date !== keyDate) {
      signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), target.region), 's3'), 'aws4_request');
      keyDate = date;
    }
    const headers: Record<string, string> = { host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate };
    if (sessionToken) headers['x-amz-security-token'] = sessionToken;
    const names = Object.keys(headers).sort();
    const canonical = [
      method,
      path,
      '',
      ...names.map((n) => `${n}:${headers[n]}`),
      '',
      names.join(';'),
      payloadHash,
    ].join('\n');
    const scope = `${date}/${target.region}/s3/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
    const signature = createHmac('sha256', signingKey).update(toSign, 'utf8').digest('hex');
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
    return headers;
  }

  const pathOf = (key: string): string => `${prefix}/${key.split('/').map(encodeSegment).join('/')}`;

  /** One signed request; resolves with the status and body. */
  function request(
    method: string,
    key: string,
    body?: Buffer,
    contentType?: string,
  ): Promise<{ status: number; body: Buffer; readonly text: string }> {
    const path = pathOf(key);
    const payloadHash = body ? createHash('sha256').update(body).digest('hex') : EMPTY_SHA256;
    const headers = sign(method, path, payloadHash);
    if (body) {
      headers['content-length'] = String(body.length);
      if (contentType) headers['content-type'] = contentType;
    }
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port || undefined,
          method,
          path,
          headers,
          agent,
        },
        (res) => {
          const reuse = method === 'GET' && res.statusCode === 200 ? options.bodies : undefined;
          const body = new BodyCollector(Number(res.headers['content-length']), reuse);
          res.on('data', (c: Buffer) => body.add(c));
          res.on('error', reject);
          res.on('end', () => {
            const bytes = body.bytes();
            resolve({
              status: res.statusCode ?? 0,
              body: bytes,
              get text() {
                return bytes.toString('utf8');
              },
            });
          });
        },
      );
      req.on('error', (err) => reject(new Error(`S3 ${method} ${key}: ${err.message}`)));
      req.end(body);
    });
  }

  function failure(method: string, key: string, r: { status: number; text: string }): S3RequestError {
    const code = /<Code>([^<]*)<\/Code>/.exec(r.text)?.[1];
    const message = /<Message>([^<]*)<\/Message>/.exec(r.text)?.[1];
    return new S3RequestError(
      method,
      key,
      r.status,
      code ? `${code}${message ? ` (${message})` : ''}` : r.text.slice(0, 200),
    );
  }

  async function getBytes(key: string): Promise<Buffer | undefined> {
    if (raw) {
      const path = pathOf(key);
      const found = await raw.get(path, sign('GET', path, EMPTY_SHA256));
      if (found) return found;
      // Not a plain 200 (a missing key, an error, an odd answer): asked again, read in full below.
    }
    const r = await request('GET', key);
    if (r.status === 200) return r.body;
    if (r.status === 404 && /<Code>NoSuchKey<\/Code>/.test(r.text)) return undefined;
    throw failure('GET', key, r);
  }

  async function getText(key: string): Promise<string | undefined> {
    return (await getBytes(key))?.toString('utf8');
  }

  async function putText(key: string, body: string, contentType: string): Promise<void> {
    const r = await request('PUT', key, Buffer.from(body, 'utf8'), contentType);
    if (r.status !== 200) throw failure('PUT', key, r);
  }

  async function deleteKey(key: string): Promise<void> {
    const r = await request('DELETE', key);
    if (r.status !== 204 && r.status !== 200) throw failure('DELETE', key, r);
  }

  const close = (): void => {
    raw?.close();
    agent.destroy();
  };
  return { getText, getBytes, putText, deleteKey, close };
}
