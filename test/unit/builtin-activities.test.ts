import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { createBuiltinActivities } from '../../activities/builtin';
import { taskActivity } from '../../activities/task-activity';
import { dataInterval } from '../../domain/logical-date';
import type { TaskContext } from '../../domain/task-context';

// The builtin task activities and the attempt-reporting wrapper, run in the SDK's in-process
// activity context (no server): what runDag receives back from each.

const activities = createBuiltinActivities({} as ActivityDeps);

function ctx(args: Record<string, unknown> = {}, extra: Partial<TaskContext> = {}): TaskContext {
  return {
    dagId: 'd',
    runId: 'dag/d/2026-11-20',
    logicalDate: '2026-11-20',
    dataInterval: dataInterval('2026-11-20'),
    params: {},
    taskId: 't',
    args,
    upstream: {},
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('taskActivity wrapper', () => {
  it('wraps results with the attempt', async () => {
    const env = new MockActivityEnvironment({ attempt: 3 });
    expect(await env.run(activities.noop, ctx({ items: [1, 2] }))).toEqual({
      mastoflowTask: 1,
      attempt: 3,
      output: { items: [1, 2] },
    });
  });

  it('adds the attempt to a failure, keeping message, type, retryability and details', async () => {
    const boom = taskActivity(async () => {
      throw ApplicationFailure.create({ message: 'boom', type: 'Boom', nonRetryable: true, details: ['mine'] });
    });
    const err = await failure(new MockActivityEnvironment({ attempt: 2 }).run(boom, ctx()));
    expect(err).toMatchObject({
      message: 'boom',
      type: 'Boom',
      nonRetryable: true,
      details: ['mine', { mastoflowTaskAttempt: 2 }],
    });
  });

  it('turns a plain error into a retryable failure of its class name', async () => {
    const bug = taskActivity(async () => {
      throw new TypeError('x is undefined');
    });
    const err = await failure(new MockActivityEnvironment({ attempt: 1 }).run(bug, ctx()));
    expect(err).toMatchObject({
      message: 'x is undefined',
      type: 'TypeError',
      nonRetryable: false,
      details: [{ mastoflowTaskAttempt: 1 }],
    });
  });
});

describe('builtin activities', () => {
  it('flakyTask fails its first attempts retryably, then succeeds', async () => {
    const first = await failure(
      new MockActivityEnvironment({ attempt: 1 }).run(activities.flakyTask, ctx({ failAttempts: 2 })),
    );
    expect(first).toMatchObject({
      type: 'DeliberateFailure',
      nonRetryable: false,
      message: 'flaky: deliberate failure on attempt 1 of 2',
    });
    const third = await new MockActivityEnvironment({ attempt: 3 }).run(activities.flakyTask, ctx({ failAttempts: 2 }));
    expect(third).toEqual({ mastoflowTask: 1, attempt: 3, output: { succeededOnAttempt: 3 } });
  });

  it('failTask fails (non-retryably by default), or only for the listed fan-out items', async () => {
    const env = new MockActivityEnvironment();
    expect(await failure(env.run(activities.failTask, ctx()))).toMatchObject({
      type: 'DeliberateFailure',
      nonRetryable: true,
    });
    expect(await failure(env.run(activities.failTask, ctx({ nonRetryable: false, message: 'soft' })))).toMatchObject({
      nonRetryable: false,
      message: 'soft',
    });
    expect(await env.run(activities.failTask, ctx({ itemIndexes: [1] }, { itemIndex: 0 }))).toMatchObject({
      output: { ok: true },
    });
    expect(await failure(env.run(activities.failTask, ctx({ itemIndexes: [1] }, { itemIndex: 1 })))).toMatchObject({
      message: 'deliberate failure (item 1)',
    });
  });

  it('emitList returns count items from args or the run params', async () => {
    const env = new MockActivityEnvironment();
    expect(await env.run(activities.emitList, ctx({ count: 3 }))).toMatchObject({
      output: { items: [0, 1, 2], count: 3 },
    });
    expect(await env.run(activities.emitList, ctx({ prefix: 'p' }, { params: { count: 2 } }))).toMatchObject({
      output: { items: ['p0', 'p1'], count: 2 },
    });
  });

  it('sleepMs sleeps args.ms, else the sleepMs param', async () => {
    const env = new MockActivityEnvironment();
    expect(await env.run(activities.sleepMs, ctx({ ms: 5 }))).toMatchObject({ output: { sleptMs: 5 } });
    expect(await env.run(activities.sleepMs, ctx({}, { params: { sleepMs: 1 } }))).toMatchObject({
      output: { sleptMs: 1 },
    });
  });

  it('heartbeatingSleep heartbeats until told to go silent', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    await env.run(activities.heartbeatingSleep, ctx({ ms: 60, heartbeatEveryMs: 10, stopHeartbeatsAfterMs: 20 }));
    expect(beats).toEqual([{ elapsed: 0 }, { elapsed: 10 }]);
  });

  it('refuses bad args at once, naming them', async () => {
    const env = new MockActivityEnvironment();
    const err = await failure(env.run(activities.sleepMs, ctx({ ms: 'soon' })));
    expect(err).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect(err.message).toBe('sleepMs (task "t"): args.ms: expected number, got "soon"');
    expect((await failure(env.run(activities.emitList, ctx({ cnt: 3 })))).message).toBe(
      'emitList (task "t"): args.cnt: unknown field',
    );
  });
});
