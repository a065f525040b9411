import type { Command } from 'commander';
import { createDagCatalog } from '../../dags/catalog';
import { nextFireTimes } from '../../dags/registry';
import { renderDagGraph } from '../../domain/dag-graph';
import type { DagSpec } from '../../domain/dag-spec';
import { logicalDateFromScheduledTime } from '../../domain/logical-date';
import { configFrom } from '../context';

// `mastoflow dags list|show`: what DAGs the worker of this config serves (the production DAGs,
// and the example DAGs when `loadExamples` is on), validated the way the worker loads them (a
// broken DAG makes these commands fail with every problem listed).

function scheduleText(dag: DagSpec): string {
  if (dag.schedule === null) return '-';
  return `${dag.schedule.cron} ${dag.schedule.timezone}${dag.schedule.paused ? ' (paused)' : ''}`;
}

export function formatDagList(dags: readonly DagSpec[]): string {
  const rows = dags.map((dag) => [dag.id, scheduleText(dag), String(dag.tasks.length), dag.description]);
  const header = ['dag', 'schedule', 'tasks', 'description'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 2 ? c.padStart(widths[i] ?? 0) : i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatDagShow(dag: DagSpec, nowMs: number, fires = 5): string {
  const lines = [renderDagGraph(dag)];
  const times = nextFireTimes(dag, nowMs, fires);
  if (times.length > 0) {
    lines.push('', `next runs (${dag.schedule?.timezone ?? 'UTC'} schedule, times in UTC):`);
    for (const time of times) lines.push(`  ${time}  processes ${logicalDateFromScheduledTime(time)}`);
  }
  return lines.join('\n');
}

export function registerDagsCommands(program: Command): void {
  const dags = program.command('dags').description('list and inspect the DAGs this build knows');
  dags
    .command('list')
    .description('every DAG: id, schedule, number of tasks, description (example DAGs only with loadExamples)')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const list = createDagCatalog(configFrom(cmd).config).list();
      if (opts.json) {
        const rows = list.map((d) => ({
          id: d.id,
          schedule: d.schedule,
          tasks: d.tasks.length,
          description: d.description,
        }));
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      console.log(formatDagList(list));
    });
  dags
    .command('show <dag>')
    .description('the task graph by level, and the next scheduled runs')
    .action((dagId: string, _opts: unknown, cmd: Command) => {
      console.log(formatDagShow(createDagCatalog(configFrom(cmd).config).get(dagId), Date.now()));
    });
}
