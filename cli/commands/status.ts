import type { Command } from 'commander';
import { addDays, isValidDay, yesterdayUtc } from '../../domain/logical-date';
import { renderStatusGrid, renderStatusTable } from '../../domain/status-grid';
import { createDagCatalog } from '../../dags/catalog';
import { withTemporalClient } from '../../runtime/clients';
import { fetchStatusGrid } from '../../runtime/status-grid';
import { configFrom } from '../context';

// `mastoflow status <dag> --from D1 --to D2`: which days ran and how, from Temporal visibility
// (the latest run of each day's `dag/<dag>/<day>` ID), as a calendar grid or a per-day table.

interface StatusFlags {
  from?: string;
  to?: string;
  table?: boolean;
  json?: boolean;
}

function day(value: string, flag: string): string {
  if (!isValidDay(value)) throw new Error(`${flag}: expected YYYY-MM-DD (a real calendar day), got ${value}`);
  return value;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("date × state grid of a DAG's runs: ✓ success, ✗ failed, ▶ running, ⊘ cancelled/terminated, · no run")
    .argument('<dag>', 'DAG id')
    .option('--from <day>', 'first logical day (default: 27 days before --to)')
    .option('--to <day>', 'last logical day (default: yesterday, UTC)')
    .option('--table', 'one line per day (state, run type, workflow ID) instead of the calendar')
    .option('--json', 'print the grid as JSON')
    .action(async (dagId: string, opts: StatusFlags, cmd: Command) => {
      const { config } = configFrom(cmd);
      createDagCatalog(config).get(dagId); // an unknown id fails here, naming the known ones
      const to = opts.to ? day(opts.to, '--to') : yesterdayUtc(Date.now());
      const from = opts.from ? day(opts.from, '--from') : addDays(to, -27);
      if (from > to) throw new Error(`--from ${from} is after --to ${to}`);
      const grid = await withTemporalClient(config, (client) => fetchStatusGrid(client, dagId, from, to));
      if (opts.json) console.log(JSON.stringify(grid, null, 2));
      else console.log(opts.table ? renderStatusTable(grid) : renderStatusGrid(grid));
    });
}
