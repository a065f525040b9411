import { heartbeat } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { dataInterval } from '../../domain/logical-date';
import type { TaskContext } from '../../domain/task-context';
import { taskActivity } from '../../activities/task-activity';

// A task whose options set a heartbeat timeout heartbeats while it runs (taskActivity's
// keep-alive), so Temporal notices a dead worker within that timeout rather than at the
// start-to-close timeout; the keep-alive re-sends the task's own last details, so a checkpoint
// kept in heartbeats (the fetch cursor) is never replaced by an empty one.

const ctx: TaskContext = {
  dagId: 'd',
  runId: 'dag/d/2026-11-20',
  logicalDate: '2026-11-20',
  dataInterval: dataInterval('2026-11-20'),
  params: {},
  taskId: 't',
  args: {},
  upstream: {},
};

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('task keep-alive heartbeats', () => {
  it('re-sends the last details while a task with a heartbeat timeout runs, and stops after', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 4_000 });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const task = taskActivity(async () => {
      heartbeat({ cursor: 5 });
      await wait(2_300);
      return 'done';
    });
    await env.run(task, ctx);
    expect(beats[0]).toEqual({ cursor: 5 });
    // Interval: a quarter of the timeout (1 s): two keep-alives in 2.3 s, with the same details.
    expect(beats.length).toBeGreaterThanOrEqual(3);
    expect(beats.every((b) => JSON.stringify(b) === '{"cursor":5}')).toBe(true);
    const after = beats.length;
    await wait(1_200);
    expect(beats.length).toBe(after);
  });

  it('re-sends the details a retried attempt started with until the task heartbeats itself', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 4_000, heartbeatDetails: { cursor: 9 } });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    await env.run(
      taskActivity(async () => wait(1_200)),
      ctx,
    );
    expect(beats).toEqual([{ cursor: 9 }]);
  });

  it('sends nothing when the task has no heartbeat timeout', async () => {
    const env = new MockActivityEnvironment({});
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    await env.run(
      taskActivity(async () => wait(1_200)),
      ctx,
    );
    expect(beats).toEqual([]);
  });
});
