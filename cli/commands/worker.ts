import type { Command } from 'commander';
import { runWorkers } from '../../runtime/worker-runtime';
import { configFrom } from '../context';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a Temporal worker for the mastoflow task queue (and the DuckDB store queue with --store)')
    .option('--store', 'also serve the mastoflow-store queue (exactly one worker process may)')
    .option('--no-store', 'do not serve the store queue')
    .action(async (opts: { store?: boolean }, cmd: Command) => {
      const { file, config } = configFrom(cmd);
      console.log(`worker: config ${file}; Temporal ${config.temporal.address} namespace ${config.temporal.namespace}`);
      await runWorkers({
        config,
        serveStore: opts.store,
        onReady: ({ taskQueues }) =>
          console.log(`worker: polling ${taskQueues.join(', ')} (Ctrl-C or SIGTERM stops gracefully)`),
      });
      console.log('worker: stopped');
    });
}
