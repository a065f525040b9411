// The metric catalog (domain/metrics/catalog.ts) is the one declaration of every family: these
// tests fail when a family lacks a view, a metric is read by no view, a family has no oracle SQL,
// the README's view table disagrees with the catalog, or a view's SQL gives other columns or types
// than its declaration (checked on a real DuckDB file).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureMetricsSchema, replacePartition } from '../../activities/store/metrics-store';
import {
  CATALOG_FAMILIES,
  CATALOG_METRICS,
  metricsReadBy,
  SNAPSHOT_FAMILIES,
  STATUS_FAMILIES,
  VIEW_CATALOG,
  viewByName,
} from '../../domain/metrics/catalog';
import type { CatalogView, ViewColumn } from '../../domain/metrics/catalog-types';
import { METRIC_CATALOG } from '../../domain/metrics/index';
import { renderViewTable, withViewTable } from '../../domain/metrics/view-docs';
import { viewCreationOrder } from '../../domain/metrics/view-sql';
import type { KvRow } from '../../domain/metrics/types';
import { REPO_ROOT } from '../../infra/tools';
import { ORACLE_FAMILY_SQL, ORACLE_JS_FAMILIES } from '../oracle/metrics-oracle';
import { SNAPSHOT_ORACLE_SQL } from '../oracle/snapshot-oracle';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-catalog-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const NUMERIC = new Set(['INTEGER', 'BIGINT', 'DOUBLE']);

describe('every family declares itself in the catalog', () => {
  it('each family, status and snapshot alike, has at least one view', () => {
    const without = CATALOG_FAMILIES.filter((f) => f.views.length === 0).map((f) => f.name);
    expect(without).toEqual([]);
    expect(new Set(CATALOG_FAMILIES.map((f) => f.name)).size).toBe(CATALOG_FAMILIES.length);
    // Status families are what finalizeAll emits (index.ts METRIC_CATALOG); snapshot families the rest.
    expect(STATUS_FAMILIES.flatMap((f) => f.metrics.map((m) => m.metric)).sort()).toEqual(
      METRIC_CATALOG.map((m) => m.metric).sort(),
    );
    expect(SNAPSHOT_FAMILIES.map((f) => f.name)).toEqual([
      'tracked_accounts',
      'instance_activity',
      'peers',
      'trending_tags',
      'snapshot_status',
    ]);
  });

  it('every metric any family emits is read by some view, and every metric a view reads is emitted', () => {
    const metrics = CATALOG_METRICS.map((m) => m.metric);
    expect(new Set(metrics).size).toBe(metrics.length);
    const read = new Set(VIEW_CATALOG.flatMap(metricsReadBy));
    expect(metrics.filter((m) => !read.has(m))).toEqual([]);
    expect([...read].filter((m) => !metrics.includes(m))).toEqual([]);
  });

  it('views have unique names and columns; a view is account-level exactly when it reads an account-level metric', () => {
    const names = VIEW_CATALOG.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const v of VIEW_CATALOG) {
      expect(v.name, v.name).toMatch(/^v_[a-z0-9_]+$/);
      const cols = ['instance', v.dayColumn ?? 'day', ...v.columns.map((c) => c.name)];
      expect(new Set(cols).size, v.name).toBe(cols.length);
      for (const c of v.columns) expect(c.label.length, `${v.name}.${c.name}`).toBeGreaterThan(0);
      const accountMetrics = metricsReadBy(v).filter((m) => CATALOG_METRICS.find((x) => x.metric === m)?.accountLevel);
      expect(v.accountLevel, v.name).toBe(accountMetrics.length > 0);
    }
  });

  it('charts name columns of their view, of a type that suits them', () => {
    for (const v of VIEW_CATALOG) {
      const type = (name: string): string | undefined =>
        name === 'instance'
          ? 'VARCHAR'
          : name === (v.dayColumn ?? 'day')
            ? 'DATE'
            : v.columns.find((c) => c.name === name)?.type;
      const c = v.chart;
      if (!c) continue;
      const numeric = (name: string) => expect(NUMERIC.has(type(name) ?? ''), `${v.name}: ${name} numeric`).toBe(true);
      const exists = (name: string) => expect(type(name), `${v.name}: column ${name}`).toBeDefined();
      switch (c.kind) {
        case 'line':
          exists(c.x ?? 'day');
          numeric(c.y);
          exists(c.series ?? 'instance');
          break;
        case 'bar_topk':
          exists(c.category);
          numeric(c.value);
          break;
        case 'heatmap_day_hour':
          expect(type(c.time), v.name).toBe('TIMESTAMP');
          numeric(c.value);
          break;
        case 'stacked':
          expect((c.parts?.length ?? 0) > 0 || (c.category !== undefined && c.value !== undefined), v.name).toBe(true);
          for (const p of c.parts ?? []) numeric(p);
          if (c.category) exists(c.category);
          if (c.value) numeric(c.value);
          break;
        case 'leaderboard':
          exists(c.label);
          numeric(c.value);
          break;
      }
    }
  });
});

