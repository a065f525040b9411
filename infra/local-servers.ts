import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { assertPortFree, tcpOpen, waitFor } from './ports';
import { toolPath } from './tools';

// Child-process launchers for the embedded stack. Shared by `mastoflow dev` and the test
// harness so that tests run against exactly the servers a user runs.

/** Registered on every dev server so runs can be filtered in the Temporal UI. */
export const SEARCH_ATTRIBUTES = {
  DagId: 'Keyword',
  LogicalDate: 'Datetime',
  RunType: 'Keyword',
  BackfillId: 'Keyword',
} as const;

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function manage(name: string, child: ChildProcess): ManagedProcess {
  let exited = child.exitCode !== null;
  const done = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  return {
    name,
    child,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/**
 * util-linux's setpriv, when this machine has it: a server started through
 * `setpriv --pdeathsig KILL` gets SIGKILL from the kernel when the process that started it dies,
 * even by SIGKILL (no exit handler runs then), so a killed `mastoflow dev` or test run leaves no
 * Temporal or MinIO behind holding its ports.
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

function spawnLogged(name: string, cmd: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv) {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const [file, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.once('error', (err) => log.write(`spawn error: ${String(err)}\n`));
  return manage(name, child);
}

export interface TemporalDevOptions {
  port: number;
  uiPort: number;
  /** SQLite file; history survives restarts. Omit for an in-memory server (tests). */
  dbFile?: string;
  namespace: string;
  logFile: string;
  portSetting?: string;
  uiPortSetting?: string;
  headless?: boolean;
}

export interface RunningTemporal extends ManagedProcess {
  address: string;
  uiUrl: string;
  namespace: string;
}

export async function startTemporalDevServer(opts: TemporalDevOptions): Promise<RunningTemporal> {
  await assertPortFree(opts.port, opts.portSetting ?? 'dev.temporalPort');
  if (!opts.headless) await assertPortFree(opts.uiPort, opts.uiPortSetting ?? 'dev.temporalUiPort');
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--namespace', opts.namespace];
  args.push('--log-level', 'warn', '--log-format', 'pretty');
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1');
  if (opts.dbFile) {
    mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  // Dev server defaults: keep payload checks as production would (warn 256 KB, fail 2 MB).
  const proc = spawnLogged('temporal', toolPath.temporal, args, opts.logFile);
  const address = `127.0.0.1:${opts.port}`;
  try {
    await waitFor(`Temporal dev server on ${address} (log: ${opts.logFile})`, () => tcpOpen(opts.port), {
      timeoutMs: 60_000,
      isAlive: () => proc.child.exitCode === null,
    });
    await waitFor(
      `Temporal namespace ${opts.namespace}`,
      async () => {
        const { Connection } = await import('@temporalio/client');
        const conn = await Connection.connect({ address, connectTimeout: 2000 });
        try {
          await conn.workflowService.describeNamespace({ namespace: opts.namespace });
          return true;
        } finally {
          await conn.close();
        }
      },
      { timeoutMs: 60_000, isAlive: () => proc.child.exitCode === null },
    );
    if (!opts.headless) {
      await waitFor(`Temporal UI on port ${opts.uiPort}`, () => tcpOpen(opts.uiPort), { timeoutMs: 30_000 });
    }
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { ...proc, address, uiUrl: `http://127.0.0.1:${opts.uiPort}`, namespace: opts.namespace };
}

export interface MinioOptions {
  port: number;
  consolePort: number;
  dataDir: string;
  accessKey: string;
  secretKey: string;
  logFile: string;
  portSetting?: string;
  consolePortSetting?: string;
}

export interface RunningMinio extends ManagedProcess {
  endpoint: string;
  consoleUrl: string;
}

export async function startMinio(opts: MinioOptions): Promise<RunningMinio> {
  await assertPortFree(opts.port, opts.portSetting ?? 'dev.minioPort');
  await assertPortFree(opts.consolePort, opts.consolePortSetting ?? 'dev.minioConsolePort');
  mkdirSync(opts.dataDir, { recursive: true });
  const args = [
    'server',
    opts.dataDir,
    '--address',
    `127.0.0.1:${opts.port}`,
    '--console-address',
    `127.0.0.1:${opts.consolePort}`,
    '--quiet',
  ];
  const proc = spawnLogged('minio', toolPath.minio, args, opts.logFile, {
    MINIO_ROOT_USER: opts.accessKey,
    MINIO_ROOT_PASSWORD: opts.secretKey,
    MINIO_BROWSER: 'on',
    MINIO_UPDATE: 'off',
  });
  const endpoint = `http://127.0.0.1:${opts.port}`;
  try {
    await waitFor(
      `MinIO on ${endpoint} (log: ${opts.logFile})`,
      async () => (await fetch(`${endpoint}/minio/health/live`)).ok,
      { timeoutMs: 60_000, isAlive: () => proc.child.exitCode === null },
    );
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { ...proc, endpoint, consoleUrl: `http://127.0.0.1:${opts.consolePort}` };
}
