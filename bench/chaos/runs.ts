import type { Client } from '@temporalio/client';
import type { MastoflowConfig } from '../../domain/config';
import { startDagRun } from '../../runtime/dag-client';
import { FETCH_DAY_WORKFLOW_TYPE, type FetchDayWorkflow } from '../../workflows/contracts';

// Running mastodon_daily over a set of days in a way that survives the chaos: while Temporal is
// down (killed, restarting) every call fails, so starting retries and waiting polls describe(),
// treating errors as "not known yet" rather than as an outcome.
//
// Every round first fetches all its days (the fetchDay workflow), then runs them oldest first,
// one after the other, so that every run sees what its final run would, whichever round it is:
// - a day's aggregation also reads the next day's pages when that day's fetch is complete
//   (late-federated statuses, domain/aggregate-plan.ts latePagesParts): its input counters
//   (map_counts) depend on them, and they are there because the round fetched every day first;
// - first-seen accounts (new_accounts) compare a day's posters with the sets of the days before
//   it, written by their reduces: oldest first, they are there too.
// A round over a store that an earlier round filled then gives the same rows as the first.

export const CHAOS_DAG = 'mastodon_daily';

export interface Round {
  days: string[];
  /** Resolves when every run has closed (or the deadline passed). */
  done: Promise<RoundOutcome>;
  /** True once every run has closed. */
  finished(): boolean;
  /** How many of the runs have closed so far. */
  closed(): number;
}

export interface RoundOutcome {
  runs: number;
  completed: number;
  /** day: status, for runs that did not complete. */
  notCompleted: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function describeOrUndefined(client: Client, workflowId: string) {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch {
    return undefined;
  }
}

/**
 * Start a workflow (again: ALLOW_DUPLICATE), retried while Temporal does not answer. A start
 * that reached Temporal although its answer was lost counts: a new run is there.
 */
async function startRetried(client: Client, workflowId: string, deadline: number, start: () => Promise<unknown>) {
  const before = (await describeOrUndefined(client, workflowId))?.runId;
  for (;;) {
    try {
      await start();
      return;
    } catch (err) {
      const now = await describeOrUndefined(client, workflowId);
      if (now && now.runId !== before) return;
      if (Date.now() > deadline) throw err;
      await sleep(1_000);
    }
  }
}

/** Start the day's run. */
async function startDay(client: Client, config: MastoflowConfig, day: string, deadline: number): Promise<string> {
  const workflowId = `dag/${CHAOS_DAG}/${day}`;
  await startRetried(client, workflowId, deadline, () =>
    startDagRun(client, config, {
      dagId: CHAOS_DAG,
      logicalDate: day,
      // Each day on its own: no re-scan of the day before.
      params: { lookbackDays: 0 },
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    }),
  );
  return workflowId;
}

/** Wait until the workflow's current run closes; its status, or undefined past the deadline. */
async function closedStatus(client: Client, workflowId: string, deadline: number): Promise<string | undefined> {
  while (Date.now() < deadline) {
    const d = await describeOrUndefined(client, workflowId);
    if (d && d.status.name !== 'RUNNING') return d.status.name;
    await sleep(500);
  }
  return undefined;
}

/** Fetch the days (every instance and source), all at once, and wait for them. */
async function fetchDays(client: Client, config: MastoflowConfig, days: readonly string[], deadline: number) {
  const ids = days.map((day) => `chaos-fetch/${day}`);
  for (const [i, day] of days.entries())
    await startRetried(client, ids[i]!, deadline, () =>
      client.workflow.start<FetchDayWorkflow>(FETCH_DAY_WORKFLOW_TYPE, {
        workflowId: ids[i]!,
        taskQueue: config.temporal.taskQueue,
        args: [{ logicalDate: day }],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      }),
    );
  for (const id of ids) await closedStatus(client, id, deadline);
}

/** Fetch the days, then run them oldest first, one at a time, and follow them. */
export async function startRound(
  client: Client,
  config: MastoflowConfig,
  days: readonly string[],
  opts: { timeoutMs: number; onProgress?: (closed: number, total: number) => void },
): Promise<Round> {
  const order = [...days].sort();
  let closed = false;
  const deadline = Date.now() + opts.timeoutMs;
  await fetchDays(client, config, order, deadline);
  // The first start happens before startRound returns, so the caller's disruption hits a run.
  const firstId = await startDay(client, config, order[0]!, deadline);
  const status = new Map<string, string>();
  const done = (async (): Promise<RoundOutcome> => {
    for (const [i, day] of order.entries()) {
      const workflowId = i === 0 ? firstId : await startDay(client, config, day, deadline).catch(() => undefined);
      if (!workflowId) break;
      const closedAs = await closedStatus(client, workflowId, deadline);
      if (closedAs === undefined) break;
      status.set(day, closedAs);
      opts.onProgress?.(status.size, order.length);
    }
    closed = true;
    const notCompleted = order.filter((d) => status.get(d) !== 'COMPLETED');
    return {
      runs: order.length,
      completed: order.length - notCompleted.length,
      notCompleted: notCompleted.map((d) => `${d}: ${status.get(d) ?? 'not closed'}`),
    };
  })();
  return { days: order, done, finished: () => closed, closed: () => status.size };
}
