// The report model rendered as text (chat-sized: one instance and day stays under 2,000
// characters), Markdown, minimal HTML (one renderer, three styles) and JSON (the model itself).
import { finalityLabel } from '../day-finality';
import { type DayDetail, KPI_NAMES, type PeriodKpis, type Ranked, type ReportModel } from './model';
import { formatCount, formatDelta, formatKpi, formatKpiWithDelta, formatShare, KPI_LABEL } from './numbers';

export interface TextStyle {
  heading(s: string): string;
  line(s: string): string;
  /** Joins a block's rendered heading and lines. */
  block(lines: readonly string[]): string;
  /** Joins blocks into the document. */
  document(blocks: readonly string[]): string;
}

const joinBlock = (lines: readonly string[]): string => lines.join('\n');
const joinDoc = (blocks: readonly string[]): string => `${blocks.join('\n\n')}\n`;
// Markdown would read `*`, `_`, `#`, `<`, brackets and backticks in names as markup.
const mdEscape = (s: string): string => s.replace(/([\\`*_<>#[\]])/g, '\\$1');
const htmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const PLAIN: TextStyle = { heading: (s) => s, line: (s) => s, block: joinBlock, document: joinDoc };
const MARKDOWN: TextStyle = {
  heading: (s) => `### ${mdEscape(s)}`,
  line: (s) => `- ${mdEscape(s)}`,
  block: joinBlock,
  document: joinDoc,
};
// Minimal HTML until the dashboard exists: every text escaped, no scripts, no styles.
const HTML: TextStyle = {
  heading: (s) => `<h3>${htmlEscape(s)}</h3>`,
  line: (s) => `<li>${htmlEscape(s)}</li>`,
  block: ([head, ...lines]) => `<section>\n${head ?? ''}\n<ul>\n${lines.join('\n')}\n</ul>\n</section>`,
  document: (blocks) =>
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>mastoflow report</title></head><body>\n${blocks.join('\n')}\n</body></html>\n`,
};

const ranked = (xs: readonly Ranked[], prefix = ''): string =>
  xs.length ? xs.map((x) => `${prefix}${x.key} ${formatCount(x.count)}`).join(', ') : '—';

function kpiLine(k: PeriodKpis): string {
  return KPI_NAMES.map((n) => `${KPI_LABEL[n]} ${formatKpiWithDelta(n, k.values[n], k.deltas[n])}`).join(' · ');
}

export function trackedLine(t: DayDetail['tracked'][number]): string {
  // A null delta after a day that was not observed is a gap, not a first day: say so.
  const none = t.previousNotObserved ? '(no delta: day before not observed)' : '(new)';
  const delta = (d: number | null) => (d === null ? none : formatDelta(d));
  return `${t.account}: ${formatCount(t.followers)} followers ${delta(t.followersDelta)}, ${formatCount(t.statuses)} statuses ${delta(t.statusesDelta)}`;
}

export function qualityLine(d: DayDetail): string {
  const n = (v: number | null) => (v === null ? '—' : formatCount(v));
  const q = d.quality;
  const erased = d.erasedInTotals ? ' · totals include an erased account (its raw was purged before the erasure)' : '';
  return `data: ${n(q.records)} records read, ${n(q.quarantined)} quarantined, ${n(q.duplicates)} duplicates · ${finalityLabel(d.finality)} (${d.finality.reason.replace(/^(final|provisional): /, '')})${erased}`;
}

function dayLines(d: DayDetail, k: PeriodKpis | undefined, s: TextStyle): string[] {
  const out = [s.heading(`${d.instance} — ${d.day} (${finalityLabel(d.finality)})`)];
  if (k) out.push(s.line(kpiLine(k)));
  out.push(s.line(`hashtags: ${ranked(d.hashtags, '#')}`));
  out.push(s.line(`languages: ${ranked(d.languages)}`));
  out.push(s.line(`apps: ${ranked(d.apps)}`));
  for (const t of d.tracked) out.push(s.line(`tracked ${trackedLine(t)}`));
  for (const g of d.snapshotGaps ?? []) out.push(s.line(`snapshot ${g.source}: ${g.reason}`));
  const viralHead = `viral toots: ${d.viralCount === null ? '—' : formatCount(d.viralCount)}`;
  out.push(
    s.line(
      d.viral.length
        ? `${viralHead}; top: ${d.viral.map((v) => `${v.url ?? v.statusId} (${formatCount(v.engagement)})`).join(', ')}`
        : viralHead,
    ),
  );
  if (d.sentiment) {
    const { scored, negative, neutral, positive } = d.sentiment;
    const pct = (n: number) => (scored === 0 ? '—' : formatShare(n / scored));
    out.push(
      s.line(
        `sentiment of ${formatCount(scored)} English toots: ${pct(positive)} positive, ${pct(neutral)} neutral, ${pct(negative)} negative`,
      ),
    );
  }
  out.push(s.line(qualityLine(d)));
  return out;
}

/** Instances side by side: one row per KPI, one column per instance, for one period. */
function comparison(label: string, ks: readonly PeriodKpis[], s: TextStyle): string[] {
  const out = [s.heading(`instances side by side — ${label}`)];
  for (const n of KPI_NAMES)
    out.push(s.line(`${KPI_LABEL[n]}: ${ks.map((k) => `${k.instance} ${formatKpi(n, k.values[n])}`).join(' | ')}`));
  return out;
}

function render(m: ReportModel, s: TextStyle): string {
  const blocks: string[][] = [];
  const title = m.from === m.to ? m.from : `${m.from} → ${m.to}`;
  if (m.kpis.length === 0)
    return s.document([s.block([s.heading(`mastoflow report ${title}`), s.line('no data loaded for these days')])]);
  if (m.by === 'day') {
    for (const d of m.days) {
      const k = m.kpis.find((x) => x.instance === d.instance && x.start === d.day);
      blocks.push(dayLines(d, k, s));
    }
  } else {
    for (const instance of m.instances) {
      const ks = m.kpis.filter((k) => k.instance === instance);
      if (!ks.length) continue;
      blocks.push([
        s.heading(`${instance} — by ${m.by}, ${title}`),
        ...ks.map((k) => s.line(`${k.label} (${k.days} day${k.days === 1 ? '' : 's'}): ${kpiLine(k)}`)),
        ...m.days.filter((d) => d.instance === instance).map((d) => s.line(`${d.day} ${qualityLine(d)}`)),
      ]);
    }
  }
  if (m.instances.length > 1) {
    const labels = [...new Set(m.kpis.map((k) => k.label))];
    for (const label of labels) {
      const ks = m.instances
        .map((i) => m.kpis.find((k) => k.instance === i && k.label === label))
        .filter((k): k is PeriodKpis => k !== undefined);
      if (ks.length > 1) blocks.push(comparison(label, ks, s));
    }
  }
  return s.document(blocks.map((b) => s.block(b)));
}

export function formatText(m: ReportModel): string {
  return render(m, PLAIN);
}

export function formatMarkdown(m: ReportModel): string {
  return render(m, MARKDOWN);
}

export function formatHtml(m: ReportModel): string {
  return render(m, HTML);
}

export function formatJson(m: ReportModel): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}
