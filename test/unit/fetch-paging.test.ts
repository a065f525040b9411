import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../domain/config';
import { planFetchDay } from '../../domain/fetch-plan';
import { rawManifestKey } from '../../domain/keys';
import {
  addPage,
  emptyTotals,
  fetchWindow,
  linkParam,
  nextStep,
  pageRecords,
  parseLinkHeader,
  summarisePage,
  type FetchWindow,
} from '../../domain/paging';
import { compareIds, msFromSnowflake, snowflakeFromMs } from '../../domain/snowflake';

// The pure half of a day's fetch: which IDs to scan, how a page counts against the day, when
// paging stops. A small model server pages a list the way Mastodon does (newest first, max_id
// exclusive), optionally inclusive at max_id like some forks, to drive the loop end to end.

const D = '2026-03-03';
const START = Date.UTC(2026, 2, 3);
const END = Date.UTC(2026, 2, 4);

interface Post {
  id: string;
  created_at: string;
}

function post(idMs: number, createdMs: number, low = 7): Post {
  return { id: snowflakeFromMs(idMs, low), created_at: new Date(createdMs).toISOString() };
}

/** Mastodon paging over `all` (any order): `limit` newest with id < maxId (<= when inclusive). */
function serve(all: Post[], maxId: string | null, limit: number, inclusive = false): Post[] {
  return all
    .filter((p) => maxId === null || (inclusive ? compareIds(p.id, maxId) <= 0 : compareIds(p.id, maxId) < 0))
    .sort((a, b) => compareIds(b.id, a.id))
    .slice(0, limit);
}

/** The scan loop of timeline-fetch.ts without I/O. */
function scan(all: Post[], window: FetchWindow, limit: number, inclusive = false, link = false) {
  const seen = new Set<string>();
  let totals = emptyTotals();
  let cursor: string | null = window.scanMaxId;
  const requested: (string | null)[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    requested.push(cursor);
    const page = serve(all, cursor, limit, inclusive);
    const summary = summarisePage(pageRecords(page), window, seen);
    totals = addPage(totals, summary);
    const last = page[page.length - 1];
    const header =
      link && last
        ? `<https://x.example/api/v1/timelines/public?limit=${limit}&max_id=${last.id}>; rel="next", <https://x.example/api/v1/timelines/public?min_id=${page[0]!.id}>; rel="prev"`
        : undefined;
    const step = nextStep(summary, window.scanMinId, cursor, linkParam(header, 'next', 'max_id'));
    if (step.done) return { totals, requested, stop: step.reason, seen };
    cursor = step.maxId;
  }
  throw new Error('scan did not stop');
}

