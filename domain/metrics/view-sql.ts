// CREATE VIEW statements generated from the catalog's declarations (catalog-types.ts ViewSource):
// each declared column gets its expression from the view's source, in declared order, so a view's
// columns are its declaration by construction. Pure: returns SQL text.
import type { CatalogView, ColumnType, ViewColumn } from './catalog-types';

export const METRICS_KV = 'metrics_kv';

const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function fail(view: CatalogView, msg: string): never {
  throw new Error(`view ${view.name}: ${msg}`);
}

/** The row key (or its `#`-separated part) as a column of the given type. */
function keyExpr(view: CatalogView, column: ViewColumn, keyColumns: readonly string[], format?: string): string {
  const raw = keyColumns.length === 1 ? 'key' : `split_part(key, '#', ${keyColumns.indexOf(column.name) + 1})`;
  const type: ColumnType = column.type;
  if (type === 'VARCHAR') return raw;
  if (type === 'TIMESTAMP') {
    if (format === undefined) fail(view, `TIMESTAMP key column ${column.name} needs keyFormat`);
    return `strptime(${raw}, ${literal(format)})`;
  }
  return `${raw}::${type}`;
}

function select(view: CatalogView, exprs: string[]): string {
  return [`instance`, view.dayColumn ? `day AS ${view.dayColumn}` : 'day', ...exprs].join(', ');
}

/** The SELECT behind one view. */
export function viewSelectSql(view: CatalogView): string {
  const s = view.source;
  const as = (expr: string, c: ViewColumn) => `${expr} AS ${c.name}`;
  switch (s.kind) {
    case 'rows': {
      const keys = s.key ?? [];
      const exprs = view.columns.map((c) => {
        if (keys.includes(c.name)) return as(keyExpr(view, c, keys, s.keyFormat), c);
        if (c.name === s.value) return as(`value::${c.type}`, c);
        if (c.name === s.rank) return as(`rank() OVER (PARTITION BY instance, day ORDER BY value DESC, key)`, c);
        return fail(view, `column ${c.name} is neither a key, the value nor the rank`);
      });
      return `SELECT ${select(view, exprs)} FROM ${METRICS_KV} WHERE metric = ${literal(s.metric)}`;
    }
    case 'pivot_keys': {
      const exprs = view.columns.map((c) => {
        const key = s.keys[c.name];
        if (key === undefined) fail(view, `column ${c.name} has no key`);
        return as(`max(value) FILTER (WHERE key = ${literal(key)})::${c.type}`, c);
      });
      return `SELECT ${select(view, exprs)} FROM ${METRICS_KV} WHERE metric = ${literal(s.metric)} GROUP BY instance, day`;
    }
    case 'pivot_metrics': {
      const exprs = view.columns.map((c) => {
        if (s.key.includes(c.name)) return as(keyExpr(view, c, s.key, s.keyFormat), c);
        const metric = s.metrics[c.name];
        if (metric === undefined) fail(view, `column ${c.name} is neither a key nor a metric`);
        return as(`max(value) FILTER (WHERE metric = ${literal(metric)})::${c.type}`, c);
      });
      const metrics = Object.values(s.metrics).map(literal).join(', ');
      return `SELECT ${select(view, exprs)} FROM ${METRICS_KV} WHERE metric IN (${metrics}) GROUP BY instance, day, key`;
    }
    case 'sql':
      return s.select;
  }
}

/**
 * (name, SELECT) of every view in an order DuckDB can create them: a composed view after the
 * views it reads (DuckDB binds a view when it is created).
 */
export function viewCreationOrder(views: readonly CatalogView[]): { name: string; sql: string }[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  const out: { name: string; sql: string }[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (v: CatalogView): void => {
    if (state.get(v.name) === 'done') return;
    if (state.get(v.name) === 'visiting') fail(v, 'reads itself through a cycle');
    state.set(v.name, 'visiting');
    if (v.source.kind === 'sql') {
      for (const name of v.source.reads) {
        const dep = byName.get(name);
        if (!dep) fail(v, `reads unknown view ${name}`);
        visit(dep);
      }
    }
    state.set(v.name, 'done');
    out.push({ name: v.name, sql: viewSelectSql(v) });
  };
  for (const v of views) visit(v);
  return out;
}
