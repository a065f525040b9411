import { describe, expect, it } from 'vitest';
import { reportRange } from '../../cli/commands/report';
import type { LoadRecord } from '../../domain/day-finality';
import { formatHtml, formatJson, formatMarkdown, formatText } from '../../domain/report/formats';
import {
  buildReport,
  type DayKpiRow,
  isoWeekOf,
  readFrom,
  type ReportInput,
  type TopRow,
  type TrackedRow,
  type ViralRow,
} from '../../domain/report/model';
import { formatCount, formatDelta, formatSentiment, formatShare } from '../../domain/report/numbers';

const I = 'mastodon.example';
const D0 = '2026-03-03';
const D1 = '2026-03-04';

function kpi(day: string, over: Partial<DayKpiRow> = {}): DayKpiRow {
  return {
    instance: I,
    day,
    toots: 12_345,
    activeAccounts: 2_001,
    botToots: 1_234,
    mediaShare: 0.2134,
    scored: 8_000,
    meanSentiment: 0.1123,
    negative: 1_500,
    neutral: 3_500,
    positive: 3_000,
    engagement: 98_765,
    records: 13_000,
    quarantined: 2,
    duplicates: 653,
    viralCount: 120,
    ...over,
  };
}

const load = (runLogicalDate: string): LoadRecord => ({
  runId: `run-${runLogicalDate}`,
  runLogicalDate,
  lookbackDays: 1,
  loadedAt: `${runLogicalDate}T02:00:00.000Z`,
});

function realisticDay(): ReportInput {
  const ranked = (kind: TopRow['kind'], keys: string[], first: number, step: number): TopRow[] =>
    keys.map((key, i) => ({ instance: I, day: D1, kind, key, count: first - i * step }));
  const tops: TopRow[] = [
    ...ranked('hashtags', ['fediverse', 'photography', 'caturday', 'mastodon', 'opensource', 'linux', 'art'], 900, 100),
    ...ranked('languages', ['en', 'de', 'fr', 'ja', 'es', 'nl', 'und'], 7000, 1000),
    ...ranked('apps', ['Web', 'Ivory', 'Tusky', 'Elk', 'Phanpy', 'Ice Cubes'], 3000, 400),
  ];
  // Another day's rows stay out of this day's tops.
  tops.push({ instance: I, day: D0, kind: 'hashtags', key: 'old', count: 1 });
  const tracked: TrackedRow[] = [
    {
      instance: I,
      day: D1,
      account: 'alice@example.social',
      followers: 1204,
      statuses: 2000,
      followersDelta: 3,
      statusesDelta: 2,
    },
    {
      instance: I,
      day: D1,
      account: 'bob@example.social',
      followers: 15_320,
      statuses: 800,
      followersDelta: -2,
      statusesDelta: 0,
    },
    {
      instance: I,
      day: D1,
      account: 'carol@example.social',
      followers: 7,
      statuses: 1,
      followersDelta: null,
      statusesDelta: null,
    },
  ];
  const viral: ViralRow[] = Array.from({ length: 8 }, (_, i) => ({
    instance: I,
    day: D1,
    statusId: String(113_000_000_000_000_000n + BigInt(i)),
    engagement: 500 - i * 40,
    url: `https://mastodon.example/@someone_with_a_long_name${i}/${113_000_000_000_000_000n + BigInt(i)}`,
  }));
  return {
    from: D1,
    to: D1,
    by: 'day',
    instances: [I],
    lookbackDays: 1,
    kpis: [kpi(D0, { toots: 12_000, activeAccounts: 2_004, botToots: 1_200, engagement: null }), kpi(D1)],
    tops,
    tracked,
    viral,
    loads: new Map([[`${I}#${D1}`, [load(D1)]]]),
  };
}

