import net from 'node:net';
import type { BodyBuffers } from './body-buffers';

// GET over plain keep-alive HTTP/1.1 sockets that read into one reused buffer (net's `onread`),
// for a map thread's segment reads from MinIO (s3-light-client.ts). Node's http client gets a
// new ArrayBuffer for every socket read (~64 KB), and V8 counts that native memory against the
// small heap of a map thread until its next collection. One map thread over bench:mapreduce's
// 300k-status day, its segments served over loopback into the same reused bodies
// (body-buffers.ts): 58 full collections with the http client, 16 with this reader, each
// collection's concurrent marking paid on V8's platform threads.
//
// It does one thing: a GET answered 200 with a Content-Length, the body read straight into a
// body buffer: once the head is in, the socket's reads land in the body's unfilled rest (no copy;
// the copy of every segment's bytes out of the read buffer was ~70 ms of each map thread's CPU
// over bench:mapreduce's day, in perf). Anything else (another status, no length, a chunked
// body) answers `undefined` after closing the socket, and the caller asks again through the http
// client, which reads errors and odd answers in full. A socket kept alive that the server closed
// meanwhile is retried once on a new one.

const READ_CHUNK = 128 << 10;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/** Response head larger than this is not an S3 answer worth reading here. */
const MAX_HEAD = 64 << 10;

export class RawGetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RawGetError';
  }
}

interface Exchange {
  /** The head's bytes so far, when its end was not in the reads seen yet. */
  head?: Buffer;
  body?: Buffer;
  got: number;
  keepAlive: boolean;
  /** Bytes of the answer seen at all (a kept socket closed before any is retried). */
  seen: number;
  done(result: Buffer | undefined): void;
  fail(err: Error): void;
}

interface Conn {
  socket: net.Socket;
  exchange?: Exchange;
  /** Used for an earlier exchange: the server may have closed it meanwhile. */
  reused: boolean;
}

export class RawHttpGetter {
  /** One read buffer for every socket of the thread, for heads (copied out in the callback). */
  private readonly readBuffer = Buffer.allocUnsafeSlow(READ_CHUNK);
  private readonly idle: Conn[] = [];
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly bodies?: BodyBuffers,
    private readonly maxIdle = 4,
  ) {}

  /**
   * The body of a 200 answer to `GET path` with these headers (which name the host), or
   * undefined for any other answer (see above).
   */
  async get(path: string, headers: Record<string, string>): Promise<Buffer | undefined> {
    const request = `GET ${path} HTTP/1.1\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`;
    const conn = this.idle.pop();
    if (conn) {
      try {
        return await this.exchange(conn, request);
      } catch (err) {
        // A kept socket the server closed before answering: once more on a new socket.
        if (!(err instanceof StaleSocket)) throw err;
      }
    }
    return this.exchange(await this.connect(), request);
  }

  close(): void {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.socket.destroy();
  }

  private connect(): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const conn: Conn = { socket: undefined as unknown as net.Socket, reused: false };
      const socket = net.connect({
        host: this.host,
        port: this.port,
        noDelay: true,
        onread: {
          buffer: () => this.readInto(conn),
          callback: (n: number, buf: Uint8Array) => this.onRead(conn, n, buf),
        },
      });
      conn.socket = socket;
      const failed = (err: Error) => reject(new RawGetError(`connect to ${this.host}:${this.port}: ${err.message}`));
      socket.once('error', failed);
      socket.once('connect', () => {
        socket.off('error', failed);
        socket.on('error', (err) => this.ended(conn, err));
        socket.on('close', () => this.ended(conn));
        socket.on('end', () => this.ended(conn));
        resolve(conn);
      });
    });
  }

  private exchange(conn: Conn, request: string): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
      const ex: Exchange = {
        got: 0,
        seen: 0,
        keepAlive: true,
        done: (result) => {
          conn.exchange = undefined;
          if (result && ex.keepAlive && !this.closed && this.idle.length < this.maxIdle) {
            conn.reused = true;
            conn.socket.unref();
            this.idle.push(conn);
          } else conn.socket.destroy();
          resolve(result);
        },
        fail: (err) => {
          conn.exchange = undefined;
          conn.socket.destroy();
          reject(err);
        },
      };
      conn.exchange = ex;
      conn.socket.ref();
      conn.socket.write(request, 'latin1');
    });
  }

  /** A socket ended or failed: an exchange on it fails, an idle one is dropped. */
  private ended(conn: Conn, err?: Error): void {
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    const ex = conn.exchange;
    if (!ex) return;
    if (conn.reused && ex.seen === 0) ex.fail(new StaleSocket());
    else ex.fail(new RawGetError(`GET ended after ${ex.seen} bytes${err ? `: ${err.message}` : ''}`));
  }

  /** Where the socket's next read lands: the body's unfilled rest once the head is read, else the read buffer. */
  private readInto(conn: Conn): Uint8Array {
    const ex = conn.exchange;
    return ex?.body && ex.got < ex.body.length ? ex.body.subarray(ex.got) : this.readBuffer;
  }

  private onRead(conn: Conn, n: number, buf: Uint8Array): boolean {
    const ex = conn.exchange;
    if (!ex) {
      // Bytes nobody asked for: the socket is out of step; drop it.
      conn.socket.destroy();
      return false;
    }
    ex.seen += n;
    let data = Buffer.from(buf.buffer, buf.byteOffset, n);
    if (!ex.body) {
      // Still in the head. Mostly it arrives whole in the first read; else what came so far is
      // kept (a copy: the read buffer is filled again by the next read) until its end is seen.
      const all = ex.head ? Buffer.concat([ex.head, data]) : data;
      const end = all.indexOf(HEAD_END);
      if (end < 0) {
        ex.head = all === data ? Buffer.from(data) : all;
        if (ex.head.length <= MAX_HEAD) return true;
        ex.done(undefined);
        return false;
      }
      const head = parseHead(all.toString('latin1', 0, end));
      if (!head) {
        ex.done(undefined);
        return false;
      }
      ex.keepAlive = head.keepAlive;
      ex.body = this.bodies?.lend(head.length) ?? Buffer.allocUnsafeSlow(head.length);
      ex.head = undefined;
      data = all.subarray(end + HEAD_END.length);
    }
    const body = ex.body;
    if (data.buffer === body.buffer && data.byteOffset === body.byteOffset + ex.got) {
      // Read in place (readInto): never past the body's end.
      ex.got += n;
      if (ex.got === body.length) ex.done(body);
      return true;
    }
    if (ex.got + data.length > body.length) {
      ex.fail(new RawGetError(`GET answered more bytes than its Content-Length (${body.length})`));
      return false;
    }
    data.copy(body, ex.got);
    ex.got += data.length;
    if (ex.got === body.length) ex.done(body);
    return true;
  }
}

/** A kept-alive socket closed by the server before it answered (retried on a new socket). */
class StaleSocket extends Error {}

/** Status, length and keep-alive of a head this reader handles: a 200 with a Content-Length. */
export function parseHead(head: string): { length: number; keepAlive: boolean } | undefined {
  const lines = head.split('\r\n');
  const status = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
  if (status?.[2] !== '200') return undefined;
  let length: number | undefined;
  let keepAlive = status[1] === '1';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d+$/.test(value) || length !== undefined) return undefined;
      length = Number(value);
    } else if (name === 'transfer-encoding') return undefined;
    else if (name === 'connection') keepAlive = !/\bclose\b/i.test(value) && (keepAlive || /keep-alive/i.test(value));
  }
  return length === undefined || !Number.isSafeInteger(length) ? undefined : { length, keepAlive };
}
