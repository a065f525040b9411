import { PutObjectCommand } from '@aws-sdk/client-s3';
import { activityInfo, ApplicationFailure, heartbeat, sleep } from '@temporalio/activity';
import { z } from 'zod';
import { FAILURE_TYPES, parseOrFail } from '../domain/failures';
import { mappedPartKey } from '../domain/keys';
import type { TaskContext } from '../domain/task-context';
import type { ActivityDeps } from './deps';
import { stopKeepAlive, taskActivity } from './task-activity';

// Generic task activities for demo DAGs, tests and benchmarks: they exercise the engine
// (chains, fan-out, retries, timeouts, failures) without Mastodon or DuckDB. Each reads its
// settings from the task's `args` (validated here: a bad arg fails the task at once, naming it).

function parseArgs<S extends z.ZodType>(schema: S, ctx: TaskContext, activity: string): z.output<S> {
  return parseOrFail(schema, ctx.args ?? {}, `${activity} (task "${ctx.taskId}")`, { pathPrefix: ['args'] });
}

const SleepArgs = z.strictObject({ ms: z.number().int().min(0).max(3_600_000).optional() });

const FailArgs = z.strictObject({
  message: z.string().default('deliberate failure'),
  /** true: fail the task at once; false: let Temporal retry it (up to the task's retries). */
  nonRetryable: z.boolean().default(true),
  type: z.string().min(1).default('DeliberateFailure'),
  /** Fan-out: fail only these item indexes, succeed on the others. */
  itemIndexes: z.array(z.number().int().min(0)).optional(),
});

const FlakyArgs = z.strictObject({ failAttempts: z.number().int().min(0).default(1) });

const EmitArgs = z.strictObject({
  /** Number of items; else the run param `count`; else 3. */
  count: z.number().int().min(0).max(100_000).optional(),
  /** Items are `<prefix><i>` strings with a prefix, else the numbers 0..count-1. */
  prefix: z.string().optional(),
});

const HeartbeatArgs = z.strictObject({
  ms: z.number().int().min(0).max(3_600_000),
  heartbeatEveryMs: z.number().int().min(10).default(100),
  /** Stop heartbeating after this long (simulates a stuck worker: the heartbeat timeout fires). */
  stopHeartbeatsAfterMs: z.number().int().min(0).optional(),
});

function numberParam(ctx: TaskContext, name: string): number | undefined {
  const value = ctx.params[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function createBuiltinActivities(deps: ActivityDeps) {
  return {
    /** Returns its args unchanged, so a DAG can hand a literal list to a fan-out. */
    noop: taskActivity(async (ctx) => ctx.args ?? {}),

    /** Sleeps args.ms (else the run param `sleepMs`, else 100 ms); cancellable. */
    sleepMs: taskActivity(async (ctx) => {
      const args = parseArgs(SleepArgs, ctx, 'sleepMs');
      const ms = args.ms ?? numberParam(ctx, 'sleepMs') ?? 100;
      await sleep(ms);
      return { sleptMs: ms };
    }),

    /** Always fails (or, with itemIndexes, fails only those fan-out items). */
    failTask: taskActivity(async (ctx) => {
      const args = parseArgs(FailArgs, ctx, 'failTask');
      if (args.itemIndexes && (ctx.itemIndex === undefined || !args.itemIndexes.includes(ctx.itemIndex))) {
        return { ok: true };
      }
      const where = ctx.itemIndex === undefined ? '' : ` (item ${ctx.itemIndex})`;
      const message = `${args.message}${where}`;
      throw args.nonRetryable
        ? ApplicationFailure.nonRetryable(message, args.type)
        : ApplicationFailure.retryable(message, args.type);
    }),

    /** Fails its first args.failAttempts attempts (retryably), then succeeds. */
    flakyTask: taskActivity(async (ctx) => {
      const args = parseArgs(FlakyArgs, ctx, 'flakyTask');
      const { attempt } = activityInfo();
      if (attempt <= args.failAttempts) {
        throw ApplicationFailure.retryable(
          `flaky: deliberate failure on attempt ${attempt} of ${args.failAttempts}`,
          FAILURE_TYPES.deliberate,
        );
      }
      return { succeededOnAttempt: attempt };
    }),

    /** A list to fan out over: `{ items, count }`. */
    emitList: taskActivity(async (ctx) => {
      const args = parseArgs(EmitArgs, ctx, 'emitList');
      const count = args.count ?? numberParam(ctx, 'count') ?? 3;
      const items = Array.from({ length: count }, (_, i) => (args.prefix === undefined ? i : `${args.prefix}${i}`));
      return { items, count };
    }),

    /** Sleeps while heartbeating; with stopHeartbeatsAfterMs it goes silent to trip the heartbeat timeout. */
    heartbeatingSleep: taskActivity(async (ctx) => {
      const args = parseArgs(HeartbeatArgs, ctx, 'heartbeatingSleep');
      // Its heartbeats are its own: silent means silent (taskActivity's keep-alive is off).
      if (args.stopHeartbeatsAfterMs !== undefined) stopKeepAlive();
      let elapsed = 0;
      while (elapsed < args.ms) {
        const step = Math.min(args.heartbeatEveryMs, args.ms - elapsed);
        if (args.stopHeartbeatsAfterMs === undefined || elapsed < args.stopHeartbeatsAfterMs) heartbeat({ elapsed });
        await sleep(step);
        elapsed += step;
      }
      return { sleptMs: args.ms };
    }),

    /**
     * Writes one small object per call at the task's mapped-partial key (part = item index), the
     * way a map step writes its partials; returns the key. Lets tests count what ran in S3.
     */
    writePart: taskActivity(async (ctx) => {
      const key = mappedPartKey(ctx.dagId, ctx.logicalDate, ctx.taskId, ctx.itemIndex ?? 0);
      const body = JSON.stringify({ runId: ctx.runId, item: ctx.item ?? null, itemIndex: ctx.itemIndex ?? null });
      await deps.s3.send(
        new PutObjectCommand({ Bucket: deps.bucket, Key: key, Body: body, ContentType: 'application/json' }),
      );
      return { key };
    }),
  };
}

export type BuiltinActivities = ReturnType<typeof createBuiltinActivities>;

/**
 * Builtins served on the store queue (`mastoflow-store`, the single DuckDB writer): a no-op that
 * reports the queue it ran on, so DAGs and tests can check that store tasks are routed there.
 */
export function createBuiltinStoreActivities(_deps: ActivityDeps) {
  return {
    storeNoop: taskActivity(async (ctx) => ({ ...ctx.args, taskQueue: activityInfo().taskQueue })),
  };
}
