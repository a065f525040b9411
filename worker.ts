// The worker process: `npx tsx worker.ts [--config file] [--store|--no-store]`, also `mastoflow worker`.
import { runWorkerCommand } from './cli/commands/worker';

await runWorkerCommand(process.argv.slice(2));
