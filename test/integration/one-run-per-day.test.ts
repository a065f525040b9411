import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillProgress } from '../../domain/backfill-plan';
import { dagRunWorkflowId } from '../../domain/keys';
import { startDagRun } from '../../runtime/dag-client';
import {
  BACKFILL_WORKFLOW_TYPE,
  SCHEDULED_RUN_WORKFLOW_TYPE,
  type ScheduledRunResult,
} from '../../workflows/contracts';
import { startTestWorkers, testClient, testConfig, uniqueName } from '../helpers/stack';

// One DAG, one day, one run: the day's workflow ID is `dag/<dag>/<day>` (domain/keys.ts), so
// whoever starts a day second meets the first one's execution instead of starting another.
// Manual starts use conflict policy FAIL (the second caller is told, naming the run); backfills
// and scheduled runs start days as children and attach to a running one (dag-run-child.ts).
// Executions are counted in Temporal's visibility, by workflow ID.

const DAG = 'example_chain';
const SLOW = { sleepMs: 3_000 };

/** Every execution ever recorded under the ID (visibility lags a moment: waits until it settles). */
async function executionsOf(client: Client, workflowId: string): Promise<number> {
  let last = -1;
  for (let i = 0; i < 20; i++) {
    let n = 0;
    for await (const _ of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) n += 1;
    if (n > 0 && n === last) return n;
    last = n;
    await new Promise((r) => setTimeout(r, 500));
  }
  return last;
}

describe('two starters of one day make one run', () => {
  const config = testConfig(uniqueName('one-run'));
  let stop: () => Promise<void>;
  let temporal: Awaited<ReturnType<typeof testClient>>;

  beforeAll(async () => {
    ({ stop } = await startTestWorkers(config));
    temporal = await testClient();
  });
  afterAll(async () => {
    await temporal?.close();
    await stop?.();
  });

  it('two manual starts at once: one runs, the other is told it is already running', async () => {
    const day = '2032-03-10';
    const id = dagRunWorkflowId(DAG, day);
    const starts = await Promise.allSettled(
      [1, 2].map(() => startDagRun(temporal.client, config, { dagId: DAG, logicalDate: day, params: SLOW })),
    );
    const started = starts.filter((s) => s.status === 'fulfilled');
    const refused = starts.filter((s) => s.status === 'rejected');
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(String((refused[0] as PromiseRejectedResult).reason.message)).toBe(
      `DAG "${DAG}" is already running for ${day} (workflow ${id}); ` +
        'wait for it to finish, or cancel/terminate it in the Temporal UI before starting it again',
    );
    await (started[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof startDagRun>>>).value.result();
    expect(await executionsOf(temporal.client, id)).toBe(1);
  });

  it('a scheduled run of a day a running backfill covers attaches to the backfill’s run', async () => {
    const [from, day, to] = ['2032-04-09', '2032-04-10', '2032-04-11'];
    const backfill = await temporal.client.workflow.start(BACKFILL_WORKFLOW_TYPE, {
      workflowId: uniqueName('backfill/one-run'),
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: DAG, from, to, maxActive: 3, params: SLOW }],
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
    });
    // The backfill's run of the day is running before the scheduled run looks for it.
    await waitForRunning(temporal.client, dagRunWorkflowId(DAG, day));
    const scheduled = await temporal.client.workflow.execute(SCHEDULED_RUN_WORKFLOW_TYPE, {
      workflowId: uniqueName('scheduled/one-run'),
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: DAG, logicalDate: day, params: SLOW }],
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
    });
    expect(scheduled as ScheduledRunResult).toMatchObject({ logicalDate: day, outcome: 'succeeded' });
    const progress = (await backfill.result()) as BackfillProgress;
    expect(progress).toMatchObject({ total: 3, succeeded: 3, failed: 0 });
    expect(await executionsOf(temporal.client, dagRunWorkflowId(DAG, day))).toBe(1);
  });

  it('a backfill over a day a scheduled run is running waits for that run', async () => {
    const [from, day, to] = ['2032-05-09', '2032-05-10', '2032-05-11'];
    const scheduled = await temporal.client.workflow.start(SCHEDULED_RUN_WORKFLOW_TYPE, {
      workflowId: uniqueName('scheduled/one-run'),
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: DAG, logicalDate: day, params: SLOW }],
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
    });
    await waitForRunning(temporal.client, dagRunWorkflowId(DAG, day));
    const progress = (await temporal.client.workflow.execute(BACKFILL_WORKFLOW_TYPE, {
      workflowId: uniqueName('backfill/one-run'),
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: DAG, from, to, maxActive: 3, params: SLOW }],
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
    })) as BackfillProgress;
    expect(progress).toMatchObject({ total: 3, succeeded: 3, failed: 0, attached: 1 });
    expect(((await scheduled.result()) as ScheduledRunResult).outcome).toBe('succeeded');
    expect(await executionsOf(temporal.client, dagRunWorkflowId(DAG, day))).toBe(1);
  });
});

async function waitForRunning(client: Client, workflowId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING') return;
    } catch {
      // not started yet
    }
    if (Date.now() > deadline) throw new Error(`${workflowId} never ran`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
