import { compareIds, dayWindow, snowflakeFromMs, type DayWindow } from './snowflake';

// Paging a Mastodon timeline over one UTC day, as pure decisions: which ID window to scan, what a
// page says about the day (in the window, duplicates, broken records), and where to go next.
// The fetch activity (activities/mastodon/timeline-fetch.ts) does the I/O around these.
//
// Why the ID window is wider than the day: on real Mastodon a status's ID time is 0–4 ms before
// its created_at (the cassettes show it), so a status created at 00:00:00.002 can carry the
// previous day's ID. The scan therefore covers [start - margin, end + margin) in ID time and
// the day is selected on created_at afterwards (half-open [D 00:00Z, D+1 00:00Z)). Statuses that
// federated late and got an ID hours after their created_at sit in a later day's ID range; the
// raw pages keep them (counted as `after`), and the DAG re-fetches a look-back day for the
// backdated kind.

/** Default widening of the ID window on each side. */
export const ID_MARGIN_MS = 5_000;

/** Mastodon's maximum page size for statuses. */
export const STATUS_PAGE_LIMIT = 40;

export interface FetchWindow extends DayWindow {
  /** Exclusive upper cursor of the scan: the first `max_id` to ask for. */
  scanMaxId: string;
  /** Exclusive lower bound of the scan: paging stops once a page reaches an ID at or below it. */
  scanMinId: string;
  marginMs: number;
}

/** The day's window plus the widened ID range the scan pages through. */
export function fetchWindow(day: string, marginMs: number = ID_MARGIN_MS): FetchWindow {
  if (!Number.isInteger(marginMs) || marginMs < 0)
    throw new RangeError(`ID margin must be an integer of ms >= 0, got ${marginMs}`);
  const w = dayWindow(day);
  const lowMs = Math.max(0, w.startMs - marginMs);
  return {
    ...w,
    marginMs,
    scanMaxId: snowflakeFromMs(w.endMs + marginMs),
    // One below the first ID of lowMs: "newer than" this admits every ID from lowMs on.
    scanMinId: lowMs === 0 ? '0' : (BigInt(snowflakeFromMs(lowMs)) - 1n).toString(),
  };
}

/** What the fetcher needs of one record: its ID and created_at, read without trusting shape. */
export interface StatusRef {
  id: string;
  createdMs: number | undefined;
}

export interface PageRecords {
  refs: StatusRef[];
  /** Records without a usable decimal string ID (kept in the raw page, not counted). */
  broken: number;
}

const ID_RE = /^\d{1,20}$/;

/** The IDs and times of a parsed timeline body; anything that is not a list has no records. */
export function pageRecords(body: unknown): PageRecords {
  if (!Array.isArray(body)) return { refs: [], broken: 0 };
  const refs: StatusRef[] = [];
  let broken = 0;
  for (const rec of body) {
    const id = (rec as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || !ID_RE.test(id)) {
      broken++;
      continue;
    }
    const created = (rec as { created_at?: unknown }).created_at;
    const ms = typeof created === 'string' ? Date.parse(created) : Number.NaN;
    refs.push({ id, createdMs: Number.isNaN(ms) ? undefined : ms });
  }
  return { refs, broken };
}

export interface PageSummary {
  /** Records on the page (broken ones included). */
  count: number;
  /** New (not duplicate) statuses with created_at in [D, D+1). */
  inWindow: number;
  /** New statuses created before the day (inside the ID margin, or plain older pages). */
  before: number;
  /** New statuses created after the day: late-federated posts that got a later ID. */
  after: number;
  /** New statuses with an unparsable created_at. */
  undated: number;
  /** Statuses already seen on an earlier page of this scan. */
  duplicates: number;
  broken: number;
  /** Newest and oldest ID on the page (page order is newest first), if any. */
  firstId?: string;
  lastId?: string;
  /** The smallest ID on the page, whatever the order the server used. */
  minId?: string;
}

/**
 * Count a page against the day and the IDs seen so far. `seen` is updated with the page's IDs.
 * Duplicates across pages happen when a server treats max_id inclusively, when a resumed scan
 * re-reads a page, or when a post is re-inserted; each status counts once.
 */
