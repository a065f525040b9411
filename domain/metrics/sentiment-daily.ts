// Daily sentiment distribution of English toots (VADER, domain/sentiment.ts). Toots in any
// other or undeclared language get no score and are not counted here. VADER reports compound
// to 4 decimals, so compound × 10⁴ is an integer and its sum merges exactly; the mean is taken
// at finalize time.
import { isEnglish, scoreText } from '../sentiment';
import { addArrays } from './records';
import type { KvRow, MetricFamily } from './types';

export const COMPOUND_BINS = 20; // width 0.1 over [-1, 1]; +1.0 falls in the last bin

export interface SentimentPartial {
  scored: number;
  negative: number;
  neutral: number;
  positive: number;
  /** Σ round(compound × 10⁴). */
  compoundE4: number;
  /** COMPOUND_BINS counts; bin i covers [-1 + i/10, -1 + (i+1)/10). */
  hist: number[];
}

export function compoundBin(compoundE4: number): number {
  return Math.min(COMPOUND_BINS - 1, Math.max(0, Math.floor((compoundE4 + 10_000) / 1_000)));
}

export function compoundBinKey(bin: number): string {
  return ((bin - 10) / 10).toFixed(1);
}

export const sentimentDaily: MetricFamily<SentimentPartial, SentimentPartial> = {
  name: 'sentiment',
  metrics: [
    {
      metric: 'sentiment',
      key: 'scored | negative | neutral | positive | mean_compound',
      value: 'English toots per VADER label (compound ≥ 0.05 positive, ≤ -0.05 negative); mean compound in [-1, 1]',
      accountLevel: false,
    },
    {
      metric: 'sentiment_share',
      key: 'negative | neutral | positive',
      value: 'fraction of scored toots',
      accountLevel: false,
    },
    {
      metric: 'sentiment_compound_hist',
      key: '<bin lower bound> -1.0 … 0.9 (width 0.1)',
      value: 'scored toots',
      accountLevel: false,
    },
  ],
  views: [
    {
      name: 'v_sentiment_daily',
      description: 'English toots scored (VADER): negative / neutral / positive counts, mean compound',
      columns: [
        { name: 'scored', type: 'DOUBLE', label: 'Scored toots', unit: 'toots' },
        { name: 'negative', type: 'DOUBLE', label: 'Negative', unit: 'toots' },
        { name: 'neutral', type: 'DOUBLE', label: 'Neutral', unit: 'toots' },
        { name: 'positive', type: 'DOUBLE', label: 'Positive', unit: 'toots' },
        { name: 'mean_compound', type: 'DOUBLE', label: 'Mean compound', unit: 'score' },
      ],
      accountLevel: false,
      chart: { kind: 'stacked', title: 'Sentiment of English toots', parts: ['negative', 'neutral', 'positive'] },
      source: {
        kind: 'pivot_keys',
        metric: 'sentiment',
        keys: {
          scored: 'scored',
          negative: 'negative',
          neutral: 'neutral',
          positive: 'positive',
          mean_compound: 'mean_compound',
        },
      },
    },
    {
      name: 'v_sentiment_shares',
      description: 'negative / neutral / positive shares of scored toots',
      columns: [
        { name: 'negative_share', type: 'DOUBLE', label: 'Negative', unit: 'share' },
        { name: 'neutral_share', type: 'DOUBLE', label: 'Neutral', unit: 'share' },
        { name: 'positive_share', type: 'DOUBLE', label: 'Positive', unit: 'share' },
      ],
      accountLevel: false,
      chart: {
        kind: 'stacked',
        title: 'Sentiment shares of English toots',
        parts: ['negative_share', 'neutral_share', 'positive_share'],
      },
      source: {
        kind: 'pivot_keys',
        metric: 'sentiment_share',
        keys: { negative_share: 'negative', neutral_share: 'neutral', positive_share: 'positive' },
      },
    },
    {
      name: 'v_sentiment_compound_hist',
      description: 'scored toots per compound bin of width 0.1 (lower bound, -1.0 … 0.9)',
      columns: [
        { name: 'compound_from', type: 'DOUBLE', label: 'Compound from', unit: 'score' },
        { name: 'toots', type: 'BIGINT', label: 'Toots', unit: 'toots' },
      ],
      accountLevel: false,
      chart: { kind: 'bar_topk', title: 'Compound sentiment', category: 'compound_from', value: 'toots', k: 20 },
      source: { kind: 'rows', metric: 'sentiment_compound_hist', key: ['compound_from'], value: 'toots' },
    },
  ],
  start: () => ({
    scored: 0,
    negative: 0,
    neutral: 0,
    positive: 0,
    compoundE4: 0,
    hist: new Array<number>(COMPOUND_BINS).fill(0),
  }),
  add(acc, f) {
    if (!isEnglish(f.status.language)) return;
    const score = scoreText(f.text());
    const e4 = Math.round(score.compound * 10_000);
    acc.scored++;
    acc[score.label]++;
    acc.compoundE4 += e4;
    const bin = compoundBin(e4);
    acc.hist[bin] = (acc.hist[bin] as number) + 1;
  },
  seal: (acc) => ({ ...acc, hist: [...acc.hist] }),
  merge: (a, b) => ({
    scored: a.scored + b.scored,
    negative: a.negative + b.negative,
    neutral: a.neutral + b.neutral,
    positive: a.positive + b.positive,
    compoundE4: a.compoundE4 + b.compoundE4,
    hist: addArrays(a.hist, b.hist),
  }),
  finalize(p) {
    const rows: KvRow[] = [
      { metric: 'sentiment', key: 'scored', value: p.scored },
      { metric: 'sentiment', key: 'negative', value: p.negative },
      { metric: 'sentiment', key: 'neutral', value: p.neutral },
      { metric: 'sentiment', key: 'positive', value: p.positive },
    ];
    if (p.scored > 0) {
      rows.push(
        { metric: 'sentiment', key: 'mean_compound', value: p.compoundE4 / p.scored / 10_000 },
        { metric: 'sentiment_share', key: 'negative', value: p.negative / p.scored },
        { metric: 'sentiment_share', key: 'neutral', value: p.neutral / p.scored },
        { metric: 'sentiment_share', key: 'positive', value: p.positive / p.scored },
      );
    }
    for (const [bin, n] of p.hist.entries())
      rows.push({ metric: 'sentiment_compound_hist', key: compoundBinKey(bin), value: n });
    return rows;
  },
};
