import type { ViewDeclaration } from '../../domain/metrics/catalog-types';
import type { RunLister } from './run-lister';
import type { StoreReader } from './store-reader';

// What the HTTP app is given (dependency injection: tests and the benchmark build it from a
// real store file and a real Temporal, the CLI from the config).

export interface AppDeps {
  /** The declared views: the only ones the API serves (the metric catalog). */
  views: readonly ViewDeclaration[];
  store: Pick<StoreReader, 'query' | 'memo'>;
  runs: RunLister;
  /** Instances a request may name (configured ∪ present in the store). */
  instances: () => Promise<readonly string[]>;
  /** DAG ids a request may name. */
  dags: readonly string[];
  /** Today's UTC day (the range validator refuses days after tomorrow). */
  today: () => string;
  /** When set, every route but /healthz requires `Authorization: Bearer <token>`. */
  token?: string;
  /** The look-back of scheduled runs (config schedule.lookbackDays): whether a day is final. */
  lookbackDays?: number;
  /** Shown by /healthz. */
  duckdbPath?: string;
}
