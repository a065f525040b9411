// Mastodon's ID paging over the day buckets, without HTTP.
//
// Semantics (Mastodon's Paginable#to_a_paginated_by_id):
// - max_id: strictly older than; since_id: strictly newer than; both select newest first.
// - min_id: strictly newer than, selecting the statuses immediately after it in ascending
//   order, returned newest first. When min_id is given, since_id is ignored.
// - Only statuses visible at `nowMs` (inserted by then) are ever returned.
// Positions are (dayNo, key) pairs because a full ID does not fit a double.

import { DAY_MS, lowerBound, upperBound, type DayBucket, type SimWorld } from './generator';

export interface PageQuery {
  maxId?: string;
  sinceId?: string;
  minId?: string;
  limit: number;
  nowMs: number;
  /** Days (as day numbers since the epoch) the instance has data for, inclusive. */
  firstDayNo: number;
  lastDayNo: number;
  accept: (b: DayBucket, j: number) => boolean;
}

export interface PageRef {
  bucket: DayBucket;
  j: number;
}

interface Pos {
  dayNo: number;
  key: number;
}

export function parseCursor(id: string | undefined): Pos | undefined {
  if (id === undefined || !/^\d{1,20}$/.test(id)) return undefined;
  const v = BigInt(id);
  const ms = Number(v >> 16n);
  const dayNo = Math.floor(ms / DAY_MS);
  return { dayNo, key: (ms - dayNo * DAY_MS) * 65536 + Number(v & 0xffffn) };
}

function cmp(a: Pos, b: Pos): number {
  return a.dayNo !== b.dayNo ? a.dayNo - b.dayNo : a.key - b.key;
}

function minPos(a: Pos, b: Pos): Pos {
  return cmp(a, b) <= 0 ? a : b;
}

function maxPos(a: Pos, b: Pos): Pos {
  return cmp(a, b) >= 0 ? a : b;
}

/** Newest-first page of positions. */
export function selectPage(world: SimWorld, q: PageQuery): PageRef[] {
  const limit = Math.max(0, q.limit);
  if (limit === 0 || q.lastDayNo < q.firstDayNo) return [];
  const nowDayNo = Math.floor(q.nowMs / DAY_MS);
  // Exclusive upper bound: older than max_id, not after now, not past the last day.
  let upper: Pos = { dayNo: nowDayNo, key: (q.nowMs - nowDayNo * DAY_MS) * 65536 + 0x10000 };
  upper = minPos(upper, { dayNo: q.lastDayNo + 1, key: 0 });
  const maxPosC = parseCursor(q.maxId);
  if (maxPosC) upper = minPos(upper, maxPosC);
  const floor: Pos = { dayNo: q.firstDayNo, key: -1 };

  const minPosC = parseCursor(q.minId);
  if (minPosC) return ascending(world, q, maxPos(floor, minPosC), upper, limit).reverse();
  const sincePosC = parseCursor(q.sinceId);
  return descending(world, q, sincePosC ? maxPos(floor, sincePosC) : floor, upper, limit);
}

function visible(world: SimWorld, b: DayBucket, j: number, nowMs: number): boolean {
  return (b.insertDelayMs[j] as number) === 0 || world.insertedMsAt(b, j) <= nowMs;
}

function descending(world: SimWorld, q: PageQuery, lower: Pos, upper: Pos, limit: number): PageRef[] {
  const out: PageRef[] = [];
  if (cmp(lower, upper) >= 0) return out;
  // An upper bound at key 0 of a day admits nothing from that day: start one day earlier
  // rather than generate a bucket only to skip it.
  let dayNo = upper.key <= 0 ? upper.dayNo - 1 : upper.dayNo;
  let first = upper.key > 0;
  for (; dayNo >= lower.dayNo && out.length < limit; dayNo--, first = false) {
    const b = world.bucket(dayNo);
    let i = first ? lowerBound(b.keys, upper.key) - 1 : b.size - 1;
    const stopKey = dayNo === lower.dayNo ? lower.key : -1;
    for (; i >= 0 && out.length < limit; i--) {
      if ((b.keys[i] as number) <= stopKey) return out;
      if (visible(world, b, i, q.nowMs) && q.accept(b, i)) out.push({ bucket: b, j: i });
    }
  }
  return out;
}

function ascending(world: SimWorld, q: PageQuery, lower: Pos, upper: Pos, limit: number): PageRef[] {
  const out: PageRef[] = [];
  if (cmp(lower, upper) >= 0) return out;
  const lastDay = upper.key <= 0 ? upper.dayNo - 1 : upper.dayNo;
  for (let dayNo = lower.dayNo, first = true; dayNo <= lastDay && out.length < limit; dayNo++, first = false) {
    const b = world.bucket(dayNo);
    let i = first ? upperBound(b.keys, lower.key) : 0;
    const stopKey = dayNo === upper.dayNo ? upper.key : Number.POSITIVE_INFINITY;
    for (; i < b.size && out.length < limit; i++) {
      if ((b.keys[i] as number) >= stopKey) return out;
      if (visible(world, b, i, q.nowMs) && q.accept(b, i)) out.push({ bucket: b, j: i });
    }
  }
  return out;
}
