import { describe, expect, it } from 'vitest';
import {
  addDays,
  dataInterval,
  daysInRange,
  isValidDay,
  logicalDateFromScheduledTime,
  utcDayOf,
  yesterdayUtc,
} from '../../domain/logical-date';

describe('isValidDay', () => {
  it.each(['2024-01-01', '2024-02-29', '2000-02-29', '1999-12-31'])('accepts %s', (day) => {
    expect(isValidDay(day)).toBe(true);
  });

  it.each([
    '2024-13-01',
    '2023-02-29',
    '1900-02-29',
    '2024-04-31',
    '2024-00-10',
    '2024-1-01',
    '2024-01-01T00:00:00Z',
    '',
    20240101,
  ])('rejects %j', (day) => {
    expect(isValidDay(day)).toBe(false);
  });
});

describe('dataInterval', () => {
  it('is the half-open UTC day', () => {
    expect(dataInterval('2024-03-09')).toEqual({ start: '2024-03-09T00:00:00.000Z', end: '2024-03-10T00:00:00.000Z' });
  });

  it('crosses year ends and leap days', () => {
    expect(dataInterval('2023-12-31').end).toBe('2024-01-01T00:00:00.000Z');
    expect(dataInterval('2024-02-28').end).toBe('2024-02-29T00:00:00.000Z');
  });

  it('throws on an invalid day', () => {
    expect(() => dataInterval('2024-02-30')).toThrow(/expected a day as YYYY-MM-DD, got "2024-02-30"/);
  });
});

describe('addDays', () => {
  it('moves across months and years both ways', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2023-12-31', 1)).toBe('2024-01-01');
    expect(addDays('2024-01-10', -40)).toBe('2023-12-01');
    expect(addDays('2024-01-10', 0)).toBe('2024-01-10');
  });

  it('refuses fractional days', () => {
    expect(() => addDays('2024-01-10', 0.5)).toThrow(/whole number/);
  });
});

describe('daysInRange', () => {
  it('includes both ends, oldest first', () => {
    expect(daysInRange('2024-02-27', '2024-03-01')).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
  });

  it('lists newest first when backwards', () => {
    expect(daysInRange('2024-02-27', '2024-02-29', { backwards: true })).toEqual([
      '2024-02-29',
      '2024-02-28',
      '2024-02-27',
    ]);
  });

  it('is one day when from equals to', () => {
    expect(daysInRange('2024-05-05', '2024-05-05')).toEqual(['2024-05-05']);
  });

  it('throws when from is after to', () => {
    expect(() => daysInRange('2024-05-06', '2024-05-05')).toThrow(/2024-05-06 is after its end 2024-05-05/);
  });
});

describe('yesterdayUtc and utcDayOf', () => {
  it('gives the previous UTC day, whatever the hour', () => {
    expect(yesterdayUtc(Date.parse('2024-03-01T00:00:00.000Z'))).toBe('2024-02-29');
    expect(yesterdayUtc(Date.parse('2024-03-01T23:59:59.999Z'))).toBe('2024-02-29');
  });

  it('reads the UTC day of an instant', () => {
    expect(utcDayOf(Date.parse('2024-03-01T23:30:00-02:00'))).toBe('2024-03-02');
  });
});

describe('logicalDateFromScheduledTime', () => {
  it('processes the day before the UTC date of a D+1 02:00Z fire', () => {
    expect(logicalDateFromScheduledTime('2024-03-10T02:00:00Z')).toBe('2024-03-09');
  });

  it('processes the previous day for a fire exactly at midnight UTC', () => {
    expect(logicalDateFromScheduledTime('2024-03-10T00:00:00.000Z')).toBe('2024-03-09');
  });

  it('uses the UTC date even for a zone east of UTC (02:00 Auckland = 13:00Z the day before)', () => {
    expect(logicalDateFromScheduledTime('2024-03-10T02:00:00+13:00')).toBe('2024-03-08');
  });

  it('accepts epoch milliseconds and Date', () => {
    const ms = Date.parse('2024-01-01T02:00:00Z');
    expect(logicalDateFromScheduledTime(ms)).toBe('2023-12-31');
    expect(logicalDateFromScheduledTime(new Date(ms))).toBe('2023-12-31');
  });

  it('throws on an unparseable time', () => {
    expect(() => logicalDateFromScheduledTime('yesterday')).toThrow(
      /expected an ISO-8601 scheduled time, got "yesterday"/,
    );
  });
});
