import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../infra/ports';
import { startMinio, startTemporalDevServer, type RunningMinio, type RunningTemporal } from '../../infra/local-servers';
import { ensureTools, toolPath } from '../../infra/tools';
import { TEST_WORKFLOWS_PATH } from '../dags/registry';
import type { TestStack } from '../helpers/stack-types';

// Once per test run: a real Temporal dev server and a real MinIO on free loopback ports in a temp
// dir, and one workflow bundle shared by every test worker (bundling per file costs seconds), built
// from the test entry: production workflows, the example DAGs and the test DAGs (test/dags/).
let temporal: RunningTemporal | undefined;
let minio: RunningMinio | undefined;
let dir: string | undefined;

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
  const secretKey = 'mastoflow-test-secret';
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
  await Promise.allSettled([temporal?.stop(), minio?.stop()]);
  if (dir && !process.env.MASTOFLOW_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
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
