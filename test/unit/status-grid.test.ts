import { describe, expect, it } from 'vitest';
import {
  buildStatusGrid,
  dayStateFromStatus,
  latestRunPerDay,
  renderStatusGrid,
  renderStatusTable,
  type DayRunRecord,
} from '../../domain/status-grid';
import { renderProgressLine, ProgressPrinter } from '../../cli/progress-bar';
import { initialProgress, planBackfill, BackfillRequest } from '../../domain/backfill-plan';

const run = (
  day: string,
  state: DayRunRecord['state'],
  startMs: number,
  runId = `r-${day}-${startMs}`,
): DayRunRecord => ({
  day,
  workflowId: `dag/d/${day}`,
  runId,
  state,
  startMs,
});

describe('dayStateFromStatus', () => {
  it.each([
    ['COMPLETED', 'success'],
    ['FAILED', 'failed'],
    ['TIMED_OUT', 'failed'],
    ['RUNNING', 'running'],
    ['CONTINUED_AS_NEW', 'running'],
    ['CANCELLED', 'cancelled'],
    ['TERMINATED', 'cancelled'],
    ['UNKNOWN', 'none'],
  ])('%s → %s', (status, state) => {
    expect(dayStateFromStatus(status)).toBe(state);
  });
});

describe('latestRunPerDay', () => {
  it('keeps the newest execution of each day whatever the input order', () => {
    const runs = [
      run('2024-01-01', 'failed', 100),
      run('2024-01-01', 'success', 200),
      run('2024-01-02', 'running', 50),
    ];
    for (const order of [runs, [...runs].reverse()]) {
      const latest = latestRunPerDay(order);
      expect(latest.get('2024-01-01')?.state).toBe('success');
      expect(latest.get('2024-01-02')?.state).toBe('running');
    }
  });
});

describe('status grid', () => {
  // 2024-01-01 is a Monday; the range ends mid-week on Wednesday the 10th.
  const grid = buildStatusGrid('d', '2024-01-01', '2024-01-10', [
    run('2024-01-01', 'success', 1),
    run('2024-01-02', 'failed', 1),
    run('2024-01-02', 'success', 2), // re-run fixed it
    run('2024-01-03', 'running', 1),
    run('2024-01-04', 'cancelled', 1),
    run('2024-01-05', 'failed', 1),
    run('2023-12-31', 'success', 1), // outside the range: ignored
  ]);

  it('counts each day once, by its latest run', () => {
    expect(grid.counts).toEqual({ success: 2, failed: 1, running: 1, cancelled: 1, none: 5 });
    expect(grid.days).toHaveLength(10);
  });

  it('renders a Monday-first calendar with symbols and a legend', () => {
    const text = renderStatusGrid(grid);
    expect(text.split('\n')).toEqual([
      'd  2024-01-01 .. 2024-01-10  (latest run per logical day)',
      '            Mon   Tue   Wed   Thu   Fri   Sat   Sun',
      '2024-01-01  01 ✓  02 ✓  03 ▶  04 ⊘  05 ✗  06 ·  07 ·',
      '2024-01-08  08 ·  09 ·  10 ·',
      '',
      '✓ success 2   ✗ failed 1   ▶ running 1   ⊘ cancelled 1   · none 5',
    ]);
  });

  it('leaves days before the range blank in the first week', () => {
    const text = renderStatusGrid(buildStatusGrid('d', '2024-01-04', '2024-01-05', []));
    expect(text.split('\n')[2]).toBe('2024-01-01                    04 ·  05 ·');
  });

  it('table: one line per day with the run id', () => {
    const lines = renderStatusTable(grid).split('\n');
    expect(lines[1]).toMatch(/^2024-01-02 {2}✓ success .*dag\/d\/2024-01-02$/);
    expect(lines[9]).toBe('2024-01-10  · none');
  });
});

describe('progress bar', () => {
  const p = {
    ...initialProgress(planBackfill(BackfillRequest.parse({ dagId: 'd', from: '2024-01-01', to: '2024-01-30' }))),
    done: 12,
    failed: 1,
    running: ['2024-01-13', '2024-01-14', '2024-01-15'],
  };

  it('draws the line the brief asks for', () => {
    expect(renderProgressLine(p, 10)).toBe('[####......] 12/30 days, 3 running, 1 failed');
  });

  it('redraws in place on a TTY and prints one line per change otherwise', () => {
    const writes: string[] = [];
    const tty = new ProgressPrinter({ isTTY: true, write: (t: string) => writes.push(t) });
    tty.update(p);
    tty.update(p); // unchanged: nothing written
    tty.update({ ...p, done: 13 });
    tty.finish();
    expect(writes).toHaveLength(3);
    expect(writes[0]).toMatch(/^\r\[/);
    expect(writes[2]).toBe('\n');

    const lines: string[] = [];
    const pipe = new ProgressPrinter({ isTTY: false, write: (t: string) => lines.push(t) });
    pipe.update(p);
    pipe.update(p);
    pipe.update({ ...p, done: 13 });
    pipe.finish();
    expect(lines).toEqual([`${renderProgressLine(p)}\n`, `${renderProgressLine({ ...p, done: 13 })}\n`]);
  });
});
