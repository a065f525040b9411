import { createHash } from 'node:crypto';
import { activityInfo, ApplicationFailure, cancellationSignal, Context, heartbeat, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { InstanceConfig } from '../../domain/config';
import { fetchItemLabel, planFetchDay, type FetchItem } from '../../domain/fetch-plan';
import { FAILURE_TYPES, parseOrFail } from '../../domain/failures';
import type { MastodonDailyParams } from '../../domain/mastodon-daily-params';
import type { TaskContext } from '../../domain/task-context';
import type { ItemLabel } from '../../domain/task-summary';
import type { ActivityDeps } from '../deps';
import { taskActivity } from '../task-activity';
import type { FetchRuntime, SessionFactory } from './fetch-context';
import type { FetchResult } from './manifest';
import { loadErasureMatcher } from '../erasure/erasure-list';
import { limiterFor } from './shared-budget';
import { MastodonSession } from './session';
import {
  fetchAccountSource,
  fetchInstanceInfoSource,
  fetchListSource,
  fetchPublicTimelineSource,
  fetchTagTimelineSource,
} from './sources';

// The Temporal activities of ingestion. Inputs name an instance from the config and a day; the
// token is read here, from the environment variable the config names, and goes only into the
// HTTP client — never into an input, a result, a heartbeat, a log line or a failure message.
// Results are references and counts (FetchResult); the statuses stay in S3.

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD');
const Knobs = {
  /** Statuses per page (max 40 on Mastodon). */
  pageLimit: z.number().int().min(1).max(80).optional(),
  /** Widening of the ID window on each side, ms. */
  marginMs: z.number().int().min(0).max(86_400_000).optional(),
  /** Per-request HTTP timeout, ms. */
  httpTimeoutMs: z.number().int().min(100).max(600_000).optional(),
};

export const PublicTimelineInput = z.strictObject({
  instance: z.string().min(1),
  day: Day,
  scope: z.enum(['local', 'remote']),
  ...Knobs,
});
export const TagTimelineInput = z.strictObject({
  instance: z.string().min(1),
  day: Day,
  tag: z.string().min(1),
  ...Knobs,
});
export const AccountInput = z.strictObject({
  instance: z.string().min(1),
  day: Day,
  acct: z.string().min(1),
  ...Knobs,
});
export const InstanceSourceInput = z.strictObject({
  instance: z.string().min(1),
  day: Day,
  httpTimeoutMs: Knobs.httpTimeoutMs,
});
export const ListSourceInput = z.strictObject({
  instance: z.string().min(1),
  day: Day,
  httpTimeoutMs: Knobs.httpTimeoutMs,
  /** Offset pages at most (trends, directory). */
  maxPages: z.number().int().min(1).max(1000).optional(),
});
export const PlanInput = z.strictObject({
  day: Day,
  instances: z.array(z.string().min(1)).optional(),
  lookbackDays: z.number().int().min(0).max(7).optional(),
});

export type PublicTimelineInput = z.input<typeof PublicTimelineInput>;
export type TagTimelineInput = z.input<typeof TagTimelineInput>;
export type AccountInput = z.input<typeof AccountInput>;
export type InstanceSourceInput = z.input<typeof InstanceSourceInput>;
export type ListSourceInput = z.input<typeof ListSourceInput>;
export type PlanInput = z.input<typeof PlanInput>;
export type { FetchResult, FetchItem };

/** A FetchItem plus the knobs, as the generic fetch activity takes it. */
export type FetchItemInput = FetchItem & {
  pageLimit?: number;
  marginMs?: number;
  httpTimeoutMs?: number;
  maxPages?: number;
};

function parse<S extends z.ZodType>(schema: S, raw: unknown, activity: string): z.output<S> {
  return parseOrFail(schema, raw, `${activity}: bad input`);
}

function instanceOf(deps: ActivityDeps, name: string): InstanceConfig {
  const inst = deps.config.instances.find((i) => i.name === name);
  if (!inst) {
    throw ApplicationFailure.nonRetryable(
      `unknown instance "${name}" (configured: ${deps.config.instances.map((i) => i.name).join(', ')})`,
      FAILURE_TYPES.unknownInstance,
    );
  }
  return inst;
}

/** The fetch runtime of the current activity execution. */
function activityRuntime(deps: ActivityDeps): FetchRuntime {
  const info = activityInfo();
  // Stable across the attempts of one activity execution, different for every other execution.
  const identity = `${info.workflowExecution?.workflowId ?? ''}/${info.workflowExecution?.runId ?? ''}/${info.activityId}`;
  return {
    s3: deps.s3,
    bucket: deps.bucket,
    fetchId: createHash('sha256').update(identity).digest('hex').slice(0, 32),
    attempt: info.attempt,
    resume: info.heartbeatDetails,
    heartbeat: (details) => heartbeat(details),
    signal: cancellationSignal(),
    now: Date.now,
  };
}

function sessionFactory(
  deps: ActivityDeps,
  inst: InstanceConfig,
  rt: FetchRuntime,
  httpTimeoutMs: number | undefined,
): SessionFactory {
  // The one place a token is read.
  const token = inst.tokenEnv ? deps.env[inst.tokenEnv] || undefined : undefined;
  // The instance's budget, shared with every other worker process through its keeper workflow.
  const limiter = limiterFor({
    baseUrl: inst.baseUrl,
    token,
    taskQueue: deps.config.temporal.taskQueue,
    env: deps.env,
    client: activityClient(),
    warn: (message) => log.warn(message),
  });
  return ({ onWait, counters }) =>
    new MastodonSession(inst, { token, timeoutMs: httpTimeoutMs, limiter, onWait, signal: rt.signal, counters });
}

/** The worker's client, from the activity context (absent when an activity runs outside a worker). */
function activityClient(): Client | undefined {
  try {
    return Context.current().client;
  } catch {
    return undefined;
  }
}

export function createMastodonActivities(deps: ActivityDeps) {
  const run = async (
    instanceName: string,
    httpTimeoutMs: number | undefined,
    fn: (rt: FetchRuntime, inst: InstanceConfig, newSession: SessionFactory) => Promise<FetchResult>,
  ): Promise<FetchResult> => {
    const inst = instanceOf(deps, instanceName);
    const rt = activityRuntime(deps);
    const erasure = await loadErasureMatcher(deps);
    if (erasure) rt.erasure = erasure;
    const r = await fn(rt, inst, sessionFactory(deps, inst, rt, httpTimeoutMs));
    // Keys and counts only: nothing here can carry a token or a status.
    log.info(
      `fetched ${r.manifestKey.replace(/\/_manifest\.json$/, '')}: ${r.pages} pages, ${r.statusesInWindow} statuses of the day` +
        (r.unavailable ? `, unavailable (HTTP ${r.unavailable.httpStatus})` : ''),
    );
    return r;
  };

  const activities = {
    /** The day's fetches for the configured instances (references only). */
    async planFetchDay(raw: PlanInput): Promise<{ items: FetchItem[] }> {
      const input = parse(PlanInput, raw, 'planFetchDay');
      try {
        return {
          items: planFetchDay(deps.config, input.day, { instances: input.instances, lookbackDays: input.lookbackDays }),
        };
      } catch (err) {
        throw ApplicationFailure.nonRetryable(
          `planFetchDay: ${err instanceof Error ? err.message : String(err)}`,
          FAILURE_TYPES.invalidInput,
        );
      }
    },

    /** Public timeline of one day, local (local=true) or remote-only (remote=true). */
    async fetchPublicTimeline(raw: PublicTimelineInput): Promise<FetchResult> {
      const input = parse(PublicTimelineInput, raw, 'fetchPublicTimeline');
      return run(input.instance, input.httpTimeoutMs, (rt, inst, s) => fetchPublicTimelineSource(rt, s, inst, input));
    },

    /** Hashtag timeline of one day. */
    async fetchTagTimeline(raw: TagTimelineInput): Promise<FetchResult> {
      const input = parse(TagTimelineInput, raw, 'fetchTagTimeline');
      return run(input.instance, input.httpTimeoutMs, (rt, inst, s) => fetchTagTimelineSource(rt, s, inst, input));
    },

    /** Tracked account: profile snapshot (counts) and its statuses of the day. */
    async fetchAccount(raw: AccountInput): Promise<FetchResult> {
      const input = parse(AccountInput, raw, 'fetchAccount');
      return run(input.instance, input.httpTimeoutMs, (rt, inst, s) => fetchAccountSource(rt, s, inst, input));
    },

    /** Instance document: /api/v2/instance, else /api/v1/instance. */
    async fetchInstanceInfo(raw: InstanceSourceInput): Promise<FetchResult> {
      const input = parse(InstanceSourceInput, raw, 'fetchInstanceInfo');
      return run(input.instance, input.httpTimeoutMs, (rt, inst, s) => fetchInstanceInfoSource(rt, s, inst, input));
    },

    /** Weekly activity (statuses, logins, registrations). */
    async fetchInstanceActivity(raw: ListSourceInput): Promise<FetchResult> {
      const input = parse(ListSourceInput, raw, 'fetchInstanceActivity');
      return run(input.instance, input.httpTimeoutMs, (rt, inst, s) =>
        fetchListSource(rt, s, inst, { ...input, kind: 'activity' }),
      );
    },

    /** Federation peers. */
    async fetchInstancePeers(raw: ListSourceInput): Promise<FetchResult> {
      const input = parse(ListSourceInput, raw, 'fetchInstancePeers');
      return run(input.instance, input.httpTimeoutMs, (rt, inst, s) =>
        fetchListSource(rt, s, inst, { ...input, kind: 'peers' }),
      );
    },

    /** Trending tags (with their 7-day history). */
    async fetchTrendTags(raw: ListSourceInput): Promise<FetchResult> {
      const input = parse(ListSourceInput, raw, 'fetchTrendTags');
      return run(input.instance, input.httpTimeoutMs, (rt, inst, s) =>
        fetchListSource(rt, s, inst, { ...input, kind: 'trends' }),
      );
    },

    /** Profile directory pages (local, most active first). */
    async fetchDirectory(raw: ListSourceInput): Promise<FetchResult> {
      const input = parse(ListSourceInput, raw, 'fetchDirectory');
      return run(input.instance, input.httpTimeoutMs, (rt, inst, s) =>
        fetchListSource(rt, s, inst, { ...input, kind: 'directory' }),
      );
    },
  };

  /** Any planned item, dispatched by kind (the DAG's fan-out calls this). */
  const fetchItem = async (item: FetchItemInput): Promise<FetchResult> => {
    const knobs = {
      ...(item.pageLimit !== undefined ? { pageLimit: item.pageLimit } : {}),
      ...(item.marginMs !== undefined ? { marginMs: item.marginMs } : {}),
      ...(item.httpTimeoutMs !== undefined ? { httpTimeoutMs: item.httpTimeoutMs } : {}),
    };
    const base = { instance: item.instance, day: item.day };
    const list = {
      ...base,
      ...(item.httpTimeoutMs !== undefined ? { httpTimeoutMs: item.httpTimeoutMs } : {}),
      ...(item.maxPages !== undefined ? { maxPages: item.maxPages } : {}),
    };
    switch (item.kind) {
      case 'public-timeline':
        return activities.fetchPublicTimeline({ ...base, ...knobs, scope: item.scope ?? 'local' });
      case 'tag-timeline':
        return activities.fetchTagTimeline({ ...base, ...knobs, tag: item.tag ?? '' });
      case 'account':
        return activities.fetchAccount({ ...base, ...knobs, acct: item.acct ?? '' });
      case 'instance':
        return activities.fetchInstanceInfo({
          ...base,
          ...(item.httpTimeoutMs !== undefined ? { httpTimeoutMs: item.httpTimeoutMs } : {}),
        });
      case 'activity':
        return activities.fetchInstanceActivity(list);
      case 'peers':
        return activities.fetchInstancePeers(list);
      case 'trends':
        return activities.fetchTrendTags(list);
      case 'directory':
        return activities.fetchDirectory(list);
      default:
        throw ApplicationFailure.nonRetryable(
          `unknown fetch kind ${JSON.stringify((item as { kind?: unknown }).kind)}`,
          FAILURE_TYPES.invalidInput,
        );
    }
  };

  return {
    ...activities,
    fetchItem,

    // DAG task wrappers (TaskContext in, envelope out): see dags/mastodon_daily.ts.

    /** plan_fetch: the run's items; args/params may narrow instances and set the look-back. */
    mastodonPlanFetch: taskActivity(async (ctx: TaskContext<MastodonDailyParams>) => {
      // The task's args (as written in the DAG) override the run's params (parsed by the DAG's schema).
      const args = ctx.args ?? {};
      const lookback = typeof args.lookbackDays === 'number' ? args.lookbackDays : ctx.params.lookbackDays;
      const instances = Array.isArray(args.instances) ? (args.instances as string[]) : ctx.params.instances;
      const { items } = await activities.planFetchDay({
        day: ctx.logicalDate,
        lookbackDays: lookback ?? deps.config.schedule.lookbackDays,
        ...(instances.length > 0 ? { instances } : {}),
      });
      // Each item named for the Temporal UI (runDag strips the label before the fetch sees it).
      return { items: items.map((item): FetchItem & ItemLabel => ({ ...item, label: fetchItemLabel(item) })) };
    }),

    /** fetch (expanded over plan_fetch's items): one (instance, source, day) per call. */
    mastodonFetchSource: taskActivity(async (ctx: TaskContext) => {
      const item = ctx.item as FetchItemInput | undefined;
      if (!item || typeof item !== 'object' || typeof item.kind !== 'string') {
        throw ApplicationFailure.nonRetryable(
          `mastodonFetchSource (task "${ctx.taskId}"): expected a fetch item from plan_fetch`,
          FAILURE_TYPES.invalidInput,
        );
      }
      const knobs = ctx.args ?? {};
      return fetchItem({ ...item, ...pickKnobs(knobs) });
    }),
  };
}

function pickKnobs(args: Record<string, unknown>): Partial<FetchItemInput> {
  const out: Partial<FetchItemInput> = {};
  for (const k of ['pageLimit', 'marginMs', 'httpTimeoutMs', 'maxPages'] as const) {
    const v = args[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

export type MastodonActivities = ReturnType<typeof createMastodonActivities>;
