// How a day's raw timeline pages are split into map parts. Each part reads a contiguous run of
// one source's pages and owns a half-open ID range, so a status that appears on two pages (the
// server's pages can overlap) is counted by exactly one part; the ranges of one source tile the
// whole ID space. Timeline pages arrive newest first (max_id paging), so the boundary between
// two parts is the oldest ID of the earlier part's last page.

export interface PageRef {
  page: number;
  count: number;
  /** Newest and oldest status IDs on the page (absent on empty or non-status pages). */
  firstId?: string;
  lastId?: string;
}

export interface MapPart {
  instance: string;
  day: string;
  source: string;
  manifestKey: string;
  /** Pages fromPage..toPage (1-based, inclusive) of that source. */
  fromPage: number;
  toPage: number;
  /** Inclusive lower / exclusive upper status ID this part counts; open when absent. */
  idRange: { minId?: string; maxId?: string };
  /** Records on those pages (for progress and sizing only). */
  records: number;
}

export interface SourcePages {
  instance: string;
  day: string;
  source: string;
  manifestKey: string;
  pages: readonly PageRef[];
}

/** Parts of at most `pagesPerPart` non-empty pages each, with tiling ID ranges. */
export function planMapParts(src: SourcePages, pagesPerPart: number): MapPart[] {
  if (!(pagesPerPart >= 1)) throw new Error(`pagesPerPart must be ≥ 1, got ${pagesPerPart}`);
  const pages = src.pages.filter((p) => p.count > 0);
  const parts: MapPart[] = [];
  let upper: string | undefined;
  for (let i = 0; i < pages.length; i += pagesPerPart) {
    const run = pages.slice(i, i + pagesPerPart);
    const first = run[0]!;
    const last = run[run.length - 1]!;
    const isLast = i + pagesPerPart >= pages.length;
    // The last part takes everything below the previous boundary, so nothing falls outside.
    const lower = isLast ? undefined : last.lastId;
    parts.push({
      instance: src.instance,
      day: src.day,
      source: src.source,
      manifestKey: src.manifestKey,
      fromPage: first.page,
      toPage: last.page,
      idRange: { ...(lower !== undefined ? { minId: lower } : {}), ...(upper !== undefined ? { maxId: upper } : {}) },
      records: run.reduce((n, p) => n + p.count, 0),
    });
    upper = lower;
  }
  return parts;
}

export interface ReduceGroup {
  instance: string;
  day: string;
  /** Number of map parts; their keys are part 1..parts. */
  parts: number;
}

/** Parts numbered per (instance, day), and the reduce groups that read them back. */
export function numberParts<P extends MapPart>(
  parts: readonly P[],
): { parts: Array<P & { part: number }>; groups: ReduceGroup[] } {
  const counters = new Map<string, ReduceGroup>();
  const numbered = parts.map((p) => {
    const k = `${p.instance}\u0000${p.day}`;
    const g = counters.get(k) ?? { instance: p.instance, day: p.day, parts: 0 };
    g.parts++;
    counters.set(k, g);
    return { ...p, part: g.parts };
  });
  return { parts: numbered, groups: [...counters.values()] };
}

/**
 * Late-federated statuses: created on day X but given an ID hours later, inside the next day's
 * ID range, so the scan of X never sees them (the scan of X+1 does and keeps them raw). When
 * X+1's pages exist, day X also maps those of X+1's pages that hold IDs in [lower, upper) — IDs
 * past X's own scan, up to a lateness allowance — and counts the statuses created on X. Each
 * part's range is clamped to that band, so nothing X's own pages count is counted twice.
 */
export function latePagesParts(next: SourcePages, lower: string, upper: string, pagesPerPart: number): MapPart[] {
  const cmp = (a: string, b: string) => {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
  // Pages are newest first; keep those whose [lastId, firstId] meets [lower, upper).
  const pages = next.pages.filter(
    (p) =>
      p.count > 0 &&
      p.firstId !== undefined &&
      p.lastId !== undefined &&
      cmp(p.firstId, lower) >= 0 &&
      cmp(p.lastId, upper) < 0,
  );
  return planMapParts({ ...next, pages }, pagesPerPart).map((part) => {
    const min = part.idRange.minId !== undefined && cmp(part.idRange.minId, lower) > 0 ? part.idRange.minId : lower;
    const max = part.idRange.maxId !== undefined && cmp(part.idRange.maxId, upper) < 0 ? part.idRange.maxId : upper;
    return { ...part, idRange: { minId: min, maxId: max } };
  });
}

/**
 * A map part's name in the Temporal UI: `mastodon.social public-local 2026-11-20 part 3/12`
 * (part 3 of the day's 12), with `(pages of <day>)` when it reads the next day's pages for the
 * day's late-federated statuses.
 */
export function mapPartLabel(
  part: Pick<MapPart, 'instance' | 'source' | 'day'> & { part: number; sourceDay?: string },
  partsOfDay: number,
): string {
  const late = part.sourceDay !== undefined && part.sourceDay !== part.day ? ` (pages of ${part.sourceDay})` : '';
  return `${part.instance} ${part.source} ${part.day} part ${part.part}/${partsOfDay}${late}`;
}

/** A reduce group's name in the Temporal UI (reduce and load): `mastodon.social 2026-11-20`. */
export function reduceGroupLabel(group: Pick<ReduceGroup, 'instance' | 'day'>): string {
  return `${group.instance} ${group.day}`;
}
