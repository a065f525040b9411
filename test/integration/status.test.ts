import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../cli/main';
import { dagRunWorkflowId } from '../../domain/keys';
import { dagRunSearchAttributes } from '../../domain/search-attributes';
import { fetchStatusGrid } from '../../runtime/status-grid';
import { startTestWorkers, testClient, testConfig, testStack, uniqueName } from '../helpers/stack';
import { RUN_DAG_WORKFLOW_TYPE } from '../../workflows/contracts';

// `mastoflow status`: the date × state grid read back from Temporal visibility, over days whose
// runs were made to end in each state (a re-run counts by its latest execution).

const DAG = 'example_chain';

describe('status grid on the real stack', () => {
  const name = uniqueName('status');
  const config = testConfig(name);
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let client: Client;

  beforeAll(async () => {
    workers = await startTestWorkers(config);
    temporal = await testClient();
    client = temporal.client;
  });
  afterAll(async () => {
    await workers?.stop();
    await temporal?.close();
  });

  function start(day: string, params: Record<string, unknown>): Promise<WorkflowHandle> {
    return client.workflow.start(RUN_DAG_WORKFLOW_TYPE, {
      workflowId: dagRunWorkflowId(DAG, day),
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: DAG, logicalDate: day, runType: 'manual', params }],
      typedSearchAttributes: dagRunSearchAttributes({
        dagId: DAG,
        logicalDate: day,
        runType: 'manual',
      }) as SearchAttributePair[],
    });
  }
  const settle = (h: WorkflowHandle) => h.result().catch(() => undefined);

  it('shows each day by its latest run: ✓ ✗ ▶ ⊘ ·', async () => {
    // 2008-03-03 is a Monday: the grid is two calendar rows.
    await settle(await start('2008-03-03', { sleepMs: 10 })); // success
    await settle(await start('2008-03-04', { sleepMs: -1 })); // failed
    await settle(await start('2008-03-05', { sleepMs: -1 })); // failed, then fixed by a re-run:
    await settle(await start('2008-03-05', { sleepMs: 10 })); // success
    const cancelled = await start('2008-03-06', { sleepMs: 30_000 });
    await cancelled.cancel();
    await settle(cancelled);
    const running = await start('2008-03-07', { sleepMs: 30_000 });
    try {
      let grid = await fetchStatusGrid(client, DAG, '2008-03-03', '2008-03-10');
      for (let i = 0; i < 100 && grid.counts.none > 3; i++) {
        await new Promise((r) => setTimeout(r, 200));
        grid = await fetchStatusGrid(client, DAG, '2008-03-03', '2008-03-10');
      }
      expect(grid.days.map((d) => [d.day, d.state])).toEqual([
        ['2008-03-03', 'success'],
        ['2008-03-04', 'failed'],
        ['2008-03-05', 'success'],
        ['2008-03-06', 'cancelled'],
        ['2008-03-07', 'running'],
        ['2008-03-08', 'none'],
        ['2008-03-09', 'none'],
        ['2008-03-10', 'none'],
      ]);
      expect(grid.days[0]?.run).toMatchObject({ workflowId: 'dag/example_chain/2008-03-03', runType: 'manual' });

      const configFile = path.join(testStack().tempDir, `${name}-config.json`);
      writeFileSync(configFile, JSON.stringify(config));
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      let printed = '';
      try {
        await buildProgram().parseAsync(
          ['--config', configFile, 'status', DAG, '--from', '2008-03-03', '--to', '2008-03-10'],
          { from: 'user' },
        );
        printed = log.mock.calls.map((c) => String(c[0])).join('\n');
      } finally {
        log.mockRestore();
      }
      expect(printed.split('\n')).toEqual([
        'example_chain  2008-03-03 .. 2008-03-10  (latest run per logical day)',
        '            Mon   Tue   Wed   Thu   Fri   Sat   Sun',
        '2008-03-03  03 ✓  04 ✗  05 ✓  06 ⊘  07 ▶  08 ·  09 ·',
        '2008-03-10  10 ·',
        '',
        '✓ success 2   ✗ failed 1   ▶ running 1   ⊘ cancelled 1   · none 3',
      ]);
    } finally {
      await running.terminate('test over');
    }
  });
});
