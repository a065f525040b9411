import type { Command } from 'commander';
import { type Client, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import {
  BackfillRequest,
  checkBackfillRange,
  dryRun,
  planBackfill,
  progressSummary,
  type BackfillProgress,
  type BackfillRequestInput,
  type DryRunDay,
} from '../../domain/backfill-plan';
import { parseDagParams, type DagSpec } from '../../domain/dag-spec';
import { describeZodError } from '../../domain/zod-issues';
import { dagRunWorkflowId } from '../../domain/keys';
import { utcDayOf } from '../../domain/logical-date';
import { BackfillIdKey, DagIdKey, RunTypeKey } from '../../domain/search-attributes';
import { createDagCatalog } from '../../dags/catalog';
import { withTemporalClient } from '../../runtime/clients';
import { fetchDayStates } from '../../runtime/status-grid';
import { BACKFILL_WORKFLOW_TYPE, backfillProgressQuery, type BackfillWorkflow } from '../../workflows/contracts';
import {
  ConnectionNotices,
  probeTemporal,
  untilReachable,
  type ReconnectOptions,
} from '../../runtime/temporal-reconnect';
import { configFrom } from '../context';
import { ProgressPrinter, type ProgressOutput } from '../progress-bar';

// `mastoflow backfill <dag> --from D1 --to D2`: start the backfill workflow, or attach to it when
// it is already running (same workflow ID `backfill/<dag>/<from>..<to>`, conflict policy
// USE_EXISTING), then follow its progress query until it ends. Ctrl-C only detaches: the backfill
// lives in Temporal and keeps going; the same command re-attaches, `--cancel` stops it.

export interface BackfillCliOptions {
  from: string;
  to: string;
  reprocess?: string;
  maxActive?: number;
  backwards?: boolean;
  params?: Record<string, unknown>;
}

/**
 * The validated request: CLI flags over the DAG's defaults (max active = its maxActiveRuns). The
 * range gets the person-typed limits (domain/date-range.ts via checkBackfillRange): real days,
 * in order, at most MAX_BACKFILL_DAYS, none in the future or before 2000.
 */
export function backfillRequestFor(dag: DagSpec, opts: BackfillCliOptions, nowMs = Date.now()): BackfillRequest {
  const range = checkBackfillRange(opts, { today: utcDayOf(nowMs), names: { from: '--from', to: '--to' } });
  if (!range.ok) throw new Error(range.message);
  const input: BackfillRequestInput = {
    dagId: dag.id,
    from: opts.from,
    to: opts.to,
    reprocess: (opts.reprocess ?? 'missing') as BackfillRequestInput['reprocess'],
    backwards: opts.backwards ?? false,
    maxActive: opts.maxActive ?? dag.maxActiveRuns,
    ...(opts.params ? { params: opts.params } : {}),
  };
  const parsed = BackfillRequest.safeParse(input, { reportInput: true });
  if (!parsed.success) throw new Error(`invalid backfill: ${describeZodError(parsed.error)}`);
  if (opts.params) {
    const params = parseDagParams(dag, opts.params);
    if (!params.ok) throw new Error(`invalid params for DAG "${dag.id}": ${params.message}`);
  }
  return parsed.data;
}

export interface StartedBackfill {
  backfillId: string;
  handle: WorkflowHandle;
  /** True when a backfill with this ID was already running and we attached to it. */
  attached: boolean;
  /** When attached: the running backfill's settings where they differ from the request. */
  differences: string[];
}

/** Start the backfill, or attach to the one running under the same ID. */
export async function startOrAttachBackfill(
  client: Client,
  queues: { taskQueue: string; storeTaskQueue: string },
  request: BackfillRequest,
): Promise<StartedBackfill> {
  const { taskQueue, storeTaskQueue } = queues;
  const plan = planBackfill(request);
  const backfillId = plan.backfillId;
  const handle = client.workflow.getHandle(backfillId);
  const running = await isRunning(handle);
  if (!running) {
    await client.workflow.start<BackfillWorkflow>(BACKFILL_WORKFLOW_TYPE, {
      workflowId: backfillId,
      taskQueue,
      args: [request],
      // Handed on to every day run: the queue that serves DuckDB writes here.
      memo: { storeTaskQueue },
      // A running backfill is attached to, never doubled; a finished, failed or cancelled one is
      // started again and, per its reprocess mode, skips the days already done.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [
        { key: DagIdKey, value: request.dagId },
        { key: RunTypeKey, value: 'backfill' },
        { key: BackfillIdKey, value: backfillId },
      ] as SearchAttributePair[],
    });
    return { backfillId, handle, attached: false, differences: [] };
  }
  const progress = await queryProgress(handle, 10_000);
  const differences: string[] = [];
  if (progress) {
    if (progress.reprocess !== request.reprocess)
      differences.push(`reprocess ${progress.reprocess} (asked ${request.reprocess})`);
    if (progress.maxActive !== request.maxActive)
      differences.push(`max active ${progress.maxActive} (asked ${request.maxActive})`);
    if (progress.backwards !== request.backwards) differences.push(progress.backwards ? 'backwards' : 'forwards');
  }
  return { backfillId, handle, attached: true, differences };
}

