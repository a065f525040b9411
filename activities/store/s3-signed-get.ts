import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

// A minimal S3 GetObject over keep-alive HTTP, signed with SigV4 by hand, for the map step's
// hot loop only. Measured on the map benchmark, the AWS SDK spends ~2.5 ms of CPU per GetObject
// (middleware stack, checksums, stream wrappers) — more than parsing and mapping the 40-status
// page it returns. This path costs a fraction of that and runs inside the map worker threads,
// which cannot share the main thread's S3Client. Everything else keeps using the SDK.

/** Where and as whom to read: plain data, so it can be handed to a worker thread. */
export interface S3ReadTarget {
  /** e.g. http://127.0.0.1:9000; absent = AWS (https://s3.<region>.amazonaws.com). */
  endpoint?: string;
  region: string;
  bucket: string;
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export class S3ReadError extends Error {
  constructor(
    readonly key: string,
    readonly status: number,
    detail: string,
  ) {
    super(`S3 GET ${key} failed with HTTP ${status}: ${detail}`);
    this.name = 'S3ReadError';
  }
}

const UNRESERVED = /[!'()*]/g;
/** RFC 3986 encoding of one path segment, as SigV4 wants it (S3: encoded once, "/" kept). */
function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(UNRESERVED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');

export interface S3Getter {
  /** The object's text, or undefined when there is no such key. */
  getText(key: string): Promise<string | undefined>;
  close(): void;
}

export function createS3Getter(target: S3ReadTarget): S3Getter {
  const base = new URL(target.endpoint ?? `https://s3.${target.region}.amazonaws.com`);
  const pathStyle = target.forcePathStyle;
  const host = pathStyle ? base.host : `${target.bucket}.${base.host}`;
  const prefix = `${base.pathname.replace(/\/$/, '')}${pathStyle ? `/${encodeSegment(target.bucket)}` : ''}`;
  const secure = base.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 16 }) : new http.Agent({ keepAlive: true, maxSockets: 16 });
  const { accessKeyId, secretAccessKey, sessionToken } = target.credentials;
  let keyDate = '';
  let signingKey: Buffer = Buffer.alloc(0);

  function sign(path: string): Record<string, string> {
    const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    const date = amzDate.slice(0, 8);
    if (date !== keyDate) {
      signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), target.region), 's3'), 'aws4_request');
      keyDate = date;
    }
    const headers: Record<string, string> = { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-date': amzDate };
    if (sessionToken) headers['x-amz-security-token'] = sessionToken;
    const names = Object.keys(headers).sort();
    const canonical = ['GET', path, '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), 'UNSIGNED-PAYLOAD'].join('\n');
    const scope = `${date}/${target.region}/s3/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
    const signature = createHmac('sha256', signingKey).update(toSign, 'utf8').digest('hex');
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
    return headers;
  }

  function getText(key: string): Promise<string | undefined> {
    const path = `${prefix}/${key.split('/').map(encodeSegment).join('/')}`;
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        { protocol: base.protocol, hostname: base.hostname, port: base.port || undefined, method: 'GET', path, headers: sign(path), agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status === 200) return resolve(body);
            if (status === 404 && /<Code>NoSuchKey<\/Code>/.test(body)) return resolve(undefined);
            const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
            const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
            reject(new S3ReadError(key, status, code ? `${code}${message ? ` (${message})` : ''}` : body.slice(0, 200)));
          });
        },
      );
      req.on('error', (err) => reject(new Error(`S3 GET ${key}: ${err.message}`)));
      req.end();
    });
  }

  return { getText, close: () => agent.destroy() };
}
