// Renders a chart spec on the server without a browser: Vega-Lite → Vega (vega-lite's compiler),
// Vega → SVG (a headless `vega` View, renderer 'none', toSVG), SVG → PNG (resvg, Rust, no
// native build step and no system libraries). Text in the PNG uses only the fonts shipped in
// infra/fonts, never the host's, so a bare server draws the same labels as a laptop.
// Not a Temporal activity itself: the CLI calls it, and a report activity can.
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CHART_FONT_FAMILY } from '../../domain/charts/vega-lite-spec';

/** The TTF files resvg may use (DejaVu Sans regular and bold; see infra/fonts/README.md). */
export const CHART_FONT_FILES: readonly string[] = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) =>
  fileURLToPath(new URL(`../../infra/fonts/${f}`, import.meta.url)),
);

export type ChartFormat = 'svg' | 'png';

/** Vega-Lite → SVG text. Data must be inline (the view gets no loader that reads files or URLs). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vega = compile(spec).spec;
  const view = new View(parse(vega), { renderer: 'none', logLevel: 1 /* warnings */ });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** SVG → PNG at `scale` × the SVG's size (2 = crisp on high-density screens and in documents). */
export function svgToPng(svg: string, scale = 2, fontFiles: readonly string[] = CHART_FONT_FILES): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: {
      fontFiles: [...fontFiles],
      loadSystemFonts: false,
      defaultFontFamily: CHART_FONT_FAMILY,
      sansSerifFamily: CHART_FONT_FAMILY,
    },
  });
  return resvg.render().asPng();
}

/** The chart file's bytes in `format`. */
export async function renderChart(spec: TopLevelSpec, format: ChartFormat): Promise<Buffer> {
  const svg = await renderSvg(spec);
  return format === 'svg' ? Buffer.from(svg, 'utf8') : svgToPng(svg);
}
