// How report numbers read: thousands separators, a real minus sign (U+2212), deltas in
// parentheses: `(+3)`, `(−2)`, `(0)` when unchanged, `(new)` on the first day, nothing when the
// previous value is missing. Shares in percent (deltas in percentage points), sentiment to 3
// decimals. Same output whatever the machine's locale.
import type { Delta, KpiName } from './model';

const MINUS = '\u2212';

export function formatCount(n: number): string {
  const sign = n < 0 ? MINUS : '';
  const [int, frac] = Math.abs(n).toString().split('.');
  const grouped = (int as string).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${frac ? `.${frac}` : ''}`;
}

function fixed(n: number, digits: number): string {
  const s = Math.abs(n).toFixed(digits);
  // -0.0001 rounds to 0.000: no sign on a number that reads as zero.
  return Number(s) === 0 ? s : `${n < 0 ? MINUS : ''}${s}`;
}

export function formatShare(share: number): string {
  return `${fixed(share * 100, 1)}%`;
}

export function formatSentiment(v: number): string {
  const s = fixed(v, 3);
  return v > 0 && Number(s) !== 0 ? `+${s}` : s;
}

/** `(+3)`, `(−2)`, `(0)`, `(new)`, or '' (not comparable). */
export function formatDelta(d: Delta, kind: 'count' | 'share' | 'sentiment' = 'count'): string {
  if (d === null) return '';
  if (d === 'new') return '(new)';
  const body =
    kind === 'count'
      ? formatCount(Math.abs(d))
      : kind === 'share'
        ? `${fixed(Math.abs(d) * 100, 1)} pp`
        : fixed(Math.abs(d), 3);
  const zero =
    kind === 'count'
      ? d === 0
      : Number(kind === 'share' ? (Math.abs(d) * 100).toFixed(1) : Math.abs(d).toFixed(3)) === 0;
  if (zero) return `(${kind === 'share' ? '0 pp' : '0'})`;
  return `(${d > 0 ? '+' : MINUS}${body})`;
}

export const KPI_KIND: Record<KpiName, 'count' | 'share' | 'sentiment'> = {
  toots: 'count',
  activeAccounts: 'count',
  botShare: 'share',
  engagement: 'count',
  mediaShare: 'share',
  meanSentiment: 'sentiment',
};

export const KPI_LABEL: Record<KpiName, string> = {
  toots: 'toots',
  activeAccounts: 'active accounts',
  botShare: 'bot share',
  engagement: 'engagement',
  mediaShare: 'media share',
  meanSentiment: 'mean sentiment',
};

/** A KPI value as text; '—' when it was not loaded. */
export function formatKpi(name: KpiName, v: number | null): string {
  if (v === null) return '—';
  const kind = KPI_KIND[name];
  return kind === 'count' ? formatCount(v) : kind === 'share' ? formatShare(v) : formatSentiment(v);
}

/** `value (delta)`, or just the value when there is no delta to show. */
export function formatKpiWithDelta(name: KpiName, v: number | null, d: Delta): string {
  const delta = v === null ? '' : formatDelta(d, KPI_KIND[name]);
  return delta ? `${formatKpi(name, v)} ${delta}` : formatKpi(name, v);
}
