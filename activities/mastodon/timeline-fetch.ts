import type { Mastodon } from 'megalodon';
import {
  addPage,
  emptyTotals,
  fetchWindow,
  linkParam,
  nextStep,
  pageRecords,
  summarisePage,
  type FetchWindow,
  type ScanTotals,
  type StopReason,
} from '../../domain/paging';
import { classifyExchange, invalidBodyFailure, serverFailure } from './errors';
import { isResuming, type SourceRecorder } from './fetch-context';
import type { Exchange } from './http';
import type { MastodonSession } from './session';

// One timeline over one day: page backwards from the window's max_id with max_id until a page
// reaches below the window's min_id (or is empty), storing every page as received and counting
// the statuses whose created_at falls in the day, each once. The cursor goes into the heartbeat
// after every stored page; a retried attempt first adopts the pages its predecessor stored
// (found in S3 by fetch id, see raw-store.ts), rebuilds its counts from them and continues from
// the cursor stored with the last one — so a resumed fetch never stores a page twice and its
// page numbers continue.

export interface TimelineSpec {
  /** For messages and the manifest, e.g. `GET /api/v1/timelines/public?local=true`. */
  endpoint: string;
  /** One page older than maxId (null: the newest page). */
  call: (m: Mastodon, maxId: string | null, limit: number) => Promise<unknown>;
}

export interface ScanOptions {
  day: string;
  marginMs?: number;
  pageLimit: number;
  /** First max_id; default the window's upper cursor. null asks for the newest page. */
  startMaxId?: string | null;
}

export interface ScanOutcome {
  window: FetchWindow;
  totals: ScanTotals;
  /** Set when the scan reached its end. */
  stopReason?: StopReason;
  /** The last max_id requested (null when the first request had none). */
  lastMaxId: string | null;
  /** A 4xx answer that ended the scan: the caller decides between unavailable and failure. */
  refused?: Exchange;
}

export async function scanTimeline(
  rec: SourceRecorder,
  session: MastodonSession,
  spec: TimelineSpec,
  opts: ScanOptions,
): Promise<ScanOutcome> {
  const window = fetchWindow(opts.day, opts.marginMs);
  const seen = new Set<string>();
  let totals = emptyTotals();
  let cursor: string | null = opts.startMaxId === undefined ? window.scanMaxId : opts.startMaxId;
  let stop: StopReason | undefined;
  const ctx = { instance: rec.target.instance.name, endpoint: spec.endpoint };

  if (isResuming(rec.rt)) {
    for (const page of await rec.pages.recover(rec.rt.fetchId, rec.nextPage)) {
      const summary = summarisePage(pageRecords(safeJson(page.body)), window, seen);
      await rec.adopt(page.page, page.key, page.body, {
        path: page.meta.path,
        httpStatus: page.meta.httpStatus,
        ...entryCounts(summary),
      });
      totals = addPage(totals, summary);
      const next = parseNext(page.meta.next);
      if (next.end) stop = next.end as StopReason;
      else cursor = next.maxId ?? cursor;
    }
    rec.rt.heartbeat(rec.checkpoint(session, stop ? null : cursor));
  }

  let lastMaxId: string | null = cursor;
  while (!stop) {
    lastMaxId = cursor;
    const maxId = cursor;
    const ex = withoutErased(
      rec,
      await session.request(spec.endpoint, maxId !== null, (m) => spec.call(m, maxId, opts.pageLimit)),
    );
    const cls = classifyExchange(ex);
    if (cls === 'server') throw serverFailure(ctx, ex);
    if (cls === 'invalid-body' || (cls === 'ok' && !Array.isArray(ex.json))) throw invalidBodyFailure(ctx, ex);
    if (cls === 'client') return { window, totals, lastMaxId, refused: ex };
    const summary = summarisePage(pageRecords(ex.json), window, seen);
    const step = nextStep(summary, window.scanMinId, maxId, linkParam(ex.headers.link, 'next', 'max_id'));
    await rec.store(
      ex.body,
      { path: ex.path, httpStatus: ex.status, ...entryCounts(summary) },
      step.done ? `end:${step.reason}` : `max_id:${step.maxId}`,
    );
    totals = addPage(totals, summary);
    if (step.done) stop = step.reason;
    else cursor = step.maxId;
    rec.rt.heartbeat(rec.checkpoint(session, stop ? null : cursor));
  }
  return { window, totals, stopReason: stop, lastMaxId };
}

/** The page without erased accounts' statuses (activities/erasure), before it is counted or stored. */
function withoutErased(rec: SourceRecorder, ex: Exchange): Exchange {
  if (!rec.rt.erasure || !Array.isArray(ex.json)) return ex;
  const body = rec.withoutErased(ex.body);
  return body === ex.body ? ex : { ...ex, body, json: JSON.parse(body.toString('utf8')) as unknown };
}

function entryCounts(s: ReturnType<typeof summarisePage>) {
  return {
    count: s.count,
    inWindow: s.inWindow,
    duplicates: s.duplicates,
    ...(s.firstId !== undefined ? { firstId: s.firstId } : {}),
    ...(s.lastId !== undefined ? { lastId: s.lastId } : {}),
  };
}

function safeJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** `max_id:<id>` | `offset:<n>` | `end:<reason>` as stored in page metadata. */
export function parseNext(next: string): { maxId?: string; offset?: number; end?: string } {
  const i = next.indexOf(':');
  const kind = i < 0 ? next : next.slice(0, i);
  const value = i < 0 ? '' : next.slice(i + 1);
  if (kind === 'max_id' && /^\d+$/.test(value)) return { maxId: value };
  if (kind === 'offset' && /^\d+$/.test(value)) return { offset: Number(value) };
  return { end: value || 'unknown' };
}

/** The manifest fields a scan contributes. */
export function scanManifestFields(o: ScanOutcome) {
  return {
    statusesInWindow: o.totals.statusesInWindow,
    duplicates: o.totals.duplicates,
    outsideWindow: { before: o.totals.before, after: o.totals.after, undated: o.totals.undated },
    brokenRecords: o.totals.broken,
    cursors: {
      scanMaxId: o.window.scanMaxId,
      scanMinId: o.window.scanMinId,
      dayStart: new Date(o.window.startMs).toISOString(),
      dayEnd: new Date(o.window.endMs).toISOString(),
      lastMaxId: o.lastMaxId,
      stopReason: o.stopReason ?? null,
    },
  };
}
