import net from 'node:net';

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly setting: string,
  ) {
    super(`port ${port} on 127.0.0.1 is already in use; choose another with ${setting}`);
    this.name = 'PortInUseError';
  }
}

/** Fail early, naming the port and the setting that moves it, rather than let a server die obscurely. */
export async function assertPortFree(port: number, setting: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? new PortInUseError(port, setting) : err),
    );
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve()));
  });
}

// Ports handed out below the kernel's ephemeral range (Linux default 32768-60999): a port from
// that range, freed again until its server binds it, can meanwhile become the source port of an
// outgoing connection (an S3 or gRPC client), and the server then dies on EADDRINUSE — as a test
// that started MinIO on one did. Below it, only a server that asked for the port can take it.
const LOW = 20_000;
const HIGH = 32_767;
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A free loopback port (the test harness and the benchmarks run servers on these). */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free loopback port found in ${LOW}-${HIGH} after 200 tries`);
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs?: number; intervalMs?: number; isAlive?: () => boolean } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (opts.isAlive && !opts.isAlive()) throw new Error(`${what} exited before it became ready`);
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
  throw new Error(`${what} not ready after ${opts.timeoutMs ?? 60_000} ms${lastError ? `: ${String(lastError)}` : ''}`);
}

export async function tcpOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Listen and resolve with the bound port (0 picks a free one); rejects on EADDRINUSE etc. */
export async function listenOn(server: net.Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as net.AddressInfo).port;
}
