import { z } from 'zod';
import { tryParseDuration } from './durations';
import { CalendarDay } from './date-range';
import { formatIssues } from './zod-issues';

// DAG specs as data. Each schema is defined once here; types are derived from them. A DAG file
// is TypeScript (it carries a zod schema for its params), so authors write the *input* shape
// (`DagSpecInput`: defaults optional, durations as '5m') and the registry / workflow parse it
// into the *output* shape (`DagSpec`: defaults filled in, durations in milliseconds).
// Objects are strict so that a typo such as `dependencies:` for `deps:` is an error, not a
// silently ignored key.

// ---------------------------------------------------------------------------------------------
// Building blocks

const SLUG_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const SLUG_HINT = 'expected a lowercase slug (a-z, 0-9, _ or -, at most 63 characters)';

/** DAG and task ids end up in workflow IDs and object keys (lowercased there), so they are slugs. */
export const Slug = z.string().regex(SLUG_RE, { error: SLUG_HINT });

/** A duration: '250ms' | '1s' | '5m' | '2h' | '1d' | milliseconds. Parses to milliseconds. */
export const Duration = z
  .custom<string | number>((value) => tryParseDuration(value) !== undefined, {
    error: "expected a duration like '250ms', '1s', '5m', '2h', '1d' or milliseconds >= 0",
  })
  .transform((value) => tryParseDuration(value) as number);

export const TriggerRule = z.enum(['all_success', 'all_done', 'none_failed', 'one_failed', 'one_success', 'always']);
export type TriggerRule = z.output<typeof TriggerRule>;

export const TaskState = z.enum([
  'pending',
  'running',
  'success',
  'failed',
  'upstream_failed',
  'skipped',
  'up_for_retry',
]);
export type TaskState = z.output<typeof TaskState>;

/** States a task never leaves within a run: its downstream tasks may be decided on them. */
export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'success',
  'failed',
  'upstream_failed',
  'skipped',
]);

export function isTerminalTaskState(state: TaskState): boolean {
  return TERMINAL_TASK_STATES.has(state);
}

export const RunType = z.enum(['scheduled', 'manual', 'backfill']);
export type RunType = z.output<typeof RunType>;

// ---------------------------------------------------------------------------------------------
// Task options

/**
 * Shape shared by full options and per-task overrides. `retries` follows Airflow: retries
 * *after* the first attempt (0 = run once), so Temporal's maximumAttempts = retries + 1
 * (see `maximumAttempts`). Timeouts map onto Temporal activity options of the same name.
 */
const taskOptionFields = {
  retries: z.number().int().min(0, { error: 'expected retries >= 0' }),
  initialBackoff: Duration,
  maxBackoff: Duration,
  backoffCoefficient: z.number().min(1, { error: 'expected a backoff coefficient >= 1' }),
  startToCloseTimeout: Duration,
  /** Only for activities that heartbeat: a non-heartbeating activity would time out. */
  heartbeatTimeout: Duration,
  /** e.g. 'mastoflow-store' for DuckDB writes; unset = the worker's default queue. */
  taskQueue: z.string().min(1),
};

// Duration defaults use prefault: a default is an *output* value in zod 4 and would skip the
// string → milliseconds transform.
export const TaskOptions = z.strictObject({
  retries: taskOptionFields.retries.default(2),
  initialBackoff: taskOptionFields.initialBackoff.prefault('1s'),
  maxBackoff: taskOptionFields.maxBackoff.prefault('5m'),
  backoffCoefficient: taskOptionFields.backoffCoefficient.default(2),
  startToCloseTimeout: taskOptionFields.startToCloseTimeout.prefault('10m'),
  heartbeatTimeout: taskOptionFields.heartbeatTimeout.optional(),
  taskQueue: taskOptionFields.taskQueue.optional(),
});
export type TaskOptions = z.output<typeof TaskOptions>;

/** Per-task overrides: no defaults, so an unset field falls through to the DAG's defaults. */
export const TaskOptionsPatch = z.strictObject(taskOptionFields).partial();
export type TaskOptionsPatch = z.output<typeof TaskOptionsPatch>;

// ---------------------------------------------------------------------------------------------
// Tasks and DAGs