describe('oracle coverage comes from the catalog', () => {
  it('every status family has oracle SQL (or the JavaScript sentiment oracle), and nothing else does', () => {
    const covered = [...Object.keys(ORACLE_FAMILY_SQL), ...ORACLE_JS_FAMILIES].sort();
    expect(covered).toEqual(STATUS_FAMILIES.map((f) => f.name).sort());
  });

  it('every snapshot family has oracle SQL, and nothing else does', () => {
    expect(Object.keys(SNAPSHOT_ORACLE_SQL).sort()).toEqual(SNAPSHOT_FAMILIES.map((f) => f.name).sort());
  });

  it('only families that emit no metric (composed views) are left out of the oracle', () => {
    const oracled = new Set([...STATUS_FAMILIES, ...SNAPSHOT_FAMILIES].map((f) => f.name));
    const rest = CATALOG_FAMILIES.filter((f) => !oracled.has(f.name));
    for (const f of rest) {
      expect(f.metrics, f.name).toEqual([]);
      for (const v of f.views) expect(v.source.kind, v.name).toBe('sql');
    }
  });
});

describe('README', () => {
  it('its view table is the catalog’s (run `npm run docs:views` to rewrite it)', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const expected = withViewTable(readme, renderViewTable(VIEW_CATALOG));
    expect(readme === expected, 'README view table differs from the catalog: run `npm run docs:views`').toBe(true);
    for (const v of VIEW_CATALOG) expect(readme).toMatch(new RegExp(`\\| \`${v.name}\` +\\|`));
  });
});

// ---------------------------------------------------------------------------------------------
// The generated views on a real DuckDB file.

/** A key part that the column's type (and format) reads back. */
function sampleKey(view: CatalogView, column: ViewColumn, n: number, format?: string): string {
  switch (column.type) {
    case 'VARCHAR':
      return `k${n}`;
    case 'DATE':
      return `2026-03-0${n}`;
    case 'TIMESTAMP':
      if (format !== '%Y-%m-%dT%H') throw new Error(`${view.name}: no sample for format ${format}`);
      return `2026-03-04T0${n}`;
    case 'INTEGER':
    case 'BIGINT':
      return String(50 * n);
    case 'DOUBLE':
      return `-0.${n}`;
  }
}

/** Two rows' worth of metric rows for every view (one key per pivoted column). */
function sampleRows(): KvRow[] {
  const rows = new Map<string, KvRow>();
  const add = (metric: string, key: string, value: number) => rows.set(`${metric}#${key}`, { metric, key, value });
  for (const v of VIEW_CATALOG) {
    const s = v.source;
    const col = (name: string) => v.columns.find((c) => c.name === name) as ViewColumn;
    const key = (names: readonly string[], n: number, format?: string) =>
      names.map((c) => sampleKey(v, col(c), n, format)).join('#');
    for (const n of [1, 2]) {
      if (s.kind === 'rows') add(s.metric, s.key ? key(s.key, n, s.keyFormat) : 'all', 10 * n);
      if (s.kind === 'pivot_keys' && n === 1) for (const k of Object.values(s.keys)) add(s.metric, k, 7);
      if (s.kind === 'pivot_metrics')
        for (const m of Object.values(s.metrics)) add(m, key(s.key, n, s.keyFormat), 3 * n);
    }
  }
  return [...rows.values()];
}

describe('the views generated from the declarations, on a real DuckDB file', () => {
  it('give each view exactly its declared columns and types, and a value in every column', async () => {
    const db = await DuckDBInstance.create(path.join(tmp, 'catalog.duckdb'));
    const conn = await db.connect();
    try {
      await ensureMetricsSchema(conn);
      await replacePartition(conn, { instance: 'a.example', day: '2026-03-04', runId: 'r', rows: sampleRows() });
      const created = (
        await conn.runAndReadAll(
          `SELECT view_name FROM duckdb_views() WHERE NOT internal AND view_name LIKE 'v\\_%' ESCAPE '\\'`,
        )
      )
        .getRows()
        .map((r) => String(r[0]));
      expect(created.sort()).toEqual(VIEW_CATALOG.map((v) => v.name).sort());
      for (const v of VIEW_CATALOG) {
        const described = (await conn.runAndReadAll(`DESCRIBE ${v.name}`)).getRows().map((r) => `${r[0]} ${r[1]}`);
        expect(described, v.name).toEqual([
          'instance VARCHAR',
          `${v.dayColumn ?? 'day'} DATE`,
          ...v.columns.map((c) => `${c.name} ${c.type}`),
        ]);
        const rows = (await conn.runAndReadAll(`SELECT * FROM ${v.name}`)).getRowObjects();
        expect(rows.length, v.name).toBeGreaterThan(0);
        for (const c of v.columns)
          expect(
            rows.some((r) => r[c.name] !== null),
            `${v.name}.${c.name} is NULL in every row`,
          ).toBe(true);
      }
      // Ranked views rank by value, descending.
      const ranked = (await conn.runAndReadAll('SELECT hashtag, rank FROM v_top_hashtags ORDER BY rank')).getRows();
      expect(ranked.map((r) => [r[0], Number(r[1])])).toEqual([
        ['k2', 1],
        ['k1', 2],
      ]);
      const hours = (
        await conn.runAndReadAll(`SELECT strftime(hour, '%H') FROM v_toots_per_hour ORDER BY 1`)
      ).getRows();
      expect(hours.map((r) => r[0])).toEqual(['01', '02']);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it('creates a composed view after the views it reads', () => {
    const order = viewCreationOrder(VIEW_CATALOG).map((v) => v.name);
    const summary = viewByName('v_daily_summary');
    expect(summary?.source.kind).toBe('sql');
    if (summary?.source.kind !== 'sql') return;
    for (const dep of summary.source.reads) expect(order.indexOf(dep)).toBeLessThan(order.indexOf('v_daily_summary'));
  });
});
