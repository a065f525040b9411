import { createServer, type Server } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyBuffers } from '../../activities/store/body-buffers';
import { parseHead, RawGetError, RawHttpGetter } from '../../activities/store/raw-http-get';

// The map threads' raw GET reader against real loopback servers: Node's http server for the
// ordinary answers, a bare TCP server for the ones an HTTP server would not send by itself.

const big = Buffer.alloc(3 * (1 << 20) + 17, 0);
for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;

describe('parseHead', () => {
  it('reads a 200 with a Content-Length, and keep-alive as HTTP/1.1 and Connection say', () => {
    expect(parseHead('HTTP/1.1 200 OK\r\nContent-Length: 12\r\nETag: "x"')).toEqual({ length: 12, keepAlive: true });
    expect(parseHead('HTTP/1.1 200 OK\r\ncontent-length: 0\r\nConnection: close')).toEqual({
      length: 0,
      keepAlive: false,
    });
    expect(parseHead('HTTP/1.0 200 OK\r\nContent-Length: 3')).toEqual({ length: 3, keepAlive: false });
    expect(parseHead('HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive')).toEqual({
      length: 3,
      keepAlive: true,
    });
  });
  it('leaves everything else to the http client', () => {
    expect(parseHead('HTTP/1.1 404 Not Found\r\nContent-Length: 12')).toBeUndefined();
    expect(parseHead('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked')).toBeUndefined();
    expect(parseHead('HTTP/1.1 200 OK')).toBeUndefined();
    expect(parseHead('HTTP/1.1 200 OK\r\nContent-Length: 1e3')).toBeUndefined();
    expect(parseHead('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4')).toBeUndefined();
    expect(parseHead('SSH-2.0-OpenSSH')).toBeUndefined();
  });
});

