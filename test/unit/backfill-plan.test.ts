import { describe, expect, it } from 'vitest';
import {
  BackfillRequest,
  checkBackfillRange,
  MAX_BACKFILL_DAYS,
  dryRun,
  dryRunDay,
  initialProgress,
  isFinished,
  markFinished,
  markLaunched,
  nextDay,
  planBackfill,
  progressSummary,
  reuseAllowed,
  reusePolicyFor,
  type BackfillProgress,
  type ReprocessMode,
} from '../../domain/backfill-plan';
import type { DayRunState } from '../../domain/status-grid';
import { addDays } from '../../domain/logical-date';

const request = (extra: Record<string, unknown> = {}) =>
  BackfillRequest.parse({ dagId: 'daily', from: '2024-02-27', to: '2024-03-02', ...extra });

describe('BackfillRequest', () => {
  it('fills defaults: missing, forwards, one active, 100 days per run', () => {
    expect(request()).toEqual({
      dagId: 'daily',
      from: '2024-02-27',
      to: '2024-03-02',
      reprocess: 'missing',
      backwards: false,
      maxActive: 1,
      daysPerRun: 100,
    });
  });

  it.each([
    [{ from: '2024-02-30' }, 'from'],
    [{ reprocess: 'everything' }, 'reprocess'],
    [{ maxActive: 0 }, 'maxActive'],
    [{ maxActive: 65 }, 'maxActive'],
    [{ dagId: 'Bad Id' }, 'dagId'],
    [{ extra: true }, ''],
  ])('rejects %j', (extra, path) => {
    const result = BackfillRequest.safeParse({ dagId: 'daily', from: '2024-02-27', to: '2024-03-02', ...extra });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('checkBackfillRange (domain/date-range.ts with the backfill limits)', () => {
  it('refuses a reversed range and one wider than MAX_BACKFILL_DAYS, on every surface', () => {
    expect(checkBackfillRange({ from: '2024-03-03', to: '2024-03-02' })).toMatchObject({
      ok: false,
      message: 'from 2024-03-03 is after to 2024-03-02',
    });
    expect(checkBackfillRange({ from: '2020-01-01', to: addDays('2020-01-01', MAX_BACKFILL_DAYS - 1) })).toEqual({
      ok: true,
    });
    expect(checkBackfillRange({ from: '2020-01-01', to: addDays('2020-01-01', MAX_BACKFILL_DAYS) })).toMatchObject({
      ok: false,
      message: `from..to spans ${MAX_BACKFILL_DAYS + 1} days; at most ${MAX_BACKFILL_DAYS} are allowed`,
    });
  });

  it('workflow inputs (no today) accept any real day; the CLI (today) refuses the future and pre-2000', () => {
    expect(checkBackfillRange({ from: '1990-01-01', to: '1990-01-02' })).toEqual({ ok: true });
    expect(checkBackfillRange({ from: '2031-01-01', to: '2031-01-02' })).toEqual({ ok: true });
    const cli = { today: '2026-12-02', names: { from: '--from', to: '--to' } };
    expect(checkBackfillRange({ from: '2031-01-01', to: '2031-01-02' }, cli)).toMatchObject({
      ok: false,
      parameter: '--to',
      message: '--to: 2031-01-02 is in the future (latest accepted: 2026-12-03)',
    });
    expect(checkBackfillRange({ from: '1990-01-01', to: '1990-01-02' }, cli)).toMatchObject({
      ok: false,
      parameter: '--to',
    });
  });
});

describe('planBackfill', () => {
  it('lists every day, both ends included, across a leap day, oldest first', () => {
    const plan = planBackfill(request());
    expect(plan.days).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02']);
    expect(plan.backfillId).toBe('backfill/daily/2024-02-27..2024-03-02');
  });

  it('newest first with backwards, same stable id', () => {
    const plan = planBackfill(request({ backwards: true }));
    expect(plan.days).toEqual(['2024-03-02', '2024-03-01', '2024-02-29', '2024-02-28', '2024-02-27']);
    expect(plan.backfillId).toBe(planBackfill(request()).backfillId);
  });

  it('a one-day range is one day', () => {
    expect(planBackfill(request({ from: '2024-03-02' })).days).toEqual(['2024-03-02']);
  });
});

describe('reprocess modes → Temporal ID reuse policies', () => {
  it.each([
    ['missing', 'REJECT_DUPLICATE'],
    ['failed', 'ALLOW_DUPLICATE_FAILED_ONLY'],
    ['all', 'ALLOW_DUPLICATE'],
  ] as const)('%s → %s', (mode, policy) => {
    expect(reusePolicyFor(mode)).toBe(policy);
    expect(planBackfill(request({ reprocess: mode })).reusePolicy).toBe(policy);
  });

  // The server's rule for each policy, mirrored: which closed states may be started again.
  const table: Array<[ReprocessMode, Exclude<DayRunState, 'running'>, boolean]> = [
    ['missing', 'none', true],
    ['missing', 'success', false],
    ['missing', 'failed', false],
    ['missing', 'cancelled', false],
    ['failed', 'none', true],
    ['failed', 'success', false],
    ['failed', 'failed', true],
    ['failed', 'cancelled', true],
    ['all', 'success', true],
    ['all', 'failed', true],
  ];
  it.each(table)('%s with a %s day → new run allowed: %s', (mode, state, allowed) => {
    expect(reuseAllowed(mode, state)).toBe(allowed);
  });
});

describe('dry run', () => {
  it('says what would happen to each day in each mode', () => {
    const existing = new Map<string, DayRunState>([
      ['2024-02-27', 'success'],
      ['2024-02-28', 'failed'],
      ['2024-02-29', 'running'],
      ['2024-03-01', 'cancelled'],
    ]);
    const actions = (mode: ReprocessMode) =>
      dryRun(planBackfill(request({ reprocess: mode })), existing).map((d) => d.action);
    expect(actions('missing')).toEqual(['skip', 'skip', 'attach', 'skip', 'run']);
    expect(actions('failed')).toEqual(['skip', 'run', 'attach', 'run', 'run']);
    expect(actions('all')).toEqual(['run', 'run', 'attach', 'run', 'run']);
  });

  it('explains itself', () => {
    expect(dryRunDay('missing', '2024-01-01', 'failed').reason).toMatch(/--reprocess failed/);
    expect(dryRunDay('failed', '2024-01-01', 'success').reason).toBe('already succeeded');
    expect(dryRunDay('all', '2024-01-01', 'none').reason).toBe('no run yet');
  });
});

describe('progress bookkeeping', () => {
  const plan = planBackfill(request({ maxActive: 2 }));

  it('walks the plan: launch, finish, skip, fail', () => {
    let p: BackfillProgress = initialProgress(plan);
    expect(p).toMatchObject({ total: 5, done: 0, cursor: 0, running: [], phase: 'running' });
    p = markLaunched(p, nextDay(plan, p)!);
    p = markLaunched(p, nextDay(plan, p)!);
    expect(p.running).toEqual(['2024-02-27', '2024-02-28']);
    expect(nextDay(plan, p)).toBe('2024-02-29');
    p = markFinished(p, '2024-02-28', { kind: 'failed', attached: false });
    p = markFinished(p, '2024-02-27', { kind: 'succeeded', attached: true });
    expect(p).toMatchObject({ done: 2, succeeded: 1, failed: 1, attached: 1, running: [], failedDays: ['2024-02-28'] });
    for (let day = nextDay(plan, p); day !== undefined; day = nextDay(plan, p)) {
      p = markLaunched(p, day);
      expect(isFinished(p)).toBe(false);
      p = markFinished(p, day, { kind: 'skipped', reason: 'done' });
    }
    expect(isFinished(p)).toBe(true);
    expect(p).toMatchObject({ total: 5, done: 5, succeeded: 1, failed: 1, skipped: 3, cursor: 5 });
    expect(progressSummary(p)).toBe(
      '5/5 days done: 1 succeeded, 1 failed, 3 skipped (already done), 1 waited for; 0 running',
    );
  });

  it('never mutates the progress it is given (the query may be reading it)', () => {
    const p = initialProgress(plan);
    const frozen = JSON.stringify(p);
    markFinished(markLaunched(p, '2024-02-27'), '2024-02-27', { kind: 'failed', attached: false });
    expect(JSON.stringify(p)).toBe(frozen);
  });
});
