import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { renderChart, renderSvg, svgToPng } from '../../activities/report/chart-renderer';
import { chartSpec } from '../../domain/charts/vega-lite-spec';
import { FIXTURE_INSTANCES, FIXTURE_VIEWS, fixtureRows } from '../helpers/chart-fixtures';
import { countSvgMarks, svgSize } from '../helpers/svg-marks';

// What each fixture chart must draw (2 instances × 3 days), worked out by hand from the fixture
// rows and the chart kind: bars/heatmaps one rect per datum, lines one path per series with one
// vertex per datum.
const EXPECTED: Record<string, { rects?: number; lines?: number[] }> = {
  v_toots_per_day: { lines: [3, 3] }, // one line per instance, one vertex per day
  v_toots_per_hour: { rects: 2 * 3 * 8 }, // instance × day × 8 hours
  v_languages: { rects: 2 * 4 }, // top 4 per instance
  v_client_apps: { rects: 2 * 3 },
  v_bot_vs_human: { rects: 2 * 3 * 2 }, // instance × day × part
  v_top_hashtags: { rects: 2 * 5 },
  v_top_accounts_by_engagement: { rects: 5 }, // top 5 (account, instance) pairs overall
  v_tracked_accounts: { lines: [3, 3, 3, 3] }, // 2 accounts × 2 instances
  v_sentiment_daily: { rects: 2 * 3 * 3 },
  v_content_shares: { rects: 2 * 3 * 3 },
  v_instance_activity: { lines: [2, 2] }, // 2 weeks, reported by 3 loads: latest wins
  v_signups_by_month: { rects: 2 * 3 },
};

function decode(png: Buffer): PNG {
  return PNG.sync.read(png);
}

/** Pixels in [x0,x1)×[y0,y1) clearly darker than the white background. */
function darkPixels(img: PNG, x0: number, y0: number, x1: number, y1: number): number {
  let dark = 0;
  for (let y = y0; y < Math.min(y1, img.height); y++)
    for (let x = x0; x < Math.min(x1, img.width); x++) {
      const i = (y * img.width + x) * 4;
      if (img.data[i]! + img.data[i + 1]! + img.data[i + 2]! < 3 * 160) dark++;
    }
  return dark;
}

// The title sits at the top left, inside the 12 px padding (×2 in the PNG).
const titleArea = (img: PNG): number => darkPixels(img, 20, 20, 420, 60);

describe('chart rendering (vega → SVG, resvg → PNG)', () => {
  it('the fixtures cover every chart kind', () => {
    expect(new Set(FIXTURE_VIEWS.map((v) => v.chart?.kind))).toEqual(
      new Set(['line', 'bar_topk', 'heatmap_day_hour', 'stacked', 'leaderboard']),
    );
    expect(Object.keys(EXPECTED).sort()).toEqual(FIXTURE_VIEWS.map((v) => v.name).sort());
  });

  for (const view of FIXTURE_VIEWS) {
    it(`${view.name} (${view.chart?.kind}): marks per datum, PNG of the SVG's size with visible text`, async () => {
      const spec = chartSpec(view, fixtureRows(view.name), { subtitle: 'all instances · 2026-03-01 – 2026-03-03' });
      const svg = await renderSvg(spec);
      const marks = countSvgMarks(svg);
      const want = EXPECTED[view.name]!;
      expect(marks.rects).toBe(want.rects ?? 0);
      expect(marks.lineVertices).toEqual(want.lines ?? []);
      expect(svg).toContain(view.chart!.title);

      const png = decode(await renderChart(spec, 'png'));
      const size = svgSize(svg);
      expect({ width: png.width, height: png.height }).toEqual({ width: size.width * 2, height: size.height * 2 });
      expect(titleArea(png)).toBeGreaterThan(300);
    }, 30_000);
  }

  it('a line breaks where a day has no value (not run, or a snapshot not observed) instead of bridging it', async () => {
    const view = FIXTURE_VIEWS.find((v) => v.name === 'v_tracked_accounts')!;
    // mayor on alpha.social: observed 03-01 and 03-03, not on 03-02 (no row, or a row without a value).
    const rows = fixtureRows(view.name).filter((r) => r.instance === 'alpha.social' && r.account === 'mayor');
    expect(rows).toHaveLength(3);
    const day2 = rows.find((r) => String(r.day).startsWith('2026-03-02'))!;
    for (const gap of [rows.filter((r) => r !== day2), rows.map((r) => (r === day2 ? { ...r, followers: null } : r))]) {
      const spec = chartSpec(view, gap, { subtitle: 'gap' });
      expect((spec as unknown as { data: { values: unknown[] } }).data.values).toContainEqual({
        series: 'mayor',
        x: '2026-03-02T00:00:00Z',
        y: null,
      });
      const svg = await renderSvg(spec);
      const d = /<g class="mark-line role-mark[^>]*>\s*<path\b[^>]*\sd="([^"]*)"/s.exec(svg)?.[1] ?? '';
      // Two pieces (two moves), one point each: nothing drawn across the missing day.
      expect(d.match(/M/g)).toHaveLength(2);
      expect(d.match(/L/g)).toBeNull();
    }
    // Without a hole, one piece.
    const whole = await renderSvg(chartSpec(view, rows, { subtitle: 'whole' }));
    expect(countSvgMarks(whole).lineVertices).toEqual([3]);
  });

  it('single-panel charts have exactly the requested size', async () => {
    const view = FIXTURE_VIEWS.find((v) => v.name === 'v_languages')!;
    const svg = await renderSvg(chartSpec(view, fixtureRows(view.name), { width: 600, height: 300 }));
    expect(svgSize(svg)).toEqual({ width: 600, height: 300 });
    const png = decode(svgToPng(svg, 1));
    expect([png.width, png.height]).toEqual([600, 300]);
  });

  it('labels are drawn with the shipped font, not the host fonts', async () => {
    const view = FIXTURE_VIEWS.find((v) => v.name === 'v_toots_per_day')!;
    const rows = fixtureRows(view.name).filter((r) => r.instance === FIXTURE_INSTANCES[0]);
    const svg = await renderSvg(chartSpec(view, rows));
    const withFont = decode(svgToPng(svg));
    const noFont = decode(svgToPng(svg, 2, []));
    // Without font files (system fonts are never loaded) resvg draws no text at all, so the title
    // area is blank: the text seen with the shipped font comes from that font.
    expect(titleArea(noFont)).toBe(0);
    expect(titleArea(withFont)).toBeGreaterThan(300);
  });
});
