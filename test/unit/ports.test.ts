import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { assertPortFree, freePort, PortInUseError } from '../../infra/ports';

describe('port checks', () => {
  it('names the taken port and the setting that moves it', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen({ port: 0, host: '127.0.0.1' }, () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const err = await assertPortFree(port, 'dev.minioPort in the config').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortInUseError);
      expect(String((err as Error).message)).toBe(
        `port ${port} on 127.0.0.1 is already in use; choose another with dev.minioPort in the config`,
      );
    } finally {
      srv.close();
    }
  });

  it('accepts a free port', async () => {
    const port = await freePort();
    await expect(assertPortFree(port, 'x')).resolves.toBeUndefined();
  });
});
