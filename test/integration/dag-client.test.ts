import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DagIdKey, LogicalDateKey, RunTypeKey } from '../../domain/search-attributes';
import {
  dagRunOutcome,
  getDagRun,
  listDagRuns,
  startDagRun,
  temporalUiLink,
  temporalUiRunsLink,
  watchDagRun,
} from '../../runtime/dag-client';
import { RUN_DAG_WORKFLOW_TYPE, type TaskStatesView } from '../../workflows/contracts';
import { startTestWorkers, testClient, testConfig, uniqueName } from '../helpers/stack';

// The DAG run client (runtime/dag-client.ts) against the real Temporal of the test stack: what
// the CLI, the benchmarks and the HTTP server rely on to start, follow and list runs.

describe('DAG run client on the real stack', () => {
  const config = testConfig(uniqueName('dagclient'));
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let client: Client;

  beforeAll(async () => {
    workers = await startTestWorkers(config);
    temporal = await testClient();
    client = temporal.client;
  });
  afterAll(async () => {
    await workers?.stop();
    await temporal?.close();
  });

  it('starts a run under its canonical ID with search attributes, follows its task states, returns its summary', async () => {
    const day = '1996-05-14';
    const handle = await startDagRun(client, config, {
      dagId: 'example_chain',
      logicalDate: day,
      params: { sleepMs: 800 },
    });
    expect(handle.workflowId).toBe('dag/example_chain/1996-05-14');
    const description = await handle.describe();
    expect(description.type).toBe(RUN_DAG_WORKFLOW_TYPE);
    expect(description.typedSearchAttributes.get(DagIdKey)).toBe('example_chain');
    expect(description.typedSearchAttributes.get(RunTypeKey)).toBe('manual');
    expect(description.typedSearchAttributes.get(LogicalDateKey)?.toISOString()).toBe('1996-05-14T00:00:00.000Z');
    // Named in the Temporal UI's list of runs.
    expect(await description.staticSummary()).toBe('example_chain 1996-05-14 (manual)');

    const snapshots: TaskStatesView[] = [];
    const outcome = await watchDagRun(handle, { intervalMs: 100, onStates: (tasks) => snapshots.push(tasks) });
    expect(outcome.error).toBeUndefined();
    expect(outcome.summary).toMatchObject({
      dagId: 'example_chain',
      logicalDate: day,
      runType: 'manual',
      state: 'success',
    });
    // Seen while running, and the final states last.
    expect(snapshots.some((tasks) => tasks.wait?.state === 'running')).toBe(true);
    expect(Object.values(snapshots.at(-1) ?? {}).map((t) => t.state)).toEqual([
      'success',
      'success',
      'success',
      'success',
    ]);
    // The day's handle by DAG and day reads the same run.
    expect((await dagRunOutcome(getDagRun(client, 'example_chain', day))).summary?.state).toBe('success');
  });

  it('reports a failed run with its summary and the reason', async () => {
    const handle = await startDagRun(client, config, { dagId: 'test_trigger_rules', logicalDate: '1996-05-15' });
    const outcome = await dagRunOutcome(handle);
    expect(outcome.summary?.state).toBe('failed');
    expect(outcome.summary?.tasks.bad).toMatchObject({ state: 'failed' });
    expect(outcome.error).toMatch(/failed tasks bad/);
  });

  it('honours a reuse policy: a finished day is refused, naming how it ended', async () => {
    const day = '1996-05-16';
    const first = await startDagRun(client, config, {
      dagId: 'example_chain',
      logicalDate: day,
      params: { sleepMs: 0 },
    });
    await first.result();
    await expect(
      startDagRun(client, config, {
        dagId: 'example_chain',
        logicalDate: day,
        runType: 'backfill',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    ).rejects.toThrow(
      'DAG "example_chain" already ran for 1996-05-16 (workflow dag/example_chain/1996-05-16, COMPLETED)',
    );
  });

  it('lists the runs of a DAG over a date range, re-runs included, and links them in the UI', async () => {
    const from = '1996-05-14';
    const to = '1996-05-16';
    // Visibility is eventually consistent: wait for the runs started above (1 + 2 executions).
    let runs = await listDagRuns(client, 'example_chain', from, to);
    for (let i = 0; i < 100 && runs.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 200));
      runs = await listDagRuns(client, 'example_chain', from, to);
    }
    expect(runs.map((r) => [r.day, r.state, r.runType]).sort()).toEqual([
      ['1996-05-14', 'success', 'manual'],
      ['1996-05-16', 'success', 'manual'],
    ]);
    expect(await listDagRuns(client, 'example_chain', '1996-05-17', '1996-05-20')).toEqual([]);
    // Another DAG's run of the same range is not listed.
    expect((await listDagRuns(client, 'test_trigger_rules', from, to)).map((r) => r.day)).toEqual(['1996-05-15']);

    const uiConfig = { ...config, temporal: { ...config.temporal, address: '127.0.0.1:7233' } };
    expect(temporalUiLink(uiConfig, runs[0]!.workflowId)).toMatch(/\/workflows\/dag%2Fexample_chain%2F1996-05-1[46]$/);
    expect(temporalUiRunsLink(uiConfig, 'example_chain')).toBe(
      `http://127.0.0.1:${config.dev.temporalUiPort}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows?query=DagId%3D%22example_chain%22`,
    );
  });
});
