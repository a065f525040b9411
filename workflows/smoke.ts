import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { z } from 'zod';
import type { Activities, StoreActivities } from '../activities';
import { smokeObjectKey } from '../domain/keys';

export const SmokeInput = z
  .object({
    runId: z.string().min(1).optional(),
    failFirstAttempt: z.boolean().default(true),
    storeTaskQueue: z.string().min(1).default('mastoflow-store'),
  })
  .strict();
export type SmokeInput = z.input<typeof SmokeInput>;

export interface SmokeResult {
  objectKey: string;
  objectAttempt: number;
  duckdbRows: number;
}

const { smokeWriteObject } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumAttempts: 5 },
  summary: 'smoke: write an object to S3',
});

/** Proves the stack end to end: S3 write with one visible retry, then a DuckDB row on the store queue. */
export async function smokeWorkflow(raw: unknown = {}): Promise<SmokeResult> {
  const parsed = SmokeInput.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw ApplicationFailure.nonRetryable(
      `bad smoke input: ${issue.path.join('.') || '(top level)'}: ${issue.message}`,
      'BadInput',
    );
  }
  const input = parsed.data;
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
