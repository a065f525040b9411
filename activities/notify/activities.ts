import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { webhookUrlEnvOf } from '../../domain/config';
import { FAILURE_TYPES } from '../../domain/failures';
import { failureMessage, successMessage, webhookPayload, type InstanceReportText } from '../../domain/notifications';
import type { TaskContext } from '../../domain/task-context';
import { temporalUiWorkflowUrl } from '../../domain/temporal-ui';
import { getText } from '../aggregate/s3-json';
import type { ActivityDeps } from '../deps';
import type { ReportOutput } from '../report/activities';
import { taskActivity } from '../task-activity';
import { postWebhook } from './webhook';

// `notifyWebhook`: the DAG's on-success / on-failure callbacks as tasks (Airflow's callbacks
// are not retried; a task is: Temporal retries a failed POST with the task's retry policy).
// args.on = 'success': posts the report task's text reports (read from S3 by the keys in its
// result). args.on = 'failure': posts which of the tasks in args.watch (its deps) did not
// succeed, whether the day's data failed (args.dataTask, default `load`, did not succeed), and
// the run's Temporal UI link (from the config: the workflow never sees UI addresses). Without a webhook URL in the environment both
// succeed at once without sending.

export interface NotifyOutput {
  sent: boolean;
  reason?: string;
  status?: number;
  chars?: number;
}

type On = 'success' | 'failure';

function onOf(ctx: TaskContext): On {
  const on = ctx.args.on;
  if (on === 'success' || on === 'failure') return on;
  throw ApplicationFailure.nonRetryable(
    `task "${ctx.taskId}": args.on must be "success" or "failure", got ${JSON.stringify(on)}`,
    FAILURE_TYPES.invalidInput,
  );
}

/** The upstream task that decides whether the day's data succeeded (args.dataTask, default `load`). */
function dataTaskOf(ctx: TaskContext): string {
  return typeof ctx.args.dataTask === 'string' ? ctx.args.dataTask : 'load';
}

async function successText(deps: ActivityDeps, ctx: TaskContext): Promise<string> {
  const report = ctx.upstream.report as ReportOutput | undefined;
  const texts: InstanceReportText[] = [];
  for (const r of report?.reports ?? []) {
    const text = await getText(deps.s3, deps.bucket, r.textKey);
    if (text !== undefined) texts.push({ instance: r.instance, text, prefix: r.prefix });
  }
  return successMessage(ctx, texts);
}

function failureText(deps: ActivityDeps, ctx: TaskContext): string {
  // runDag hands over the outputs of the upstream tasks that succeeded: the others did not.
  // args.watch repeats the task's deps (the DAG file builds both from one list).
  const watch = Array.isArray(ctx.args.watch) ? ctx.args.watch.filter((t): t is string => typeof t === 'string') : [];
  const notSucceeded = watch.filter((task) => !(task in ctx.upstream));
  return failureMessage({
    dagId: ctx.dagId,
    logicalDate: ctx.logicalDate,
    notSucceeded,
    dataFailed: !(dataTaskOf(ctx) in ctx.upstream),
    uiLink: temporalUiWorkflowUrl(deps.config, ctx.runId),
  });
}

export function createNotifyActivities(deps: ActivityDeps) {
  return {
    notifyWebhook: taskActivity(async (ctx: TaskContext): Promise<NotifyOutput> => {
      const on = onOf(ctx);
      const urlEnv = webhookUrlEnvOf(deps.config);
      const url = deps.env[urlEnv];
      if (!url) return { sent: false, reason: `no webhook: ${urlEnv} is not set` };
      const text = on === 'success' ? await successText(deps, ctx) : failureText(deps, ctx);
      const { status } = await postWebhook(url, webhookPayload(text), {
        timeoutMs: deps.config.notifications?.timeoutMs ?? 10_000,
        urlEnv,
      });
      log.info(`notified ${on} of ${ctx.dagId} ${ctx.logicalDate} (HTTP ${status}, ${text.length} characters)`);
      return { sent: true, status, chars: text.length };
    }),
  };
}
