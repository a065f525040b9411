import type { Client } from '@temporalio/client';
import type { MastoflowConfig } from '../../domain/config';
import { startDagRun, type DagRunHandle } from '../../runtime/dag-client';

// Starting mastodon_daily for a set of days and waiting for them to close, in a way that
// survives the chaos: while Temporal is down (killed, restarting) every call fails, so the
// waiting polls describe() and treats errors as "not known yet" rather than as an outcome.

export const CHAOS_DAG = 'mastodon_daily';

export interface Round {
  days: string[];
  /** Resolves when every run has closed (or the deadline passed). */
  done: Promise<RoundOutcome>;
  /** True once every run has closed. */
  finished(): boolean;
}

export interface RoundOutcome {
  runs: number;
  completed: number;
  /** day: status, for runs that did not complete. */
  notCompleted: string[];
}

/** Start one run per day (again, if the day ran before: ALLOW_DUPLICATE) and follow them. */
export async function startRound(
  client: Client,
  config: MastoflowConfig,
  days: readonly string[],
  opts: { timeoutMs: number; onProgress?: (closed: number, total: number) => void },
): Promise<Round> {
  const handles: DagRunHandle[] = [];
  for (const day of days) {
    handles.push(
      await startDagRun(client, config, {
        dagId: CHAOS_DAG,
        logicalDate: day,
        // Each day on its own: the days' results do not depend on the order they run in.
        params: { lookbackDays: 0 },
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      }),
    );
  }
  let closed = false;
  const done = (async (): Promise<RoundOutcome> => {
    const deadline = Date.now() + opts.timeoutMs;
    const status = new Map<string, string>();
    let reported = 0;
    while (Date.now() < deadline) {
      await Promise.all(
        days.map(async (day, i) => {
          const s = status.get(day);
          if (s && s !== 'RUNNING') return;
          try {
            const d = await client.workflow.getHandle(handles[i]!.workflowId).describe();
            status.set(day, d.status.name);
          } catch {
            // Temporal unreachable (restarting): ask again.
          }
        }),
      );
      const closedNow = days.filter((d) => status.has(d) && status.get(d) !== 'RUNNING').length;
      if (closedNow !== reported) opts.onProgress?.(closedNow, days.length);
      reported = closedNow;
      if (closedNow === days.length) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    closed = true;
    const notCompleted = days.filter((d) => status.get(d) !== 'COMPLETED');
    return {
      runs: days.length,
      completed: days.length - notCompleted.length,
      notCompleted: notCompleted.map((d) => `${d}: ${status.get(d) ?? 'unknown'}`),
    };
  })();
  return { days: [...days], done, finished: () => closed };
}
