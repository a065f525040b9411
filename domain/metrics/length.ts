// Average toot length. Length is the number of Unicode code points of the toot's plain text
// (domain/metrics/html-text.ts: tags removed, <br> = 1, paragraph break = 2, entities decoded,
// trimmed). Sums of integers keep the mean exact after any merge; a 50-character histogram
// shows the shape without keeping per-toot values.
import { mergeCounts, type Counts } from './records';
import { textLength } from './html-text';
import type { KvRow, MetricFamily } from './types';

export const LENGTH_BUCKET = 50;

export interface LengthPartial {
  toots: number;
  chars: number;
  /** `<bucket lower bound>` (0, 50, 100, …) -> toots. */
  buckets: Counts;
}

interface Acc {
  toots: number;
  chars: number;
  /** Index = length / LENGTH_BUCKET. */
  buckets: number[];
}

export const length: MetricFamily<Acc, LengthPartial> = {
  name: 'length',
  metrics: [
    {
      metric: 'toot_length',
      key: 'mean | total_chars | toots',
      value: 'code points of plain text (mean = total_chars / toots)',
      accountLevel: false,
    },
    { metric: 'toot_length_hist', key: '<bucket lower bound> (0, 50, 100, …)', value: 'toots', accountLevel: false },
  ],
  views: [
    {
      name: 'v_toot_length',
      description: 'mean length in code points of plain text, total chars, toots',
      columns: [
        { name: 'mean_chars', type: 'DOUBLE', label: 'Mean length', unit: 'chars' },
        { name: 'total_chars', type: 'DOUBLE', label: 'Total length', unit: 'chars' },
        { name: 'toots', type: 'DOUBLE', label: 'Toots', unit: 'toots' },
      ],
      accountLevel: false,
      chart: { kind: 'line', title: 'Mean toot length', y: 'mean_chars' },
      source: {
        kind: 'pivot_keys',
        metric: 'toot_length',
        keys: { mean_chars: 'mean', total_chars: 'total_chars', toots: 'toots' },
      },
    },
    {
      name: 'v_toot_length_hist',
      description: 'toots per 50-character length bucket (lower bound)',
      columns: [
        { name: 'bucket', type: 'BIGINT', label: 'Length from', unit: 'chars' },
        { name: 'toots', type: 'BIGINT', label: 'Toots', unit: 'toots' },
      ],
      accountLevel: false,
      chart: { kind: 'bar_topk', title: 'Toot lengths', category: 'bucket', value: 'toots', k: 20 },
      source: { kind: 'rows', metric: 'toot_length_hist', key: ['bucket'], value: 'toots' },
    },
  ],
  start: () => ({ toots: 0, chars: 0, buckets: [] }),
  add(acc, f) {
    const n = textLength(f.html);
    acc.toots++;
    acc.chars += n;
    const b = Math.floor(n / LENGTH_BUCKET);
    while (acc.buckets.length <= b) acc.buckets.push(0);
    acc.buckets[b] = (acc.buckets[b] as number) + 1;
  },
  seal(acc) {
    const buckets: [string, number][] = [];
    acc.buckets.forEach((n, b) => {
      if (n > 0) buckets.push([String(b * LENGTH_BUCKET), n]);
    });
    return { toots: acc.toots, chars: acc.chars, buckets: Object.fromEntries(buckets) };
  },
  merge: (a, b) => ({ toots: a.toots + b.toots, chars: a.chars + b.chars, buckets: mergeCounts(a.buckets, b.buckets) }),
  finalize(p) {
    const rows: KvRow[] = [
      { metric: 'toot_length', key: 'toots', value: p.toots },
      { metric: 'toot_length', key: 'total_chars', value: p.chars },
    ];
    if (p.toots > 0) rows.push({ metric: 'toot_length', key: 'mean', value: p.chars / p.toots });
    const buckets = Object.entries(p.buckets).sort((a, b) => Number(a[0]) - Number(b[0]));
    for (const [bucket, n] of buckets) rows.push({ metric: 'toot_length_hist', key: bucket, value: n });
    return rows;
  },
};