export function summarisePage(
  records: PageRecords,
  window: Pick<DayWindow, 'startMs' | 'endMs'>,
  seen: Set<string>,
): PageSummary {
  const s: PageSummary = {
    count: records.refs.length + records.broken,
    inWindow: 0,
    before: 0,
    after: 0,
    undated: 0,
    duplicates: 0,
    broken: records.broken,
  };
  for (const ref of records.refs) {
    if (s.minId === undefined || compareIds(ref.id, s.minId) < 0) s.minId = ref.id;
    if (seen.has(ref.id)) {
      s.duplicates++;
      continue;
    }
    seen.add(ref.id);
    if (ref.createdMs === undefined) s.undated++;
    else if (ref.createdMs < window.startMs) s.before++;
    else if (ref.createdMs >= window.endMs) s.after++;
    else s.inWindow++;
  }
  const first = records.refs[0];
  const last = records.refs[records.refs.length - 1];
  if (first) s.firstId = first.id;
  if (last) s.lastId = last.id;
  return s;
}

export type StopReason = 'empty-page' | 'below-window' | 'no-progress';

export type NextStep = { done: true; reason: StopReason } | { done: false; maxId: string };

/**
 * Where the scan goes after a page. It stops on an empty page, once the page's smallest ID is at
 * or below the scan's lower bound, or when the next cursor would not move backwards (a server
 * that ignores max_id would otherwise loop forever). The next cursor is the `max_id` of the
 * `Link: rel="next"` URL when the server sent one (Mastodon's own cursor, which keeps working
 * when a page is filtered down), else the page's smallest ID.
 */
export function nextStep(
  summary: PageSummary,
  scanMinId: string,
  requestedMaxId: string | null,
  linkNextMaxId: string | undefined,
): NextStep {
  if (summary.minId === undefined) return { done: true, reason: 'empty-page' };
  if (compareIds(summary.minId, scanMinId) <= 0) return { done: true, reason: 'below-window' };
  const candidate = linkNextMaxId !== undefined && ID_RE.test(linkNextMaxId) ? linkNextMaxId : summary.minId;
  // Never go forward: take the smaller of the Link cursor and the page's own smallest ID.
  const next = compareIds(candidate, summary.minId) <= 0 ? candidate : summary.minId;
  if (requestedMaxId !== null && compareIds(next, requestedMaxId) >= 0) return { done: true, reason: 'no-progress' };
  return { done: false, maxId: next };
}

/** Parse an RFC 8288 `Link` header into rel → URL (Mastodon sends `next` and `prev`). */
export function parseLinkHeader(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /<([^>]*)>\s*;(.*)$/s.exec(part.trim());
    if (!m) continue;
    const rel = /rel\s*=\s*"?([^";]+)"?/i.exec(m[2] ?? '');
    if (rel?.[1]) for (const r of rel[1].trim().split(/\s+/)) out[r.toLowerCase()] = m[1] ?? '';
  }
  return out;
}

/** A query parameter of the `rel` URL in a Link header (e.g. next → max_id). */
export function linkParam(header: string | undefined, rel: string, param: string): string | undefined {
  const url = parseLinkHeader(header)[rel];
  if (!url) return undefined;
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get(param) ?? undefined;
}

/** Running totals of a scan, as the manifest reports them. */
export interface ScanTotals {
  pages: number;
  statusesInWindow: number;
  duplicates: number;
  before: number;
  after: number;
  undated: number;
  broken: number;
}

export function emptyTotals(): ScanTotals {
  return { pages: 0, statusesInWindow: 0, duplicates: 0, before: 0, after: 0, undated: 0, broken: 0 };
}

export function addPage(t: ScanTotals, s: PageSummary): ScanTotals {
  return {
    pages: t.pages + 1,
    statusesInWindow: t.statusesInWindow + s.inWindow,
    duplicates: t.duplicates + s.duplicates,
    before: t.before + s.before,
    after: t.after + s.after,
    undated: t.undated + s.undated,
    broken: t.broken + s.broken,
  };
}
