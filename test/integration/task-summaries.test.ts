import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandChunkWorkflowId } from '../../domain/keys';
import type { TaskContext } from '../../domain/task-context';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import type { RunDagSummary } from '../../workflows/contracts';
import { DAY, simConfig, startSim, sourcesOn } from '../helpers/fetch-fixtures';
import { startTestWorkers, testClient, uniqueName } from '../helpers/stack';

// The names a run shows in the Temporal UI: the UI's timeline labels each activity and child
// workflow with the user metadata summary recorded in history, and shows the run's current
// details (the `__temporal_workflow_metadata` query). This reads them back the way the UI does.

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const INSTANCE = 'sim.local';

function summaryOf(event: HistoryEvent): string | undefined {
  const payload = event.userMetadata?.summary;
  return payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined;
}

/** Summaries of the activities a history scheduled, in order. */
function activitySummaries(history: History): Array<string | undefined> {
  return (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map(summaryOf);
}

/** Summaries of the child workflows a history started, in order. */
function childSummaries(history: History): Array<string | undefined> {
  return (history.events ?? []).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).map(summaryOf);
}

/** The TaskContext each scheduled activity was called with. */
function activityInputs(history: History): TaskContext[] {
  return (history.events ?? []).flatMap((e) => {
    const input = e.activityTaskScheduledEventAttributes?.input?.payloads?.[0];
    return input ? [defaultPayloadConverter.fromPayload<TaskContext>(input)] : [];
  });
}

async function currentDetails(client: Client, workflowId: string): Promise<string> {
  const metadata = await client.workflow
    .getHandle(workflowId)
    .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

describe('named tasks in the Temporal UI', () => {
  let sim: MastodonSim;
  let temporalClient: Awaited<ReturnType<typeof testClient>>;
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let config: ReturnType<typeof simConfig>;

  beforeAll(async () => {
    sim = await startSim({ statusesPerDay: 600 });
    config = simConfig('summaries', sim, {
      sources: sourcesOn('publicLocal', 'publicRemote', 'instance'),
    });
    workers = await startTestWorkers(config);
    temporalClient = await testClient();
  });
  afterAll(async () => {
    await workers?.stop();
    await temporalClient?.close();
    await sim?.close();
  });

  it('a mastodon_daily run names every activity and chunk in history, and its details are a task table', async () => {
    const client = temporalClient.client;
    const runId = `${uniqueName('dag/mastodon_daily')}/${DAY}`;
    const handle = await client.workflow.start('runDag', {
      workflowId: runId,
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: 'mastodon_daily', logicalDate: DAY, params: { lookbackDays: 0 } }],
    });
    const result = (await handle.result()) as RunDagSummary;
    expect(result.state).toBe('success');
    const parts = result.tasks.map?.items?.total ?? 0;
    expect(parts).toBeGreaterThan(0);

    // The run's own activities are named by task and day; its chunks by task, items and day.
    const parent = await handle.fetchHistory();
    expect(activitySummaries(parent).sort()).toEqual(
      [
        `plan_fetch ${DAY}`,
        `plan_aggregate ${DAY}`,
        `purge_raw ${DAY}`,
        `report ${DAY}`,
        `notify_success ${DAY}`,
      ].sort(),
    );
    expect(childSummaries(parent)).toEqual([
      `fetch ×3 items 1–3 of 3 (${DAY})`,
      `map ×${parts} items 1–${parts} of ${parts} (${DAY})`,
      `reduce ×1 items 1–1 of 1 (${DAY})`,
      `load ×1 items 1–1 of 1 (${DAY})`,
    ]);

    // Each item call is named by the label its planning task gave the item.
    const chunk = (task: string) => client.workflow.getHandle(expandChunkWorkflowId(runId, task, 0)).fetchHistory();
    const fetches = await chunk('fetch');
    expect(activitySummaries(fetches).sort()).toEqual([
      `fetch ${INSTANCE} instance ${DAY}`,
      `fetch ${INSTANCE} public-local ${DAY}`,
      `fetch ${INSTANCE} public-remote ${DAY}`,
    ]);
    const maps = activitySummaries(await chunk('map'));
    expect(maps).toHaveLength(parts);
    for (const summary of maps)
      expect(summary).toMatch(new RegExp(`^map ${INSTANCE} public-(local|remote) ${DAY} part \\d+/${parts}$`));
    const partNumbers = maps.map((s) => Number(/part (\d+)\//.exec(s ?? '')?.[1])).sort((a, b) => a - b);
    expect(partNumbers).toEqual(Array.from({ length: parts }, (_, i) => i + 1));
    expect(activitySummaries(await chunk('reduce'))).toEqual([`reduce ${INSTANCE} ${DAY}`]);
    expect(activitySummaries(await chunk('load'))).toEqual([`load ${INSTANCE} ${DAY}`]);

    // The label is for the UI only: the item an activity receives does not carry it.
    const items = activityInputs(fetches).map((ctx) => ctx.item as Record<string, unknown>);
    expect(items).toHaveLength(3);
    for (const item of items) {
      expect(item).toMatchObject({ instance: INSTANCE, day: DAY });
      expect(item).not.toHaveProperty('label');
    }

    // Current details: a Markdown table with one row per task, fan-outs with their item counts.
    const details = await currentDetails(client, runId);
    expect(details.split('\n')).toEqual(
      expect.arrayContaining([
        `**mastodon_daily** · ${DAY} · manual`,
        '| task | state | attempts | items done/total |',
        '| plan_fetch | success | 1 |  |',
        '| fetch | success | 1 | 3/3 |',
        `| map | success | 1 | ${parts}/${parts} |`,
        '| reduce | success | 1 | 1/1 |',
        '| load | success | 1 | 1/1 |',
        '| purge_raw | success | 1 |  |',
        '| report | success | 1 |  |',
        '| notify_success | success | 1 |  |',
        '| notify_failure | skipped |  |  |',
        `10/10 tasks done · query \`taskStates\` of ${runId} for outputs and errors`,
      ]),
    );
  }, 300_000);

  it('a scheduled run names its day run; unlabelled fan-out items are named by position', async () => {
    const client = temporalClient.client;
    // A day no other test runs example_chain on (the day run's workflow ID is fixed).
    const day = '2019-07-14';
    const wrapper = await client.workflow.start('scheduledDagRun', {
      workflowId: uniqueName('scheduled-summaries'),
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: 'example_chain', logicalDate: day, params: { sleepMs: 0 } }],
    });
    const result = (await wrapper.result()) as { outcome: string; workflowId: string };
    expect(result.outcome).toBe('succeeded');
    expect(childSummaries(await wrapper.fetchHistory())).toEqual([`example_chain ${day} (scheduled)`]);

    const run = client.workflow.getHandle(result.workflowId);
    expect(activitySummaries(await run.fetchHistory())).toEqual(
      expect.arrayContaining([`start ${day}`, `wait ${day}`, `finish ${day}`]),
    );
    const fanOut = await client.workflow
      .getHandle(expandChunkWorkflowId(result.workflowId, 'fan_out', 0))
      .fetchHistory();
    expect(activitySummaries(fanOut).sort()).toEqual(['fan_out 1/3', 'fan_out 2/3', 'fan_out 3/3']);
  }, 120_000);
});
