import { Context } from '@temporalio/activity';

// "Attach to a running day" for workflows. A child workflow start has no conflict policy
// (USE_EXISTING exists only for client starts), and a workflow cannot await a workflow that is
// not its child. So when a backfill or a scheduled run finds a day's ID taken, it asks this
// activity about the existing run: already closed (how?) or running (then wait for it to close).
// It uses the worker's own client, so it needs no deps and no credentials of its own.

export type DagRunStatusName =
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'CONTINUED_AS_NEW'
  | 'TIMED_OUT'
  | 'UNKNOWN'
  | 'UNSPECIFIED'
  | 'PAUSED';

export interface AwaitDagRunInput {
  workflowId: string;
  /** First poll interval; grows ×1.5 up to maxPollMs. */
  pollMs?: number;
  maxPollMs?: number;
}

export interface AwaitDagRunResult {
  workflowId: string;
  runId: string;
  /** Final status of the latest run of the ID. */
  status: DagRunStatusName;
  /** True when the run was still open at the first look (the caller attached to it). */
  wasRunning: boolean;
}

export function createDagRunActivities() {
  return {
    /**
     * Wait until the latest run of `workflowId` is closed and report how it ended. Polls
     * `describe` (cheap, survives worker restarts through heartbeats) rather than holding a
     * long-poll on the result, and heartbeats so a cancelled caller stops it promptly.
     */
    async awaitDagRun(input: AwaitDagRunInput): Promise<AwaitDagRunResult> {
      const ctx = Context.current();
      const handle = ctx.client.workflow.getHandle(input.workflowId);
      let delay = input.pollMs ?? 500;
      const maxDelay = input.maxPollMs ?? 10_000;
      // A retried attempt (worker restart) finds the first attempt's heartbeat: it was running then.
      let wasRunning: boolean | undefined = ctx.info.heartbeatDetails !== undefined ? true : undefined;
      for (;;) {
        const desc = await handle.describe();
        // A continued-as-new run is followed by its successor under the same ID: keep waiting.
        const open = desc.status.name === 'RUNNING' || desc.status.name === 'CONTINUED_AS_NEW';
        wasRunning ??= open;
        if (!open) {
          return {
            workflowId: input.workflowId,
            runId: desc.runId,
            status: desc.status.name as DagRunStatusName,
            wasRunning,
          };
        }
        ctx.heartbeat({ runId: desc.runId });
        await ctx.sleep(delay);
        delay = Math.min(Math.round(delay * 1.5), maxDelay);
      }
    },
  };
}

export type DagRunActivities = ReturnType<typeof createDagRunActivities>;
