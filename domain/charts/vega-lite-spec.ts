// The Vega-Lite spec of a view's chart, derived from its catalog declaration: the chart kind picks
// the mark and encodings, the declaration's title and column labels/units name the chart and its
// axes, and the rows are shaped first (chart-data.ts) so every datum is one mark. One builder per
// chart kind, not one per chart: a new view gets a chart by declaring it. Pure.
import type { TopLevelSpec } from 'vega-lite';
import type { ChartDeclaration, ColumnType, ViewDeclaration } from '../metrics/catalog-types';
import {
  barTopkData,
  heatmapData,
  leaderboardData,
  lineData,
  withDayGaps,
  spansInstances,
  stackedData,
  type ViewRow,
} from './chart-data';

/** Family of the font the renderer ships (infra/fonts); named in every spec so SVG and PNG agree. */
export const CHART_FONT_FAMILY = 'DejaVu Sans';

export interface ChartOptions {
  /** Second title line, e.g. the instance and date range. */
  readonly subtitle?: string;
  /** Total size in px (axes, legend and title included) for single-panel charts. */
  readonly width?: number;
  readonly height?: number;
}

export const DEFAULT_CHART_WIDTH = 800;
export const DEFAULT_CHART_HEIGHT = 450;

interface ColumnInfo {
  label: string;
  unit?: string;
  type: ColumnType;
}

const BUILTIN_COLUMNS: Record<string, ColumnInfo> = {
  instance: { label: 'Instance', type: 'VARCHAR' },
  day: { label: 'Day', type: 'DATE' },
};

/** The declared column (or `instance`/`day`); an unknown name is a catalog error, said plainly. */
export function columnInfo(view: ViewDeclaration, name: string): ColumnInfo {
  const col = view.columns.find((c) => c.name === name) ?? BUILTIN_COLUMNS[name];
  if (!col) throw new Error(`${view.name}: chart refers to unknown column "${name}"`);
  return col;
}

/** "Toots", or "Length (chars)" when the unit says more than the label. */
export function axisTitle(col: ColumnInfo): string {
  if (!col.unit || col.unit.toLowerCase() === col.label.toLowerCase() || col.unit === 'share') return col.label;
  return `${col.label} (${col.unit})`;
}

/** Quantitative axis: shares (0..1) as percentages, counts with thousands separators. */
function valueAxis(col: ColumnInfo): { title: string; format?: string } {
  return col.unit === 'share' ? { title: axisTitle(col), format: '.0%' } : { title: axisTitle(col) };
}

/** ISO UTC text for a DATE/TIMESTAMP cell, so parsing never depends on the host's time zone. */
function isoUtc(value: string, type: ColumnType): string {
  if (type === 'DATE') return `${value.slice(0, 10)}T00:00:00Z`;
  return `${value.replace(' ', 'T')}${/Z|[+-]\d{2}:?\d{2}$/.test(value) ? '' : 'Z'}`;
}

const isTime = (t: ColumnType): boolean => t === 'DATE' || t === 'TIMESTAMP';

type Decl<K extends ChartDeclaration['kind']> = Extract<ChartDeclaration, { kind: K }>;
type Body = Record<string, unknown>;

/** Facet rows by instance, the instance named above each panel. */
const INSTANCE_ROW = {
  field: 'instance',
  type: 'nominal',
  title: null,
  header: {
    labelOrient: 'top',
    labelAngle: 0,
    labelAlign: 'left',
    labelAnchor: 'start',
    labelFontWeight: 'bold',
    labelFontSize: 12,
  },
};

function lineBody(view: ViewDeclaration, decl: Decl<'line'>, rows: readonly ViewRow[]): Body {
  const xCol = columnInfo(view, decl.x ?? 'day');
  const seriesCol = columnInfo(view, decl.series ?? 'instance');
  const time = isTime(xCol.type);
  // Over the logical day, one point per day is expected; other axes (weeks, months) have their own steps.
  const data = (decl.x ?? 'day') === 'day' ? withDayGaps(lineData(decl, rows)) : lineData(decl, rows);
  const values = data.map((d) => ({ ...d, x: time ? isoUtc(d.x, xCol.type) : d.x }));
  return {
    data: { values },
    // A null y breaks the path (a day without a value is shown as a gap, see withDayGaps).
    mark: { type: 'line', strokeWidth: 2, invalid: 'break-paths-show-path-domains' },
    encoding: {
      x: time
        ? {
            field: 'x',
            type: 'temporal',
            // Days and weeks tick on whole days; a TIMESTAMP axis keeps Vega's own ticks.
            ...(xCol.type === 'DATE' ? { timeUnit: 'utcyearmonthdate' } : { scale: { type: 'utc' } }),
            title: axisTitle(xCol),
          }
        : { field: 'x', type: 'ordinal', title: axisTitle(xCol) },
      y: { field: 'y', type: 'quantitative', axis: valueAxis(columnInfo(view, decl.y)) },
      color: { field: 'series', type: 'nominal', title: seriesCol.label },
    },
  };
}

function barTopkBody(view: ViewDeclaration, decl: Decl<'bar_topk'>, rows: readonly ViewRow[]): Body {
  const multi = spansInstances(rows);
  return {
    data: { values: barTopkData(decl, rows) },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'category', type: 'nominal', sort: '-x', title: axisTitle(columnInfo(view, decl.category)) },
      x: { field: 'value', type: 'quantitative', axis: valueAxis(columnInfo(view, decl.value)) },
      color: { field: 'instance', type: 'nominal', title: 'Instance', legend: multi ? {} : null },
      ...(multi ? { yOffset: { field: 'instance', type: 'nominal' } } : {}),
    },
  };
}

