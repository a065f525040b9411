import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../infra/ports';
import { startMinio, startTemporalDevServer, type RunningMinio, type RunningTemporal } from '../../infra/local-servers';
import { ensureTools, toolPath } from '../../infra/tools';
import { TEST_WORKFLOWS_PATH } from '../dags/registry';
import type { TestStack } from '../helpers/stack-types';
import { scanHistories, TEST_SECRETS_FILE, type Secrets } from '../helpers/secret-scan';

// Once per test run: a real Temporal dev server and a real MinIO on free loopback ports in a temp
// dir, and one workflow bundle shared by every test worker (bundling per file costs seconds), built
// from the test entry: production workflows, the example DAGs and the test DAGs (test/dags/).
let temporal: RunningTemporal | undefined;
let minio: RunningMinio | undefined;
let dir: string | undefined;
// Distinctive, so the teardown's history scan cannot match it by chance.
const secretKey = 'mastoflow-test-secret-5e1f0c';

export async function setup(project: TestProject): Promise<void> {
  ensureTools({ quiet: true });
  dir = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-test-'));
  const started = Date.now();
  const [temporalPort, uiPort, minioPort, consolePort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const accessKey = 'mastoflow-test';
  [temporal, minio] = await Promise.all([
    startTemporalDevServer({
      port: temporalPort,
      uiPort,
      namespace: 'default',
      logFile: path.join(dir, 'temporal.log'),
      headless: true,
    }),
    startMinio({
      port: minioPort,
      consolePort,
      dataDir: path.join(dir, 'minio'),
      accessKey,
      secretKey,
      logFile: path.join(dir, 'minio.log'),
    }),
  ]);
  const { code } = await bundleWorkflowCode({ workflowsPath: TEST_WORKFLOWS_PATH, logger: quietLogger });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, code);
  const stack: TestStack = {
    temporalAddress: temporal.address,
    namespace: 'default',
    s3Endpoint: minio.endpoint,
    s3AccessKey: accessKey,
    s3SecretKey: secretKey,
    workflowBundlePath: bundlePath,
    tempDir: dir,
    temporalTestServerPath: toolPath.temporalTestServer,
  };
  project.provide('stack', stack);
  console.log(`[test stack] Temporal ${temporal.address}, MinIO ${minio.endpoint} ready in ${Date.now() - started} ms`);
}

export async function teardown(): Promise<void> {
  let leak: Error | undefined;
  try {
    leak = await scanForSecrets();
  } finally {
    await Promise.allSettled([temporal?.stop(), minio?.stop()]);
    if (dir && !process.env.MASTOFLOW_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
  }
  if (leak) throw leak;
}

/**
 * Secrets never enter workflow histories: every history the suite left on the shared Temporal
 * is fetched (16 at a time, at most 60 s) and searched for the S3 secret and the tokens tests
 * registered (registerTestSecret). A hit fails the run, naming the workflow and the secret.
 */
async function scanForSecrets(): Promise<Error | undefined> {
  if (!temporal || !dir) return undefined;
  const secrets: Secrets = { 'S3 secret': secretKey };
  const file = path.join(dir, TEST_SECRETS_FILE);
  if (existsSync(file))
    for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const { label, value } = JSON.parse(line) as { label: string; value: string };
      secrets[label] = value;
    }
  const { Client, Connection } = await import('@temporalio/client');
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const started = Date.now();
    const scan = await scanHistories(new Client({ connection, namespace: 'default' }), secrets, {
      concurrency: 16,
      timeoutMs: 60_000,
    });
    console.log(
      `[test stack] secrets: ${scan.hits.length} hits in ${scan.histories} of ${scan.listed} histories ` +
        `(${Object.keys(secrets).length} secrets, ${Date.now() - started} ms${scan.timedOut ? ', stopped at the 60 s cap' : ''})`,
    );
    if (scan.hits.length === 0) return undefined;
    return new Error(
      `SECRET LEAK: workflow histories hold secrets:\n${scan.hits.map((h) => `  ${h.secret} in ${h.where}`).join('\n')}`,
    );
  } finally {
    await connection.close();
  }
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

declare module 'vitest' {
  export interface ProvidedContext {
    stack: TestStack;
  }
}
