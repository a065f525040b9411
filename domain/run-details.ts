import { isTerminalTaskState, type TaskState } from './dag-spec';

// A run's "current details" for the Temporal UI (Markdown, set with setCurrentDetails and
// refreshed as tasks change): a head line naming the DAG, day and run type, then one table row
// per task with its state, attempts and, for a fan-out, items done of total. Errors and outputs
// stay in the `taskStates` query: they can be long, and the table is meant to be read at a glance.

export interface RunDetailsHead {
  dagId: string;
  logicalDate: string;
  runType: string;
  backfillId?: string;
  /** The run's workflow ID, named in the hint to query `taskStates`. */
  runId: string;
}

/** What the table shows of a task (a subset of the `taskStates` query's TaskRunInfo). */
export interface TaskDetailsRow {
  state: TaskState;
  attempts: number;
  items?: { total: number; succeeded: number; failed: number };
}

/** Table cells hold slugs and numbers; a `|` or line break would still break the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
}

function itemsCell(items: TaskDetailsRow['items']): string {
  if (!items) return '';
  const done = `${items.succeeded + items.failed}/${items.total}`;
  return items.failed > 0 ? `${done} (${items.failed} failed)` : done;
}

/** The Markdown current details of a run, tasks in the given (DAG) order. */
export function runDetailsMarkdown(head: RunDetailsHead, tasks: Readonly<Record<string, TaskDetailsRow>>): string {
  const entries = Object.entries(tasks);
  const done = entries.filter(([, t]) => isTerminalTaskState(t.state)).length;
  const lines = [
    `**${head.dagId}** · ${head.logicalDate} · ${head.runType}${head.backfillId ? ` · backfill ${head.backfillId}` : ''}`,
    '',
    '| task | state | attempts | items done/total |',
    '| :--- | :--- | ---: | ---: |',
    ...entries.map(
      ([id, t]) => `| ${cell(id)} | ${t.state} | ${t.attempts > 0 ? t.attempts : ''} | ${itemsCell(t.items)} |`,
    ),
    '',
    `${done}/${entries.length} tasks done · query \`taskStates\` of ${head.runId} for outputs and errors`,
  ];
  return lines.join('\n');
}
