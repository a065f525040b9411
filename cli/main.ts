import { Command, CommanderError } from 'commander';
import { registerConfigCommands } from './commands/config';
import { registerDagsCommands } from './commands/dags';
import { registerRunCommand } from './commands/run';
import { registerDemoCommand } from './commands/demo';
import { registerDevCommand } from './commands/dev';
import { registerSmokeCommand } from './commands/smoke';
import { registerWorkerCommand } from './commands/worker';
import { registerBackfillCommand } from './commands/backfill';
import { registerSchedulesCommand } from './commands/schedules';
import { registerStatusCommand } from './commands/status';
import { registerSqlCommand } from './commands/sql';
import { registerChartsCommand } from './commands/charts';
import { registerReportCommand } from './commands/report';
import { registerServeCommand } from './commands/serve';
import { registerForgetCommand } from './commands/forget';

export function buildProgram(): Command {
  const program = new Command('mastoflow')
    .description('Airflow-style DAGs on Temporal for scheduled, replayable fediverse analytics')
    .option('-c, --config <file>', 'config file (default: $MASTOFLOW_CONFIG or ./mastoflow.config.json)')
    .showHelpAfterError()
    .exitOverride();
  registerDevCommand(program);
  registerDemoCommand(program);
  registerWorkerCommand(program);
  registerConfigCommands(program);
  registerSmokeCommand(program);
  registerBackfillCommand(program);
  registerSchedulesCommand(program);
  registerStatusCommand(program);
  registerDagsCommands(program);
  registerRunCommand(program);
  registerSqlCommand(program);
  registerChartsCommand(
    program,
    // Loaded on use: chart rendering pulls in Vega, which other commands do not need.
    async () => (await import('../domain/metrics/catalog')).VIEW_CATALOG,
  );
  registerReportCommand(program);
  registerServeCommand(program);
  registerForgetCommand(program);
  return program;
}

/** The first verb of `argv` when no command has that name (`mastoflow reprot ...`). */
function unknownVerb(program: Command, argv: readonly string[]): string | undefined {
  const known = new Set(['help', ...program.commands.flatMap((c) => [c.name(), ...c.aliases()])]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-c' || arg === '--config')
      i++; // its value
    else if (!arg.startsWith('-')) return known.has(arg) ? undefined : arg;
  }
  return undefined;
}

/** Entry point; errors print one clear line (no stack) and set a non-zero exit code. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  // Commander answers `mastoflow reprot --help` with the main help and exit 0, as if the verb
  // were fine: drop the help flag so the unknown verb is the error (with its "did you mean").
  if (unknownVerb(program, argv) !== undefined) argv = argv.filter((a) => a !== '--help' && a !== '-h');
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    console.error(`mastoflow: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.MASTOFLOW_DEBUG) console.error(err);
    process.exitCode = 1;
  }
}
