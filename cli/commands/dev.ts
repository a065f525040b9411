import type { Command } from 'commander';
import { startDevStack, type DevStack } from '../../infra/dev-stack';
import { createWorkers } from '../../runtime/worker-runtime';
import { configFrom } from '../context';

export interface DevSession {
  stack: DevStack;
  /** Resolves when the worker has stopped (after Ctrl-C / SIGTERM or stopSession). */
  workerDone: Promise<void>;
  stopWorkers(): void;
}

/** Start stack + in-process worker; shared by `dev` and `demo`. */
export async function startDevSession(cmd: Command, opts: { worker: boolean }): Promise<DevSession> {
  const { file, config: loaded } = configFrom(cmd);
  console.log(`dev: config ${file}`);
  // dev and demo always serve the example DAGs (like Airflow's load_examples), whatever the file says.
  const config = { ...loaded, loadExamples: true };
  const stack = await startDevStack(config);
  if (!opts.worker) {
    return { stack, workerDone: new Promise(() => {}), stopWorkers: () => {} };
  }
  try {
    const { workers, connection, release } = await createWorkers({ config: stack.config, serveStore: true });
    const workerDone = Promise.all(workers.map((w) => w.run())).then(async () => {
      release();
      await connection.close();
    });
    console.log(`dev: worker polling ${workers.map((w) => w.options.taskQueue).join(', ')}`);
    return {
      stack,
      workerDone,
      stopWorkers: () => {
        for (const w of workers) w.shutdown();
      },
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}

export function printStackUrls(stack: DevStack): void {
  console.log('');
  console.log(`  Temporal UI   ${stack.temporal.uiUrl}/namespaces/${stack.temporal.namespace}/workflows`);
  console.log(`  Temporal gRPC ${stack.temporal.address}`);
  console.log(
    `  S3 endpoint   ${stack.minio.endpoint}  (bucket ${stack.config.s3.bucket}; console ${stack.minio.consoleUrl})`,
  );
  console.log('  More workers  npx mastoflow worker --dev   (same config file; the mastoflow queue)');
  console.log('');
}

/** Keep running until Ctrl-C/SIGTERM, then stop the worker, then the servers, in that order. */
export async function holdUntilSignal(session: DevSession): Promise<void> {
  await new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      console.log(`\ndev: ${sig} received, stopping worker, MinIO and Temporal ...`);
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  try {
    session.stopWorkers();
  } catch {
    // the SDK runtime may already be shutting the workers down on the same signal
  }
  await Promise.race([session.workerDone, new Promise((r) => setTimeout(r, 15_000))]);
  await session.stack.stop();
  console.log('dev: stopped (history and objects kept in the data dir)');
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('start the embedded dev stack: Temporal dev server + UI, MinIO and a worker (Ctrl-C stops)')
    .option('--no-worker', 'start only the servers')
    .action(async (opts: { worker: boolean }, cmd: Command) => {
      const session = await startDevSession(cmd, { worker: opts.worker });
      printStackUrls(session.stack);
      console.log('dev: ready. Press Ctrl-C to stop.');
      await holdUntilSignal(session);
    });
}
