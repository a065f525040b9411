import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { openReadOnly } from '../../activities/store/duckdb-store';
import { readDayFinalities, rowsOf } from '../../activities/store/load-log';
import type { MastoflowConfig } from '../../domain/config';
import { summarizeFinality } from '../../domain/day-finality';
import { parseDateRange } from '../../domain/date-range';
import { utcDayOf, yesterdayUtc } from '../../domain/logical-date';
import { renderStatusGrid, renderStatusTable } from '../../domain/status-grid';
import { createDagCatalog } from '../../dags/catalog';
import { withTemporalClient } from '../../runtime/clients';
import { fetchStatusGrid } from '../../runtime/status-grid';
import { configFrom } from '../context';

// `mastoflow status <dag> --from D1 --to D2`: which days ran and how, from Temporal visibility
// (the latest run of each day's `dag/<dag>/<day>` ID), as a calendar grid or a per-day table.

/** Finality of the loaded days, or undefined when there is no store file yet. */
async function storeFinality(config: MastoflowConfig, from: string, to: string) {
  if (!existsSync(config.duckdb.path)) return undefined;
  const db = await openReadOnly(config.duckdb.path);
  try {
    const conn = await db.connect();
    try {
      return await readDayFinalities(rowsOf(conn), { fromDay: from, toDay: to }, config.schedule.lookbackDays);
    } finally {
      conn.closeSync();
    }
  } finally {
    db.closeSync();
  }
}

interface StatusFlags {
  from?: string;
  to?: string;
  table?: boolean;
  json?: boolean;
}

/** The widest grid: a year of days (one visibility query; wider is unreadable as a calendar). */
export const MAX_STATUS_DAYS = 366;

/** --from (default: 27 days before --to) .. --to (default: yesterday, UTC), checked (domain/date-range.ts). */
export function statusRange(opts: { from?: string; to?: string }, nowMs: number): { from: string; to: string } {
  const range = parseDateRange(
    { from: opts.from, to: opts.to ?? yesterdayUtc(nowMs) },
    { today: utcDayOf(nowMs), maxDays: MAX_STATUS_DAYS, defaultDays: 28, names: { from: '--from', to: '--to' } },
  );
  if (!range.ok) throw new Error(range.message);
  return range;
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
      const { from, to } = statusRange(opts, Date.now());
      const grid = await withTemporalClient(config, (client) => fetchStatusGrid(client, dagId, from, to));
      // Runs say what happened; whether each day's data is final is a property of the loads
      // (domain/day-finality.ts, the same rule as `mastoflow report`).
      const finality = dagId === 'mastodon_daily' ? await storeFinality(config, from, to) : undefined;
      if (opts.json) console.log(JSON.stringify(finality ? { ...grid, finality } : grid, null, 2));
      else {
        console.log(opts.table ? renderStatusTable(grid) : renderStatusGrid(grid));
        if (finality?.length) {
          console.log('', 'data (loads in the DuckDB store):');
          for (const instance of [...new Set(finality.map((f) => f.instance))])
            console.log(`  ${instance}: ${summarizeFinality(finality.filter((f) => f.instance === instance))}`);
        }
      }
    });
}