describe('RawHttpGetter', () => {
  let server: Server;
  let port: number;
  const served: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      served.push(`${req.method} ${req.url} ${req.headers['x-test'] ?? ''}`);
      if (req.url === '/big') return res.writeHead(200, { 'content-length': big.length }).end(big);
      if (req.url === '/small') return res.writeHead(200, { 'content-length': 5 }).end('hello');
      if (req.url === '/empty') return res.writeHead(200, { 'content-length': 0 }).end();
      if (req.url === '/chunked') {
        res.writeHead(200);
        res.write('part one ');
        return res.end('part two');
      }
      res.writeHead(404, { 'content-length': 9 }).end('not found');
    });
    server.keepAliveTimeout = 200;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const headers = (): Record<string, string> => ({ host: `127.0.0.1:${port}`, 'x-test': 'signed' });

  it('reads a body in place once its head is in: the socket fills the body, nothing is copied out', async () => {
    const getter = new RawHttpGetter('127.0.0.1', port, new BodyBuffers());
    // Each read as the socket hands it over: did it land in the body, where the body continues?
    const reads: boolean[] = [];
    const spied = getter as unknown as {
      onRead(conn: { exchange?: { body?: Buffer; got: number } }, n: number, buf: Uint8Array): boolean;
    };
    const onRead = spied.onRead.bind(getter);
    spied.onRead = (conn, n, buf) => {
      const ex = conn.exchange;
      reads.push(!!ex?.body && buf.buffer === ex.body.buffer && buf.byteOffset === ex.body.byteOffset + ex.got);
      return onRead(conn, n, buf);
    };
    try {
      const body = await getter.get('/big', headers());
      expect(body?.equals(big)).toBe(true);
      // The first read holds the head (and the body's first bytes, copied); the rest land in place.
      expect(reads[0]).toBe(false);
      expect(reads.length).toBeGreaterThan(1);
      expect(reads.slice(1).every(Boolean)).toBe(true);
    } finally {
      getter.close();
    }
  });

  it('reads bodies byte for byte into lent buffers, on one kept-alive socket, and sends the headers', async () => {
    const bodies = new BodyBuffers();
    const getter = new RawHttpGetter('127.0.0.1', port, bodies);
    try {
      served.length = 0;
      const first = await getter.get('/big', headers());
      expect(first?.equals(big)).toBe(true);
      bodies.giveBack(first!);
      const again = await getter.get('/big', headers());
      expect(again?.equals(big)).toBe(true);
      expect(again?.buffer).toBe(first?.buffer); // the same memory, filled again
      expect((await getter.get('/small', headers()))?.toString()).toBe('hello');
      expect((await getter.get('/empty', headers()))?.length).toBe(0);
      expect(served).toEqual(['GET /big signed', 'GET /big signed', 'GET /small signed', 'GET /empty signed']);
      const sockets = await new Promise<number>((resolve, reject) =>
        server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
      );
      expect(sockets).toBe(1);
    } finally {
      getter.close();
    }
  });

  it('answers undefined for anything but a plain 200 (the caller asks the http client)', async () => {
    const getter = new RawHttpGetter('127.0.0.1', port);
    try {
      expect(await getter.get('/missing', headers())).toBeUndefined();
      expect(await getter.get('/chunked', headers())).toBeUndefined();
      expect((await getter.get('/small', headers()))?.toString()).toBe('hello');
    } finally {
      getter.close();
    }
  });

  it('drops a kept socket the server closed while it was idle', async () => {
    const getter = new RawHttpGetter('127.0.0.1', port);
    try {
      served.length = 0;
      expect((await getter.get('/small', headers()))?.toString()).toBe('hello');
      await new Promise((resolve) => setTimeout(resolve, 400)); // past the server's keep-alive timeout
      expect((await getter.get('/small', headers()))?.toString()).toBe('hello');
      expect(served).toHaveLength(2);
    } finally {
      getter.close();
    }
  });

  describe('against a bare TCP server', () => {
    let raw: net.Server;
    let rawPort: number;
    /** What the server writes for each request, by path: a list of writes with pauses between. */
    const answers: Record<string, (string | number)[]> = {
      '/split-head': ['HTTP/1.1 200 OK\r\nContent-', 30, 'Length: 6\r\n\r', 30, '\nabc', 30, 'def'],
      '/too-long': ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabcdef'],
      '/cut': ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', 'END'],
      '/close': ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok', 'END'],
      '/ok': ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
    };
    /** '/flaky' is dropped unanswered the first time (a kept socket the server just closed), answered after. */
    let flaky = 0;
    beforeAll(async () => {
      raw = net.createServer((socket) => {
        let buffered = '';
        socket.on('data', async (d) => {
          buffered += d.toString('latin1');
          const end = buffered.indexOf('\r\n\r\n');
          if (end < 0) return;
          const path = buffered.split(' ')[1]!;
          buffered = buffered.slice(end + 4);
          if (path === '/flaky' && flaky++ === 0) return socket.destroy();
          for (const w of path === '/flaky' ? answers['/ok']! : (answers[path] ?? [])) {
            if (typeof w === 'number') await new Promise((resolve) => setTimeout(resolve, w));
            else if (w === 'END') socket.end();
            else socket.write(w, 'latin1');
          }
        });
      });
      await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
      rawPort = (raw.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise((resolve) => raw.close(resolve));
    });

    it('reads a head split across reads, and a body after it', async () => {
      const getter = new RawHttpGetter('127.0.0.1', rawPort);
      try {
        expect((await getter.get('/split-head', { host: 'x' }))?.toString()).toBe('abcdef');
      } finally {
        getter.close();
      }
    });

    it('names a body longer than announced, and a connection cut mid-body', async () => {
      const getter = new RawHttpGetter('127.0.0.1', rawPort);
      try {
        await expect(getter.get('/too-long', { host: 'x' })).rejects.toThrow(
          /more bytes than its Content-Length \(2\)/,
        );
        const cut = await getter.get('/cut', { host: 'x' }).catch((e: unknown) => e);
        expect(cut).toBeInstanceOf(RawGetError);
        expect((cut as Error).message).toMatch(/GET ended after \d+ bytes/);
      } finally {
        getter.close();
      }
    });

    it('asks once more on a new socket when a kept one closes before any answer, not when a new one does', async () => {
      const getter = new RawHttpGetter('127.0.0.1', rawPort);
      try {
        expect((await getter.get('/ok', { host: 'x' }))?.toString()).toBe('ok');
        flaky = 0;
        expect((await getter.get('/flaky', { host: 'x' }))?.toString()).toBe('ok');
        expect(flaky).toBe(2);
      } finally {
        getter.close();
      }
      const fresh = new RawHttpGetter('127.0.0.1', rawPort);
      try {
        flaky = 0;
        await expect(fresh.get('/flaky', { host: 'x' })).rejects.toThrow(/GET ended after 0 bytes/);
        expect(flaky).toBe(1);
      } finally {
        fresh.close();
      }
    });

    it('does not keep a socket the server said it closes', async () => {
      const getter = new RawHttpGetter('127.0.0.1', rawPort);
      try {
        expect((await getter.get('/close', { host: 'x' }))?.toString()).toBe('ok');
        expect((await getter.get('/close', { host: 'x' }))?.toString()).toBe('ok');
      } finally {
        getter.close();
      }
    });

    it('names the address it could not connect to', async () => {
      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const deadPort = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const getter = new RawHttpGetter('127.0.0.1', deadPort);
      await expect(getter.get('/x', { host: 'x' })).rejects.toThrow(`connect to 127.0.0.1:${deadPort}`);
      getter.close();
    });
  });
});
