import { describe, expect, it } from 'vitest';
import {
  joinColumns,
  nonEmpty,
  orColumns,
  pick,
  positive,
  present,
  sealNumericRecord,
  sealRecord,
  sortedSlots,
  sumColumns,
} from '../../domain/metrics/records';

// The partials' column helpers (domain/metrics/records.ts): sealing slots in acct order and
// merge-joining two sorted acct columns, as the account-keyed families use them.

describe('sortedSlots and pick', () => {
  // Slots in first-seen order; `order` lists them in acct order (bob, carol, dave, erin).
  const ctx = { accts: ['dave', 'bob', 'erin', 'carol'], order: [1, 3, 0, 2] };

  it('keeps the slots whose value passes the test, in acct order', () => {
    const toots = [2, 0, 5]; // carol (slot 3) never counted here: a hole past the end
    const { accts, slots } = sortedSlots(ctx, toots, positive);
    expect(accts).toEqual(['dave', 'erin']);
    expect(slots).toEqual([0, 2]);
    expect(pick(toots, slots)).toEqual([2, 5]);
  });

  it('tells zero from missing, and empty strings from set ones', () => {
    const created = [1, 0, undefined, 0];
    expect(sortedSlots(ctx, created, present).accts).toEqual(['bob', 'carol', 'dave']);
    const month = ['2024-01', '', '2023-12'];
    const { accts, slots } = sortedSlots(ctx, month, nonEmpty);
    expect(accts).toEqual(['dave', 'erin']);
    expect(pick(month, slots)).toEqual(['2024-01', '2023-12']);
  });
});

describe('joinColumns', () => {
  it('pairs each acct of the union with its index on each side, -1 where missing', () => {
    const { accts, pairs } = joinColumns(['a', 'c', 'd'], ['b', 'c', 'e']);
    expect(accts).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect([...pairs]).toEqual([0, -1, -1, 0, 1, 1, 2, -1, -1, 2]);
  });

  it('sums and ORs value columns along the pairs, 0 for the missing side', () => {
    const a = { accts: ['a', 'c'], toots: [1, 2], flags: [1, 2] };
    const b = { accts: ['c', 'z'], toots: [10, 20], flags: [4, 8] };
    const { accts, pairs } = joinColumns(a.accts, b.accts);
    expect(accts).toEqual(['a', 'c', 'z']);
    expect(sumColumns(pairs, a.toots, b.toots)).toEqual([1, 12, 20]);
    expect(orColumns(pairs, a.flags, b.flags)).toEqual([1, 6, 8]);
  });

  it('computes a join of the same two column objects once', () => {
    const a = ['x', 'y'];
    const b = ['y'];
    const first = joinColumns(a, b);
    expect(joinColumns(a, b)).toBe(first);
    // Equal contents in other objects: joined afresh, same answer.
    const other = joinColumns([...a], [...b]);
    expect(other).not.toBe(first);
    expect(other.accts).toEqual(first.accts);
    expect([...other.pairs]).toEqual([...first.pairs]);
  });

  it('handles an empty side', () => {
    const { accts, pairs } = joinColumns([], ['m', 'n']);
    expect(accts).toEqual(['m', 'n']);
    expect(sumColumns(pairs, [], [3, 4])).toEqual([3, 4]);
  });
});

describe('sealRecord and sealNumericRecord', () => {
  it('write keys in sorted order, own properties only', () => {
    const sealed = sealRecord(
      new Map([
        ['b', 2],
        ['__proto__', 1],
        ['a', 3],
      ]),
    );
    expect(Object.keys(sealed)).toEqual(['__proto__', 'a', 'b']);
    expect(Object.getPrototypeOf(sealed)).toBe(Object.prototype);
    expect(Object.hasOwn(sealed, '__proto__')).toBe(true);
  });

  it('writes numeric keys ascending by value', () => {
    expect(
      JSON.stringify(
        sealNumericRecord(
          new Map([
            [10, 1],
            [2, 5],
            [33, 7],
          ]),
        ),
      ),
    ).toBe('{"2":5,"10":1,"33":7}');
  });
});
