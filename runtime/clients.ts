import { readFileSync } from 'node:fs';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { MastoflowConfig } from '../domain/config';
import { CLIENT_CHANNEL_ARGS } from './temporal-reconnect';

// Process-level connections, built from the config plus secrets read from the environment.
// Secrets go straight into the clients here and are never copied anywhere else.

export function createS3Client(s3: MastoflowConfig['s3'], env: NodeJS.ProcessEnv = process.env): S3Client {
  const accessKeyId = env[s3.accessKeyIdEnv];
  const secretAccessKey = env[s3.secretAccessKeyEnv];
  return new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: s3.forcePathStyle,
    // Without our named variables, fall back to the SDK's own chain (AWS_* env, profiles, IAM roles).
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  });
}

/**
 * The AWS SDK says "Could not load credentials from any providers" or "getaddrinfo ENOTFOUND
 * s3.us-east-1.amazonaws.com": name the settings that decide where S3 is and which keys are used,
 * and the way to reach a running dev stack.
 */
export function s3SetupMessage(s3: MastoflowConfig['s3'], env: NodeJS.ProcessEnv, err: unknown): string {
  const why = err instanceof Error ? err.message : String(err);
  const where = s3.endpoint ? `S3 at ${s3.endpoint}` : 'AWS S3 (no s3.endpoint set)';
  const keys = [s3.accessKeyIdEnv, s3.secretAccessKeyEnv]
    .map((name) => `${name} ${env[name] ? 'is set' : 'is not set'}`)
    .join(', ');
  return (
    `cannot use bucket "${s3.bucket}" on ${where}: ${why}. Settings: s3.endpoint (or MASTOFLOW_S3_ENDPOINT), ` +
    `s3.bucket (MASTOFLOW_S3_BUCKET), keys from the env vars ${keys}. Beside a running \`mastoflow dev\`, ` +
    'start extra workers with `mastoflow worker --dev`'
  );
}

export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
    }
  }
}

function temporalSecurity(t: MastoflowConfig['temporal'], env: NodeJS.ProcessEnv) {
  const out: { tls?: NonNullable<ConnectionOptions['tls']>; apiKey?: string } = {};
  if (t.tls) {
    const certPath = env[t.tls.certPathEnv];
    const keyPath = env[t.tls.keyPathEnv];
    if (!certPath || !keyPath) {
      throw new Error(`temporal.tls is configured but ${t.tls.certPathEnv} or ${t.tls.keyPathEnv} is not set`);
    }
    out.tls = {
      clientCertPair: { crt: readFileSync(certPath), key: readFileSync(keyPath) },
      serverNameOverride: t.tls.serverNameOverride,
    };
  }
  if (t.apiKeyEnv) {
    const apiKey = env[t.apiKeyEnv];
    if (!apiKey) throw new Error(`temporal.apiKeyEnv names ${t.apiKeyEnv}, which is not set`);
    out.apiKey = apiKey;
    out.tls ??= {};
  }
  return out;
}

export async function connectTemporalClient(
  t: MastoflowConfig['temporal'],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Connection> {
  try {
    return await Connection.connect({
      address: t.address,
      ...temporalSecurity(t, env),
      // A restarted server is found again within seconds (CLI commands that follow runs wait for it).
      channelArgs: CLIENT_CHANNEL_ARGS,
    });
  } catch (err) {
    throw new Error(unreachableMessage(t.address, err));
  }
}

/**
 * "Failed to connect before the deadline" names neither the address nor the way out: say which
 * address was tried and how to start the stack or point elsewhere.
 */
export function unreachableMessage(address: string, err: unknown): string {
  const why = err instanceof Error ? err.message : String(err);
  return (
    `cannot reach Temporal at ${address} (${why}); start the local stack with \`npm run dev\`, ` +
    'or point temporal.address in the config (or MASTOFLOW_TEMPORAL_ADDRESS) at your Temporal server'
  );
}

export async function connectTemporalWorker(
  t: MastoflowConfig['temporal'],
  env: NodeJS.ProcessEnv = process.env,
): Promise<NativeConnection> {
  const sec = temporalSecurity(t, env);
  try {
    return await NativeConnection.connect({ address: t.address, ...(sec as NativeConnectionOptions) });
  } catch (err) {
    throw new Error(unreachableMessage(t.address, err));
  }
}

/** A Temporal client for one CLI action, closed afterwards. */
export async function withTemporalClient<T>(
  config: Pick<MastoflowConfig, 'temporal'>,
  fn: (client: Client) => Promise<T>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  const connection = await connectTemporalClient(config.temporal, env);
  try {
    return await fn(new Client({ connection, namespace: config.temporal.namespace }));
  } finally {
    await connection.close();
  }
}
