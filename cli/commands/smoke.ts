import type { Command } from 'commander';
import type { MastoflowConfig } from '../../domain/config';
import { smokeWorkflowId } from '../../domain/keys';
import { withTemporalClient } from '../../runtime/clients';
import { SMOKE_WORKFLOW_TYPE, type SmokeResult } from '../../workflows/contracts';
import { configFrom } from '../context';

/** Start the smoke workflow and wait for it; the printed IDs find it in the Temporal UI. */
export async function runSmoke(
  config: MastoflowConfig,
  runId: string,
): Promise<{ workflowId: string; result: SmokeResult }> {
  const workflowId = smokeWorkflowId(runId);
  const result = await withTemporalClient(config, (client) =>
    client.workflow.execute(SMOKE_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      args: [{ runId, storeTaskQueue: config.temporal.storeTaskQueue }],
      workflowIdConflictPolicy: 'TERMINATE_EXISTING',
      workflowExecutionTimeout: '2m',
    }),
  );
  return { workflowId, result: result as SmokeResult };
}

export function registerSmokeCommand(program: Command): void {
  program
    .command('smoke')
    .description(
      'run the platform smoke workflow (S3 write with one retry, then a DuckDB row) against a running worker',
    )
    .option('--run-id <id>', 'run id (default: a timestamp)')
    .action(async (opts: { runId?: string }, cmd: Command) => {
      const { config } = configFrom(cmd);
      const runId = opts.runId ?? new Date().toISOString().replace(/[:.]/g, '-');
      console.log(`smoke: starting workflow ${smokeWorkflowId(runId)} on ${config.temporal.taskQueue} ...`);
      const { workflowId, result } = await runSmoke(config, runId);
      console.log(
        `smoke: ${workflowId} completed: object ${result.objectKey} written on attempt ${result.objectAttempt}, DuckDB smoke_runs has ${result.duckdbRows} row(s)`,
      );
    });
}