describe('the day window (half-open, UTC) and its widened ID range', () => {
  it('covers [D 00:00Z, D+1 00:00Z) and widens the ID range by the margin on each side', () => {
    const w = fetchWindow(D);
    expect(w.startMs).toBe(START);
    expect(w.endMs).toBe(END);
    expect(msFromSnowflake(w.scanMaxId)).toBe(END + 5_000);
    expect(BigInt(w.scanMaxId) & 0xffffn).toBe(0n);
    // scanMinId is one below the first ID of start - margin: "newer than" admits that ms.
    expect(BigInt(w.scanMinId) + 1n).toBe(BigInt(snowflakeFromMs(START - 5_000)));
    expect(fetchWindow(D, 0).scanMaxId).toBe(snowflakeFromMs(END));
  });

  it('counts a status created at 00:00:00.000 in the day and one at 24:00:00.000 in the next', () => {
    const w = fetchWindow(D);
    const seen = new Set<string>();
    const page = [post(END - 1, END), post(END - 2, END - 1), post(START, START), post(START - 1, START - 1)];
    const s = summarisePage(pageRecords(page), w, seen);
    expect(s).toMatchObject({ count: 4, inWindow: 2, after: 1, before: 1 });
  });

  it("keeps a status whose ID is up to 4 ms before its created_at (Mastodon's stamp lag at midnight)", () => {
    const all = [post(START - 3, START + 1), post(START + 10, START + 12), post(START - 20_000, START - 19_998)];
    const r = scan(all, fetchWindow(D), 40);
    // The first one's ID belongs to the previous day, its created_at to D: it counts for D.
    expect(r.totals.statusesInWindow).toBe(2);
    expect(r.seen.has(all[0]!.id)).toBe(true);
  });

  it('late IDs: a status created before midnight with an ID hours later is outside the scan of its day', () => {
    // Late-federated: created 23:30 on D, ID at 02:00 on D+1 (the next day's range).
    const late = post(END + 2 * 3_600_000, END - 1_800_000);
    const r = scan([late, post(START + 1_000, START + 1_000)], fetchWindow(D), 40);
    expect(r.totals.statusesInWindow).toBe(1);
    // Scanning D+1 sees it, and counts it as "before" its window: the map step can attribute it.
    const next = scan([late], fetchWindow('2026-03-04'), 40);
    expect(next.totals).toMatchObject({ statusesInWindow: 0, before: 1 });
  });

  it("backdated IDs (ID = created_at, visible hours later) are in the day's range: a look-back re-scan finds them", () => {
    const early = [post(START + 60_000, START + 60_000), post(START + 120_000, START + 120_000)];
    const backdated = post(START + 90_000, START + 90_000, 99);
    const first = scan(early, fetchWindow(D), 40);
    const lookback = scan([...early, backdated], fetchWindow(D), 40);
    expect(first.totals.statusesInWindow).toBe(2);
    expect(lookback.totals.statusesInWindow).toBe(3);
  });
});

describe('paging to the end of the window', () => {
  // 500 statuses spread over D ± 1 h, one every ~ (26 h / 500).
  const all: Post[] = Array.from({ length: 500 }, (_, i) => {
    const t = START - 3_600_000 + Math.floor((i * (26 * 3_600_000)) / 500);
    return post(t, t + (i % 5), i % 65_536);
  });
  const inDay = all.filter((p) => Date.parse(p.created_at) >= START && Date.parse(p.created_at) < END).length;

  it('pages backwards with max_id until a page reaches below the window, counting each status once', () => {
    const r = scan(all, fetchWindow(D), 40);
    expect(r.stop).toBe('below-window');
    expect(r.totals.statusesInWindow).toBe(inDay);
    expect(r.totals.duplicates).toBe(0);
    // Pages end with the first one that reaches at or below the window's lower bound.
    const w = fetchWindow(D);
    const inRange = all.filter((p) => compareIds(p.id, w.scanMinId) > 0 && compareIds(p.id, w.scanMaxId) < 0).length;
    expect(r.totals.pages).toBe(Math.floor(inRange / 40) + 1);
  });

  it('duplicates across pages (a server whose max_id is inclusive) are counted once', () => {
    const r = scan(all, fetchWindow(D), 40, true);
    expect(r.totals.statusesInWindow).toBe(inDay);
    expect(r.totals.duplicates).toBe(r.totals.pages - 1);
  });

  it('follows the Link rel="next" cursor when the server sends one', () => {
    const r = scan(all, fetchWindow(D), 40, false, true);
    expect(r.totals.statusesInWindow).toBe(inDay);
    expect(r.requested.length).toBe(r.totals.pages);
  });

  it('stops on an empty page and on a server that ignores max_id', () => {
    const w = fetchWindow(D);
    expect(nextStep(summarisePage(pageRecords([]), w, new Set()), w.scanMinId, w.scanMaxId, undefined)).toEqual({
      done: true,
      reason: 'empty-page',
    });
    const page = [post(END - 10, END - 10), post(END - 20, END - 20)];
    // A server returning the same page again: every record a duplicate, the cursor does not move.
    const seen = new Set<string>();
    const first = summarisePage(pageRecords(page), w, seen);
    const step = nextStep(first, w.scanMinId, w.scanMaxId, undefined);
    expect(step.done).toBe(false);
    const again = summarisePage(pageRecords(page), w, seen);
    expect(again.duplicates).toBe(2);
    expect(nextStep(again, w.scanMinId, (step as { maxId: string }).maxId, undefined)).toEqual({
      done: true,
      reason: 'no-progress',
    });
  });

  it('never lets a Link cursor move forward', () => {
    const w = fetchWindow(D);
    const page = [post(END - 10, END - 10), post(END - 20, END - 20)];
    const s = summarisePage(pageRecords(page), w, new Set());
    expect(nextStep(s, w.scanMinId, w.scanMaxId, snowflakeFromMs(END))).toEqual({ done: false, maxId: page[1]!.id });
  });

  it('broken records are counted, not trusted', () => {
    const w = fetchWindow(D);
    const s = summarisePage(
      pageRecords([{ id: 123 }, { created_at: 'x' }, { id: snowflakeFromMs(START + 5), created_at: 'not-a-date' }]),
      w,
      new Set(),
    );
    expect(s).toMatchObject({ count: 3, broken: 2, undated: 1, inWindow: 0 });
  });
});