describe('report numbers', () => {
  it('formats counts, shares, sentiment and deltas', () => {
    expect(formatCount(1204)).toBe('1,204');
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatCount(-2)).toBe('−2');
    expect(formatDelta(3)).toBe('(+3)');
    expect(formatDelta(-2)).toBe('(−2)');
    expect(formatDelta(0)).toBe('(0)');
    expect(formatDelta('new')).toBe('(new)');
    expect(formatDelta(null)).toBe('');
    expect(formatShare(0.2134)).toBe('21.3%');
    expect(formatDelta(0.0042, 'share')).toBe('(+0.4 pp)');
    expect(formatDelta(-0.00001, 'share')).toBe('(0 pp)');
    expect(formatSentiment(0.1123)).toBe('+0.112');
    expect(formatSentiment(-0.05)).toBe('−0.050');
    expect(formatDelta(-0.0123, 'sentiment')).toBe('(−0.012)');
  });
});

describe('report model', () => {
  it('computes KPIs and deltas against the previous day exactly; tops are top 5 by count then key', () => {
    const m = buildReport(realisticDay());
    expect(m.kpis).toHaveLength(1);
    const k = m.kpis[0]!;
    expect(k.values).toEqual({
      toots: 12_345,
      activeAccounts: 2_001,
      botShare: 1_234 / 12_345,
      engagement: 98_765,
      mediaShare: 0.2134,
      meanSentiment: 0.1123,
    });
    expect(k.deltas).toEqual({
      toots: 345,
      activeAccounts: -3,
      botShare: 1_234 / 12_345 - 1_200 / 12_000,
      engagement: null, // not loaded the day before
      mediaShare: 0,
      meanSentiment: 0,
    });
    const d = m.days[0]!;
    expect(d.hashtags.map((h) => h.key)).toEqual(['fediverse', 'photography', 'caturday', 'mastodon', 'opensource']);
    expect(d.viral).toHaveLength(5);
    expect(d.viral[0]!.engagement).toBe(500);
    expect(d.finality.state).toBe('provisional');
  });

  it('marks the first day of data `new` and a re-read day final', () => {
    const input = realisticDay();
    const m = buildReport({
      ...input,
      kpis: input.kpis.slice(1),
      loads: new Map([[`${I}#${D1}`, [load(D1), load('2026-03-05')]]]),
    });
    expect(Object.values(m.kpis[0]!.deltas).every((d) => d === 'new')).toBe(true);
    expect(m.days[0]!.finality.state).toBe('final');
  });

  it('rolls up by week: sums, toot-weighted shares, the busiest day’s accounts; deltas against the week before', () => {
    const days = ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-09', '2026-03-10'];
    const kpis = days.map((day, i) =>
      kpi(day, {
        toots: 100 * (i + 1),
        botToots: 10 * (i + 1),
        activeAccounts: 50 + i,
        mediaShare: 0.5,
        engagement: 7,
      }),
    );
    const m = buildReport({ ...realisticDay(), from: '2026-03-09', to: '2026-03-10', by: 'week', kpis });
    expect(m.kpis.map((k) => k.label)).toEqual(['2026-W11']);
    const w = m.kpis[0]!;
    expect(w.values.toots).toBe(900);
    expect(w.values.activeAccounts).toBe(54);
    expect(w.values.engagement).toBe(14);
    expect(w.values.botShare).toBe(90 / 900);
    expect(w.deltas.toots).toBe(900 - 600);
    expect(w.deltas.engagement).toBe(14 - 21);
    expect(readFrom('2026-03-09', 'week')).toBe('2026-03-02');
    expect(readFrom('2026-03-09', 'month')).toBe('2026-02-01');
    expect(isoWeekOf('2027-01-01')).toEqual({ label: '2026-W53', start: '2026-12-28' });
  });
});

