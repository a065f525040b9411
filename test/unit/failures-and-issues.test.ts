import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FAILURE_TYPES, parseOrFail } from '../../domain/failures';
import { describeZodError, formatIssues } from '../../domain/zod-issues';

describe('failure catalog', () => {
  it('names each failure type once', () => {
    const names = Object.values(FAILURE_TYPES);
    expect(new Set(names).size).toBe(names.length);
  });

  it('parseOrFail returns the parsed value, or throws one non-retryable InvalidInput naming every field', () => {
    const Schema = z.strictObject({ day: z.string(), count: z.number().int().default(1) });
    expect(parseOrFail(Schema, { day: 'x' }, 'bad thing')).toEqual({ day: 'x', count: 1 });
    let caught: unknown;
    try {
      parseOrFail(Schema, { count: 1.5, extra: true }, 'bad thing');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ApplicationFailure);
    expect(caught).toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
      message: 'bad thing: day: required, expected string; count: expected int, got 1.5; extra: unknown field',
    });
  });
});

describe('zod issue formatter', () => {
  const Schema = z.strictObject({ items: z.array(z.strictObject({ name: z.string() })) });

  it('leads each line with the field path, a[0].b style, and says what was given when reported', () => {
    const r = Schema.safeParse({ items: [{ name: 3 }] }, { reportInput: true });
    expect(r.success || formatIssues(r.error.issues)).toEqual(['items[0].name: expected string, got 3']);
  });

  it('without reportInput, says only what was expected', () => {
    const r = Schema.safeParse({ items: [{ name: 3 }] });
    expect(r.success || formatIssues(r.error.issues)).toEqual(['items[0].name: expected string']);
  });

  it('names the top level, prefixes paths and caps the lines', () => {
    const r = Schema.safeParse(5, { reportInput: true });
    expect(r.success || describeZodError(r.error, { rootLabel: '(record)' })).toBe('(record): expected object, got 5');
    const many = Schema.safeParse({ items: [{}, {}, {}] }, { reportInput: true });
    expect(many.success || formatIssues(many.error.issues, { pathPrefix: ['args'], max: 2 })).toEqual([
      'args.items[0].name: required, expected string',
      'args.items[1].name: required, expected string',
      '+1 more',
    ]);
  });
});
