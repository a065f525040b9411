import { describe, expect, it } from 'vitest';
import { DEFAULT_TOP_K, dateAndHour, leaderboardData } from '../../domain/charts/chart-data';
import { axisTitle, chartSpec } from '../../domain/charts/vega-lite-spec';
import type { ViewDeclaration } from '../../domain/metrics/catalog-types';
import { FIXTURE_VIEWS, fixtureRows } from '../helpers/chart-fixtures';

// The spec is plain JSON: read it the way Vega-Lite will.
// biome-ignore lint/suspicious/noExplicitAny: tests walk the spec JSON freely
type Json = Record<string, any>;
const view = (name: string): ViewDeclaration => FIXTURE_VIEWS.find((v) => v.name === name)!;
const spec = (name: string, rows = fixtureRows(name)): Json => chartSpec(view(name), rows, { subtitle: 'sub' }) as Json;
const values = (s: Json): Json[] => s.data.values;

describe('chart specs from catalog declarations', () => {
  it('titles come from the declaration, axis titles from column labels and units', () => {
    const s = spec('v_top_accounts_by_engagement');
    expect(s.title).toEqual({ text: 'Top accounts by engagement', subtitle: 'sub' });
    expect(s.encoding.x.axis.title).toBe('Engagement (interactions)');
    expect(s.encoding.y.title).toBe('Account');
    expect(axisTitle({ label: 'Toots', unit: 'toots', type: 'BIGINT' })).toBe('Toots');
    const shares = spec('v_content_shares');
    expect(shares.encoding.y.axis).toEqual({ title: 'Share', format: '.0%' });
    expect(new Set(values(shares).map((d) => d.part))).toEqual(new Set(['Media', 'Content warning', 'Sensitive']));
  });

  it('line: one series per instance over day, as UTC dates', () => {
    const s = spec('v_toots_per_day');
    expect(s.mark.type).toBe('line');
    expect(s.encoding.color.field).toBe('series');
    expect(values(s)).toContainEqual({ series: 'alpha.social', x: '2026-03-01T00:00:00Z', y: 100 });
    expect(new Set(values(s).map((d) => d.series))).toEqual(new Set(['alpha.social', 'beta.example']));
  });

  it('line by another series names the instance when several are charted, and not when one is', () => {
    expect(new Set(values(spec('v_tracked_accounts')).map((d) => d.series))).toEqual(
      new Set(['mayor · alpha.social', 'mayor · beta.example', 'news · alpha.social', 'news · beta.example']),
    );
    const one = fixtureRows('v_tracked_accounts').filter((r) => r.instance === 'alpha.social');
    expect(new Set(values(spec('v_tracked_accounts', one)).map((d) => d.series))).toEqual(new Set(['mayor', 'news']));
  });

  it('line over a snapshot axis (week): the latest load of a point wins', () => {
    const v = values(spec('v_instance_activity')).filter((d) => d.series === 'alpha.social');
    // loads of 2026-03-01..03 report n = 10, 13, 16 → the 03-03 load (1600) wins for both weeks
    expect(v).toEqual([
      { series: 'alpha.social', x: '2026-02-16T00:00:00Z', y: 1600 },
      { series: 'alpha.social', x: '2026-02-23T00:00:00Z', y: 1600 },
    ]);
  });

  it('bar_topk: top k per instance of the value summed over the chosen days, largest first', () => {
    const v = values(spec('v_languages'));
    const alpha = v.filter((d) => d.instance === 'alpha.social');
    // en = 6 × (10 + 13 + 16)
    expect(alpha).toEqual([
      { instance: 'alpha.social', category: 'en', value: 234 },
      { instance: 'alpha.social', category: 'de', value: 195 },
      { instance: 'alpha.social', category: 'fr', value: 156 },
      { instance: 'alpha.social', category: 'es', value: 117 },
    ]);
    const s = spec('v_languages');
    expect(s.encoding.yOffset.field).toBe('instance');
    expect(s.encoding.y.sort).toBe('-x');
    expect(values(spec('v_client_apps'))).toHaveLength(6); // k defaults to DEFAULT_TOP_K > 3 apps
    expect(DEFAULT_TOP_K).toBe(10);
  });

  it('leaderboard: ranked (label, instance) pairs, ties broken by name, value labels on the bars', () => {
    const rows = [
      { instance: 'a', day: '2026-03-01', account: 'x', engagement: 5 },
      { instance: 'a', day: '2026-03-02', account: 'x', engagement: 5 },
      { instance: 'a', day: '2026-03-01', account: 'y', engagement: 10 },
      { instance: 'b', day: '2026-03-01', account: 'x', engagement: 1 },
    ];
    const decl = { kind: 'leaderboard', title: 't', label: 'account', value: 'engagement', k: 2 } as const;
    expect(leaderboardData(decl, rows)).toEqual([
      { rank: 1, label: '1. x · a', instance: 'a', value: 10 },
      { rank: 2, label: '2. y · a', instance: 'a', value: 10 },
    ]);
    const s = spec('v_top_accounts_by_engagement');
    expect(s.layer.map((l: Json) => l.mark.type)).toEqual(['bar', 'text']);
    expect(s.encoding.y.sort).toEqual(values(s).map((d) => d.label));
    expect(values(s).map((d) => d.rank)).toEqual([1, 2, 3, 4, 5]);
  });

  it('heatmap_day_hour: one cell per day × hour of the TIMESTAMP, all 24 hours on the axis', () => {
    expect(dateAndHour('2026-03-01 07:00:00')).toEqual({ date: '2026-03-01', hour: 7 });
    expect(dateAndHour('2026-03-01T23:59:00Z')).toEqual({ date: '2026-03-01', hour: 23 });
    const s = spec('v_toots_per_hour');
    expect(s.mark.type).toBe('rect');
    expect(s.encoding.x.scale.domain).toHaveLength(24);
    expect(values(s)).toContainEqual({ instance: 'beta.example', date: '2026-03-02', hour: 21, value: 41 });
    expect(s.encoding.row.field).toBe('instance'); // two instances: one panel each
    const one = fixtureRows('v_toots_per_hour').filter((r) => r.instance === 'beta.example');
    expect(spec('v_toots_per_hour', one).encoding.row).toBeUndefined();
  });

  it('stacked: parts folded per (instance, x), legend in declaration order', () => {
    const s = spec('v_sentiment_daily');
    expect(s.encoding.y.stack).toBe('zero');
    expect(s.encoding.row.field).toBe('instance'); // two instances: one named panel each
    expect(s.encoding.color.sort).toEqual(['Negative', 'Neutral', 'Positive']);
    expect(values(s).filter((d) => d.instance === 'alpha.social' && d.x === '2026-03-01')).toEqual([
      { instance: 'alpha.social', x: '2026-03-01', part: 'Negative', value: 10, stackOrder: 0 },
      { instance: 'alpha.social', x: '2026-03-01', part: 'Neutral', value: 20, stackOrder: 1 },
      { instance: 'alpha.social', x: '2026-03-01', part: 'Positive', value: 15, stackOrder: 2 },
    ]);
  });

  it('stacked by category: one part per distinct value', () => {
    const v: ViewDeclaration = {
      name: 'v_x',
      family: 'f',
      description: 'd',
      accountLevel: false,
      columns: [
        { name: 'language', type: 'VARCHAR', label: 'Language' },
        { name: 'toots', type: 'BIGINT', label: 'Toots', unit: 'toots' },
      ],
      chart: { kind: 'stacked', title: 'By language', category: 'language', value: 'toots' },
    };
    const rows = fixtureRows('v_languages');
    const s = chartSpec(v, rows) as Json;
    expect(values(s)).toHaveLength(2 * 3 * 6);
    expect(s.encoding.color.title).toBe('Language');
  });

  it('NULL values draw nothing; unknown columns and chartless views are errors', () => {
    const rows = [...fixtureRows('v_toots_per_day'), { instance: 'alpha.social', day: '2026-03-04', toots: null }];
    expect(values(spec('v_toots_per_day', rows))).toHaveLength(6);
    const bad = { ...view('v_languages'), chart: { kind: 'bar_topk', title: 't', category: 'nope', value: 'toots' } };
    expect(() => chartSpec(bad as ViewDeclaration, fixtureRows('v_languages'))).toThrow(/unknown column "nope"/);
    expect(() => chartSpec({ ...view('v_languages'), chart: undefined }, [])).toThrow(/declares no chart/);
  });

  it('every chart kind is fitted to the requested size unless faceted', () => {
    for (const v of FIXTURE_VIEWS) {
      const s = chartSpec(
        v,
        fixtureRows(v.name).filter((r) => r.instance === 'alpha.social'),
      ) as Json;
      expect([s.width, s.height, s.autosize]).toEqual([800, 450, { type: 'fit', contains: 'padding' }]);
      expect(s.config.font).toBe('DejaVu Sans');
    }
  });
});
