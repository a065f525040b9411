import { describe, expect, it } from 'vitest';
import { parseDateRange, parseDayParam } from '../../domain/date-range';

const limits = { today: '2026-12-02', maxDays: 1096 };

describe('parseDateRange', () => {
  it('accepts an ordered range of real days and counts its days', () => {
    expect(parseDateRange({ from: '2026-11-01', to: '2026-11-30' }, limits)).toEqual({
      ok: true,
      from: '2026-11-01',
      to: '2026-11-30',
      days: 30,
    });
    expect(parseDateRange({ from: '2024-02-29', to: '2024-02-29' }, limits)).toMatchObject({ ok: true, days: 1 });
  });

  it('defaults to the last defaultDays days ending today, or ending at `to`', () => {
    expect(parseDateRange({}, limits)).toEqual({ ok: true, from: '2026-11-03', to: '2026-12-02', days: 30 });
    expect(parseDateRange({ to: '2026-01-07' }, { ...limits, defaultDays: 7 })).toMatchObject({
      from: '2026-01-01',
      to: '2026-01-07',
    });
  });

  it('accepts tomorrow (clock skew) but nothing later', () => {
    expect(parseDateRange({ from: '2026-12-01', to: '2026-12-03' }, limits)).toMatchObject({ ok: true });
    expect(parseDateRange({ from: '2026-12-01', to: '2026-12-04' }, limits)).toMatchObject({
      ok: false,
      parameter: 'to',
      message: expect.stringContaining('future'),
    });
    expect(parseDateRange({ from: '9999-01-01', to: '2026-12-01' }, limits)).toMatchObject({
      ok: false,
      parameter: 'from',
    });
  });

  it.each([
    [{ from: '2026-13-01' }, 'from'],
    [{ from: '2026-02-30' }, 'from'],
    [{ to: '2025-2-3' }, 'to'],
    [{ to: '' }, 'to'],
    [{ from: "2026-01-01' OR 1=1" }, 'from'],
    [{ from: '0202-03-03', to: '2026-01-01' }, 'from'],
    [{ from: '2026-11-30', to: '2026-11-01' }, 'from'],
    [{ from: '2020-01-01', to: '2026-11-01' }, 'from'],
  ])('refuses %j naming %s', (input, parameter) => {
    const r = parseDateRange(input, limits);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.parameter).toBe(parameter);
      expect(r.message).toContain(parameter);
    }
  });

  it('reversed range says which end is after which', () => {
    expect(parseDateRange({ from: '2026-11-30', to: '2026-11-01' }, limits)).toEqual({
      ok: false,
      parameter: 'from',
      message: 'from 2026-11-30 is after to 2026-11-01',
    });
  });

  it('the limit is inclusive: maxDays days pass, one more does not', () => {
    expect(parseDateRange({ from: '2026-01-01', to: '2026-01-10' }, { ...limits, maxDays: 10 })).toMatchObject({
      ok: true,
      days: 10,
    });
    expect(parseDateRange({ from: '2026-01-01', to: '2026-01-11' }, { ...limits, maxDays: 10 })).toMatchObject({
      ok: false,
      message: expect.stringContaining('at most 10'),
    });
  });

  it('reports custom parameter names', () => {
    expect(
      parseDateRange({ from: 'x' }, { ...limits, names: { from: 'since', to: 'until' } }) as { parameter: string },
    ).toMatchObject({ parameter: 'since' });
  });
});

describe('parseDayParam', () => {
  it('accepts a day and refuses missing, malformed and future ones, naming the parameter', () => {
    expect(parseDayParam('2026-03-03', 'date', '2026-12-02')).toEqual({ ok: true, day: '2026-03-03' });
    expect(parseDayParam(undefined, 'date', '2026-12-02')).toMatchObject({ ok: false, parameter: 'date' });
    expect(parseDayParam('yesterday', 'date', '2026-12-02')).toMatchObject({ ok: false, parameter: 'date' });
    expect(parseDayParam('2027-01-01', 'date', '2026-12-02')).toMatchObject({ ok: false, parameter: 'date' });
  });
});
