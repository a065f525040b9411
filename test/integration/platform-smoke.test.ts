import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smokeObjectKey } from '../../domain/keys';
import { startTestWorkers, testClient, testConfig, testS3, uniqueName } from '../helpers/stack';
import { SMOKE_WORKFLOW_TYPE } from '../../workflows/contracts';

// The platform proof: a workflow whose activity fails once, then writes to MinIO and DuckDB.
// Everything is real: the Temporal dev server, MinIO and a DuckDB file on disk.
describe('platform smoke workflow on the real stack', () => {
  const name = uniqueName('smoke');
  const config = testConfig(name);
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;

  beforeAll(async () => {
    workers = await startTestWorkers(config);
    temporal = await testClient();
  });
  afterAll(async () => {
    await workers?.stop();
    await temporal?.close();
  });

  it('records the retry in history, writes the object and the DuckDB row', async () => {
    const runId = uniqueName('run');
    const handle = await temporal.client.workflow.start(SMOKE_WORKFLOW_TYPE, {
      workflowId: `smoke/${runId}`,
      taskQueue: config.temporal.taskQueue,
      args: [{ runId, storeTaskQueue: config.temporal.storeTaskQueue }],
    });
    const result = (await handle.result()) as { objectKey: string; objectAttempt: number; duckdbRows: number };
    expect(result.objectKey).toBe(smokeObjectKey(runId));
    expect(result.objectAttempt).toBe(2);

    // History read back from Temporal: the activity's started event carries attempt 2 and the
    // failure of attempt 1 (Temporal records retries on the final attempt's started event).
    const history = await handle.fetchHistory();
    const started = (history.events ?? [])
      .map((e) => e.activityTaskStartedEventAttributes)
      .filter((a): a is NonNullable<typeof a> => !!a);
    const scheduled = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter(Boolean);
    expect(scheduled).toEqual(['smokeWriteObject', 'smokeRecordRun']);
    expect(started[0]?.attempt).toBe(2);
    expect(started[0]?.lastFailure?.message).toContain('deliberate failure on attempt 1');
    expect(started[1]?.attempt).toBe(1);

    const s3 = testS3(config);
    const obj = await s3.send(new GetObjectCommand({ Bucket: config.s3.bucket, Key: result.objectKey }));
    const body = JSON.parse(await obj.Body!.transformToString());
    expect(body).toEqual({ runId, workflowId: `smoke/${runId}` });
    s3.destroy();

    const db = await DuckDBInstance.create(config.duckdb.path);
    const conn = await db.connect();
    const rows = (await conn.runAndReadAll('SELECT run_id, object_key, attempts FROM smoke_runs')).getRowObjects();
    conn.closeSync();
    db.closeSync();
    expect(rows).toEqual([{ run_id: runId, object_key: result.objectKey, attempts: 2 }]);
  });

  it('fails fast with a non-retryable error on a bad input', async () => {
    const handle = await temporal.client.workflow.start(SMOKE_WORKFLOW_TYPE, {
      workflowId: uniqueName('smoke/bad'),
      taskQueue: config.temporal.taskQueue,
      args: [{ failFirstAttempt: 'yes' }],
    });
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e as WorkflowFailedError,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = err!.cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.message).toMatch(/failFirstAttempt/);
    expect(cause.nonRetryable).toBe(true);
    const desc = await handle.describe();
    expect(desc.status.name).toBe('FAILED');
  });
});
