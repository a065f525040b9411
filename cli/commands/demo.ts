import type { Command } from 'commander';
import { runSmoke } from './smoke';
import { holdUntilSignal, printStackUrls, startDevSession } from './dev';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('bring up the embedded stack with a worker, run the demo workflow, print the Temporal UI link')
    .option('--exit', 'stop the stack after the demo instead of keeping it up for browsing')
    .action(async (opts: { exit?: boolean }, cmd: Command) => {
      const session = await startDevSession(cmd, { worker: true });
      try {
        const runId = `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        console.log('demo: running the smoke workflow (its first S3 write fails on purpose; Temporal retries it) ...');
        const { workflowId, result } = await runSmoke(session.stack.config, runId);
        console.log(`demo: ${workflowId} completed; object ${result.objectKey} on attempt ${result.objectAttempt}; DuckDB rows ${result.duckdbRows}`);
        printStackUrls(session.stack);
        console.log(`  This run:     ${session.stack.temporal.uiUrl}/namespaces/${session.stack.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`);
        console.log('');
      } catch (err) {
        session.stopWorkers();
        await session.stack.stop();
        throw err;
      }
      if (opts.exit) {
        session.stopWorkers();
        await session.workerDone;
        await session.stack.stop();
        return;
      }
      console.log('demo: stack stays up for browsing; press Ctrl-C to stop.');
      await holdUntilSignal(session);
    });
}