export const ExpandSpec = z.strictObject({
  /** The upstream task whose result holds the list; must be one of this task's deps. */
  from: Slug,
  /** Field of the upstream result that holds the list. */
  field: z.string().min(1).default('items'),
  /** At most this many item calls in flight (within the DAG's maxActiveTasks). */
  concurrency: z.number().int().min(1, { error: 'expected concurrency >= 1' }).default(4),
});
export type ExpandSpec = z.output<typeof ExpandSpec>;

export const TaskSpec = z.strictObject({
  id: Slug,
  /** Name of a registered activity; checked against the worker's activities at load. */
  activity: z.string().min(1, { error: 'expected an activity name' }),
  deps: z.array(Slug).default([]),
  triggerRule: TriggerRule.default('all_success'),
  options: TaskOptionsPatch.default({}),
  /** JSON handed to the activity as is; keep it small (payloads carry keys and counts). */
  args: z.record(z.string(), z.json()).optional(),
  expand: ExpandSpec.optional(),
  /**
   * false: the task's own outcome never decides the run's state (Airflow's teardown tasks with
   * `on_failure_fail_dagrun=False`): cleanup, reports and notifications. The run's state is then
   * read from the leaves of the other tasks (domain/trigger-rules.ts runFinalState), so such a
   * task neither fails a run whose data succeeded nor hides a data failure by succeeding itself.
   * Unset = true.
   */
  failsRun: z.boolean().optional(),
});
export type TaskSpec = z.output<typeof TaskSpec>;
export type TaskSpecInput = z.input<typeof TaskSpec>;

export const ScheduleSpec = z.strictObject({
  /** Five-field cron (minute hour day-of-month month day-of-week) or @daily-style alias. */
  cron: z.string().min(1, { error: 'expected a cron expression' }),
  /** IANA zone the cron is read in. The processed day is always a UTC day regardless. */
  timezone: z.string().min(1).default('UTC'),
  /** How late a missed fire may still run (Temporal schedule catchup window). */
  catchupWindow: Duration.optional(),
  paused: z.boolean().default(false),
});
export type ScheduleSpec = z.output<typeof ScheduleSpec>;

/** The spec carries a zod schema for its run params: the spec is code, not JSON. */
const ParamsSchema = z.custom<z.ZodType>((value) => value instanceof z.ZodType, {
  error: 'expected a zod schema for the run params',
});

export const DagSpec = z.strictObject({
  id: Slug,
  description: z.string().default(''),
  /** null: no schedule, the DAG runs only when triggered (CLI, UI, backfill). */
  schedule: ScheduleSpec.nullable().default(null),
  defaultTaskOptions: TaskOptions.prefault({}),
  /** Concurrent runs of this DAG (bounds backfill fan-out). */
  maxActiveRuns: z.number().int().min(1, { error: 'expected maxActiveRuns >= 1' }).default(1),
  /** Activity calls in flight within one run, expanded items included. */
  maxActiveTasks: z.number().int().min(1, { error: 'expected maxActiveTasks >= 1' }).default(8),
  params: ParamsSchema.default(() => z.strictObject({})),
  tasks: z.array(TaskSpec).min(1, { error: 'expected at least one task' }),
});
export type DagSpec = z.output<typeof DagSpec>;
export type DagSpecInput = z.input<typeof DagSpec>;

/**
 * A DAG spec as a DAG file writes it, with task activity names limited to `A` and its params
 * schema `P` kept as its own type. dags/define-dag.ts fills `A` in from the activities that exist
 * (domain/ cannot see activities/).
 */
export type DagSpecFor<A extends string, P extends z.ZodType> = Omit<DagSpecInput, 'tasks' | 'params'> & {
  params?: P;
  tasks: Array<Omit<TaskSpecInput, 'activity'> & { activity: A }>;
};

