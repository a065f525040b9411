// The shape of the metric catalog: what each metric family declares about the typed DuckDB views
// it is read through, so that views, README table, oracle coverage, reports, charts and the HTTP
// API all derive from one declaration (the way a Dagster asset declares itself). Pure data.
//
// Every view has the columns `instance` (VARCHAR) and `day` (DATE, the logical date of the run
// that loaded the row; `dayColumn` when a view calls it otherwise) first; a declaration lists the
// columns after those two.

/** DuckDB column types a view may expose. */
export type ColumnType = 'VARCHAR' | 'DATE' | 'TIMESTAMP' | 'INTEGER' | 'BIGINT' | 'DOUBLE';

export interface ViewColumn {
  /** Column name in the view (snake_case). */
  readonly name: string;
  readonly type: ColumnType;
  /** Human label for tables and chart axes, e.g. "Toots". */
  readonly label: string;
  /** Unit shown after values, e.g. "toots", "accounts", "share" (0..1), "chars", "score". */
  readonly unit?: string;
}

/**
 * The chart that suits a view. Column names refer to the view's columns (`day` and `instance`
 * included). Every chart is drawn per instance unless the view is already split otherwise.
 * - `line`: one line per series over `x` (default `day`); `series` default `instance`.
 * - `bar_topk`: top `k` categories by `value` summed over the chosen days.
 * - `heatmap_day_hour`: `day` × hour of `time` (a TIMESTAMP column), colour = `value`.
 * - `stacked`: per `x` (default `day`) one stacked bar of `parts` (columns) or of the values of
 *   `category` (one part per distinct value).
 * - `leaderboard`: ranked horizontal bars of `label` by `value`, top `k` over the chosen days.
 */
export type ChartDeclaration =
  | { readonly kind: 'line'; readonly title: string; readonly x?: string; readonly y: string; readonly series?: string }
  | {
      readonly kind: 'bar_topk';
      readonly title: string;
      readonly category: string;
      readonly value: string;
      readonly k?: number;
    }
  | { readonly kind: 'heatmap_day_hour'; readonly title: string; readonly time: string; readonly value: string }
  | {
      readonly kind: 'stacked';
      readonly title: string;
      readonly x?: string;
      readonly parts?: readonly string[];
      readonly category?: string;
      readonly value?: string;
    }
  | {
      readonly kind: 'leaderboard';
      readonly title: string;
      readonly label: string;
      readonly value: string;
      readonly k?: number;
    };

export type ChartKind = ChartDeclaration['kind'];

/** One typed view over `metrics_kv`, as declared by its family (see catalog.ts for the registry). */
export interface ViewDeclaration {
  /** `v_<name>`. */
  readonly name: string;
  /** The family that declares it (status families by their FAMILIES key; snapshot families too). */
  readonly family: string;
  /** One line for the README table and the API's catalog. */
  readonly description: string;
  /** Columns after `instance` and `day`, in view order. */
  readonly columns: readonly ViewColumn[];
  /** True when rows name an account or a single toot (opt-outs excluded, pseudonymised). */
  readonly accountLevel: boolean;
  /** How to draw it; absent only for views that are tables by nature (say why where declared). */
  readonly chart?: ChartDeclaration;
  /**
   * How the view reads `metrics_kv` (view-sql.ts generates its SQL from this). Every view in the
   * registry has one; optional here only so that readers of the catalog need not know it.
   */
  readonly source?: ViewSource;
  /** Name of the `day` column when the view calls it otherwise (e.g. `snapshot_day`). */
  readonly dayColumn?: string;
}

/**
 * The SQL shape of a view, from which its CREATE VIEW is generated. Each declared column is
 * filled by the source: a column named in `key` takes (a `#`-separated part of) the row key, cast
 * to the column's type (TIMESTAMP parsed with `keyFormat`); the others take a value.
 * - `rows`: one row per metric row; `value` names the value column, `rank` (optional) a column
 *   ranking rows per (instance, day) by value descending, key ascending.
 * - `pivot_keys`: one row per (instance, day); each column is the value of one key of `metric`.
 * - `pivot_metrics`: one row per (instance, day, key); each column is the value of one metric.
 * - `sql`: a composed view with its own SELECT over the views it `reads` (created after them).
 */
export type ViewSource =
  | {
      readonly kind: 'rows';
      readonly metric: string;
      readonly key?: readonly string[];
      readonly keyFormat?: string;
      readonly value: string;
      readonly rank?: string;
    }
  | { readonly kind: 'pivot_keys'; readonly metric: string; readonly keys: Readonly<Record<string, string>> }
  | {
      readonly kind: 'pivot_metrics';
      readonly key: readonly string[];
      readonly keyFormat?: string;
      readonly metrics: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'sql'; readonly reads: readonly string[]; readonly select: string };

/** A view as a family declares it: the registry (catalog.ts) adds the family's name. */
export type FamilyView = Omit<ViewDeclaration, 'family' | 'source'> & { readonly source: ViewSource };

/** A registered view: every field a family declares, and its family. */
export type CatalogView = ViewDeclaration & { readonly source: ViewSource };