describe('Link header', () => {
  it('reads rel next and prev, as Mastodon and the cassettes write them', () => {
    const h =
      '<http://localhost:3000/api/v1/timelines/tag/x?limit=10&max_id=117020582177108552>; rel="next", <http://localhost:3000/api/v1/timelines/tag/x?limit=10&min_id=117020582251615632>; rel="prev"';
    expect(parseLinkHeader(h)).toEqual({
      next: 'http://localhost:3000/api/v1/timelines/tag/x?limit=10&max_id=117020582177108552',
      prev: 'http://localhost:3000/api/v1/timelines/tag/x?limit=10&min_id=117020582251615632',
    });
    expect(linkParam(h, 'next', 'max_id')).toBe('117020582177108552');
    expect(linkParam(h, 'prev', 'max_id')).toBeUndefined();
    expect(linkParam(undefined, 'next', 'max_id')).toBeUndefined();
    expect(linkParam('<https://x/api/v1/trends/tags?limit=20&offset=20>; rel="next"', 'next', 'offset')).toBe('20');
  });
});

describe('the fetch plan', () => {
  const parsed = parseConfig(
    {
      instances: [
        {
          name: 'a.example',
          baseUrl: 'https://a.example',
          userAgentContact: 'mailto:x@y.z',
          hashtags: ['Cats'],
          accounts: ['alice'],
        },
        {
          name: 'b.example',
          baseUrl: 'https://b.example',
          userAgentContact: 'mailto:x@y.z',
          sources: { publicRemote: false, trends: false, directory: true },
        },
      ],
      hashtags: ['#news'],
      accounts: ['bob@b.example', 'carol@elsewhere.example'],
      s3: { bucket: 'bucket-x' },
    },
    'test',
  );
  if (!parsed.ok) throw new Error(parsed.message);
  const config = parsed.config;

  it('lists one item per instance and enabled source, each with its manifest key', () => {
    const items = planFetchDay(config, D);
    const a = items.filter((i) => i.instance === 'a.example').map((i) => i.source);
    const b = items.filter((i) => i.instance === 'b.example').map((i) => i.source);
    expect(a).toEqual([
      'public-local',
      'public-remote',
      'tag-cats',
      'account-alice',
      'account-carol@elsewhere.example',
      'instance',
      'activity',
      'peers',
      'trends',
    ]);
    expect(b).toEqual(['public-local', 'tag-news', 'account-bob', 'instance', 'activity', 'peers', 'directory']);
    for (const i of items) expect(i.manifestKey).toBe(rawManifestKey(i.instance, i.day, i.source));
  });

  it('look-back days re-scan timelines only', () => {
    const items = planFetchDay(config, D, { lookbackDays: 1, instances: ['b.example'] });
    expect(items.filter((i) => i.day === '2026-03-02').map((i) => i.source)).toEqual(['public-local', 'tag-news']);
    expect(() => planFetchDay(config, D, { instances: ['nope'] })).toThrow(/unknown instance\(s\) "nope"/);
  });
});
