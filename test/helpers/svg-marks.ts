// Counts the data marks in a Vega SVG (role-mark groups only: axes, legends and titles have other
// roles), so tests can check a chart draws what its kind implies: one rect or symbol per datum,
// one path per series with one vertex per datum for lines.

export interface SvgMarks {
  rects: number;
  symbols: number;
  texts: number;
  /** Vertices of each line path, in drawing order. */
  lineVertices: number[];
}

export function countSvgMarks(svg: string): SvgMarks {
  const out: SvgMarks = { rects: 0, symbols: 0, texts: 0, lineVertices: [] };
  // Mark groups hold only leaf items (paths, texts), so the first closing </g> ends the group.
  for (const m of svg.matchAll(/<g class="mark-(\w+) role-mark\b[^"]*"[^>]*>(.*?)<\/g>/gs)) {
    const [, kind, body = ''] = m;
    const items = [...body.matchAll(/<(?:path|text)\b([^>]*)>/g)].map((t) => t[1] ?? '');
    if (kind === 'rect') out.rects += items.length;
    else if (kind === 'symbol') out.symbols += items.length;
    else if (kind === 'text') out.texts += items.length;
    else if (kind === 'line')
      for (const attrs of items) out.lineVertices.push(/\sd="([^"]*)"/.exec(attrs)?.[1]?.match(/[ML]/g)?.length ?? 0);
  }
  return out;
}

/** Width and height attributes of the root <svg>. */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg\b[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error('no width/height on <svg>');
  return { width: Number(m[1]), height: Number(m[2]) };
}