/** The DAG's defaults overlaid with the task's own options. */
export function resolveTaskOptions(dag: DagSpec, task: TaskSpec): TaskOptions {
  const merged: TaskOptions = { ...dag.defaultTaskOptions };
  for (const [key, value] of Object.entries(task.options)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/** Temporal's RetryPolicy.maximumAttempts for the options (first attempt + retries). */
export function maximumAttempts(options: Pick<TaskOptions, 'retries'>): number {
  return options.retries + 1;
}

// ---------------------------------------------------------------------------------------------
// Problems found in a spec

export type DagErrorCode =
  | 'schema'
  | 'duplicate_dag'
  | 'duplicate_task'
  | 'duplicate_dep'
  | 'unknown_dep'
  | 'cycle'
  | 'unknown_activity'
  | 'bad_expand'
  | 'bad_cron'
  | 'bad_timezone';

/** One problem in one DAG; `message` already names the DAG and task (`dag "x", task "y": ...`). */
export interface DagError {
  code: DagErrorCode;
  dagId: string;
  taskId?: string;
  message: string;
}

export function dagError(code: DagErrorCode, dagId: string, taskId: string | undefined, text: string): DagError {
  const where = taskId === undefined ? `dag "${dagId}"` : `dag "${dagId}", task "${taskId}"`;
  return taskId === undefined
    ? { code, dagId, message: `${where}: ${text}` }
    : { code, dagId, taskId, message: `${where}: ${text}` };
}

// ---------------------------------------------------------------------------------------------
// Parsing a DAG spec

export type DagParseResult = { ok: true; value: DagSpec } | { ok: false; errors: DagError[] };

/** The DAG id as best known from unparsed input, for naming it in errors. */
function rawDagId(input: unknown, fallback: string): string {
  const id = (input as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? id : fallback;
}

function rawTaskId(input: unknown, index: number): string {
  const task = (input as { tasks?: unknown } | null)?.tasks;
  const id = Array.isArray(task) ? (task[index] as { id?: unknown } | undefined)?.id : undefined;
  return typeof id === 'string' && id !== '' ? id : `#${index}`;
}

/**
 * Parse one DAG spec. Problems under `tasks[i]` are reported against that task's id, so each
 * message reads `dag "x", task "y": options.retries: expected ...`.
 */
export function parseDagSpec(input: unknown, fallbackId = '(unnamed)'): DagParseResult {
  const result = DagSpec.safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const dagId = rawDagId(input, fallbackId);
  const errors = result.error.issues.flatMap((issue) => {
    const [head, index, ...rest] = issue.path;
    if (head === 'tasks' && typeof index === 'number') {
      const taskId = rawTaskId(input, index);
      return formatIssues([{ ...issue, path: rest }]).map((line) => dagError('schema', dagId, taskId, line));
    }
    return formatIssues([issue]).map((line) => dagError('schema', dagId, undefined, line));
  });
  return { ok: false, errors };
}

// ---------------------------------------------------------------------------------------------
// runDag's single input (from the Temporal UI's JSON form, the CLI, schedules and backfills)

export const RunDagInput = z.strictObject({
  dagId: z.string().min(1, { error: 'expected a DAG id' }),
  logicalDate: CalendarDay.optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  runType: RunType.optional(),
  backfillId: z.string().min(1, { error: 'expected a backfill id' }).optional(),
});
export type RunDagInput = z.output<typeof RunDagInput>;

export type ParseOutcome<T> = { ok: true; value: T } | { ok: false; message: string };

const RUN_DAG_INPUT_FIELDS = Object.keys(RunDagInput.shape).join(', ');

/**
 * Parse runDag's input without throwing, so the workflow can fail the run with one
 * non-retryable error naming every bad field, e.g. `logicalDate: expected YYYY-MM-DD (a real
 * calendar day), got "2024-13-01"`.
 */
export function parseRunDagInput(raw: unknown): ParseOutcome<RunDagInput> {
  const result = RunDagInput.safeParse(raw, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const lines = formatIssues(result.error.issues).map((line) =>
    line.endsWith(': unknown field') ? `${line} (expected one of ${RUN_DAG_INPUT_FIELDS})` : line,
  );
  return { ok: false, message: lines.join('; ') };
}

/** Validate a run's params against the DAG's params schema; messages are led by `params.`. */
export function parseDagParams(dag: DagSpec, raw: unknown): ParseOutcome<unknown> {
  const result = dag.params.safeParse(raw ?? {}, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, message: formatIssues(result.error.issues, { pathPrefix: ['params'] }).join('; ') };
}
