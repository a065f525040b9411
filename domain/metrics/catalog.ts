// The metric catalog: every family (status and snapshot alike) with the metrics it emits and the
// typed views they are read through, as each family declares them in its own file. The DuckDB
// views (view-sql.ts), the README's view table (view-docs.ts), the oracle tests' list of families
// and the report/chart code all read this one registry. Pure data.
//
// Adding a family: its file (metrics, views, kernel or row function), one line in FAMILIES
// (index.ts, status families) or in SNAPSHOT_FAMILIES below, its oracle SQL, its tests.
import type { CatalogView } from './catalog-types';
import { dailySummary } from './daily-summary';
import { FAMILIES, FAMILY_NAMES } from './index';
import { instanceActivity } from './instance-activity';
import { mapCounts } from './map-counts';
import { peers } from './peers';
import { snapshotStatus } from './snapshot-status';
import { trackedAccounts } from './tracked-accounts';
import { trendingTags } from './trending-tags';
import type { FamilyDeclaration, MetricSpec } from './types';

export type { CatalogView, ChartDeclaration, ColumnType, ViewColumn, ViewDeclaration } from './catalog-types';

/** Families whose rows come from instance and account snapshots (the reduce's snapshotRows). */
export const SNAPSHOT_FAMILIES: readonly FamilyDeclaration[] = [
  trackedAccounts,
  instanceActivity,
  peers,
  trendingTags,
  snapshotStatus,
];

/** Families whose rows finalizeAll emits: the status families and the map step's counters. */
export const STATUS_FAMILIES: readonly FamilyDeclaration[] = [...FAMILY_NAMES.map((n) => FAMILIES[n]), mapCounts];

/** Every family, in README order (the composed summary first). */
export const CATALOG_FAMILIES: readonly FamilyDeclaration[] = [dailySummary, ...STATUS_FAMILIES, ...SNAPSHOT_FAMILIES];

/** Every view, in README order. */
export const VIEW_CATALOG: readonly CatalogView[] = CATALOG_FAMILIES.flatMap((f) =>
  f.views.map((v) => ({ ...v, family: f.name })),
);

/** Every metric any family emits, with its family. */
export const CATALOG_METRICS: readonly (MetricSpec & { family: string })[] = CATALOG_FAMILIES.flatMap((f) =>
  f.metrics.map((m) => ({ ...m, family: f.name })),
);

export function familyByName(name: string): FamilyDeclaration | undefined {
  return CATALOG_FAMILIES.find((f) => f.name === name);
}

export function viewByName(name: string): CatalogView | undefined {
  return VIEW_CATALOG.find((v) => v.name === name);
}

/** The metrics a view reads (none for a composed view: it reads views). */
export function metricsReadBy(view: CatalogView): string[] {
  const s = view.source;
  switch (s.kind) {
    case 'rows':
    case 'pivot_keys':
      return [s.metric];
    case 'pivot_metrics':
      return Object.values(s.metrics);
    case 'sql':
      return [];
  }
}
