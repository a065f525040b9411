import { describe, expect, it } from 'vitest';
import { dayFinality, finalityLabel, type LoadRecord, summarizeFinality } from '../../domain/day-finality';

const load = (runLogicalDate: string, lookbackDays = 1, runId = `r-${runLogicalDate}`): LoadRecord => ({
  runId,
  runLogicalDate,
  lookbackDays,
  loadedAt: `${runLogicalDate}T01:00:00.000Z`,
});

describe('dayFinality', () => {
  const D = '2026-03-04';

  it('is provisional after the day’s own run only (a re-run of the same day changes nothing)', () => {
    const f = dayFinality(D, [load(D), load(D, 1, 'again')], 1);
    expect(f.state).toBe('provisional');
    expect(f.reason).toContain('2026-03-05');
  });

  it('is final once a later run loaded it (its look-back re-read the day), naming the earliest', () => {
    const f = dayFinality(D, [load(D), load('2026-03-06', 2), load('2026-03-05', 1)], 1);
    expect(f.state).toBe('final');
    expect(f.rereadBy?.runLogicalDate).toBe('2026-03-05');
    expect(f.reason).toBe('final: re-read by the run of 2026-03-05 (look-back 1)');
  });

  it('is final when only the later run loaded it (a backfill that started the day after)', () => {
    expect(dayFinality(D, [load('2026-03-05')], 1).state).toBe('final');
  });

  it('with look-back 0 is never re-read, and says so', () => {
    const f = dayFinality(D, [load(D, 0)], 0);
    expect(f.state).toBe('never-reread');
    expect(finalityLabel(f)).toBe('never re-read');
    expect(f.reason).toMatch(/lookbackDays 0/);
  });

  it('stays final when the look-back is later set to 0', () => {
    expect(dayFinality(D, [load(D), load('2026-03-05')], 0).state).toBe('final');
  });

  it('is unknown without any recorded load', () => {
    expect(dayFinality(D, [], 1).state).toBe('unknown');
  });

  it('ignores loads of earlier runs (cannot happen, but never makes a day final)', () => {
    expect(dayFinality(D, [load('2026-03-03')], 1).state).toBe('provisional');
  });
});

describe('summarizeFinality', () => {
  it('groups consecutive days of one state into ranges', () => {
    const f = (day: string, loads: LoadRecord[]) => ({ day, finality: dayFinality(day, loads, 1) });
    expect(
      summarizeFinality([
        f('2026-03-03', [load('2026-03-04')]),
        f('2026-03-01', [load('2026-03-02')]),
        f('2026-03-02', [load('2026-03-03')]),
        f('2026-03-04', [load('2026-03-04')]),
        f('2026-03-06', [load('2026-03-06')]),
      ]),
    ).toBe('final 2026-03-01..2026-03-03 · provisional 2026-03-04 · provisional 2026-03-06');
  });
});
