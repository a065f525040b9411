import type { Command } from 'commander';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { erasureHash, erasureSecret } from '../../activities/erasure/erasure-hash';
import { pseudonymRowKeys, trackedAt } from '../../activities/erasure/tracked';
import type { MastoflowConfig } from '../../domain/config';
import { parseAcctArgument, type ForgetInput } from '../../domain/erasure';
import { forgetWorkflowId } from '../../domain/keys';
import { connectTemporalClient } from '../../runtime/clients';
import { temporalUiLink } from '../../runtime/dag-client';
import {
  FORGET_WORKFLOW_TYPE,
  forgetProgressQuery,
  type ForgetProgress,
  type ForgetResult,
} from '../../workflows/contracts';
import { configFrom } from '../context';

// `mastoflow forget <acct>`: erase one account on request (GDPR art. 17). The acct is turned
// into a keyed hash here, in the CLI; the workflow `forgetAccount` (ID forget/<hash prefix>),
// its history and everything it writes only ever see that hash. See README "Erasing an account".

/** What the CLI sends: the hash, and in pseudonymised mode the account's row keys (keyed hashes too). */
export function forgetRequest(
  config: MastoflowConfig,
  env: NodeJS.ProcessEnv,
  rawAcct: string,
): { input: ForgetInput; workflowId: string } {
  const parsed = parseAcctArgument(rawAcct);
  if ('error' in parsed) throw new Error(`forget: ${parsed.error}`);
  const secret = erasureSecret(env, config.privacy);
  if (!secret.value)
    throw new Error(
      `forget: ${secret.variable} is not set: the erasure hash is keyed with the pseudonymisation secret (privacy.keyEnv); set it to the value the workers have`,
    );
  const accountHash = erasureHash(secret.value, parsed.acct);
  const where = trackedAt(config, secret.value, accountHash);
  if (where)
    throw new Error(
      `forget: the config still tracks ${parsed.acct} (${where}); remove it from the config (and restart the workers) before erasing it`,
    );
  const rowKeys = config.privacy.pseudonymise ? pseudonymRowKeys(config, secret.value, parsed.acct) : [];
  return { input: { accountHash, rowKeys, reason: 'request' }, workflowId: forgetWorkflowId(accountHash) };
}

function describe(p: ForgetProgress): string {
  const what: Record<ForgetProgress['phase'], string> = {
    begin: 'checking the config, adding the account to the erasure list',
    raw: 'raw days rewritten',
    reaggregate: 'days aggregated again',
    purged: 'purged days cleaned',
    finish: 'store rows, marks, log, checkpoint, Parquet',
    reports: 'daily reports written again',
    done: 'done',
  };
  return p.phase === 'begin' || p.phase === 'finish' || p.phase === 'done'
    ? `${p.phase}: ${what[p.phase]}`
    : `${p.phase}: ${p.done}/${p.total} ${what[p.phase]}`;
}

export function formatForgetResult(r: ForgetResult): string {
  const days = (ds: { instance: string; day: string }[]) =>
    ds.length === 0 ? 'none' : ds.map((d) => `${d.instance} ${d.day}`).join(', ');
  return [
    `statuses removed from raw: ${r.statusesRemoved} (objects rewritten ${r.objectsRewritten}, deleted ${r.objectsDeleted})`,
    `days aggregated again: ${days(r.reaggregated)}`,
    `days without raw, account-level rows removed and totals marked: ${days(r.purgedDaysMarked)}`,
    `result rows deleted: ${r.rowsDeleted}`,
    `erasure log: ${r.logKey}`,
  ].join('\n');
}

export function registerForgetCommand(program: Command): void {
  program
    .command('forget <acct>')
    .description('erase an account (user@domain) from raw, results and the store; only its keyed hash is recorded')
    .option('--no-wait', 'start the erasure and return (it runs on the workers)')
    .action(async (acct: string, opts: { wait: boolean }, cmd: Command) => {
      const { config } = configFrom(cmd);
      // Checked before connecting: a refusal needs no running stack.
      const { input, workflowId } = forgetRequest(config, process.env, acct);
      const connection = await connectTemporalClient(config.temporal);
      try {
        const client = new Client({ connection, namespace: config.temporal.namespace });
        let handle = client.workflow.getHandle(workflowId);
        try {
          handle = await client.workflow.start(FORGET_WORKFLOW_TYPE, {
            workflowId,
            taskQueue: config.temporal.taskQueue,
            memo: { storeTaskQueue: config.temporal.storeTaskQueue },
            // Forgetting again (a crash, or new raw since) runs the erasure again; it is idempotent.
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
            args: [input],
          });
          console.log(`forget: started ${workflowId}`);
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          console.log(`forget: ${workflowId} is already running; following it`);
        }
        const link = temporalUiLink(config, workflowId);
        console.log(link ? `forget: ${link}` : `forget: workflow ID ${workflowId}`);
        if (!opts.wait) return;
        let last = '';
        const timer = setInterval(() => {
          handle
            .query(forgetProgressQuery)
            .then((p) => {
              const line = describe(p);
              if (line !== last) console.log(`${new Date().toISOString().slice(11, 19)}  ${line}`);
              last = line;
            })
            .catch(() => {});
        }, 1_000);
        try {
          const result = (await handle.result()) as ForgetResult;
          console.log('');
          console.log(formatForgetResult(result));
        } catch (err) {
          const cause = (err as { cause?: { message?: string } }).cause?.message;
          throw new Error(`forget: ${workflowId} failed: ${cause ?? (err as Error).message}`);
        } finally {
          clearInterval(timer);
        }
      } finally {
        await connection.close();
      }
    });
}
