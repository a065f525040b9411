import type { S3Client } from '@aws-sdk/client-s3';
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
}
