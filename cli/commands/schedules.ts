import type { Command } from 'commander';
import { dagRunWorkflowId } from '../../domain/keys';
import { yesterdayUtc } from '../../domain/logical-date';
import { createDagCatalog } from '../../dags/catalog';
import { withTemporalClient } from '../../runtime/clients';
import {
  describeManagedSchedules,
  formatSyncReport,
  pauseSchedule,
  syncSchedules,
  triggerSchedule,
  unpauseSchedule,
  type ScheduleRow,
} from '../../runtime/schedules';
import { configFrom } from '../context';

// `mastoflow schedules sync|list|pause|unpause|trigger`: one Temporal Schedule per scheduled DAG
// (ID `schedule/<dag>`), kept in line with the DAG registry by `sync`. See runtime/schedules.ts
// for the policies and docs/backfills-and-schedules.md for the semantics.

export function renderScheduleRows(rows: ScheduleRow[]): string {
  if (rows.length === 0) return 'no mastoflow schedules (run `mastoflow schedules sync`)';
  return rows
    .map((r) => {
      const state = r.paused ? `paused${r.note ? ` (${r.note})` : ''}` : 'active';
      const next = r.paused ? '' : r.nextFire ? `  next ${r.nextFire}` : '';
      const last = r.lastFire ? `  last ${r.lastFire.scheduledAt} → ${r.lastFire.workflowId}` : '';
      return `${r.dagId.padEnd(24)} ${`${r.cron} ${r.timezone}`.padEnd(28)} ${r.overlap.padEnd(10)} ${state}${next}${last}`;
    })
    .join('\n');
}

/** The DAG, which must exist and have a schedule (unscheduled DAGs have no Temporal Schedule). */
function scheduledDag(config: Parameters<typeof createDagCatalog>[0], dagId: string): void {
  const dag = createDagCatalog(config).get(dagId);
  if (dag.schedule === null)
    throw new Error(`DAG "${dagId}" has no schedule (schedule: null), so it has no Temporal Schedule to change`);
}

export function registerSchedulesCommand(program: Command): void {
  const schedules = program.command('schedules').description('Temporal Schedules of the scheduled DAGs (one per DAG)');

  schedules
    .command('sync')
    .description('create, update and delete schedules to match the DAG registry (only schedules mastoflow manages)')
    .option('--dry-run', 'show what would change')
    .action(async (opts: { dryRun?: boolean }, cmd: Command) => {
      const { config } = configFrom(cmd);
      const dags = createDagCatalog(config).list();
      const report = await withTemporalClient(config, (client) =>
        syncSchedules(client, dags, {
          taskQueue: config.temporal.taskQueue,
          storeTaskQueue: config.temporal.storeTaskQueue,
          defaultCatchupWindow: config.schedule.catchupWindow,
          dryRun: opts.dryRun,
        }),
      );
      console.log(formatSyncReport(report, opts.dryRun));
      if (report.conflicts.length > 0) process.exitCode = 1;
    });

  schedules
    .command('list')
    .description('the schedules mastoflow manages for this task queue: cron, overlap policy, state, next and last fire')
    .action(async (_opts: unknown, cmd: Command) => {
      const { config } = configFrom(cmd);
      const rows = await withTemporalClient(config, (client) =>
        describeManagedSchedules(client, config.temporal.taskQueue),
      );
      console.log(renderScheduleRows(rows));
    });

  schedules
    .command('pause')
    .description("pause a DAG's schedule (sync keeps it paused until `schedules unpause`)")
    .argument('<dag>', 'DAG id')
    .option('--reason <text>', 'shown in the Temporal UI and in `schedules list`')
    .action(async (dagId: string, opts: { reason?: string }, cmd: Command) => {
      const { config } = configFrom(cmd);
      scheduledDag(config, dagId); // before connecting: a typo needs no running stack
      await withTemporalClient(config, (client) => pauseSchedule(client, dagId, opts.reason));
      console.log(`paused the schedule of ${dagId}`);
    });

  schedules
    .command('unpause')
    .description("resume a DAG's schedule")
    .argument('<dag>', 'DAG id')
    .action(async (dagId: string, _opts: unknown, cmd: Command) => {
      const { config } = configFrom(cmd);
      scheduledDag(config, dagId); // before connecting: a typo needs no running stack
      await withTemporalClient(config, (client) => unpauseSchedule(client, dagId));
      console.log(`unpaused the schedule of ${dagId}`);
    });

  schedules
    .command('trigger')
    .description("fire a DAG's schedule now: it processes the UTC day before now, unless that day already succeeded")
    .argument('<dag>', 'DAG id')
    .action(async (dagId: string, _opts: unknown, cmd: Command) => {
      const { config } = configFrom(cmd);
      scheduledDag(config, dagId); // before connecting: a typo needs no running stack
      await withTemporalClient(config, (client) => triggerSchedule(client, dagId));
      const day = yesterdayUtc(Date.now());
      console.log(`triggered the schedule of ${dagId}: it runs ${dagRunWorkflowId(dagId, day)} (logical date ${day})`);
    });
}
