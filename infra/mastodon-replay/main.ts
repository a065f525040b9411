// CLI entry of the replay server: npx tsx infra/mastodon-replay/main.ts [--port 3002] [--host mastodon.social]
// Prints one JSON line with the URL; stops on SIGINT/SIGTERM and then lists unmatched requests.

import { Command } from 'commander';
import { startReplayServer } from './server';

const program = new Command()
  .name('mastodon-replay')
  .description('Answer GET requests from recorded Mastodon cassettes')
  .option('--port <n>', 'port (0 = any free port)', (v) => Number(v), 3002)
  .option('--listen <addr>', 'interface to bind', '127.0.0.1')
  .option('--dir <path>', 'cassettes directory (default: ../shared/fixtures/mastodon-api-cassettes)')
  .option('--cassette <name...>', 'only these cassettes')
  .option('--host <host...>', 'only answers recorded from these hosts');
program.parse();
const o = program.opts<{ port: number; listen: string; dir?: string; cassette?: string[]; host?: string[] }>();

const replay = await startReplayServer({
  port: o.port,
  listenHost: o.listen,
  cassettesDir: o.dir,
  cassettes: o.cassette,
  hosts: o.host,
});
process.stdout.write(`${JSON.stringify({ url: replay.url, keys: replay.keys().length })}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    const missed = replay.unmatched();
    if (missed.length) process.stderr.write(`unmatched: ${JSON.stringify(missed)}\n`);
    void replay.close().then(() => process.exit(0));
  });
}
