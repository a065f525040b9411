import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badInputCases } from '../helpers/bad-inputs';
import { startTestWorkers, testClient, testConfig, uniqueName } from '../helpers/stack';

// The workflow-input part of the bad-input corpus (test/fixtures/bad-inputs/workflow-inputs.json):
// inputs as a user pastes them into the Temporal UI's start form. Each must fail the workflow at
// once, within its first workflow task, with a non-retryable ApplicationFailure naming the field.
// A plain Error thrown from workflow code would instead fail the workflow *task*, which Temporal
// retries forever (the run shows as Running with WorkflowTaskFailed events piling up).

interface WorkflowInputCase {
  name: string;
  workflowType: string;
  input: unknown;
  failureType: string;
  message: string[];
}

const CASES = badInputCases<WorkflowInputCase>('workflow-inputs.json');

describe('bad workflow inputs fail the run at once, naming the field', () => {
  const name = uniqueName('bad-inputs');
  const config = testConfig(name);
  let stop: () => Promise<void>;
  let client: Awaited<ReturnType<typeof testClient>>;

  beforeAll(async () => {
    ({ stop } = await startTestWorkers(config));
    client = await testClient();
  });
  afterAll(async () => {
    await client?.close();
    await stop?.();
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const handle = await client.client.workflow.start(c.workflowType, {
      workflowId: uniqueName(`bad-input/${c.workflowType}`),
      taskQueue: config.temporal.taskQueue,
      args: [c.input],
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
      // A safety net for the test only: a workflow-task retry loop would otherwise run forever.
      workflowExecutionTimeout: '60s',
    });
    const error = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    const failure = cause as ApplicationFailure;
    expect(failure.type).toBe(c.failureType);
    expect(failure.nonRetryable).toBe(true);
    for (const text of c.message) expect(failure.message).toContain(text);

    // Failed within the first workflow task: one task completed, none failed, then the failure.
    const { events } = await handle.fetchHistory();
    const count = (key: string) => (events ?? []).filter((e) => (e as Record<string, unknown>)[key]).length;
    expect(count('workflowTaskFailedEventAttributes')).toBe(0);
    expect(count('workflowTaskCompletedEventAttributes')).toBe(1);
    expect(count('workflowExecutionFailedEventAttributes')).toBe(1);
    expect(
      count('activityTaskScheduledEventAttributes') + count('startChildWorkflowExecutionInitiatedEventAttributes'),
    ).toBe(0);
  });
});
