// The worker process: `npx tsx worker.ts [--config file] [--store|--no-store]`, also `mastoflow worker`.
// The same command as `mastoflow worker` (cli/main.ts), so flags and behaviour never drift apart.
import { main } from './cli/main';

await main(['worker', ...process.argv.slice(2)]);
