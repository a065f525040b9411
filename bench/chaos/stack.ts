import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parseConfig, type MastoflowConfig } from '../../domain/config';
import { startMinio, startTemporalDevServer, type RunningMinio, type RunningTemporal } from '../../infra/local-servers';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import { freePort } from '../../infra/ports';
import { REPO_ROOT } from '../../infra/tools';
import { createS3Client, ensureBucket } from '../../runtime/clients';

// One chaos campaign's own stack: a Temporal dev server on a SQLite file (so a killed server
// restarted on the same file keeps its history), a MinIO on its own data dir, a DuckDB file and
// a config file in a temp dir, on free loopback ports, started with the launchers `mastoflow dev`
// uses. Workers are real `mastoflow worker` processes, so a SIGKILL is a real one. Everything it
// starts is stopped by PID in stop(), whatever happened.

/** Distinctive secrets, so the secrets scan finds them if anything leaks them. */
export interface CampaignSecrets {
  simToken: string;
  s3Secret: string;
}

const S3_ACCESS_KEY = 'chaos-access';
const TOKEN_ENV = 'CHAOS_SIM_TOKEN';

/** As infra/local-servers.ts: children get SIGKILL from the kernel if this process dies. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

export interface WorkerProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Resolves once it polls its queues. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface CampaignStack {
  name: string;
  dir: string;
  config: MastoflowConfig;
  configFile: string;
  secrets: CampaignSecrets;
  temporal: RunningTemporal;
  minio: RunningMinio;
  client: Client;
  workers: WorkerProcess[];
  /** Every worker log written (for the secrets scan). */
  logFiles: string[];
  startWorker(opts: { store: boolean; name?: string }): Promise<WorkerProcess>;
  /** SIGKILL the Temporal dev server, then start it again on the same port and SQLite file. */
  killTemporal(downMs?: number): Promise<void>;
  /** SIGKILL MinIO, then start it again on the same port and data dir. */
  killMinio(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface CampaignStackOptions {
  name: string;
  sim: MastodonSim;
  secrets: CampaignSecrets;
  /** Worker-side pacing for the sim (MASTOFLOW_RATE_LIMITS); off = unlimited. */
  workerRateLimit?: { api: { limit: number; periodMs: number }; paging: { limit: number; periodMs: number } | null };
  /** Kept when set (logs for a post-mortem); else removed by stop(). */
  keepDir?: boolean;
}

export async function startCampaignStack(opts: CampaignStackOptions): Promise<CampaignStack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `mastoflow-chaos-${opts.name}-`));
  const [temporalPort, minioPort, consolePort] = await Promise.all([freePort(), freePort(), freePort()]);
  const dbFile = path.join(dir, 'temporal.sqlite');
  const startTemporal = () =>
    startTemporalDevServer({
      port: temporalPort,
      uiPort: 0,
      headless: true,
      dbFile,
      namespace: 'default',
      logFile: path.join(dir, 'logs', 'temporal.log'),
    });
  const startS3 = () =>
    startMinio({
      port: minioPort,
      consolePort,
      dataDir: path.join(dir, 'minio'),
      accessKey: S3_ACCESS_KEY,
      secretKey: opts.secrets.s3Secret,
      logFile: path.join(dir, 'logs', 'minio.log'),
    });
  const started: { temporal?: RunningTemporal; minio?: RunningMinio } = {};
  const workers: WorkerProcess[] = [];
  const logFiles: string[] = [];
  let connection: Connection | undefined;
  const stop = async () => {
    await Promise.allSettled(workers.map((w) => w.kill('SIGKILL')));
    await connection?.close().catch(() => {});
    await Promise.allSettled([started.temporal?.stop(), started.minio?.stop()]);
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    [started.temporal, started.minio] = await Promise.all([startTemporal(), startS3()]);
    const raw = {
      instances: [
        {
          name: 'sim.local',
          baseUrl: opts.sim.url,
          userAgentContact: 'mailto:chaos@example.org',
          tokenEnv: TOKEN_ENV,
          sources: {
            publicLocal: true,
            publicRemote: true,
            hashtags: false,
            accounts: false,
            instance: true,
            activity: false,
            peers: true,
            trends: false,
            directory: false,
          },
        },
      ],
      s3: { endpoint: started.minio.endpoint, bucket: 'chaos', forcePathStyle: true },
      duckdb: { path: path.join(dir, 'mastoflow.duckdb') },
      temporal: { address: started.temporal.address, namespace: 'default' },
      // One map thread: two cores are shared by the runner, the servers and the workers.
      worker: { serveStore: false, mapThreads: 1 },
    };
    const configFile = path.join(dir, 'mastoflow.config.json');
    writeFileSync(configFile, JSON.stringify(raw, null, 2));
    const parsed = parseConfig(raw, configFile);
    if (!parsed.ok) throw new Error(parsed.message);
    const config = parsed.config;
    const env = workerEnv(opts);
    const s3 = createS3Client(config.s3, env);
    await ensureBucket(s3, config.s3.bucket);
    s3.destroy();
    connection = await Connection.connect({ address: started.temporal.address });
    const client = new Client({ connection, namespace: 'default' });
    let seq = 0;
    const stack: CampaignStack = {
      name: opts.name,
      dir,
      config,
      configFile,
      secrets: opts.secrets,
      get temporal() {
        return started.temporal!;
      },
      get minio() {
        return started.minio!;
      },
      client,
      workers,
      logFiles,
      async startWorker(w) {
        const name = w.name ?? `worker-${++seq}`;
        const logFile = path.join(dir, 'logs', `${name}.log`);
        logFiles.push(logFile);
        const proc = spawnWorker(name, configFile, w.store, env, logFile);
        workers.push(proc);
        await proc.ready;
        return proc;
      },
      async killTemporal(downMs = 1_000) {
        const t = started.temporal!;
        t.child.kill('SIGKILL');
        await new Promise((r) =>
          t.child.exitCode === null && t.child.signalCode === null ? t.child.once('exit', r) : r(0),
        );
        await new Promise((r) => setTimeout(r, downMs));
        started.temporal = await startTemporal();
      },
      async killMinio(downMs = 1_000) {
        const m = started.minio!;
        m.child.kill('SIGKILL');
        await new Promise((r) =>
          m.child.exitCode === null && m.child.signalCode === null ? m.child.once('exit', r) : r(0),
        );
        await new Promise((r) => setTimeout(r, downMs));
        started.minio = await startS3();
      },
      stop,
    };
    return stack;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The workers' environment: the campaign's secrets under the config's variable names, nothing inherited of mastoflow's. */
function workerEnv(opts: CampaignStackOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MASTOFLOW_')) env[k] = v;
  return {
    ...env,
    MASTOFLOW_S3_ACCESS_KEY_ID: S3_ACCESS_KEY,
    MASTOFLOW_S3_SECRET_ACCESS_KEY: opts.secrets.s3Secret,
    [TOKEN_ENV]: opts.secrets.simToken,
    MASTOFLOW_RATE_LIMITS: JSON.stringify({
      '*': opts.workerRateLimit ?? { api: { limit: 1_000_000, periodMs: 1_000 }, paging: null },
    }),
    MASTOFLOW_LOG_LEVEL: 'INFO',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function spawnWorker(
  name: string,
  configFile: string,
  store: boolean,
  env: NodeJS.ProcessEnv,
  logFile: string,
): WorkerProcess {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const args = [
    path.join(REPO_ROOT, 'bin/mastoflow.js'),
    'worker',
    '--config',
    configFile,
    store ? '--store' : '--no-store',
  ];
  const [file, argv] = SETPRIV
    ? [SETPRIV, ['--pdeathsig', 'KILL', '--', process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(file, argv, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let tail = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      tail = (tail + d.toString()).slice(-4000);
      if (tail.includes('worker: polling')) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
    void exited.then((code) => reject(new Error(`${name} exited (${code}) before polling: ${tail}`)));
  });
  ready.catch(() => {});
  const pid = child.pid!;
  return {
    name,
    pid,
    logFile,
    child,
    ready,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      log.end();
    },
  };
}
