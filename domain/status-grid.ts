import { addDays, dayStartMs, daysInRange } from './logical-date';

// The "date × state" view of a DAG: one state per logical day, taken from the latest run of
// that day's workflow ID. Pure: the runtime reads Temporal visibility and hands the runs in;
// this file reduces them to one state per day and renders the calendar grid the CLI prints.

/** What a day looks like to a person: Temporal's seven execution statuses folded into five. */
export type DayRunState = 'success' | 'failed' | 'running' | 'cancelled' | 'none';

export const DAY_STATE_SYMBOL: Readonly<Record<DayRunState, string>> = {
  success: '✓',
  failed: '✗',
  running: '▶',
  cancelled: '⊘',
  none: '·',
};

/** Order used for legends and counts. */
export const DAY_STATES: ReadonlyArray<DayRunState> = ['success', 'failed', 'running', 'cancelled', 'none'];

/**
 * Temporal's status name → day state. A continued-as-new run is superseded by a newer run of
 * the same ID, which counts instead; should that newer run not be visible yet, the day is still
 * in progress, so it reads as running. Timed out counts as failed (the run did not finish its
 * work); cancelled and terminated are a person's decision, not a failure of the DAG.
 */
export function dayStateFromStatus(statusName: string): DayRunState {
  switch (statusName) {
    case 'COMPLETED':
      return 'success';
    case 'FAILED':
    case 'TIMED_OUT':
      return 'failed';
    case 'RUNNING':
    case 'CONTINUED_AS_NEW':
      return 'running';
    case 'CANCELLED':
    case 'TERMINATED':
      return 'cancelled';
    default:
      return 'none';
  }
}

/** One execution of a day's run as read from visibility (plain data, no SDK types). */
export interface DayRunRecord {
  day: string;
  workflowId: string;
  runId: string;
  state: DayRunState;
  runType?: string;
  backfillId?: string;
  /** Epoch ms. */
  startMs: number;
  closeMs?: number;
}

/**
 * The latest execution per day (by start time; the run ID breaks ties so the result does not
 * depend on the order visibility returned them in).
 */
export function latestRunPerDay(records: Iterable<DayRunRecord>): Map<string, DayRunRecord> {
  const latest = new Map<string, DayRunRecord>();
  for (const record of records) {
    const seen = latest.get(record.day);
    if (!seen || record.startMs > seen.startMs || (record.startMs === seen.startMs && record.runId > seen.runId)) {
      latest.set(record.day, record);
    }
  }
  return latest;
}

export interface StatusGrid {
  dagId: string;
  from: string;
  to: string;
  days: Array<{ day: string; state: DayRunState; run?: DayRunRecord }>;
  counts: Record<DayRunState, number>;
}

export function buildStatusGrid(dagId: string, from: string, to: string, records: Iterable<DayRunRecord>): StatusGrid {
  const latest = latestRunPerDay(records);
  const counts: Record<DayRunState, number> = { success: 0, failed: 0, running: 0, cancelled: 0, none: 0 };
  const days = daysInRange(from, to).map((day) => {
    const run = latest.get(day);
    const state = run?.state ?? 'none';
    counts[state] += 1;
    return run ? { day, state, run } : { day, state };
  });
  return { dagId, from, to, days, counts };
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** 0 = Monday … 6 = Sunday (ISO order; a calendar people read starts its week on Monday). */
function isoWeekday(day: string): number {
  return (new Date(dayStartMs(day)).getUTCDay() + 6) % 7;
}

/**
 * A calendar: one row per week (labelled with its Monday), one column per weekday, each cell
 * `DD s` with the day of month and the state symbol; days outside the range stay blank.
 */
export function renderStatusGrid(grid: StatusGrid): string {
  const cellWidth = 6;
  const lines: string[] = [];
  lines.push(`${grid.dagId}  ${grid.from} .. ${grid.to}  (latest run per logical day)`);
  lines.push(`${' '.repeat(12)}${WEEKDAYS.map((d) => d.padEnd(cellWidth)).join('')}`.trimEnd());
  const byDay = new Map(grid.days.map((d) => [d.day, d.state] as const));
  let monday = addDays(grid.from, -isoWeekday(grid.from));
  while (monday <= grid.to) {
    const cells = WEEKDAYS.map((_, i) => {
      const day = addDays(monday, i);
      const state = byDay.get(day);
      return state === undefined
        ? ' '.repeat(cellWidth)
        : `${day.slice(8)} ${DAY_STATE_SYMBOL[state]}`.padEnd(cellWidth);
    });
    lines.push(`${monday}  ${cells.join('')}`.trimEnd());
    monday = addDays(monday, 7);
  }
  lines.push('');
  lines.push(renderLegend(grid.counts));
  return lines.join('\n');
}

/** `✓ success 20   ✗ failed 3   ▶ running 1   ⊘ cancelled 0   · none 7` */
export function renderLegend(counts: Record<DayRunState, number>): string {
  return DAY_STATES.map((s) => `${DAY_STATE_SYMBOL[s]} ${s} ${counts[s]}`).join('   ');
}

/** One line per day: for `status --table` and for scripts that grep. */
export function renderStatusTable(grid: StatusGrid): string {
  const lines = grid.days.map(({ day, state, run }) => {
    const parts = [day, `${DAY_STATE_SYMBOL[state]} ${state.padEnd(9)}`];
    if (run) {
      parts.push((run.runType ?? '-').padEnd(9), run.workflowId);
      if (run.backfillId) parts.push(`(backfill ${run.backfillId})`);
    }
    return parts.join('  ').trimEnd();
  });
  lines.push('', renderLegend(grid.counts));
  return lines.join('\n');
}
