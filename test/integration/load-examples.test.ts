import { WorkflowFailedError, type Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDagRun } from '../../runtime/dag-client';
import { installWorkerLogging } from '../../runtime/logging';
import { createWorkers } from '../../runtime/worker-runtime';
import { testClient, testConfig, testEnv, testStack, uniqueName } from '../helpers/stack';

// `loadExamples: false` (compose): the worker bundles workflows/index.ts, which holds no example
// DAGs, so even a start from the Temporal UI fails as an unknown DAG; `mastoflow run` refuses the
// start before it reaches Temporal. (The other integration tests run with loadExamples on.)

describe('a worker with loadExamples off', () => {
  const config = testConfig(uniqueName('noexamples'), { loadExamples: false });
  let client: Client;
  let closeClient: () => Promise<void>;
  let workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();
  let connection: NativeConnection;

  beforeAll(async () => {
    installWorkerLogging('WARN');
    connection = await NativeConnection.connect({ address: testStack().temporalAddress });
    // No pre-built bundle: the worker picks (and caches) the bundle of its config's entry.
    ({ workers } = await createWorkers({ config, env: testEnv(), serveStore: false, connection, log: () => {} }));
    running = Promise.all(workers.map((w) => w.run()));
    ({ client, close: closeClient } = await testClient());
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
    await connection?.close();
    await closeClient?.();
  });

  it('fails a UI start of an example DAG as an unknown DAG, naming only the production DAGs', async () => {
    const handle = await client.workflow.start('runDag', {
      workflowId: uniqueName('ui/example_chain'),
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: 'example_chain' }],
    });
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause?.message).toMatch(
      /unknown DAG "example_chain" \(known: mastodon_daily\)$/,
    );
  });

  it('refuses `mastoflow run example_chain` before starting anything', async () => {
    await expect(startDagRun(client, config, { dagId: 'example_chain', logicalDate: '2031-02-01' })).rejects.toThrow(
      /^unknown DAG "example_chain" \(known: mastodon_daily, test_/,
    );
  });
});
