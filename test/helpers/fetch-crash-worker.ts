import { NativeConnection } from '@temporalio/worker';
import type { MastoflowConfig } from '../../domain/config';
import { createWorkers } from '../../runtime/worker-runtime';

// A worker in its own process, for the crash test to SIGKILL mid-fetch. Reads the test config
// (JSON) and the bundle path from the environment; says "ready" on stdout once polling.
const config = JSON.parse(process.env.FETCH_CRASH_CONFIG ?? '') as MastoflowConfig;
const connection = await NativeConnection.connect({ address: config.temporal.address });
const { workers } = await createWorkers({
  config,
  env: process.env,
  serveStore: false,
  workflowBundlePath: process.env.FETCH_CRASH_BUNDLE,
  connection,
});
process.stdout.write('ready\n');
await Promise.all(workers.map((w) => w.run()));
