import type { Client } from '@temporalio/client';
import type { MastoflowConfig } from '../../domain/config';
import { startDagRun } from '../../runtime/dag-client';

// Running mastodon_daily over a set of days in a way that survives the chaos: while Temporal is
// down (killed, restarting) every call fails, so starting retries and waiting polls describe(),
// treating errors as "not known yet" rather than as an outcome.
//
// The days run newest first, one after the other. Why: a day's aggregation also reads the next
// day's pages when that day's fetch is complete (late-federated statuses, see
// domain/aggregate-plan.ts latePagesParts), so its input counters (map_counts: input,
// out_of_window, out_of_range, quarantined) depend on whether the next day's run got there
// first. Run concurrently, two runs of the same days may legitimately differ there; newest
// first, every day but the last sees its next day complete, as its final run would.

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

/** Start the day's run (again: ALLOW_DUPLICATE); retried while Temporal does not answer. */
async function startDay(client: Client, config: MastoflowConfig, day: string, deadline: number): Promise<string> {
  const workflowId = `dag/${CHAOS_DAG}/${day}`;
  const before = (await describeOrUndefined(client, workflowId))?.runId;
  for (;;) {
    try {
      const handle = await startDagRun(client, config, {
        dagId: CHAOS_DAG,
        logicalDate: day,
        // Each day on its own: no re-scan of the day before.
        params: { lookbackDays: 0 },
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      });
      return handle.workflowId;
    } catch (err) {
      // A start that reached Temporal although its answer was lost: the new run is there.
      const now = await describeOrUndefined(client, workflowId);
      if (now && now.runId !== before) return workflowId;
      if (Date.now() > deadline) throw err;
      await sleep(1_000);
    }
  }
}

/** Run the days newest first, one at a time, and follow them. */
export async function startRound(
  client: Client,
  config: MastoflowConfig,
  days: readonly string[],
  opts: { timeoutMs: number; onProgress?: (closed: number, total: number) => void },
): Promise<Round> {
  const order = [...days].sort().reverse();
  let closed = false;
  const deadline = Date.now() + opts.timeoutMs;
  // The first start happens before startRound returns, so the caller's disruption hits a run.
  const firstId = await startDay(client, config, order[0]!, deadline);
  const status = new Map<string, string>();
  const done = (async (): Promise<RoundOutcome> => {
    for (const [i, day] of order.entries()) {
      const workflowId = i === 0 ? firstId : await startDay(client, config, day, deadline).catch(() => undefined);
      if (!workflowId) break;
      while (Date.now() < deadline) {
        const d = await describeOrUndefined(client, workflowId);
        if (d && d.status.name !== 'RUNNING') {
          status.set(day, d.status.name);
          break;
        }
        await sleep(500);
      }
      if (!status.has(day)) break;
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
