import { describe, expect, it } from 'vitest';
import { MERGE_AHEAD_MAX_DAY_PAGES, MergeAhead, mergesAhead } from '../../activities/aggregate/merged-ahead';
import { PartialStack } from '../../activities/aggregate/partial-stack';
import { finalizeAll, mapStatuses, PartialOverlapError, partialFromJson, partialToJson } from '../../domain/metrics';
import { dataInterval } from '../../domain/logical-date';
import { iterateDay } from '../../infra/mastodon-sim/generator';

// The worker merges a day's parts while they are mapped; the reduce merges the rest from S3.
// Whatever was merged where, the day's rows must be the rows of the whole day mapped at once.

const DAY = '2026-05-06';
const { start, end } = dataInterval(DAY);
const opts = { windowStartMs: Date.parse(start), windowEndMs: Date.parse(end) };
const statuses = [...iterateDay(3, DAY, { statusesPerDay: 1_200, accountCount: 150 })].map((e) => e.status as unknown);
const PARTS = 6;
const size = Math.ceil(statuses.length / PARTS);
/** Part n (1-based) as the map stores it. */
const wire = Array.from({ length: PARTS }, (_, i) =>
  partialToJson(mapStatuses(statuses.slice(i * size, (i + 1) * size), opts).partial),
);
const wholeRows = finalizeAll(mapStatuses(statuses, opts).partial);
const RUN = MergeAhead.dayKey('run-1', 'a.example', DAY);

describe('parts merged ahead of the reduce', () => {
  it('ahead in any order, once each, plus the rest merged by the reduce, give the whole day', async () => {
    const ahead = new MergeAhead();
    for (const n of [4, 1, 6, 1, 2]) ahead.add(RUN, n, wire[n - 1]!); // part 1 twice: a retried map
    const got = await ahead.take(RUN);
    expect([...(got?.parts ?? [])].sort()).toEqual([1, 2, 4, 6]);
    expect(got?.stack.parts).toBe(4);
    for (const n of [5, 3]) got!.stack.push(partialFromJson(wire[n - 1]!));
    const merged = got!.stack.take()!;
    expect(merged.counts.counted).toBe(statuses.length);
    expect(finalizeAll(merged)).toEqual(wholeRows);
    expect(await ahead.take(RUN)).toBeUndefined(); // taken once
    expect(ahead.size).toBe(0);
  });

  it("the day's last part also collapses the stack to one merged partial", async () => {
    const ahead = new MergeAhead();
    for (let n = PARTS; n >= 1; n--) ahead.add(RUN, n, wire[n - 1]!, PARTS);
    const got = await ahead.take(RUN);
    expect(got?.stack.depth).toBe(1);
    expect(finalizeAll(got!.stack.take()!)).toEqual(wholeRows);
    const partial = new MergeAhead();
    for (let n = 1; n < PARTS; n++) partial.add(RUN, n, wire[n - 1]!, PARTS);
    expect((await partial.take(RUN))?.stack.depth).toBeGreaterThan(1); // 5 parts: sizes 4 + 1
  });

  it('a part merged twice is refused by the stack (the dedupe above is what keeps it out)', () => {
    const stack = new PartialStack();
    stack.push(partialFromJson(wire[0]!));
    expect(() => {
      stack.push(partialFromJson(wire[0]!));
      stack.take();
    }).toThrow(PartialOverlapError);
  });

  it('another run of the same day gets nothing from this one', async () => {
    const ahead = new MergeAhead();
    ahead.add(RUN, 1, wire[0]!);
    expect(await ahead.take(MergeAhead.dayKey('run-2', 'a.example', DAY))).toBeUndefined();
    expect((await ahead.take(RUN))?.parts.size).toBe(1);
  });

  it('a day over the budget is left to the reduce whole, and so is a part that does not read', async () => {
    const budget = wire[0]!.length + wire[1]!.length + 1;
    const ahead = new MergeAhead(budget);
    for (let n = 1; n <= 3; n++) ahead.add(RUN, n, wire[n - 1]!);
    expect(await ahead.take(RUN)).toBeUndefined();
    const broken = new MergeAhead();
    broken.add(RUN, 1, wire[0]!);
    broken.add(RUN, 2, '{"not a partial"');
    expect(await broken.take(RUN)).toBeUndefined();
  });

  it('drops a day no part came to for a while (its reduce ran elsewhere)', async () => {
    const ahead = new MergeAhead(undefined, 30);
    ahead.add(RUN, 1, wire[0]!);
    await new Promise((r) => setTimeout(r, 80));
    expect(ahead.size).toBe(0);
    expect(await ahead.take(RUN)).toBeUndefined();
  });

  it('holds a few days at once, dropping the oldest', async () => {
    const ahead = new MergeAhead();
    for (const d of ['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04'])
      ahead.add(MergeAhead.dayKey('run-1', 'a.example', d), 1, wire[0]!);
    expect(ahead.size).toBe(3);
    expect(await ahead.take(MergeAhead.dayKey('run-1', 'a.example', '2026-05-01'))).toBeUndefined();
    expect((await ahead.take(MergeAhead.dayKey('run-1', 'a.example', '2026-05-04')))?.parts.size).toBe(1);
  });

  it('is only started for days small enough to hold (a large day is left to the reduce)', () => {
    expect(mergesAhead(32, 240)).toBe(true); // a 300k-status day: 7,680 pages planned
    expect(mergesAhead(105, 240)).toBe(false); // a 1M-status day
    expect(mergesAhead(MERGE_AHEAD_MAX_DAY_PAGES / 240, 240)).toBe(true);
    expect(mergesAhead(Math.floor(MERGE_AHEAD_MAX_DAY_PAGES / 240) + 1, 240)).toBe(false);
    expect(mergesAhead(undefined, 240)).toBe(false); // a plan item from before parts carried their day's count
  });
});
