import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { parseConfig, type MastoflowConfig } from '../../domain/config';
import { createS3Client } from '../../runtime/clients';
import { installWorkerLogging } from '../../runtime/logging';
import { createWorkers, type WorkerRunOptions } from '../../runtime/worker-runtime';
import type { TestStack } from './stack-types';
import { TEST_SECRETS_FILE } from './secret-scan';
// The test DAGs join this process's registry (the catalog a test worker validates, CLI commands).
import '../dags/registry';

// Helpers for integration tests: each test gets its own task queues, bucket prefix and DuckDB
// file on the shared real servers, so test files can run in parallel without seeing each other.

export function testStack(): TestStack {
  return inject('stack');
}

/**
 * Env holding the test MinIO keys under the config's default variable names, and never the
 * developer's webhook URL: test runs must not post to a real chat.
 */
export function testEnv(): NodeJS.ProcessEnv {
  const s = testStack();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MASTOFLOW_S3_ACCESS_KEY_ID: s.s3AccessKey,
    MASTOFLOW_S3_SECRET_ACCESS_KEY: s.s3SecretKey,
  };
  delete env.MASTOFLOW_WEBHOOK_URL;
  return env;
}

/** A secret a test uses (an instance token): global-stack's teardown fails if a history holds it. */
export function registerTestSecret(label: string, value: string): void {
  appendFileSync(path.join(testStack().tempDir, TEST_SECRETS_FILE), `${JSON.stringify({ label, value })}\n`);
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function testConfig(name: string, extra: Record<string, unknown> = {}): MastoflowConfig {
  const s = testStack();
  const dir = mkdtempSync(path.join(s.tempDir, `${name}-`));
  const raw = {
    instances: [{ name: 'sim.local', baseUrl: 'http://127.0.0.1:1', userAgentContact: 'mailto:test@example.org' }],
    s3: { endpoint: s.s3Endpoint, bucket: 'mastoflow-test', forcePathStyle: true },
    duckdb: { path: path.join(dir, 'mastoflow.duckdb') },
    temporal: {
      address: s.temporalAddress,
      namespace: s.namespace,
      taskQueue: `${name}`,
      storeTaskQueue: `${name}-store`,
    },
    // The test workers' bundle serves the example DAGs, which several tests run.
    loadExamples: true,
    ...extra,
  };
  const parsed = parseConfig(raw, 'test-config');
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.config;
}

export function testS3(config: MastoflowConfig) {
  return createS3Client(config.s3, testEnv());
}

export async function testClient(): Promise<{ client: Client; close: () => Promise<void> }> {
  const s = testStack();
  const connection = await Connection.connect({ address: s.temporalAddress });
  return { client: new Client({ connection, namespace: s.namespace }), close: () => connection.close() };
}

/** Start the real worker runtime (both queues) on the test servers; stop it with the returned fn. */
export async function startTestWorkers(
  config: MastoflowConfig,
  opts: Pick<WorkerRunOptions, 'env' | 'activityDeps'> = {},
): Promise<{ workers: Worker[]; stop: () => Promise<void> }> {
  installWorkerLogging((process.env.MASTOFLOW_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN');
  const s = testStack();
  const connection = await NativeConnection.connect({ address: s.temporalAddress });
  const { workers } = await createWorkers({
    config,
    env: { ...testEnv(), ...opts.env },
    serveStore: true,
    ...(opts.activityDeps ? { activityDeps: opts.activityDeps } : {}),
    workflowBundlePath: s.workflowBundlePath,
    connection,
  });
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    workers,
    async stop() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
      await connection.close();
    },
  };
}