function leaderboardBody(view: ViewDeclaration, decl: Decl<'leaderboard'>, rows: readonly ViewRow[]): Body {
  const multi = spansInstances(rows);
  const values = leaderboardData(decl, rows);
  return {
    data: { values },
    encoding: {
      y: {
        field: 'label',
        type: 'nominal',
        // Rank order as an explicit list: both layers then agree on the domain's order.
        sort: values.map((d) => d.label),
        title: axisTitle(columnInfo(view, decl.label)),
        axis: { labelLimit: 260 },
      },
      x: { field: 'value', type: 'quantitative', axis: valueAxis(columnInfo(view, decl.value)) },
    },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          color: { field: 'instance', type: 'nominal', title: 'Instance', legend: multi ? { orient: 'bottom' } : null },
        },
      },
      // The value at the end of each bar: a leaderboard is read for its numbers.
      { mark: { type: 'text', align: 'left', dx: 3 }, encoding: { text: { field: 'value', format: ',~r' } } },
    ],
  };
}

function heatmapBody(view: ViewDeclaration, decl: Decl<'heatmap_day_hour'>, rows: readonly ViewRow[]): Body {
  const multi = spansInstances(rows);
  return {
    data: { values: heatmapData(decl, rows) },
    mark: { type: 'rect' },
    encoding: {
      x: {
        field: 'hour',
        type: 'ordinal',
        scale: { domain: Array.from({ length: 24 }, (_, h) => h) },
        title: `Hour of day (UTC)`,
        axis: { labelAngle: 0 },
      },
      y: { field: 'date', type: 'ordinal', title: 'Day' },
      color: { field: 'value', type: 'quantitative', title: axisTitle(columnInfo(view, decl.value)) },
      ...(multi ? { row: INSTANCE_ROW } : {}),
    },
  };
}

function stackedBody(view: ViewDeclaration, decl: Decl<'stacked'>, rows: readonly ViewRow[]): Body {
  const multi = spansInstances(rows);
  const xCol = columnInfo(view, decl.x ?? 'day');
  // Parts are column names: the legend shows their labels, in declaration order.
  const partLabel = (part: string): string => (decl.parts ? columnInfo(view, part).label : part);
  const values = stackedData(decl, rows).map((d) => ({
    ...d,
    x: d.x.slice(0, isTime(xCol.type) ? 10 : undefined),
    part: partLabel(d.part),
    stackOrder: decl.parts ? decl.parts.indexOf(d.part) : 0,
  }));
  // The value axis is titled by the parts' common unit ("Toots", "Share"), not by one part.
  const valueCols = (decl.parts ?? (decl.value ? [decl.value] : [])).map((c) => columnInfo(view, c));
  const unit = valueCols[0]?.unit;
  const sameUnit = unit !== undefined && valueCols.every((c) => c.unit === unit);
  const axis =
    decl.value && !decl.parts
      ? valueAxis(columnInfo(view, decl.value))
      : {
          title: sameUnit ? unit.charAt(0).toUpperCase() + unit.slice(1) : 'Value',
          ...(unit === 'share' && sameUnit ? { format: '.0%' } : {}),
        };
  const xCount = new Set(values.map((d) => d.x)).size;
  return {
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'x', type: 'ordinal', title: axisTitle(xCol), axis: { labelAngle: xCount > 12 ? -45 : 0 } },
      y: { field: 'value', type: 'quantitative', stack: 'zero', axis },
      color: {
        field: 'part',
        type: 'nominal',
        title: decl.category ? columnInfo(view, decl.category).label : null,
        ...(decl.parts ? { sort: decl.parts.map(partLabel) } : {}),
      },
      // Stack in legend order (declared parts bottom-up), not alphabetically.
      order: { field: 'stackOrder', type: 'quantitative' },
      // Several instances: one panel each, named, rather than unlabelled bars side by side.
      ...(multi ? { row: INSTANCE_ROW } : {}),
    },
  };
}

/** The Vega-Lite spec of `view`'s chart over `rows`; throws when the view declares no chart. */
export function chartSpec(view: ViewDeclaration, rows: readonly ViewRow[], options: ChartOptions = {}): TopLevelSpec {
  const decl = view.chart;
  if (!decl) throw new Error(`${view.name} declares no chart`);
  const body = ((): Body => {
    switch (decl.kind) {
      case 'line':
        return lineBody(view, decl, rows);
      case 'bar_topk':
        return barTopkBody(view, decl, rows);
      case 'leaderboard':
        return leaderboardBody(view, decl, rows);
      case 'heatmap_day_hour':
        return heatmapBody(view, decl, rows);
      case 'stacked':
        return stackedBody(view, decl, rows);
    }
  })();
  // Facets (several instances on a heatmap or stacked bars) cannot be fitted to a total size; they grow instead.
  const faceted = 'row' in ((body.encoding as Body | undefined) ?? {});
  const width = options.width ?? DEFAULT_CHART_WIDTH;
  const height = options.height ?? DEFAULT_CHART_HEIGHT;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.subtitle ? { text: decl.title, subtitle: options.subtitle } : { text: decl.title },
    description: view.description,
    ...(faceted
      ? { width: width - 200, height: decl.kind === 'heatmap_day_hour' ? { step: 14 } : Math.round(height / 2) }
      : { width, height, autosize: { type: 'fit', contains: 'padding' } }),
    padding: 12,
    background: 'white',
    config: {
      font: CHART_FONT_FAMILY,
      title: { anchor: 'start', fontSize: 16, subtitleFontSize: 12, subtitleColor: '#555' },
      axis: { labelFontSize: 11, titleFontSize: 12, labelOverlap: true },
      legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 240 },
    },
    ...body,
  } as TopLevelSpec;
}
