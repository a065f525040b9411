import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followDagRun } from '../../cli/commands/run';
import { startDagRun, temporalUiLink } from '../../runtime/dag-client';
import { dagRunWorkflowId, expandChunkWorkflowId, mappedPrefix } from '../../domain/keys';
import { yesterdayUtc } from '../../domain/logical-date';
import { DagIdKey, LogicalDateKey, RunTypeKey } from '../../domain/search-attributes';
import { RUN_DAG_WORKFLOW_TYPE, taskStatesQuery, type RunDagSummary } from '../../workflows/contracts';
import { startTestWorkers, testClient, testConfig, testS3, testStack, uniqueName } from '../helpers/stack';

// runDag on the real stack: a Temporal dev server, MinIO and the real worker runtime. Each run is
// started the way a user or the UI starts one (workflow type `runDag`, one JSON input) and
// checked through what Temporal recorded: results, failures and the history itself.

type History = temporal.api.history.v1.IHistory;

describe('runDag on the real stack', () => {
  const name = uniqueName('rundag');
  // 32 activity slots: the fan-out DAGs run 32 items in flight.
  const config = testConfig(name, { worker: { maxConcurrentActivities: 32 } });
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let temporalClient: Awaited<ReturnType<typeof testClient>>;
  let client: Client;
  let s3: S3Client;
  /** Runs whose histories the replay test feeds back through the workflow code. */
  const replayIds: string[] = [];

  beforeAll(async () => {
    workers = await startTestWorkers(config);
    temporalClient = await testClient();
    client = temporalClient.client;
    s3 = testS3(config);
  });
  afterAll(async () => {
    s3?.destroy();
    await workers?.stop();
    await temporalClient?.close();
  });

  /** Start runDag as the Temporal UI would: any workflow ID, one JSON input, nothing else. */
  function startRaw(input: unknown, workflowId: string): Promise<WorkflowHandle> {
    return client.workflow.start('runDag', {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      args: input === undefined ? [] : [input],
    });
  }

  function startDag(dagId: string, logicalDate: string, params?: Record<string, unknown>): Promise<WorkflowHandle> {
    replayIds.push(dagRunWorkflowId(dagId, logicalDate));
    return startRaw({ dagId, logicalDate, ...(params ? { params } : {}) }, dagRunWorkflowId(dagId, logicalDate));
  }

  /** The run's summary whether it succeeded or failed with DagRunFailed. */
  async function outcome(handle: WorkflowHandle): Promise<{ summary: RunDagSummary; failure?: ApplicationFailure }> {
    try {
      return { summary: (await handle.result()) as RunDagSummary };
    } catch (err) {
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const failure = (err as WorkflowFailedError).cause;
      expect(failure).toBeInstanceOf(ApplicationFailure);
      const app = failure as ApplicationFailure;
      expect(app.type).toBe('DagRunFailed');
      expect(app.nonRetryable).toBe(true);
      return { summary: app.details?.[0] as RunDagSummary, failure: app };
    }
  }

  function states(summary: RunDagSummary): Record<string, string> {
    return Object.fromEntries(Object.entries(summary.tasks).map(([id, t]) => [id, t.state]));
  }

  function events(history: History) {
    return history.events ?? [];
  }

  /** Most activities open at once (scheduled, not yet closed) over the history. */
  function maxOpenActivities(history: History): number {
    let open = 0;
    let max = 0;
    for (const e of events(history)) {
      if (e.activityTaskScheduledEventAttributes) max = Math.max(max, ++open);
      if (
        e.activityTaskCompletedEventAttributes ||
        e.activityTaskFailedEventAttributes ||
        e.activityTaskTimedOutEventAttributes ||
        e.activityTaskCanceledEventAttributes
      ) {
        open--;
      }
    }
    return max;
  }

  it('applies every trigger rule, propagates skips and upstream failures, bounds tasks in flight', async () => {
    const day = '2031-01-01';
    const [rules, absorbed] = await Promise.all([
      startDag('test_trigger_rules', day),
      startDag('test_absorbed_failure', day),
    ]);
    const [rulesOutcome, absorbedOutcome] = await Promise.all([outcome(rules), outcome(absorbed)]);

    expect(states(rulesOutcome.summary)).toEqual({
      ok: 'success',
      ok2: 'success',
      bad: 'failed',
      skip: 'skipped',
      after_bad: 'success',
      skip_late: 'skipped',
      as_ok: 'success',
      as_fail: 'upstream_failed',
      as_skip: 'skipped',
      as_fail_skip: 'upstream_failed',
      ad_mixed: 'success',
      nf_skip: 'success',
      nf_fail: 'upstream_failed',
      nf_all_skip: 'success',
      of_fail: 'success',
      of_ok: 'skipped',
      os_mixed: 'success',
      os_all_skip: 'skipped',
      os_fail: 'upstream_failed',
      os_fail_skip: 'upstream_failed',
      al_mixed: 'success',
      after_upstream_failed: 'upstream_failed',
      after_skipped: 'skipped',
      cleanup: 'success',
    });
    // A leaf is upstream_failed, so the run failed; the message names the failed task and why.
    expect(rulesOutcome.failure?.message).toMatch(/failed tasks bad.*DeliberateFailure: bad on purpose/);
    expect(rulesOutcome.summary).toMatchObject({
      dagId: 'test_trigger_rules',
      logicalDate: day,
      runType: 'manual',
      state: 'failed',
    });
    expect(rulesOutcome.summary.tasks.bad).toMatchObject({ attempts: 1, error: 'DeliberateFailure: bad on purpose' });
    expect(rulesOutcome.summary.tasks.as_fail?.error).toMatch(
      /upstream failed by trigger rule all_success \(ok=success, bad=failed\)/,
    );

    // The failure was absorbed by a one_failed leaf: the run succeeds (Airflow's leaf rule).
    expect(absorbedOutcome.failure).toBeUndefined();
    expect(states(absorbedOutcome.summary)).toEqual({ bad: 'failed', on_failure: 'success' });

    // maxActiveTasks = 3: never more activities open at once, and the branches did run in parallel.
    const history = await rules.fetchHistory();
    const open = maxOpenActivities(history);
    expect(open).toBeLessThanOrEqual(3);
    expect(open).toBeGreaterThanOrEqual(2);
    // Tasks the rules skipped or failed never reached Temporal.
    const scheduled = events(history)
      .map((e) => e.activityTaskScheduledEventAttributes?.activityId)
      .filter(Boolean);
    expect(new Set(scheduled)).toEqual(
      new Set(
        Object.entries(rulesOutcome.summary.tasks)
          .filter(([, t]) => t.attempts > 0)
          .map(([id]) => id),
      ),
    );
    expect(scheduled).not.toContain('as_fail');

    // Started without search attributes (as from the UI): the workflow upserted them.
    const description = await rules.describe();
    expect(description.typedSearchAttributes.get(DagIdKey)).toBe('test_trigger_rules');
    expect(description.typedSearchAttributes.get(RunTypeKey)).toBe('manual');
    expect(description.typedSearchAttributes.get(LogicalDateKey)?.toISOString()).toBe(`${day}T00:00:00.000Z`);
    // The query answers on the closed run too.
    const queried = await rules.query(taskStatesQuery);
    expect(queried.os_fail?.state).toBe('upstream_failed');
  });

  it('retries a flaky task: attempts in the summary and in the history', async () => {
    const handle = await startDag('test_retry', '2031-01-02');
    // While Temporal waits out the backoff, a client sees the task up_for_retry on attempt 2.
    const lines: string[] = [];
    await followDagRun(handle, { intervalMs: 100, print: (l) => lines.push(l) });
    expect(
      lines.some((l) => /\bflaky\s+up_for_retry · attempt 2 · flaky: deliberate failure on attempt 1 of 1$/.test(l)),
    ).toBe(true);
    const { summary, failure } = await outcome(handle);
    expect(failure).toBeUndefined();
    expect(summary.tasks.flaky).toMatchObject({ state: 'success', attempts: 2, output: { succeededOnAttempt: 2 } });
    expect(summary.tasks.after).toMatchObject({ state: 'success', attempts: 1 });
    // The downstream task received the upstream output (noop echoes its args, here none).
    const history = await handle.fetchHistory();
    const started = events(history)
      .map((e) => e.activityTaskStartedEventAttributes)
      .filter((a): a is NonNullable<typeof a> => !!a);
    const scheduled = events(history)
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a): a is NonNullable<typeof a> => !!a);
    expect(scheduled.map((s) => [s.activityId, s.activityType?.name, s.taskQueue?.name])).toEqual([
      ['flaky', 'flakyTask', config.temporal.taskQueue],
      ['after', 'noop', config.temporal.taskQueue],
      ['store', 'storeNoop', config.temporal.storeTaskQueue],
    ]);
    expect(summary.tasks.store?.output).toEqual({ taskQueue: config.temporal.storeTaskQueue });
    expect(started[0]?.attempt).toBe(2);
    expect(started[0]?.lastFailure?.message).toContain('deliberate failure on attempt 1');
    expect(started[1]?.attempt).toBe(1);
  });

  it('fails tasks on start-to-close and heartbeat timeouts and exhausted retries; downstream is upstream_failed', async () => {
    const handle = await startDag('test_timeouts', '2031-01-03');
    const { summary, failure } = await outcome(handle);
    expect(failure).toBeDefined();
    expect(states(summary)).toEqual({
      slow: 'failed',
      slow_down: 'upstream_failed',
      silent: 'failed',
      silent_down: 'upstream_failed',
      exhausted: 'failed',
      non_retryable: 'failed',
    });
    expect(summary.tasks.slow?.error).toBe('activity timed out (START_TO_CLOSE)');
    expect(summary.tasks.slow?.attempts).toBe(1);
    expect(summary.tasks.silent?.error).toBe('activity timed out (HEARTBEAT)');
    expect(summary.tasks.exhausted).toMatchObject({
      attempts: 2,
      error: 'DeliberateFailure: flaky: deliberate failure on attempt 2 of 9',
    });
    // retries: 3, but the failure is non-retryable: one attempt.
    expect(summary.tasks.non_retryable).toMatchObject({ attempts: 1, error: 'DeliberateFailure: deliberate failure' });
    const history = await handle.fetchHistory();
    const timedOut = events(history).filter((e) => e.activityTaskTimedOutEventAttributes).length;
    expect(timedOut).toBe(2);
  });

  it('fans out over 2,000 items in chunk child workflows; the parent history stays small', async () => {
    const day = '2031-01-04';
    const handle = await startDag('test_fanout', day, { count: 2000 });
    // Followed like `mastoflow run --wait`: item counts move while a chunk runs (chunkProgress query).
    const lines: string[] = [];
    await followDagRun(handle, { intervalMs: 300, print: (l) => lines.push(l) });
    const counts = lines.flatMap((l) => /\bmap\s+running · (\d+)\/2000 items/.exec(l)?.[1] ?? []).map(Number);
    expect(counts.some((n) => n > 0 && n < 2000 && n % 1000 !== 0)).toBe(true);
    const { summary, failure } = await outcome(handle);
    expect(failure).toBeUndefined();
    expect(summary.tasks.map).toMatchObject({
      state: 'success',
      attempts: 1,
      output: { items: 2000, succeeded: 2000, failed: 0, chunks: 2 },
      items: { total: 2000, succeeded: 2000, failed: 0, chunks: 2, chunksDone: 2 },
    });
    expect(summary.tasks.done?.state).toBe('success');
    // The list is too big to show in the summary (4 KB), not too big for an expand source (1 MB).
    expect(summary.tasks.emit?.output).toEqual({ omitted: expect.stringMatching(/^output of \d+ bytes not shown$/) });

    // Every item ran: one object per item under the task's mapped/ prefix.
    let count = 0;
    let token: string | undefined;
    const keys = new Set<string>();
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: config.s3.bucket,
          Prefix: mappedPrefix('test_fanout', day, 'map'),
          ContinuationToken: token,
        }),
      );
      for (const o of page.Contents ?? []) keys.add(o.Key ?? '');
      count += page.KeyCount ?? 0;
      token = page.NextContinuationToken;
    } while (token);
    expect(count).toBe(2000);
    expect(keys.has(`${mappedPrefix('test_fanout', day, 'map')}part-01999.json`)).toBe(true);

    // The parent's history holds the tasks and two child workflows, not 2,000 activities.
    const runId = dagRunWorkflowId('test_fanout', day);
    const parent = await handle.fetchHistory();
    expect(events(parent).length).toBeLessThan(60);
    expect(events(parent).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length).toBe(2);
    const chunk = client.workflow.getHandle(expandChunkWorkflowId(runId, 'map', 1));
    expect((await chunk.describe()).status.name).toBe('COMPLETED');
    const chunkHistory = await chunk.fetchHistory();
    expect(events(chunkHistory).filter((e) => e.activityTaskScheduledEventAttributes).length).toBe(1000);
    expect(events(chunkHistory).length).toBeLessThan(10_000);
  });

  it('fails a fan-out whose items fail, skips one over an empty list, refuses an oversized output', async () => {
    const { summary, failure } = await outcome(await startDag('test_fanout_failures', '2031-01-05'));
    expect(failure).toBeDefined();
    expect(states(summary)).toEqual({
      emit: 'success',
      map: 'failed',
      after_map: 'upstream_failed',
      empty: 'success',
      map_empty: 'skipped',
      after_empty: 'skipped',
      too_big: 'failed',
    });
    expect(summary.tasks.map?.items).toEqual({ total: 10, succeeded: 8, failed: 2, chunks: 1, chunksDone: 1 });
    expect(summary.tasks.map?.error).toBe(
      '2 of 10 items failed; first errors: [3] DeliberateFailure: deliberate failure (item 3); [7] DeliberateFailure: deliberate failure (item 7)',
    );
    expect(summary.tasks.map_empty?.error).toBe('upstream "empty" returned no items');
    expect(summary.tasks.too_big?.error).toMatch(
      /^output of task "too_big" is [\d.]+ KB of JSON, over the 64 KB limit: .*write large data to S3 and return its key/,
    );
  });

  it('runs from raw UI JSON, defaulting the day to yesterday (UTC) of the start', async () => {
    const input: unknown = JSON.parse('{"dagId":"example_chain","params":{"sleepMs":10}}');
    const handle = await startRaw(input, uniqueName('ui/example_chain'));
    const { summary, failure } = await outcome(handle);
    expect(failure).toBeUndefined();
    const description = await handle.describe();
    expect(summary.logicalDate).toBe(yesterdayUtc(description.startTime.getTime()));
    expect(summary.tasks.fan_out).toMatchObject({
      state: 'success',
      output: { items: 3, succeeded: 3, failed: 0, chunks: 1 },
    });
    expect(summary.tasks.wait).toMatchObject({ state: 'success', output: { sleptMs: 10 } });
    expect(summary.tasks.start?.output).toEqual({ items: [1, 2, 3] });
  });

  it.each([
    [
      'a bad day',
      '{"dagId":"example_chain","logicalDate":"2026-13-01"}',
      /^invalid runDag input: logicalDate: expected YYYY-MM-DD/,
    ],
    [
      'an unknown DAG',
      '{"dagId":"no_such_dag"}',
      /^invalid runDag input: dagId: unknown DAG "no_such_dag" \(known: .*example_chain/,
    ],
    [
      'bad params',
      '{"dagId":"example_chain","params":{"sleepMs":"soon"}}',
      /^invalid runDag input: params\.sleepMs: expected number, got "soon"/,
    ],
    [
      'an unknown field',
      '{"dagId":"example_chain","date":"2026-01-01"}',
      /^invalid runDag input: date: unknown field \(expected one of dagId, /,
    ],
    ['no input at all', undefined, /^invalid runDag input: root: required, expected object/],
  ])(
    'fails a UI start with %s at once, naming the field, without workflow task retries',
    async (_what, json, message) => {
      const handle = await startRaw(json === undefined ? undefined : JSON.parse(json), uniqueName('ui/bad'));
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect(cause.type).toBe('InvalidInput');
      expect(cause.nonRetryable).toBe(true);
      expect(cause.message).toMatch(message);
      expect((await handle.describe()).status.name).toBe('FAILED');
      const history = await handle.fetchHistory();
      expect(events(history).filter((e) => e.workflowTaskFailedEventAttributes).length).toBe(0);
      expect(events(history).filter((e) => e.workflowTaskCompletedEventAttributes).length).toBe(1);
      expect(events(history).at(-1)?.workflowExecutionFailedEventAttributes).toBeTruthy();
    },
  );

  it("takes the logical date from a schedule's scheduled time", async () => {
    const scheduleId = uniqueName('test-schedule');
    const schedule = await client.schedule.create({
      scheduleId,
      spec: { cronExpressions: ['0 2 * * *'] },
      action: {
        type: 'startWorkflow',
        workflowType: RUN_DAG_WORKFLOW_TYPE,
        workflowId: uniqueName('scheduled/test_absorbed_failure'),
        taskQueue: config.temporal.taskQueue,
        args: [{ dagId: 'test_absorbed_failure' }],
      },
      state: { paused: true },
    });
    try {
      // A backfill over one past fire time: 2030-06-15 02:00Z processes 2030-06-14.
      await schedule.backfill({
        start: new Date('2030-06-15T01:59:00Z'),
        end: new Date('2030-06-15T02:01:00Z'),
        overlap: 'ALLOW_ALL',
      });
      let workflowId: string | undefined;
      for (let i = 0; i < 100 && !workflowId; i++) {
        const d = await schedule.describe();
        workflowId = d.info.recentActions[0]?.action.workflow.workflowId;
        if (!workflowId) await new Promise((r) => setTimeout(r, 200));
      }
      expect(workflowId).toBeDefined();
      const { summary } = await outcome(client.workflow.getHandle(workflowId!));
      expect(summary).toMatchObject({ logicalDate: '2030-06-14', runType: 'scheduled', state: 'success' });
    } finally {
      await schedule.delete();
    }
  });

  it('mastoflow run: starts dag/<dag>/<day> with search attributes, refuses a second start while running, follows it', async () => {
    const day = '2031-01-06';
    const handle = await startDagRun(client, config, {
      dagId: 'example_chain',
      logicalDate: day,
      params: { sleepMs: 1500 },
    });
    expect(handle.workflowId).toBe('dag/example_chain/2031-01-06');
    await expect(startDagRun(client, config, { dagId: 'example_chain', logicalDate: day })).rejects.toThrow(
      'DAG "example_chain" is already running for 2031-01-06 (workflow dag/example_chain/2031-01-06)',
    );
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(RunTypeKey)).toBe('manual');
    expect(description.typedSearchAttributes.get(DagIdKey)).toBe('example_chain');
    const lines: string[] = [];
    const { summary } = await followDagRun(handle, { intervalMs: 200, print: (l) => lines.push(l) });
    expect(summary?.state).toBe('success');
    expect(lines.some((l) => /\bwait\s+running\b/.test(l))).toBe(true);
    expect(lines.some((l) => /\bfinish\s+success\b/.test(l))).toBe(true);
    // A finished day may be run again (manual runs reuse the ID).
    const again = await startDagRun(client, config, {
      dagId: 'example_chain',
      logicalDate: day,
      params: { sleepMs: 0 },
    });
    expect((await again.result()).state).toBe('success');
    // The UI link for a loopback server.
    expect(temporalUiLink(config, handle.workflowId)).toMatch(
      /^http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/dag%2Fexample_chain%2F2031-01-06$/,
    );
    // Unknown DAG and bad params are refused before anything starts.
    await expect(startDagRun(client, config, { dagId: 'nope', logicalDate: day })).rejects.toThrow(
      /unknown DAG "nope"/,
    );
    await expect(
      startDagRun(client, config, { dagId: 'example_chain', logicalDate: day, params: { sleepMs: -1 } }),
    ).rejects.toThrow(/params\.sleepMs/);
  });
  it('cancels a running run: the workflow ends CANCELLED', async () => {
    const handle = await startDag('example_chain', '2031-01-07', { sleepMs: 20_000 });
    for (let i = 0; i < 100; i++) {
      const tasks = await handle.query(taskStatesQuery).catch(() => ({}) as Record<string, { state: string }>);
      if (tasks.wait?.state === 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await handle.cancel();
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });

  it('replays every recorded run deterministically with the current workflow code', async () => {
    const ids = [...replayIds, expandChunkWorkflowId(dagRunWorkflowId('test_fanout', '2031-01-04'), 'map', 0)];
    expect(ids.length).toBeGreaterThanOrEqual(8);
    for (const workflowId of ids) {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      await Worker.runReplayHistory(
        { workflowBundle: { codePath: testStack().workflowBundlePath } },
        history,
        workflowId,
      );
    }
  });
});
