import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure, activityInfo, log } from '@temporalio/activity';
import { FAILURE_TYPES } from '../domain/failures';
import type { ActivityDeps } from './deps';
import { withTransaction } from './store/duckdb-store';

// The platform smoke check: proves a worker can reach Temporal, MinIO and DuckDB, and that
// Temporal's retries are visible in history (the object write fails on its first attempt).

export interface SmokeObjectInput {
  key: string;
  body: string;
  /** Fail attempt 1 with a retryable error, to show a retry in the history. */
  failFirstAttempt: boolean;
}

export function createSmokeActivities(deps: ActivityDeps) {
  return {
    async smokeWriteObject(input: SmokeObjectInput): Promise<{ key: string; bytes: number; attempt: number }> {
      const { attempt } = activityInfo();
      if (input.failFirstAttempt && attempt === 1) {
        throw ApplicationFailure.retryable(`smoke: deliberate failure on attempt ${attempt}`, FAILURE_TYPES.deliberate);
      }
      await deps.s3.send(
        new PutObjectCommand({
          Bucket: deps.bucket,
          Key: input.key,
          Body: input.body,
          ContentType: 'application/json',
        }),
      );
      log.info('smoke object written', { key: input.key, attempt });
      return { key: input.key, bytes: Buffer.byteLength(input.body), attempt };
    },
  };
}

export interface SmokeRowInput {
  runId: string;
  objectKey: string;
  attempts: number;
}

/** Runs on the store queue: the one process that owns the DuckDB file. */
export function createSmokeStoreActivities(deps: ActivityDeps) {
  return {
    async smokeRecordRun(input: SmokeRowInput): Promise<{ rows: number }> {
      return withTransaction(deps.duckdbPath, async (conn) => {
        await conn.run(
          `CREATE TABLE IF NOT EXISTS smoke_runs (run_id VARCHAR PRIMARY KEY, object_key VARCHAR, attempts INTEGER, recorded_at TIMESTAMPTZ DEFAULT now())`,
        );
        await conn.run(`INSERT OR REPLACE INTO smoke_runs (run_id, object_key, attempts) VALUES ($1, $2, $3)`, [
          input.runId,
          input.objectKey,
          input.attempts,
        ]);
        const r = await conn.runAndReadAll('SELECT count(*)::INTEGER AS n FROM smoke_runs');
        return { rows: Number(r.getRowObjects()[0]?.n ?? 0) };
      });
    },
  };
}
