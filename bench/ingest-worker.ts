import { NativeConnection } from '@temporalio/worker';
import type { MastoflowConfig } from '../domain/config';
import { installWorkerLogging } from '../runtime/logging';
import { createWorkers } from '../runtime/worker-runtime';

// One worker process of the ingest benchmark (bench/ingest.ts starts 1, 2 or 4 of them against one
// simulated instance). Config (JSON) and the workflow bundle's path come from the environment,
// the instance's throttle shapes from MASTOFLOW_RATE_LIMITS; prints "ready" once polling and
// drains on SIGTERM.
installWorkerLogging((process.env.MASTOFLOW_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN');
const config = JSON.parse(process.env.BENCH_WORKER_CONFIG ?? '') as MastoflowConfig;
const connection = await NativeConnection.connect({ address: config.temporal.address });
const { workers } = await createWorkers({
  config,
  env: process.env,
  serveStore: false,
  workflowBundlePath: process.env.BENCH_WORKER_BUNDLE,
  connection,
  log: () => {},
});
process.stdout.write('ready\n');
await Promise.all(workers.map((w) => w.run()));
await connection.close();
