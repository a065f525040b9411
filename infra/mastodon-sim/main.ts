// CLI entry of the simulated Mastodon instance, for the demo, benchmarks and manual poking:
//   npx tsx infra/mastodon-sim/main.ts --port 3001 --seed 1 --statuses-per-day 2000
// Prints one JSON line with the URL once listening; stops on SIGINT/SIGTERM. This is the one
// place where the simulated present is the real clock.

import { Command, InvalidArgumentError } from 'commander';
import { startMastodonSim } from './server';

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`not an integer: ${value}`);
  return n;
}

function num(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`not a number: ${value}`);
  return n;
}

const program = new Command()
  .name('mastodon-sim')
  .description('Simulated Mastodon instance (deterministic from a seed)')
  .option('--port <n>', 'port to listen on (0 = any free port)', int, 3001)
  .option('--listen <addr>', 'interface to bind', '127.0.0.1')
  .option('--host <domain>', 'simulated instance domain', 'sim.example')
  .option('--seed <n>', 'generator seed', int, 1)
  .option('--statuses-per-day <n>', 'statuses per UTC day', int, 2000)
  .option('--accounts <n>', 'number of accounts', int, 2000)
  .option('--first-day <YYYY-MM-DD>', 'first day with statuses (default: 29 days ago)')
  .option('--last-day <YYYY-MM-DD>', 'last day with statuses (default: up to now)')
  .option('--now <iso>', 'freeze the simulated present at this instant instead of the real clock')
  .option('--rate-limit <n>', 'requests per window (0 = no rate limiting)', int, 300)
  .option('--rate-window-ms <n>', 'general rate-limit window', int, 300_000)
  .option('--paged-limit <n>', 'paged requests per paging window', int, 300)
  .option('--paged-window-ms <n>', 'paging rate-limit window', int, 900_000)
  .option('--require-token <token>', 'demand this bearer token on every API request')
  .option('--error-rate <r>', 'share of requests answered 503', num, 0)
  .option('--latency-ms <n>', 'added latency per request', num, 0)
  .option('--public-timeline <mode>', 'open | unauthorized | disabled', 'open')
  .option('--unavailable <list>', 'comma list of activity,peers,directory,trends to switch off', '');

program.parse();
const o = program.opts<{
  port: number;
  listen: string;
  host: string;
  seed: number;
  statusesPerDay: number;
  accounts: number;
  firstDay?: string;
  lastDay?: string;
  now?: string;
  rateLimit: number;
  rateWindowMs: number;
  pagedLimit: number;
  pagedWindowMs: number;
  requireToken?: string;
  errorRate: number;
  latencyMs: number;
  publicTimeline: string;
  unavailable: string;
}>();

const frozen = o.now === undefined ? undefined : Date.parse(o.now);
if (frozen !== undefined && Number.isNaN(frozen)) program.error(`--now is not a date: ${o.now}`);

const sim = await startMastodonSim({
  now: frozen ?? (() => Date.now()),
  port: o.port,
  listenHost: o.listen,
  host: o.host,
  seed: o.seed,
  statusesPerDay: o.statusesPerDay,
  accountCount: o.accounts,
  firstDay: o.firstDay,
  lastDay: o.lastDay,
  requireToken: o.requireToken,
  rateLimit:
    o.rateLimit === 0
      ? false
      : { limit: o.rateLimit, windowMs: o.rateWindowMs, pagedLimit: o.pagedLimit, pagedWindowMs: o.pagedWindowMs },
  faults: {
    serverErrorRate: o.errorRate,
    latencyMs: o.latencyMs,
    publicTimeline: o.publicTimeline as 'open' | 'unauthorized' | 'disabled',
    unavailable: o.unavailable
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean) as ('activity' | 'peers' | 'directory' | 'trends')[],
  },
});

process.stdout.write(`${JSON.stringify({ url: sim.url, host: sim.host, days: sim.days })}\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void sim.close().then(() => process.exit(0));
  });
}
