import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, StoreActivities } from '../activities';
import { parseOrFail } from '../domain/failures';
import { smokeObjectKey } from '../domain/keys';
import { SmokeInput, type SmokeResult } from './contracts';

const { smokeWriteObject } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumAttempts: 5 },
  summary: 'smoke: write an object to S3',
});

/** Proves the stack end to end: S3 write with one visible retry, then a DuckDB row on the store queue. */
export async function smokeWorkflow(raw: unknown = {}): Promise<SmokeResult> {
  const input = parseOrFail(SmokeInput, raw ?? {}, 'bad smoke input');
  const runId = input.runId ?? workflowInfo().workflowId;
  const { smokeRecordRun } = proxyActivities<StoreActivities>({
    taskQueue: input.storeTaskQueue,
    startToCloseTimeout: '30s',
    retry: { initialInterval: '200ms', maximumAttempts: 5 },
    summary: 'smoke: record the run in DuckDB',
  });
  const key = smokeObjectKey(runId);
  const written = await smokeWriteObject({
    key,
    body: JSON.stringify({ runId, workflowId: workflowInfo().workflowId }),
    failFirstAttempt: input.failFirstAttempt,
  });
  const recorded = await smokeRecordRun({ runId, objectKey: written.key, attempts: written.attempt });
  return { objectKey: written.key, objectAttempt: written.attempt, duckdbRows: recorded.rows };
}
