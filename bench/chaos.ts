// `npm run chaos`: the durability campaigns of issue #12 (bench/chaos/campaigns.ts), each on a
// stack of its own (Temporal dev server, MinIO, DuckDB file, worker processes) and a simulated
// instance, each compared row by row with a clean run of the same days. Prints one line per
// campaign, the secrets scan, and `chaos: N/N campaigns identical`; exits 1 when one is not.
//
//   npm run chaos -- [--kills N] [--store-kills N] [--days N] [--statuses-per-day N] [--seed N]
//                    [--only name,name] [--parallel N] [--keep]
//
// --parallel N runs N campaigns side by side (each still on its own stack): faster, but each
// campaign's wall time then includes the others' load.
import { parseArgs as parseCliArgs } from 'node:util';
import { addDays } from '../domain/logical-date';
import { ensureTools } from '../infra/tools';
import {
  CAMPAIGNS,
  chaosPassed,
  DEFAULT_CHAOS_OPTIONS,
  formatCampaign,
  formatSummary,
  runChaos,
  stopAllStacks,
  type CampaignName,
} from './chaos/campaigns';
import { EXCLUDED_COLUMNS } from './chaos/compare';

function parseArgs(argv: string[]) {
  const { values } = parseCliArgs({
    args: argv,
    strict: true,
    options: {
      kills: { type: 'string' },
      'store-kills': { type: 'string' },
      days: { type: 'string' },
      'statuses-per-day': { type: 'string' },
      seed: { type: 'string' },
      only: { type: 'string' },
      keep: { type: 'boolean' },
      parallel: { type: 'string' },
    },
  });
  const int = (flag: string, v: string | undefined, fallback: number, min: number) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag}: expected an integer ≥ ${min}, got "${v}"`);
    return n;
  };
  const d = DEFAULT_CHAOS_OPTIONS;
  const days = int('days', values.days, d.days.length, 1);
  const names = values.only?.split(',').filter(Boolean) ?? [...d.campaigns];
  const unknown = names.filter((n) => !(CAMPAIGNS as readonly string[]).includes(n));
  if (unknown.length || !names.length)
    throw new Error(`--only: unknown campaign "${unknown.join(', ')}"; known: ${CAMPAIGNS.join(', ')}`);
  return {
    kills: int('kills', values.kills, d.kills, 0),
    storeKills: int('store-kills', values['store-kills'], d.storeKills, 0),
    statusesPerDay: int('statuses-per-day', values['statuses-per-day'], d.statusesPerDay, 100),
    seed: int('seed', values.seed, d.seed, 0),
    // The last day stays put; more days reach back before it.
    days: Array.from({ length: days }, (_, k) => addDays(d.days.at(-1)!, k - days + 1)),
    campaigns: names as CampaignName[],
    keepDirs: values.keep === true,
    parallel: int('parallel', values.parallel, 1, 1),
  };
}

let opts: ReturnType<typeof parseArgs>;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(`chaos: ${(err as Error).message}`);
  process.exit(2);
}
ensureTools({ quiet: true });
// Ctrl-C or SIGTERM: stop every server and worker the campaigns started, and their temp dirs.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.log(`chaos: ${signal}, stopping the campaign stacks`);
    void stopAllStacks().finally(() => process.exit(130));
  });
const started = Date.now();
const report = await runChaos({
  ...opts,
  log: (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`),
});
console.log(`\nchaos: compared with a clean run of ${opts.days.join(', ')}: every DuckDB table row by row and`);
console.log(`the Parquet result rows (sorted), leaving out ${EXCLUDED_COLUMNS}.`);
console.log(
  `clean run: ${(report.clean.wallMs / 1000).toFixed(0)} s, ${report.clean.rows} DuckDB rows, ` +
    `${report.clean.parquetRows} Parquet rows, ${report.clean.partitions} partitions, ${report.clean.quarantined} records quarantined`,
);
for (const c of report.campaigns) console.log(formatCampaign(c, report.clean.wallMs));
for (const line of formatSummary(report)) console.log(line);
process.exit(chaosPassed(report) ? 0 : 1);