async function isRunning(handle: WorkflowHandle): Promise<boolean> {
  try {
    return (await handle.describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** The progress query, or undefined when no worker answered within `timeoutMs`. */
export async function queryProgress(handle: WorkflowHandle, timeoutMs = 5_000): Promise<BackfillProgress | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
  try {
    return await Promise.race([handle.query(backfillProgressQuery).catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type WatchOutcome =
  | { kind: 'finished'; progress: BackfillProgress }
  | { kind: 'closed'; status: string }
  | { kind: 'detached' };

/**
 * Follow the backfill until it closes (or `detach` resolves): poll the progress query and draw
 * the bar. The result promise follows continue-as-new, so the whole backfill is followed. With
 * `reconnect`, a Temporal restart is announced and waited out (the backfill carries on in
 * Temporal meanwhile); without it, a lost connection is an error.
 */
export async function watchBackfill(
  handle: WorkflowHandle,
  opts: { out?: ProgressOutput; pollMs?: number; detach?: Promise<void>; reconnect?: ReconnectOptions } = {},
): Promise<WatchOutcome> {
  const printer = new ProgressPrinter(opts.out ?? process.stdout);
  // Detaching aborts the long-poll on the result, so the process can exit at once.
  const abort = new AbortController();
  let done = false;
  const notices = opts.reconnect && new ConnectionNotices(opts.reconnect);
  const reachable = <T>(call: () => Promise<T>): Promise<T> =>
    notices ? untilReachable(call, notices, abort.signal) : call();
  const result = reachable(() => handle.client.withAbortSignal(abort.signal, () => handle.result())).then(
    (value) => ({ kind: 'finished', progress: value as BackfillProgress }) as WatchOutcome,
    async (err: unknown) => {
      if (abort.signal.aborted) return { kind: 'detached' } as WatchOutcome;
      try {
        return { kind: 'closed', status: (await reachable(() => handle.describe())).status.name } as WatchOutcome;
      } catch {
        throw err;
      }
    },
  );
  const detached = (opts.detach ?? new Promise<void>(() => {})).then(() => ({ kind: 'detached' }) as WatchOutcome);
  const poll = (async () => {
    while (!done) {
      if (notices) await probeTemporal(handle.client.connection, notices);
      const progress = await queryProgress(handle, 3_000);
      if (progress && !done) printer.update(progress);
      if (!done) await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
    }
  })();
  try {
    const outcome = await Promise.race([result, detached]);
    if (outcome.kind === 'finished') printer.update(outcome.progress);
    return outcome;
  } finally {
    done = true;
    abort.abort();
    printer.finish();
    await Promise.allSettled([poll, result]);
  }
}

/** Cancel the backfill (and, with cancelRuns, the day runs it has open). Returns what was done. */
export async function cancelBackfill(
  client: Client,
  backfillId: string,
  opts: { cancelRuns?: boolean } = {},
): Promise<string[]> {
  const handle = client.workflow.getHandle(backfillId);
  if (!(await isRunning(handle))) return [`backfill ${backfillId} is not running; nothing to cancel`];
  const progress = await queryProgress(handle);
  await handle.cancel();
  const lines = [`backfill ${backfillId}: cancel requested; no new days will start`];
  const running = progress?.running ?? [];
  if (opts.cancelRuns) {
    for (const day of running) {
      const dayId = dagRunWorkflowId(progress!.dagId, day);
      await client.workflow
        .getHandle(dayId)
        .cancel()
        .then(() => lines.push(`  cancelled ${dayId}`))
        .catch((err: unknown) => lines.push(`  ${dayId}: ${(err as Error).message}`));
    }
  } else if (running.length > 0) {
    lines.push(
      `  ${running.length} day(s) already running will finish: ${running.join(', ')} (add --cancel-runs to cancel them too)`,
    );
  }
  return lines;
}

export function renderDryRun(plan: ReturnType<typeof planBackfill>, days: DryRunDay[]): string {
  const r = plan.request;
  const lines = [
    `dry run: backfill ${plan.backfillId} (reprocess ${r.reprocess}, max ${r.maxActive} active, ${r.backwards ? 'newest' : 'oldest'} first)`,
  ];
  for (const d of days) lines.push(`  ${d.day}  ${d.action.padEnd(6)}  ${d.reason}`);
  const count = (a: DryRunDay['action']) => days.filter((d) => d.action === a).length;
  lines.push(
    `${days.length} days: ${count('run')} to run, ${count('skip')} to skip, ${count('attach')} running (would wait for them)`,
  );
  return lines.join('\n');
}

function parseJsonOption(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`--params: expected a JSON object, got ${value}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('--params: expected a JSON object');
  return parsed as Record<string, unknown>;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--max-active: expected a whole number >= 1, got ${value}`);
  return n;
}

interface BackfillFlags extends BackfillCliOptions {
  dryRun?: boolean;
  cancel?: boolean;
  cancelRuns?: boolean;
  detach?: boolean;
}

export function registerBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description(
      'run a DAG for every day in [from, to] (bounded concurrency, resumable); Ctrl-C detaches, --cancel stops it',
    )
    .argument('<dag>', 'DAG id')
    .requiredOption('--from <day>', 'first logical day (YYYY-MM-DD)')
    .requiredOption('--to <day>', 'last logical day (YYYY-MM-DD), included')
    .option(
      '--reprocess <mode>',
      'days that already have a run: missing (skip them) | failed (re-run failed ones) | all',
      'missing',
    )
    .option('--max-active <n>', "day runs open at once (default: the DAG's maxActiveRuns)", positiveInt)
    .option('--backwards', 'newest day first')
    .option('--params <json>', 'run params for every day, as a JSON object', parseJsonOption)
    .option('--dry-run', 'list the days and what would happen to each; start nothing')
    .option('--detach', 'start (or find) the backfill and return without following it')
    .option('--cancel', 'cancel the running backfill for this range (days already running finish)')
    .option('--cancel-runs', 'with --cancel: also cancel the day runs still open')
    .action(async (dagId: string, opts: BackfillFlags, cmd: Command) => {
      if (opts.cancelRuns && !opts.cancel) throw new Error('--cancel-runs only goes with --cancel');
      const { config } = configFrom(cmd);
      const dag = createDagCatalog(config).get(dagId);
      const request = backfillRequestFor(dag, opts);
      const plan = planBackfill(request);
      await withTemporalClient(config, async (client) => {
        if (opts.cancel) {
          for (const line of await cancelBackfill(client, plan.backfillId, { cancelRuns: opts.cancelRuns }))
            console.log(line);
          return;
        }
        if (opts.dryRun) {
          const states = await fetchDayStates(client, request.dagId, request.from, request.to);
          console.log(renderDryRun(plan, dryRun(plan, states)));
          if (await isRunning(client.workflow.getHandle(plan.backfillId))) {
            console.log(`note: backfill ${plan.backfillId} is running now; running this command would attach to it`);
          }
          return;
        }
        const started = await startOrAttachBackfill(client, config.temporal, request);
        console.log(
          started.attached
            ? `attached to running backfill ${started.backfillId}`
            : `started backfill ${started.backfillId}: ${plan.days.length} days, reprocess ${request.reprocess}, max ${request.maxActive} active`,
        );
        if (started.differences.length > 0) {
          console.log(`note: the running backfill keeps its own settings: ${started.differences.join(', ')}`);
        }
        if (opts.detach) return;

        let onSigint: (() => void) | undefined;
        const detach = new Promise<void>((resolve) => {
          onSigint = () => resolve();
          process.once('SIGINT', onSigint);
        });
        try {
          // Following survives a Temporal restart: it says so and waits for the server.
          const notice = (text: string) => console.error(`backfill: ${text}`);
          const outcome = await watchBackfill(started.handle, {
            detach,
            reconnect: { address: config.temporal.address, onLost: notice, onBack: notice },
          });
          if (outcome.kind === 'detached') {
            console.log(
              `detached: backfill ${started.backfillId} keeps running in Temporal. ` +
                `Run the same command to follow it again, or add --cancel to stop it.`,
            );
            process.exitCode = 130;
          } else if (outcome.kind === 'closed') {
            console.log(`backfill ${started.backfillId} ended ${outcome.status.toLowerCase()}`);
            process.exitCode = 1;
          } else {
            console.log(`backfill ${started.backfillId} finished: ${progressSummary(outcome.progress)}`);
            if (outcome.progress.failedDays.length > 0) {
              console.log(
                `failed days: ${outcome.progress.failedDays.join(', ')} (re-run them with --reprocess failed)`,
              );
              process.exitCode = 1;
            }
          }
        } finally {
          if (onSigint) process.removeListener('SIGINT', onSigint);
        }
      });
    });
}
