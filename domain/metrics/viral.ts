// Viral toots: engagement far above the day's distribution.
//
// Rule: threshold T = max(minEngagement, p99), where p99 is the nearest-rank 99th percentile
// of engagement (favourites + reblogs + replies) over all toots counted in the window, and a
// toot is viral when its engagement ≥ T. The floor (default 10) keeps a quiet day's "top 1%"
// of 2-like toots from being called viral.
//
// Exact after merge: the partial keeps the full engagement histogram (value -> toots; engagement
// values are small integers, so it stays small) from which the global p99 is recomputed, and
// every toot that could pass any threshold — all toots with engagement ≥ the floor, since
// T ≥ floor. No toot below the floor can become viral, and no candidate can be pruned early
// (the global p99 may be lower than a part's own p99).
import { compareDecimalIds, mergeCounts, sealNumericRecord, type Counts } from './records';
import { DEFAULT_TOP_K, FLAG_OPTED_OUT, type KvRow, type MetricFamily } from './types';

export const DEFAULT_VIRAL_MIN_ENGAGEMENT = 10;
export const VIRAL_PERCENTILE = 0.99;

/** [status id, acct, engagement, flags (1 = opted out), url (status.url ?? uri ?? '')]. */
export type ViralCandidate = [string, string, number, number, string];

export interface ViralPartial {
  minEngagement: number;
  /** `<engagement>` (decimal) -> toots with exactly that engagement. */
  hist: Counts;
  /** Toots with engagement ≥ minEngagement, sorted by status id. */
  candidates: ViralCandidate[];
}

interface Acc {
  minEngagement: number;
  hist: Map<number, number>;
  candidates: ViralCandidate[];
}

const byId = (a: ViralCandidate, b: ViralCandidate): number => compareDecimalIds(a[0], b[0]);

/** Nearest-rank percentile of a value histogram; undefined when it is empty. */
export function histogramPercentile(hist: Counts, q: number): number | undefined {
  const entries = Object.entries(hist)
    .map(([v, n]) => [Number(v), n] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  for (const [, n] of entries) total += n;
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [value, n] of entries) {
    seen += n;
    if (seen >= rank) return value;
  }
  return entries[entries.length - 1]?.[0];
}

export function viralThreshold(p: ViralPartial): number | undefined {
  const p99 = histogramPercentile(p.hist, VIRAL_PERCENTILE);
  return p99 === undefined ? undefined : Math.max(p.minEngagement, p99);
}

export const viral: MetricFamily<Acc, ViralPartial> = {
  name: 'viral',
  metrics: [
    {
      metric: 'viral_toots',
      key: '<status id>',
      value: 'engagement of a viral toot (engagement ≥ max(floor, p99)); top-k by engagement, opted-out excluded',
      accountLevel: true,
    },
    {
      metric: 'viral_stats',
      key: 'toots | p99_engagement | threshold | viral_toots',
      value: 'count / engagement (viral_toots counts every viral toot, opted-out included)',
      accountLevel: false,
    },
  ],
  views: [
    {
      name: 'v_viral_toots',
      description: "toots with engagement ≥ max(10, the day's p99)",
      columns: [
        { name: 'status_id', type: 'VARCHAR', label: 'Toot' },
        { name: 'engagement', type: 'BIGINT', label: 'Engagement', unit: 'interactions' },
      ],
      accountLevel: true,
      chart: { kind: 'leaderboard', title: 'Viral toots', label: 'status_id', value: 'engagement', k: 10 },
      source: { kind: 'rows', metric: 'viral_toots', key: ['status_id'], value: 'engagement' },
    },
    {
      name: 'v_viral_stats',
      description: "toots, the day's p99 engagement, the viral threshold, viral toots (opted-out included)",
      columns: [
        { name: 'toots', type: 'BIGINT', label: 'Toots', unit: 'toots' },
        { name: 'p99_engagement', type: 'BIGINT', label: 'p99 engagement', unit: 'interactions' },
        { name: 'threshold', type: 'BIGINT', label: 'Viral threshold', unit: 'interactions' },
        { name: 'viral_toots', type: 'BIGINT', label: 'Viral toots', unit: 'toots' },
      ],
      accountLevel: false,
      chart: { kind: 'line', title: 'Viral toots per day', y: 'viral_toots' },
      source: {
        kind: 'pivot_keys',
        metric: 'viral_stats',
        keys: { toots: 'toots', p99_engagement: 'p99_engagement', threshold: 'threshold', viral_toots: 'viral_toots' },
      },
    },
  ],
  start: (opts) => ({
    minEngagement: opts.viralMinEngagement ?? DEFAULT_VIRAL_MIN_ENGAGEMENT,
    hist: new Map(),
    candidates: [],
  }),
  add(acc, f) {
    const e = f.engagement;
    acc.hist.set(e, (acc.hist.get(e) ?? 0) + 1);
    if (e >= acc.minEngagement)
      acc.candidates.push([
        f.status.id,
        f.acct,
        e,
        f.optedOut ? FLAG_OPTED_OUT : 0,
        f.status.url ?? f.status.uri ?? '',
      ]);
  },
  seal: (acc) => ({
    minEngagement: acc.minEngagement,
    hist: sealNumericRecord(acc.hist),
    candidates: [...acc.candidates].sort(byId),
  }),
  merge(a, b) {
    if (a.minEngagement !== b.minEngagement) {
      throw new Error(`cannot merge viral partials with floors ${a.minEngagement} and ${b.minEngagement}`);
    }
    return {
      minEngagement: a.minEngagement,
      hist: mergeCounts(a.hist, b.hist),
      candidates: [...a.candidates, ...b.candidates].sort(byId),
    };
  },
  finalize(p, ctx) {
    let toots = 0;
    for (const n of Object.values(p.hist)) toots += n;
    const rows: KvRow[] = [{ metric: 'viral_stats', key: 'toots', value: toots }];
    const threshold = viralThreshold(p);
    if (threshold === undefined) return rows;
    const viralToots = p.candidates.filter((c) => c[2] >= threshold);
    rows.push(
      { metric: 'viral_stats', key: 'p99_engagement', value: histogramPercentile(p.hist, VIRAL_PERCENTILE) as number },
      { metric: 'viral_stats', key: 'threshold', value: threshold },
      { metric: 'viral_stats', key: 'viral_toots', value: viralToots.length },
    );
    const visible = viralToots
      .filter((c) => (c[3] & FLAG_OPTED_OUT) === 0 && !ctx.optedOutAccts?.has(c[1]))
      .map((c) => [c[0], c[2], c[4]] as [string, number, string | undefined]);
    // Top-k by engagement; equal engagement keeps the older toot (smaller id) first.
    visible.sort((x, y) => y[1] - x[1] || compareDecimalIds(x[0], y[0]));
    // The URL rides along as a label (metric_labels); partials sealed before it existed have none.
    for (const [id, e, url] of visible.slice(0, ctx.topK ?? DEFAULT_TOP_K))
      rows.push(
        url
          ? { metric: 'viral_toots', key: id, value: e, labels: { url } }
          : { metric: 'viral_toots', key: id, value: e },
      );
    return rows;
  },
};