describe('report text', () => {
  it('one instance and day fits a chat message and shows every number with its delta', () => {
    const text = formatText(buildReport(realisticDay()));
    expect(text.length).toBeLessThanOrEqual(2000);
    expect(text).toContain('mastodon.example — 2026-03-04 (provisional)');
    expect(text).toContain(
      'toots 12,345 (+345) · active accounts 2,001 (−3) · bot share 10.0% (0 pp) · engagement 98,765 · media share 21.3% (0 pp) · mean sentiment +0.112 (0)',
    );
    expect(text).toContain('hashtags: #fediverse 900, #photography 800, #caturday 700, #mastodon 600, #opensource 500');
    expect(text).toContain('languages: en 7,000, de 6,000, fr 5,000, ja 4,000, es 3,000');
    expect(text).toContain('tracked alice@example.social: 1,204 followers (+3), 2,000 statuses (+2)');
    expect(text).toContain('tracked bob@example.social: 15,320 followers (−2), 800 statuses (0)');
    expect(text).toContain('tracked carol@example.social: 7 followers (new), 1 statuses (new)');
    expect(text).toContain(
      'viral toots: 120; top: https://mastodon.example/@someone_with_a_long_name0/113000000000000000 (500)',
    );
    expect(text).toContain('sentiment of 8,000 English toots: 37.5% positive, 43.8% neutral, 18.8% negative');
    expect(text).toContain(
      'data: 13,000 records read, 2 quarantined, 653 duplicates · provisional (the run of 2026-03-05',
    );
  });

  it('names each snapshot a day was not observed for, and a null delta after a gap as a gap', () => {
    const input = realisticDay();
    input.tracked = [{ ...input.tracked[2]!, previousNotObserved: true }];
    input.snapshotGaps = [
      { instance: I, day: D1, source: 'peers', reason: 'not observed: first fetched 2026-12-02' },
      { instance: I, day: D0, source: 'peers', reason: 'not observed: first fetched 2026-12-01' },
    ];
    const text = formatText(buildReport(input));
    expect(text).toContain(
      'tracked carol@example.social: 7 followers (no delta: day before not observed), 1 statuses (no delta: day before not observed)',
    );
    expect(text).toContain('snapshot peers: not observed: first fetched 2026-12-02');
    expect(text).not.toContain('2026-12-01');
  });

  it('shows — for a metric that was not loaded, and says when a day is never re-read', () => {
    const input = realisticDay();
    const m = buildReport({ ...input, lookbackDays: 0, kpis: [kpi(D1, { engagement: null })], loads: new Map() });
    expect(formatText(m)).toContain('engagement — ·');
    const m0 = buildReport({ ...input, lookbackDays: 0, loads: new Map([[`${I}#${D1}`, [load(D1)]]]) });
    expect(formatText(m0)).toContain('(never re-read)');
  });

  it('puts instances side by side', () => {
    const input = realisticDay();
    const other = 'other.example';
    const m = buildReport({
      ...input,
      instances: [I, other],
      kpis: [...input.kpis, { ...kpi(D1, { toots: 5 }), instance: other }],
    });
    const text = formatText(m);
    expect(text).toContain('instances side by side — 2026-03-04');
    expect(text).toContain('toots: mastodon.example 12,345 | other.example 5');
  });

  it('md, html and json render the same model; html escapes', () => {
    const input = realisticDay();
    input.tracked = [{ ...input.tracked[0]!, account: '<script>x</script>' }];
    const m = buildReport(input);
    expect(formatMarkdown(m)).toContain('- toots 12,345 (+345)');
    const html = formatHtml(m);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(JSON.parse(formatJson(m)).kpis[0].values.toots).toBe(12_345);
  });
});

describe('report days', () => {
  const now = Date.parse('2026-03-05T10:00:00Z');
  it('defaults to yesterday; --date; --from up to --to or yesterday; --to alone is that day', () => {
    expect(reportRange({}, now)).toEqual(['2026-03-04', '2026-03-04']);
    expect(reportRange({ date: '2026-03-01' }, now)).toEqual(['2026-03-01', '2026-03-01']);
    expect(reportRange({ from: '2026-03-01', to: '2026-03-03' }, now)).toEqual(['2026-03-01', '2026-03-03']);
    expect(reportRange({ from: '2026-03-01' }, now)).toEqual(['2026-03-01', '2026-03-04']);
    expect(reportRange({ to: '2026-03-02' }, now)).toEqual(['2026-03-02', '2026-03-02']);
    expect(() => reportRange({ date: '2026-03-01', to: '2026-03-03' }, now)).toThrow(/cannot be combined/);
    expect(() => reportRange({ from: '2026-03-04', to: '2026-03-03' }, now)).toThrow(/after/);
    expect(() => reportRange({ date: '2026-02-30' }, now)).toThrow(/calendar day/);
  });
});
