import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../cli/main';
import { cancelBackfill, queryProgress, startOrAttachBackfill, watchBackfill } from '../../cli/commands/backfill';
import { BackfillRequest, type BackfillProgress, type BackfillRequestInput } from '../../domain/backfill-plan';
import { backfillWorkflowId, dagRunWorkflowId } from '../../domain/keys';
import { daysInRange } from '../../domain/logical-date';
import { BackfillIdKey, dagRunSearchAttributes, RunTypeKey } from '../../domain/search-attributes';
import { dayRunsQuery } from '../../runtime/dag-client';
import { REPO_ROOT } from '../../infra/tools';
import { startTestWorkers, testClient, testConfig, testStack, uniqueName } from '../helpers/stack';
import { RUN_DAG_WORKFLOW_TYPE } from '../../workflows/contracts';

// Backfills on the real stack: the backfillDag workflow starting real runDag children of the
// `example_chain` DAG (noop + sleepMs tasks, the sleep set by the `sleepMs` param), checked
// through what Temporal's visibility recorded about every day's runs. Each test uses its own
// year so their day IDs (`dag/example_chain/<day>`) never meet.

const DAG = 'example_chain';

describe('backfills on the real stack', () => {
  const name = uniqueName('bf');
  const config = testConfig(name);
  const queues = { taskQueue: config.temporal.taskQueue, storeTaskQueue: config.temporal.storeTaskQueue };
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

  const request = (extra: Partial<BackfillRequestInput> & Pick<BackfillRequestInput, 'from' | 'to'>) =>
    BackfillRequest.parse({ dagId: DAG, params: { sleepMs: 50 }, ...extra });

  async function runBackfill(req: BackfillRequest): Promise<BackfillProgress> {
    const started = await startOrAttachBackfill(client, queues, req);
    return (await started.handle.result()) as BackfillProgress;
  }

  /** Every execution of the DAG's day runs in [from, to], once visibility shows `expected` closed ones. */
  async function dayRuns(from: string, to: string, expectedClosed: number): Promise<WorkflowExecutionInfo[]> {
    const query = dayRunsQuery(DAG, from, to);
    let runs: WorkflowExecutionInfo[] = [];
    for (let i = 0; i < 100; i++) {
      runs = [];
      for await (const info of client.workflow.list({ query })) runs.push(info);
      if (runs.filter((r) => r.closeTime).length >= expectedClosed && runs.every((r) => r.closeTime)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    return runs;
  }

  function executionsPerDay(runs: WorkflowExecutionInfo[]): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const r of [...runs].sort((a, b) => a.startTime.getTime() - b.startTime.getTime())) {
      const day = r.workflowId.split('/')[2]!;
      out[day] = [...(out[day] ?? []), r.status.name];
    }
    return out;
  }

  /** Most runs open at the same instant, from visibility start/close times. */
  function maxOverlap(runs: WorkflowExecutionInfo[]): number {
    const events = runs.flatMap((r) => [
      { t: r.startTime.getTime(), d: +1 },
      { t: r.closeTime!.getTime(), d: -1 },
    ]);
    // At equal times a close is counted before a start: the slot was free again.
    events.sort((a, b) => a.t - b.t || a.d - b.d);
    let open = 0;
    let max = 0;
    for (const e of events) {
      open += e.d;
      max = Math.max(max, open);
    }
    return max;
  }

  /** The config as a file, for running the CLI itself. */
  function configFile(): string {
    const file = path.join(testStack().tempDir, `${name}-config.json`);
    writeFileSync(file, JSON.stringify(config));
    return file;
  }

  /** Run `mastoflow <args>` in-process; returns what it printed with console.log. */
  async function cli(...args: string[]): Promise<string> {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await buildProgram().parseAsync(['--config', configFile(), ...args], { from: 'user' });
      return log.mock.calls.map((c) => String(c[0])).join('\n');
    } finally {
      log.mockRestore();
    }
  }

  /** Run a day directly, as `mastoflow run` or the UI would, to give it a prior state. */
  async function runDay(day: string, params: Record<string, unknown>): Promise<void> {
    const handle = await client.workflow.start(RUN_DAG_WORKFLOW_TYPE, {
      workflowId: dagRunWorkflowId(DAG, day),
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: DAG, logicalDate: day, runType: 'manual', params }],
      typedSearchAttributes: dagRunSearchAttributes({
        dagId: DAG,
        logicalDate: day,
        runType: 'manual',
      }) as SearchAttributePair[],
    });
    await handle.result().catch(() => undefined);
  }

  it('runs 30 days with at most 3 open at once, continuing as new every 10 days', async () => {
    const [from, to] = ['1991-01-01', '1991-01-30'];
    const req = request({ from, to, maxActive: 3, daysPerRun: 10, params: { sleepMs: 100 } });
    const started = await startOrAttachBackfill(client, queues, req);
    expect(started).toMatchObject({ backfillId: backfillWorkflowId(DAG, from, to), attached: false });

    const lines: string[] = [];
    const outcome = await watchBackfill(started.handle, {
      out: { isTTY: false, write: (t: string) => lines.push(t) },
      pollMs: 250,
    });
    expect(outcome.kind).toBe('finished');
    const progress = (outcome as { progress: BackfillProgress }).progress;
    expect(progress).toMatchObject({
      total: 30,
      done: 30,
      succeeded: 30,
      failed: 0,
      skipped: 0,
      running: [],
      phase: 'completed',
    });
    expect(progress.generation).toBe(2); // 30 days / 10 per run = 3 runs of the workflow
    expect(lines.at(-1)).toBe('[##############################] 30/30 days, 0 running, 0 failed\n');
    const done = lines.map((l) => Number(/ (\d+)\/30 days/.exec(l)?.[1]));
    expect(done).toEqual([...done].sort((a, b) => a - b)); // the bar only moves forward

    const runs = await dayRuns(from, to, 30);
    expect(Object.keys(executionsPerDay(runs)).sort()).toEqual(daysInRange(from, to));
    expect(runs.every((r) => r.status.name === 'COMPLETED')).toBe(true);
    expect(runs).toHaveLength(30);
    for (const r of runs) {
      expect(r.typedSearchAttributes.get(RunTypeKey)).toBe('backfill');
      expect(r.typedSearchAttributes.get(BackfillIdKey)).toBe(started.backfillId);
    }
    const overlap = maxOverlap(runs);
    expect(overlap).toBeLessThanOrEqual(3);
    expect(overlap).toBeGreaterThanOrEqual(2); // it did run days in parallel

    // Three executions of the backfill itself (continue-as-new), the last one completed.
    const desc = await client.workflow.getHandle(started.backfillId).describe();
    expect(desc.status.name).toBe('COMPLETED');
  });

  it('reprocess modes: missing skips days that have a run, failed re-runs failed days only, all re-runs every day', async () => {
    const [from, to] = ['1992-01-01', '1992-01-06'];
    await runDay('1992-01-02', { sleepMs: 10 }); // succeeds
    await runDay('1992-01-03', { sleepMs: -1 }); // fails: a bad param fails runDag at once
    expect(executionsPerDay(await dayRuns(from, to, 2))).toEqual({
      '1992-01-02': ['COMPLETED'],
      '1992-01-03': ['FAILED'],
    });

    const missing = await runBackfill(request({ from, to, reprocess: 'missing', maxActive: 2 }));
    expect(missing).toMatchObject({ done: 6, succeeded: 4, skipped: 2, failed: 0 });
    expect(executionsPerDay(await dayRuns(from, to, 6))).toEqual({
      '1992-01-01': ['COMPLETED'],
      '1992-01-02': ['COMPLETED'],
      '1992-01-03': ['FAILED'],
      '1992-01-04': ['COMPLETED'],
      '1992-01-05': ['COMPLETED'],
      '1992-01-06': ['COMPLETED'],
    });

    const failed = await runBackfill(request({ from, to, reprocess: 'failed', maxActive: 2 }));
    expect(failed).toMatchObject({ done: 6, succeeded: 1, skipped: 5, failed: 0 });
    const afterFailed = executionsPerDay(await dayRuns(from, to, 7));
    expect(afterFailed['1992-01-03']).toEqual(['FAILED', 'COMPLETED']);
    expect(Object.values(afterFailed).flat()).toHaveLength(7);

    const all = await runBackfill(request({ from, to, reprocess: 'all', maxActive: 3 }));
    expect(all).toMatchObject({ done: 6, succeeded: 6, skipped: 0, failed: 0 });
    const afterAll = executionsPerDay(await dayRuns(from, to, 13));
    expect(afterAll['1992-01-01']).toEqual(['COMPLETED', 'COMPLETED']);
    expect(afterAll['1992-01-03']).toEqual(['FAILED', 'COMPLETED', 'COMPLETED']);
    expect(Object.values(afterAll).flat()).toHaveLength(13);
  });

  it('reports failed days and re-runs only those with reprocess failed', async () => {
    const [from, to] = ['1995-03-01', '1995-03-03'];
    // Days that fail for real: test_trigger_rules always ends with a failed leaf. (Bad params no
    // longer make failing days: the backfill refuses them at once, test/fixtures/bad-inputs.)
    const failing = (extra: Partial<BackfillRequestInput>) =>
      BackfillRequest.parse({ dagId: 'test_trigger_rules', from, to, maxActive: 3, ...extra });
    const bad = await runBackfill(failing({}));
    expect(bad).toMatchObject({ done: 3, succeeded: 0, failed: 3, skipped: 0 });
    expect([...bad.failedDays].sort()).toEqual(daysInRange(from, to));

    const missing = await runBackfill(failing({ reprocess: 'missing' }));
    expect(missing).toMatchObject({ done: 3, skipped: 3, failed: 0 });
    const again = await runBackfill(failing({ reprocess: 'failed' }));
    expect(again).toMatchObject({ done: 3, succeeded: 0, failed: 3, skipped: 0 });
    let runs = 0;
    for (let i = 0; i < 50 && runs < 6; i++) {
      runs = 0;
      for await (const _ of client.workflow.list({ query: dayRunsQuery('test_trigger_rules', from, to) })) runs += 1;
      if (runs < 6) await new Promise((r) => setTimeout(r, 200));
    }
    expect(runs).toBe(6); // each failed day ran once more, none of them twice
  });

  it('resumes after a cancel: attaches while running, cancelled backfill leaves running days to finish, rerun completes each day exactly once', async () => {
    const [from, to] = ['1993-01-01', '1993-01-12'];
    const req = request({ from, to, maxActive: 2, params: { sleepMs: 300 } });
    const first = await startOrAttachBackfill(client, queues, req);
    expect(first.attached).toBe(false);

    // The same command while it runs attaches to it (no second backfill, no second start).
    const again = await startOrAttachBackfill(client, queues, { ...req, maxActive: 4 });
    expect(again.attached).toBe(true);
    expect(again.differences).toEqual(['max active 2 (asked 4)']);

    let progress: BackfillProgress | undefined;
    for (let i = 0; i < 200; i++) {
      progress = await queryProgress(first.handle);
      if (progress && progress.done >= 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(progress!.done).toBeGreaterThanOrEqual(3);
    const lines = await cancelBackfill(client, first.backfillId);
    expect(lines[0]).toMatch(/cancel requested; no new days will start/);
    // Days were open at the cancel; they must finish (checked below: none ends cancelled).
    expect(lines[1]).toMatch(/day\(s\) already running will finish/);
    const closed = await first.handle.result().then(
      () => 'completed',
      () => 'not completed',
    );
    expect(closed).toBe('not completed');
    expect((await client.workflow.getHandle(first.backfillId).describe()).status.name).toBe('CANCELLED');

    const resumed = await startOrAttachBackfill(client, queues, req);
    expect(resumed.attached).toBe(false);
    const final = (await resumed.handle.result()) as BackfillProgress;
    expect(final).toMatchObject({ total: 12, done: 12, failed: 0 });
    expect(final.succeeded + final.skipped).toBe(12);
    expect(final.skipped).toBeGreaterThanOrEqual(3); // days the first run finished are not run again

    // Every day exactly once, successful: nothing ran twice, nothing was lost by the cancel.
    const perDay = executionsPerDay(await dayRuns(from, to, 12));
    expect(Object.keys(perDay).sort()).toEqual(daysInRange(from, to));
    for (const [day, statuses] of Object.entries(perDay)) expect([day, statuses]).toEqual([day, ['COMPLETED']]);
  });

  it('attaches to a day that is already running instead of starting it twice', async () => {
    const [from, to] = ['1996-02-01', '1996-02-03'];
    const day = '1996-02-02';
    const manual = await client.workflow.start(RUN_DAG_WORKFLOW_TYPE, {
      workflowId: dagRunWorkflowId(DAG, day),
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: DAG, logicalDate: day, runType: 'manual', params: { sleepMs: 2000 } }],
      typedSearchAttributes: dagRunSearchAttributes({
        dagId: DAG,
        logicalDate: day,
        runType: 'manual',
      }) as SearchAttributePair[],
    });
    // reprocess all would start a new run of any closed day: only "running" can stop it here.
    const progress = await runBackfill(request({ from, to, reprocess: 'all', maxActive: 3 }));
    expect(progress).toMatchObject({ done: 3, succeeded: 3, attached: 1, skipped: 0, failed: 0 });
    const perDay = executionsPerDay(await dayRuns(from, to, 3));
    expect(perDay).toEqual({ '1996-02-01': ['COMPLETED'], '1996-02-02': ['COMPLETED'], '1996-02-03': ['COMPLETED'] });
    expect((await manual.describe()).status.name).toBe('COMPLETED');
  });

  it('dry run lists every day and what would happen to it, and starts nothing', async () => {
    const [from, to] = ['2001-06-01', '2001-06-04'];
    await runDay('2001-06-02', { sleepMs: 10 });
    await runDay('2001-06-03', { sleepMs: -1 });
    await dayRuns(from, to, 2);

    const printed = await cli('backfill', DAG, '--from', from, '--to', to, '--reprocess', 'failed', '--dry-run');
    expect(printed).toContain(
      `dry run: backfill ${backfillWorkflowId(DAG, from, to)} (reprocess failed, max 1 active, oldest first)`,
    );
    expect(printed).toMatch(/2001-06-01 {2}run {5}no run yet/);
    expect(printed).toMatch(/2001-06-02 {2}skip {4}already succeeded/);
    expect(printed).toMatch(/2001-06-03 {2}run {5}re-run the failed run/);
    expect(printed).toMatch(/2001-06-04 {2}run {5}no run yet/);
    expect(printed).toContain('4 days: 3 to run, 1 to skip, 0 running');

    // Nothing started: still the two runs made above, and no backfill workflow.
    await new Promise((r) => setTimeout(r, 500));
    expect(await dayRuns(from, to, 2)).toHaveLength(2);
    await expect(client.workflow.getHandle(backfillWorkflowId(DAG, from, to)).describe()).rejects.toThrow();

    // The same command without --dry-run does what the listing said, following it to the end.
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let ran: string;
    try {
      ran = await cli(
        'backfill',
        DAG,
        '--from',
        from,
        '--to',
        to,
        '--reprocess',
        'failed',
        '--params',
        '{"sleepMs":10}',
      );
    } finally {
      stdout.mockRestore();
    }
    expect(ran).toContain(
      `started backfill ${backfillWorkflowId(DAG, from, to)}: 4 days, reprocess failed, max 1 active`,
    );
    expect(ran).toContain('finished: 4/4 days done: 3 succeeded, 0 failed, 1 skipped (already done); 0 running');
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('Ctrl-C detaches the CLI; the backfill keeps running and the same command attaches again', async () => {
    const [from, to] = ['2001-01-01', '2001-01-09'];
    const file = configFile();
    const bin = path.join(REPO_ROOT, 'bin', 'mastoflow.js');
    const flags = ['--from', from, '--to', to, '--max-active', '3', '--params', '{"sleepMs":500}'];
    const args = [bin, '--config', file, 'backfill', DAG, ...flags];
    let out = '';
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT });
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    for (let i = 0; i < 300 && !/\d+\/9 days/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain(`started backfill ${backfillWorkflowId(DAG, from, to)}`);
    const sent = Date.now();
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(Date.now() - sent).toBeLessThan(2_000); // it detaches, it does not wait for the backfill
    expect(out).toMatch(/detached: backfill .* keeps running in Temporal/);
    const handle = client.workflow.getHandle(backfillWorkflowId(DAG, from, to));
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // Running the command again follows the same backfill to its end.
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let again: string;
    try {
      again = await cli('backfill', DAG, ...flags);
    } finally {
      stdout.mockRestore();
    }
    expect(again).toContain(`attached to running backfill ${backfillWorkflowId(DAG, from, to)}`);
    expect(again).toMatch(/finished: 9\/9 days done: 9 succeeded/);
    expect(executionsPerDay(await dayRuns(from, to, 9))).toEqual(
      Object.fromEntries(daysInRange(from, to).map((d) => [d, ['COMPLETED']])),
    );
  });
});
