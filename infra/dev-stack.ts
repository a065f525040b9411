import path from 'node:path';
import type { MastoflowConfig } from '../domain/config';
import { createS3Client, ensureBucket } from '../runtime/clients';
import { startMinio, startTemporalDevServer, type RunningMinio, type RunningTemporal } from './local-servers';
import { tcpOpen } from './ports';
import { ensureTools } from './tools';

// The embedded dev stack: Temporal dev server (SQLite under the data dir, UI, search attributes)
// and MinIO (data dir, bucket created). Data dirs persist, so a restart keeps history and objects.

export const DEV_S3_ACCESS_KEY = 'mastoflow';
export const DEV_S3_SECRET_KEY = 'mastoflow-dev-secret';

export interface DevStack {
  temporal: RunningTemporal;
  minio: RunningMinio;
  /** The config with temporal.address and s3.endpoint pointing at the running servers. */
  config: MastoflowConfig;
  stop(): Promise<void>;
}

/** Local MinIO needs keys; when the user set none, use fixed dev keys (never for production). */
export function applyDevCredentials(config: MastoflowConfig, env: NodeJS.ProcessEnv): void {
  env[config.s3.accessKeyIdEnv] ??= DEV_S3_ACCESS_KEY;
  env[config.s3.secretAccessKeyEnv] ??= DEV_S3_SECRET_KEY;
}

/** The config with Temporal and S3 at the dev stack's servers. */
function pointedAt(config: MastoflowConfig, at: { temporalAddress: string; s3Endpoint: string }): MastoflowConfig {
  return {
    ...config,
    temporal: { ...config.temporal, address: at.temporalAddress },
    s3: { ...config.s3, endpoint: at.s3Endpoint, forcePathStyle: true },
  };
}

/**
 * `mastoflow worker --dev`: the config of one more worker for the `mastoflow dev` stack that runs
 * on this machine with the same config file (its ports from `dev`, its S3 keys: the dev keys
 * unless the user's env sets others, as for dev itself). Refuses, saying how to start it, when
 * no stack answers there: nothing secret is written to disk or printed.
 */
export async function attachToDevStack(config: MastoflowConfig, env: NodeJS.ProcessEnv): Promise<MastoflowConfig> {
  const host = '127.0.0.1';
  for (const [port, setting] of [
    [config.dev.temporalPort, 'dev.temporalPort'],
    [config.dev.minioPort, 'dev.minioPort'],
  ] as const) {
    if (!(await tcpOpen(port, host)))
      throw new Error(
        `--dev: no dev stack answers on ${host}:${port} (${setting}); start it with \`npm run dev\` ` +
          '(same config file), or run the worker without --dev against your own Temporal and S3',
      );
  }
  applyDevCredentials(config, env);
  return {
    ...pointedAt(config, {
      temporalAddress: `${host}:${config.dev.temporalPort}`,
      s3Endpoint: `http://${host}:${config.dev.minioPort}`,
    }),
    loadExamples: true, // as dev's own worker: both must build the same workflow bundle
  };
}

export async function startDevStack(
  config: MastoflowConfig,
  opts: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): Promise<DevStack> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((l: string) => console.log(l));
  ensureTools({ quiet: true });
  applyDevCredentials(config, env);
  const dataDir = path.resolve(config.dev.dataDir);
  log(`dev: data in ${dataDir}`);
  const temporal = await startTemporalDevServer({
    port: config.dev.temporalPort,
    uiPort: config.dev.temporalUiPort,
    dbFile: path.join(dataDir, 'temporal', 'temporal.sqlite'),
    namespace: config.temporal.namespace,
    logFile: path.join(dataDir, 'logs', 'temporal.log'),
    portSetting: 'dev.temporalPort in the config',
    uiPortSetting: 'dev.temporalUiPort in the config',
  });
  log(`dev: Temporal ${temporal.address} (namespace ${temporal.namespace})`);
  let minio: RunningMinio;
  try {
    minio = await startMinio({
      port: config.dev.minioPort,
      consolePort: config.dev.minioConsolePort,
      dataDir: path.join(dataDir, 'minio'),
      accessKey: env[config.s3.accessKeyIdEnv]!,
      secretKey: env[config.s3.secretAccessKeyEnv]!,
      logFile: path.join(dataDir, 'logs', 'minio.log'),
      portSetting: 'dev.minioPort in the config',
      consolePortSetting: 'dev.minioConsolePort in the config',
    });
  } catch (err) {
    await temporal.stop();
    throw err;
  }
  const resolved = pointedAt(config, { temporalAddress: temporal.address, s3Endpoint: minio.endpoint });
  const s3 = createS3Client(resolved.s3, env);
  await ensureBucket(s3, resolved.s3.bucket);
  s3.destroy();
  log(`dev: MinIO ${minio.endpoint} bucket ${resolved.s3.bucket} (console ${minio.consoleUrl})`);
  return {
    temporal,
    minio,
    config: resolved,
    async stop() {
      await Promise.allSettled([minio.stop(), temporal.stop()]);
    },
  };
}
