// Typed views over the key-value table, so users query columns with types rather than
// (metric, key, value) triples. Generated from the metric catalog (domain/metrics/catalog.ts),
// in an order DuckDB can create them; documented in README "Querying results".
import { VIEW_CATALOG } from '../../domain/metrics/catalog';
import { viewCreationOrder } from '../../domain/metrics/view-sql';

export const METRIC_VIEWS: Readonly<Record<string, string>> = Object.fromEntries(
  viewCreationOrder(VIEW_CATALOG).map((v) => [v.name, v.sql]),
);
