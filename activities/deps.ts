import type { S3Client } from '@aws-sdk/client-s3';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { TopLevelSpec } from 'vega-lite';
import type { MastoflowConfig } from '../domain/config';

/**
 * Everything an activity may touch, handed in by worker.ts (or a test) so activities never reach
 * for globals: tests pass a real MinIO client, a temp DuckDB file and their own config.
 */
export interface ActivityDeps {
  config: MastoflowConfig;
  s3: S3Client;
  bucket: string;
  duckdbPath: string;
  /** Environment holding secrets (instance tokens, pseudonym key); read only inside activities. */
  env: NodeJS.ProcessEnv;
  /**
   * The path of a runnable JavaScript bundle of a worker thread's TypeScript entry (the map step's
   * threads). The worker runtime builds and caches it (runtime/thread-bundle.ts); activities/
   * never imports runtime/.
   */
  threadCode: (entry: string) => Promise<string>;
  /**
   * The static HTML dashboard of one instance over [from, to], from the store (the report task
   * writes it as reports/<instance>/<date>/dashboard.html). Absent: no dashboard.html is written.
   * Wired by runtime/worker-runtime.ts buildActivityDeps (runtime/dashboard/write-static.ts).
   */
  renderDashboard?: (req: DashboardRequest) => Promise<string>;
  /**
   * Replaces the chart renderer (activities/report/chart-renderer.ts renderChart). Tests only: a
   * renderer that throws makes the report task fail while the data tasks succeed.
   */
  renderChart?: (spec: TopLevelSpec, format: 'svg' | 'png') => Promise<Buffer>;
}

export interface DashboardRequest {
  /** An open connection to the store (the store worker's own). */
  conn: DuckDBConnection;
  instance: string;
  from: string;
  to: string;
}
