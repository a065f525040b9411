import { CronExpressionParser } from 'cron-parser';
import { dagError, parseDagSpec, type DagError, type DagSpec, type DagSpecInput } from '../domain/dag-spec';
import { validateDagGraph } from '../domain/dag-graph';

// The registry is where DAG files meet the worker's activity list. It parses every spec, runs
// the graph checks and checks schedules, and refuses to load with one error that lists every
// problem, so a broken DAG is found at start-up (worker, CLI) rather than mid-run. Cron
// checking lives here, not in domain/, so the workflow bundle does not pull in cron-parser.

export interface DagRegistry {
  /** The DAG, or an error naming the known ids. */
  get(id: string): DagSpec;
  find(id: string): DagSpec | undefined;
  has(id: string): boolean;
  /** All DAGs sorted by id. */
  list(): DagSpec[];
  ids(): string[];
}

/** Thrown by createDagRegistry; `problems` keeps each one for callers that want structure. */
export class DagRegistryError extends Error {
  readonly problems: DagError[];

  constructor(problems: DagError[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid DAG definitions (${count}):\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
    this.name = 'DagRegistryError';
    this.problems = problems;
  }
}

export function createDagRegistry(dags: ReadonlyArray<DagSpecInput>, knownActivities: Iterable<string>): DagRegistry {
  const activities = new Set(knownActivities);
  const problems: DagError[] = [];
  const byId = new Map<string, DagSpec>();

  dags.forEach((input, index) => {
    const parsed = parseDagSpec(input, `#${index}`);
    if (!parsed.ok) {
      problems.push(...parsed.errors);
      return;
    }
    const dag = parsed.value;
    if (byId.has(dag.id)) {
      problems.push(
        dagError('duplicate_dag', dag.id, undefined, `duplicate DAG id (definition #${index} repeats an earlier one)`),
      );
      return;
    }
    problems.push(...validateDagGraph(dag, activities), ...validateSchedule(dag));
    byId.set(dag.id, dag);
  });

  if (problems.length > 0) throw new DagRegistryError(problems);
  return registryOver(byId);
}

function registryOver(byId: ReadonlyMap<string, DagSpec>): DagRegistry {
  const ids = [...byId.keys()].sort();
  const find = (id: string): DagSpec | undefined => byId.get(id);
  return {
    find,
    has: (id) => byId.has(id),
    get: (id) => {
      const dag = find(id);
      if (!dag) throw new Error(`unknown DAG "${id}" (known: ${ids.join(', ') || 'none'})`);
      return dag;
    },
    list: () => ids.map((id) => byId.get(id) as DagSpec),
    ids: () => [...ids],
  };
}

// ---------------------------------------------------------------------------------------------
// Schedules

// Aliases both cron-parser and Temporal's schedule cron strings understand.
const CRON_ALIASES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly']);

/** Problems with the DAG's schedule: cron shape and syntax, and the IANA timezone. */
export function validateSchedule(dag: Pick<DagSpec, 'id' | 'schedule'>): DagError[] {
  if (dag.schedule === null) return [];
  const problems: DagError[] = [];
  const timezoneProblem = checkTimezone(dag.schedule.timezone);
  if (timezoneProblem)
    problems.push(dagError('bad_timezone', dag.id, undefined, `schedule.timezone: ${timezoneProblem}`));
  // With a bad zone the cron is still checked (in UTC) so both problems surface in one load.
  const cronProblem = checkCron(dag.schedule.cron, timezoneProblem ? 'UTC' : dag.schedule.timezone);
  if (cronProblem) problems.push(dagError('bad_cron', dag.id, undefined, `schedule.cron: ${cronProblem}`));
  return problems;
}

/**
 * Why `timezone` is not a usable IANA zone name, or undefined. The exact spelling matters:
 * Temporal's server loads zones by name and case, so 'utc' or 'europe/berlin' are refused
 * here with the right spelling suggested; offsets like '+02:00' are not zones.
 */
export function checkTimezone(timezone: string): string | undefined {
  if (/^[+-]\d/.test(timezone))
    return `expected an IANA zone such as "UTC" or "Europe/Berlin", got offset "${timezone}"`;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return `unknown IANA timezone "${timezone}"`;
  }
  if (resolved !== timezone && resolved.toLowerCase() === timezone.toLowerCase()) {
    return `timezone names are case-sensitive: expected "${resolved}", got "${timezone}"`;
  }
  return undefined;
}

/**
 * Why the cron is unusable, or undefined. Only five fields (or a common alias): cron-parser
 * reads six fields as seconds-first while Temporal reads them differently, and it accepts
 * fewer than five, so the field count is checked before its syntax.
 */
export function checkCron(expression: string, timezone: string): string | undefined {
  const cron = expression.trim();
  const fields = cron.split(/\s+/);
  if (cron.startsWith('@')) {
    if (!CRON_ALIASES.has(cron)) return `unsupported alias "${cron}" (use one of ${[...CRON_ALIASES].join(', ')})`;
  } else if (fields.length !== 5) {
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length} in "${cron}"`;
  }
  try {
    CronExpressionParser.parse(cron, { tz: timezone, strict: false });
    return undefined;
  } catch (error) {
    return `${(error as Error).message} in "${cron}"`;
  }
}

/**
 * The next `n` fire times after `fromMs` as ISO-8601 UTC strings, for display (`dags list`).
 * Empty for an unscheduled DAG.
 */
export function nextFireTimes(dag: Pick<DagSpec, 'schedule'>, fromMs: number, n: number): string[] {
  if (dag.schedule === null || n <= 0) return [];
  const expression = CronExpressionParser.parse(dag.schedule.cron.trim(), {
    tz: dag.schedule.timezone,
    currentDate: new Date(fromMs),
  });
  return expression.take(n).map((date) => date.toDate().toISOString());
}
