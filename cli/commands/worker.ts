import type { Command } from 'commander';
import { attachToDevStack } from '../../infra/dev-stack';
import { runWorkers } from '../../runtime/worker-runtime';
import { configFrom } from '../context';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a Temporal worker for the mastoflow task queue (and the DuckDB store queue with --store)')
    .option('--store', 'also serve the mastoflow-store queue (exactly one worker process may)')
    .option('--no-store', 'do not serve the store queue')
    .option('--dev', 'join the `mastoflow dev` stack running on this machine (serves the mastoflow queue only)')
    .action(async (opts: { store?: boolean; dev?: boolean }, cmd: Command) => {
      const { file, config: loaded } = configFrom(cmd);
      // Beside dev, whose own worker owns the DuckDB file, an extra worker adds capacity on the
      // mastoflow queue and serves the store queue only when asked (--store).
      const config = opts.dev ? await attachToDevStack(loaded, process.env) : loaded;
      const serveStore = opts.dev ? opts.store === true : opts.store;
      console.log(`worker: config ${file}; Temporal ${config.temporal.address} namespace ${config.temporal.namespace}`);
      await runWorkers({
        config,
        serveStore,
        onReady: ({ taskQueues }) =>
          console.log(`worker: polling ${taskQueues.join(', ')} (Ctrl-C or SIGTERM stops gracefully)`),
      });
      console.log('worker: stopped');
    });
}
