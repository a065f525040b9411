import { describe, expect, it } from 'vitest';
import {
  addDays,
  compareIds,
  dayStartMs,
  dayWindow,
  idInWindow,
  inWindow,
  lowBitsOfSnowflake,
  msFromSnowflake,
  snowflakeFromMs,
  utcDayOf,
} from '../../domain/snowflake';

describe('snowflakeFromMs / msFromSnowflake', () => {
  it('matches IDs and created_at recorded from a real Mastodon 4.6 server', () => {
    // From the Mastodon.py cassettes. The server takes the ID a few ms before it stamps
    // created_at (0-4 ms over all recorded statuses), so the two are close but not equal.
    const recorded: [string, string, number][] = [
      ['117020593134559451', '2026-08-01T13:55:46.609Z', 1],
      ['117024258897469903', '2026-08-02T05:28:01.712Z', 1],
      ['117020582251615632', '2026-08-01T13:53:00.550Z', 2],
    ];
    for (const [id, createdAt, lagMs] of recorded) {
      expect(Date.parse(createdAt) - msFromSnowflake(id)).toBe(lagMs);
    }
  });

  it('round-trips ms and low bits for IDs far above 2^53', () => {
    const ms = Date.parse('2026-08-01T13:55:46.609Z');
    const id = snowflakeFromMs(ms, 0xbeef);
    expect(BigInt(id)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    expect(id).toBe(((BigInt(ms) << 16n) | 0xbeefn).toString());
    expect(msFromSnowflake(id)).toBe(ms);
    expect(lowBitsOfSnowflake(id)).toBe(0xbeef);
    // Neighbouring IDs differ in the last digit: a double could not tell them apart.
    const next = snowflakeFromMs(ms, 0xbef0);
    expect(Number(id)).toBe(Number(next));
    expect(compareIds(id, next)).toBe(-1);
  });

  it('rejects bad inputs instead of producing a wrong ID', () => {
    expect(() => snowflakeFromMs(-1)).toThrow(RangeError);
    expect(() => snowflakeFromMs(1.5)).toThrow(RangeError);
    expect(() => snowflakeFromMs(0, 0x10000)).toThrow(RangeError);
    expect(() => snowflakeFromMs(0, -1)).toThrow(RangeError);
    expect(() => msFromSnowflake('12a')).toThrow(TypeError);
    expect(() => msFromSnowflake('')).toThrow(TypeError);
  });
});

describe('dayWindow', () => {
  it('gives the half-open UTC interval and exclusive cursors', () => {
    const w = dayWindow('2026-08-01');
    expect(w.startMs).toBe(Date.parse('2026-08-01T00:00:00.000Z'));
    expect(w.endMs).toBe(Date.parse('2026-08-02T00:00:00.000Z'));
    expect(w.minId).toBe(((BigInt(w.startMs) << 16n) - 1n).toString());
    expect(w.maxId).toBe((BigInt(w.endMs) << 16n).toString());
  });

  it('puts 23:59:59.999 inside the day and 00:00:00.000 of the next day outside', () => {
    const w = dayWindow('2026-08-01');
    const lastMs = Date.parse('2026-08-01T23:59:59.999Z');
    const nextMs = Date.parse('2026-08-02T00:00:00.000Z');
    expect(idInWindow(snowflakeFromMs(lastMs, 0xffff), w)).toBe(true);
    expect(idInWindow(snowflakeFromMs(nextMs, 0), w)).toBe(false);
    expect(snowflakeFromMs(nextMs, 0)).toBe(w.maxId);
    expect(idInWindow(snowflakeFromMs(w.startMs, 0), w)).toBe(true);
    expect(idInWindow(snowflakeFromMs(w.startMs - 1, 0xffff), w)).toBe(false);
    expect(snowflakeFromMs(w.startMs - 1, 0xffff)).toBe(w.minId);

    expect(inWindow('2026-08-01T23:59:59.999Z', w)).toBe(true);
    expect(inWindow('2026-08-02T00:00:00.000Z', w)).toBe(false);
    expect(inWindow('2026-08-01T00:00:00.000Z', w)).toBe(true);
    expect(inWindow('2026-07-31T23:59:59.999Z', w)).toBe(false);
  });

  it('keeps consecutive windows adjacent: one day’s maxId is the next day’s minId + 1', () => {
    const a = dayWindow('2024-02-28');
    const b = dayWindow('2024-02-29');
    const c = dayWindow('2024-03-01');
    expect(BigInt(a.maxId)).toBe(BigInt(b.minId) + 1n);
    expect(BigInt(b.maxId)).toBe(BigInt(c.minId) + 1n);
    expect(b.endMs - b.startMs).toBe(86_400_000);
  });

  it('treats created_at with an offset by its UTC instant', () => {
    const w = dayWindow('2026-08-01');
    // 01:30 at +02:00 is 23:30Z the previous day.
    expect(inWindow('2026-08-01T01:30:00.000+02:00', w)).toBe(false);
    expect(inWindow('2026-08-02T01:30:00.000+02:00', w)).toBe(true);
  });

  it('rejects malformed and impossible days', () => {
    expect(() => dayWindow('2026-8-1')).toThrow(RangeError);
    expect(() => dayWindow('2023-02-29')).toThrow(RangeError);
    expect(() => dayWindow('2026-13-01')).toThrow(RangeError);
    expect(dayWindow('2024-02-29').day).toBe('2024-02-29');
  });

  it('does not attribute an unparsable created_at to any day', () => {
    expect(inWindow('not-a-date', dayWindow('2026-08-01'))).toBe(false);
  });
});

describe('backdated and late IDs', () => {
  it('shows why a day is selected by ID window and then filtered by created_at', () => {
    const d = dayWindow('2026-08-01');
    // Written at 23:50, federated at 01:10 the next day, ID taken at insert time.
    const createdAt = '2026-08-01T23:50:00.000Z';
    const lateId = snowflakeFromMs(Date.parse('2026-08-02T01:10:00.000Z'), 7);
    expect(inWindow(createdAt, d)).toBe(true);
    expect(idInWindow(lateId, d)).toBe(false);
    expect(idInWindow(lateId, dayWindow('2026-08-02'))).toBe(true);
    // A backdated ID (derived from created_at) sits in the right window even if it arrived late.
    const backdated = snowflakeFromMs(Date.parse(createdAt), 7);
    expect(idInWindow(backdated, d)).toBe(true);
    expect(msFromSnowflake(lateId)).toBeGreaterThan(Date.parse(createdAt));
  });
});

describe('compareIds', () => {
  it('orders by numeric value, not by string', () => {
    expect(compareIds('9', '10')).toBe(-1);
    expect(compareIds('10', '9')).toBe(1);
    expect(compareIds('117020593134559451', '117020593134559451')).toBe(0);
    expect(compareIds('0117', '117')).toBe(0);
    expect(compareIds('117020593134559451', '117020593134559452')).toBe(-1);
    expect(compareIds('99999999999999999', '117020593134559451')).toBe(-1);
  });

  it('sorts a list of mixed-length IDs like BigInt would', () => {
    const ids = ['117020593134559451', '5', '117020581178804515', '99', '1000000000000000000000'];
    const expected = [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
    expect([...ids].sort(compareIds)).toEqual(expected);
  });

  it('refuses non-numeric IDs', () => {
    expect(() => compareIds('abc', '1')).toThrow(TypeError);
  });
});

describe('day helpers', () => {
  it('converts between days and instants', () => {
    expect(utcDayOf(Date.parse('2026-08-01T23:59:59.999Z'))).toBe('2026-08-01');
    expect(utcDayOf(Date.parse('2026-08-02T00:00:00.000Z'))).toBe('2026-08-02');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(dayStartMs('1970-01-01')).toBe(0);
  });
});
