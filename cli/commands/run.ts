import type { Command } from 'commander';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { connectTemporalClient } from '../../runtime/clients';
import {
  checkDagRunRequest,
  startDagRun,
  temporalUiLink,
  watchDagRun,
  type DagRunOutcome,
} from '../../runtime/dag-client';
import type { TaskRunInfo, TaskStatesView } from '../../workflows/contracts';
import { utcDayOf } from '../../domain/logical-date';
import type { ReconnectOptions } from '../../runtime/temporal-reconnect';
import { configFrom } from '../context';

// `mastoflow run <dag>`: a manual run of one DAG for one day, as the workflow `runDag` with ID
// `dag/<dagId>/<day>`. A day that is running is never started twice (conflict policy FAIL); a
// finished day may be run again (reuse policy ALLOW_DUPLICATE: a manual run means "do it again").
// Starting and following live in runtime/dag-client.ts; this file parses arguments and prints.

// ---------------------------------------------------------------------------------------------
// Output

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function describeTask(task: TaskRunInfo): string {
  const parts: string[] = [task.state];
  if (task.attempts > 1) parts.push(`attempt ${task.attempts}`);
  if (task.items)
    parts.push(
      `${task.items.succeeded + task.items.failed}/${task.items.total} items${task.items.failed ? `, ${task.items.failed} failed` : ''}`,
    );
  if (task.error && task.state !== 'success') parts.push(oneLine(task.error, 100));
  return parts.join(' · ');
}

/** The run's tasks as a table: task, state, attempts, output or error. */
export function formatSummaryTable(tasks: TaskStatesView): string {
  const ids = Object.keys(tasks);
  const idWidth = Math.max(4, ...ids.map((id) => id.length));
  const lines = [`${'task'.padEnd(idWidth)}  ${'state'.padEnd(15)}  tries  output / error`];
  for (const id of ids) {
    const task = tasks[id] as TaskRunInfo;
    const detail =
      task.state === 'success' ? (task.output === undefined ? '' : JSON.stringify(task.output)) : (task.error ?? '');
    lines.push(
      `${id.padEnd(idWidth)}  ${task.state.padEnd(15)}  ${String(task.attempts).padStart(5)}  ${oneLine(detail, 90)}`,
    );
  }
  return lines.join('\n');
}

/**
 * Print a line per task state change until the run ends (polling the taskStates query and the
 * pending activities), then return its outcome.
 */
export async function followDagRun(
  handle: WorkflowHandle,
  opts: { intervalMs?: number; print?: (line: string) => void; reconnect?: ReconnectOptions } = {},
): Promise<DagRunOutcome> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const seen = new Map<string, string>();
  const report = (tasks: TaskStatesView): void => {
    const width = Math.max(...Object.keys(tasks).map((id) => id.length), 4);
    for (const [id, task] of Object.entries(tasks)) {
      const text = describeTask(task);
      if (seen.get(id) === text || (task.state === 'pending' && !seen.has(id))) continue;
      seen.set(id, text);
      print(`${clock()}  ${id.padEnd(width)}  ${text}`);
    }
  };
  return watchDagRun(handle, {
    ...(opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}),
    ...(opts.reconnect ? { reconnect: opts.reconnect } : {}),
    onStates: report,
  });
}

// ---------------------------------------------------------------------------------------------
// Command

function collectParam(value: string, previous: Record<string, unknown>): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new Error(`--param: expected key=value, got "${value}"`);
  const key = value.slice(0, eq);
  const raw = value.slice(eq + 1);
  let parsed: unknown = raw;
  try {
    // Numbers, booleans, JSON lists and objects as typed values; anything else is a string.
    parsed = JSON.parse(raw);
  } catch {
    parsed = raw;
  }
  return { ...previous, [key]: parsed };
}

export function registerRunCommand(program: Command): void {
  program
    .command('run <dag>')
    .description('start a manual run of a DAG for one day (workflow runDag, ID dag/<dag>/<day>)')
    .option('--date <YYYY-MM-DD>', 'logical date: the UTC day to process (default: yesterday, UTC)')
    .option('--param <key=value>', 'a run param (repeatable; values parse as JSON when they can)', collectParam, {})
    .option('--wait', 'follow the run: a line per task change, then the summary table')
    .action(
      async (dagId: string, opts: { date?: string; param: Record<string, unknown>; wait?: boolean }, cmd: Command) => {
        const { config } = configFrom(cmd);
        const hasParams = Object.keys(opts.param).length > 0;
        const request = {
          dagId,
          ...(opts.date ? { logicalDate: opts.date } : {}),
          ...(hasParams ? { params: opts.param } : {}),
        };
        // Before connecting: a typo needs no running stack. A person types the day, so the
        // person's limits apply (not in the future, not before 2000).
        checkDagRunRequest(config, request, { today: utcDayOf(Date.now()), parameter: '--date' });
        const connection = await connectTemporalClient(config.temporal);
        try {
          const client = new Client({ connection, namespace: config.temporal.namespace });
          const handle = await startDagRun(client, config, request);
          console.log(`run: started ${handle.workflowId} on task queue ${config.temporal.taskQueue}`);
          const link = temporalUiLink(config, handle.workflowId);
          console.log(
            link ? `run: ${link}` : `run: workflow ID ${handle.workflowId} (namespace ${config.temporal.namespace})`,
          );
          if (!opts.wait) return;
          // Following survives a Temporal restart: it says so and waits for the server.
          const { summary, error } = await followDagRun(handle, {
            reconnect: {
              address: config.temporal.address,
              onLost: (notice) => console.error(`run: ${notice}`),
              onBack: (notice) => console.error(`run: ${notice}`),
            },
          });
          console.log('');
          if (summary) console.log(formatSummaryTable(summary.tasks));
          console.log('');
          if (summary?.state === 'success') {
            console.log(`run: ${handle.workflowId} succeeded`);
          } else {
            console.log(`run: ${handle.workflowId} failed: ${error ?? 'see the Temporal UI'}`);
            process.exitCode = 1;
          }
        } finally {
          await connection.close();
        }
      },
    );
}
