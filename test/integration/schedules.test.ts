import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDagSpec, type DagSpec, type DagSpecInput } from '../../domain/dag-spec';
import { dagRunWorkflowId, scheduleId } from '../../domain/keys';
import { logicalDateFromScheduledTime, utcDayOf, addDays } from '../../domain/logical-date';
import { LogicalDateKey, RunTypeKey } from '../../domain/search-attributes';
import {
  formatSyncReport,
  listManagedScheduleIds,
  pauseSchedule,
  syncSchedules,
  triggerSchedule,
  unpauseSchedule,
  type SyncOptions,
} from '../../runtime/schedules';
import { RUN_DAG_WORKFLOW_TYPE, SCHEDULED_RUN_WORKFLOW_TYPE, type ScheduledRunResult } from '../../workflows/contracts';
import { startTestWorkers, testClient, testConfig, uniqueName } from '../helpers/stack';

// Schedule sync against a real Temporal server: what `mastoflow schedules sync` creates, updates
// and deletes, read back with `describe`; and scheduled runs, whose logical date must come from
// the schedule's scheduled time and whose run must carry the canonical `dag/<id>/<day>` ID.

function dag(input: Partial<DagSpecInput> & { id: string }): DagSpec {
  const spec: DagSpecInput = { tasks: [{ id: 't', activity: 'noop' }], ...input };
  const parsed = parseDagSpec(spec);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('; '));
  return parsed.value;
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('schedules on the real stack', () => {
  const name = uniqueName('sch');
  const config = testConfig(name);
  const opts: SyncOptions = {
    taskQueue: config.temporal.taskQueue,
    storeTaskQueue: config.temporal.storeTaskQueue,
    defaultCatchupWindow: config.schedule.catchupWindow,
  };
  // Slugs unique to this run: schedule IDs are global on the shared server.
  const suffix = name.slice(-8);
  const [a, b, c] = [`sch_a_${suffix}`, `sch_b_${suffix}`, `sch_c_${suffix}`];
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let client: Client;
  const made = new Set<string>();

  beforeAll(async () => {
    workers = await startTestWorkers(config);
    temporal = await testClient();
    client = temporal.client;
  });
  afterAll(async () => {
    for (const id of made)
      await client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await workers?.stop();
    await temporal?.close();
  });

  async function sync(dags: DagSpec[], extra: Partial<SyncOptions> = {}) {
    const report = await syncSchedules(client, dags, { ...opts, ...extra });
    for (const id of report.created) made.add(id);
    return report;
  }
  const describeSchedule = (dagId: string) => client.schedule.getHandle(scheduleId(dagId)).describe();

  it('creates one schedule per scheduled DAG with the chosen policies, and a second sync changes nothing', async () => {
    const dags = [
      dag({ id: a, schedule: { cron: '0 2 * * *' } }),
      dag({
        id: b,
        schedule: { cron: '30 3 * * 1-5', timezone: 'Europe/Berlin', catchupWindow: '6h', paused: true },
        maxActiveRuns: 2,
      }),
      dag({ id: c }), // no schedule
    ];
    const first = await sync(dags);
    expect(first).toMatchObject({ created: [scheduleId(a), scheduleId(b)], updated: [], deleted: [], unchanged: [] });

    const da = await describeSchedule(a);
    expect(da.policies).toMatchObject({ overlap: 'BUFFER_ONE', catchupWindow: 86_400_000 });
    expect(da.state.paused).toBe(false);
    expect(da.spec.timezone).toBe('UTC');
    expect(da.spec.calendars?.[0]).toMatchObject({
      hour: [{ start: 2, end: 2, step: 1 }],
      minute: [{ start: 0, end: 0, step: 1 }],
    });
    expect(da.action).toMatchObject({
      workflowType: SCHEDULED_RUN_WORKFLOW_TYPE,
      workflowId: `scheduled/${a}`,
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: a }],
    });
    expect(da.memo).toEqual({ mastoflow: { managed: true, dagId: a, taskQueue: config.temporal.taskQueue } });
    expect(da.info.nextActionTimes[0]?.toISOString()).toMatch(/T02:00:00\.000Z$/);

    const db = await describeSchedule(b);
    expect(db.policies).toMatchObject({ overlap: 'ALLOW_ALL', catchupWindow: 6 * 3_600_000 });
    expect(db.state.paused).toBe(true);
    expect(db.spec.timezone).toBe('Europe/Berlin');
    await expect(describeSchedule(c)).rejects.toBeInstanceOf(ScheduleNotFoundError);

    const second = await sync(dags);
    expect(second).toMatchObject({ created: [], updated: [], deleted: [], unchanged: [scheduleId(a), scheduleId(b)] });
    expect(formatSyncReport(second)).toMatch(/^0 created, 0 updated, 0 deleted, 2 unchanged$/m);
  });

  it('updates on a spec change (cron, paused flag), then is idempotent again', async () => {
    const dags = [
      dag({ id: a, schedule: { cron: '15 4 * * *' } }),
      dag({
        id: b,
        schedule: { cron: '30 3 * * 1-5', timezone: 'Europe/Berlin', catchupWindow: '6h', paused: false },
        maxActiveRuns: 2,
      }),
    ];
    const report = await sync(dags);
    expect(report.created).toEqual([]);
    expect(report.updated.map((u) => u.scheduleId)).toEqual([scheduleId(a), scheduleId(b)]);
    expect(report.updated[0]?.changes).toEqual(['cron: "0 2 * * *" → "15 4 * * *"']);
    expect(report.updated[1]?.changes).toEqual(['paused: true → false']);

    const da = await describeSchedule(a);
    expect(da.info.nextActionTimes[0]?.toISOString()).toMatch(/T04:15:00\.000Z$/);
    expect((await describeSchedule(b)).state.paused).toBe(false);

    // maxActiveRuns 1 → 2 switches the overlap policy.
    const again = await sync([dag({ id: a, schedule: { cron: '15 4 * * *' }, maxActiveRuns: 2 }), dags[1]!]);
    expect(again.updated).toEqual([{ scheduleId: scheduleId(a), changes: ['overlap: "BUFFER_ONE" → "ALLOW_ALL"'] }]);
    expect(
      (await sync([dag({ id: a, schedule: { cron: '15 4 * * *' }, maxActiveRuns: 2 }), dags[1]!])).unchanged,
    ).toHaveLength(2);
  });

  it('keeps an operator pause across syncs, and a paused-in-spec DAG paused', async () => {
    const dags = [
      dag({ id: a, schedule: { cron: '15 4 * * *' }, maxActiveRuns: 2 }),
      dag({
        id: b,
        schedule: { cron: '30 3 * * 1-5', timezone: 'Europe/Berlin', catchupWindow: '6h' },
        maxActiveRuns: 2,
      }),
    ];
    await pauseSchedule(client, a, 'maintenance');
    const report = await sync(dags);
    expect(report).toMatchObject({ updated: [], keptPaused: [scheduleId(a)] });
    const da = await describeSchedule(a);
    expect(da.state).toMatchObject({ paused: true, note: 'paused with mastoflow schedules pause: maintenance' });
    await unpauseSchedule(client, a);
    expect((await describeSchedule(a)).state.paused).toBe(false);
    expect((await sync(dags)).keptPaused).toEqual([]);
  });

  it('deletes the schedules of DAGs that lost theirs, and only schedules it manages for its task queue', async () => {
    // Someone else's schedule with our ID scheme, and another deployment's managed one.
    const foreign = `sch_f_${suffix}`;
    const other = `sch_o_${suffix}`;
    await client.schedule.create({
      scheduleId: scheduleId(foreign),
      spec: { cronExpressions: ['0 1 * * *'] },
      action: { type: 'startWorkflow', workflowType: 'noop', taskQueue: config.temporal.taskQueue, args: [] },
      state: { paused: true },
    });
    made.add(scheduleId(foreign));
    await sync([dag({ id: other, schedule: { cron: '0 5 * * *', paused: true } })], {
      taskQueue: `${config.temporal.taskQueue}-other`,
    });

    // Visibility lists schedules a moment after they change.
    await eventually('schedules to be listed', async () => {
      const ids = (await listManagedScheduleIds(client, opts.taskQueue)).map((s) => s.scheduleId);
      return ids.includes(scheduleId(a)) && ids.includes(scheduleId(b)) ? ids : undefined;
    });
    await eventually("the other queue's schedule to be listed", async () =>
      (await listManagedScheduleIds(client, `${opts.taskQueue}-other`)).length === 1 ? true : undefined,
    );

    // b loses its schedule; the foreign DAG id now wants one but its ID is taken.
    const report = await sync([
      dag({ id: a, schedule: { cron: '15 4 * * *' }, maxActiveRuns: 2 }),
      dag({ id: b }),
      dag({ id: foreign, schedule: { cron: '0 1 * * *' } }),
    ]);
    expect(report.deleted).toEqual([scheduleId(b)]);
    expect(report.conflicts).toEqual([
      { scheduleId: scheduleId(foreign), reason: expect.stringMatching(/not created by mastoflow/) },
    ]);
    expect(formatSyncReport(report)).toMatch(/0 created, 0 updated, 1 deleted, 1 unchanged, 1 conflict\(s\)$/);
    await expect(describeSchedule(b)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await describeSchedule(foreign)).action.workflowType).toBe('noop'); // untouched
    expect((await describeSchedule(other)).state.paused).toBe(true); // other deployment's: untouched
  });

  it('a scheduled run processes the day before its scheduled time, as dag/<id>/<day> (trigger and a past fire in Auckland)', async () => {
    // test_retry is a DAG of the worker's bundle (so the day's runDag really runs it); its real
    // spec has no schedule, so the spec synced here is a stand-in with that id and a schedule.
    const id = 'test_retry';
    made.add(scheduleId(id));
    await sync([dag({ id, schedule: { cron: '0 2 * * *' } })]);
    await triggerSchedule(client, id);

    const handle = client.schedule.getHandle(scheduleId(id));
    const action = await eventually(
      'the triggered action',
      async () => (await handle.describe()).info.recentActions[0],
    );
    expect(action.action.workflow.workflowId.startsWith(`scheduled/${id}-`)).toBe(true);
    const day = addDays(utcDayOf(action.scheduledAt.getTime()), -1);
    const wrapper = client.workflow.getHandle(action.action.workflow.workflowId);
    const result = (await wrapper.result()) as ScheduledRunResult;
    expect(result).toMatchObject({
      dagId: id,
      logicalDate: day,
      workflowId: dagRunWorkflowId(id, day),
      outcome: 'succeeded',
    });
    // The search attribute keeps whole seconds; the schedule's own record keeps milliseconds.
    expect(Date.parse(result.scheduledTime!)).toBe(Math.floor(action.scheduledAt.getTime() / 1000) * 1000);

    const run = await client.workflow.getHandle(dagRunWorkflowId(id, day)).describe();
    expect(run.type).toBe(RUN_DAG_WORKFLOW_TYPE);
    expect(run.status.name).toBe('COMPLETED');
    expect(run.typedSearchAttributes.get(RunTypeKey)).toBe('scheduled');
    expect(run.typedSearchAttributes.get(LogicalDateKey)?.toISOString()).toBe(`${day}T00:00:00.000Z`);
    expect(await client.workflow.getHandle(dagRunWorkflowId(id, day)).result()).toMatchObject({
      logicalDate: day,
      runType: 'scheduled',
    });

    // A fire at 02:00 in Auckland (NZST, UTC+12) on 2030-06-15 is 2030-06-14T14:00Z: the last
    // complete UTC day then is 2030-06-13, not the local "yesterday" 2030-06-14.
    await sync([dag({ id, schedule: { cron: '0 2 * * *', timezone: 'Pacific/Auckland' } })]);
    await handle.backfill({
      start: new Date('2030-06-14T13:59:00Z'),
      end: new Date('2030-06-14T14:01:00Z'),
      overlap: 'ALLOW_ALL',
    });
    const past = await eventually('the backfilled action', async () =>
      (await handle.describe()).info.recentActions.find(
        (x) => x.scheduledAt.toISOString() === '2030-06-14T14:00:00.000Z',
      ),
    );
    expect(logicalDateFromScheduledTime(past.scheduledAt)).toBe('2030-06-13');
    const pastResult = (await client.workflow
      .getHandle(past.action.workflow.workflowId)
      .result()) as ScheduledRunResult;
    expect(pastResult).toMatchObject({
      logicalDate: '2030-06-13',
      workflowId: 'dag/test_retry/2030-06-13',
      outcome: 'succeeded',
    });
    expect((await client.workflow.getHandle('dag/test_retry/2030-06-13').describe()).status.name).toBe('COMPLETED');

    // Fired again for a day that already succeeded: nothing runs twice.
    await handle.backfill({
      start: new Date('2030-06-14T13:59:00Z'),
      end: new Date('2030-06-14T14:01:00Z'),
      overlap: 'ALLOW_ALL',
    });
    const repeat = await eventually('the repeated action', async () => {
      const fires = (await handle.describe()).info.recentActions.filter(
        (x) => x.scheduledAt.toISOString() === '2030-06-14T14:00:00.000Z',
      );
      return fires.length === 2 ? fires[1] : undefined;
    });
    const repeatResult = (await client.workflow
      .getHandle(repeat.action.workflow.workflowId)
      .result()) as ScheduledRunResult;
    expect(repeatResult.outcome).toBe('skipped');
    const executions: string[] = [];
    for await (const w of client.workflow.list({ query: `WorkflowId = 'dag/test_retry/2030-06-13'` }))
      executions.push(w.status.name);
    expect(executions).toEqual(['COMPLETED']);
  });
});
