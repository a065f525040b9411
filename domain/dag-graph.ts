import { dagError, type DagError, type DagSpec, type TriggerRule } from './dag-spec';

// The task graph of a DAG: structural checks, a stable topological order, neighbourhoods and
// a text rendering. Edges run upstream → downstream: `b.deps = ['a']` is the edge a -> b,
// Airflow's `a >> b`. Functions take the structural subset they need, so they work on parsed
// specs and on hand-written test fixtures alike.

export interface GraphTask {
  id: string;
  activity: string;
  deps: readonly string[];
  triggerRule?: TriggerRule;
  /** false: the task's outcome does not decide the run's state (see TaskSpec.failsRun). */
  failsRun?: boolean;
  expand?: { from: string; field?: string; concurrency?: number } | undefined;
  options?: { taskQueue?: string | undefined } | undefined;
}

export interface GraphSpec {
  id: string;
  tasks: readonly GraphTask[];
}

// ---------------------------------------------------------------------------------------------
// Validation

/**
 * Every structural problem in the DAG, each naming the DAG and task: duplicate task ids,
 * duplicate or unknown deps, cycles (spelled out as `a -> b -> a`), unknown activity names and
 * `expand.from` that is not one of the task's own deps (the list must come from a direct
 * upstream so the task cannot start before it exists).
 */
export function validateDagGraph(spec: GraphSpec, knownActivities: ReadonlySet<string>): DagError[] {
  return [
    ...duplicateTaskErrors(spec),
    ...spec.tasks.flatMap((task) => taskErrors(spec, task, knownActivities)),
    ...cycleErrors(spec),
  ];
}

function duplicateTaskErrors(spec: GraphSpec): DagError[] {
  const counts = new Map<string, number>();
  for (const task of spec.tasks) counts.set(task.id, (counts.get(task.id) ?? 0) + 1);
  return [...counts]
    .filter(([, count]) => count > 1)
    .map(([id, count]) => dagError('duplicate_task', spec.id, id, `duplicate task id (defined ${count} times)`));
}

function taskErrors(spec: GraphSpec, task: GraphTask, knownActivities: ReadonlySet<string>): DagError[] {
  const ids = new Set(spec.tasks.map((t) => t.id));
  const errors: DagError[] = [];
  const seen = new Set<string>();
  for (const dep of task.deps) {
    if (seen.has(dep)) errors.push(dagError('duplicate_dep', spec.id, task.id, `dep "${dep}" is listed twice`));
    seen.add(dep);
    if (!ids.has(dep))
      errors.push(dagError('unknown_dep', spec.id, task.id, `unknown dep "${dep}"${didYouMean(dep, ids)}`));
  }
  if (!knownActivities.has(task.activity)) {
    errors.push(
      dagError(
        'unknown_activity',
        spec.id,
        task.id,
        `unknown activity "${task.activity}"${didYouMean(task.activity, knownActivities)}`,
      ),
    );
  }
  if (task.expand && !task.deps.includes(task.expand.from)) {
    const deps = task.deps.length ? task.deps.join(', ') : 'none';
    errors.push(
      dagError(
        'bad_expand',
        spec.id,
        task.id,
        `expand.from "${task.expand.from}" is not one of the task's deps (deps: ${deps})`,
      ),
    );
  }
  return errors;
}

/** A hint for typos: the known name closest to `name`, if one is close. */
function didYouMean(name: string, known: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3))
    ? ` (did you mean "${best}"?)`
    : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Downstream adjacency over known tasks only (unknown deps are reported separately). */
function downstreamMap(spec: GraphSpec): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const task of spec.tasks) if (!map.has(task.id)) map.set(task.id, []);
  for (const task of spec.tasks) {
    for (const dep of new Set(task.deps)) map.get(dep)?.push(task.id);
  }
  return map;
}

/**
 * Cycles found by depth-first search in declaration order, each written from its earliest
 * declared task and reported once, e.g. `cycle a -> b -> c -> a`.
 */
function cycleErrors(spec: GraphSpec): DagError[] {
  const order = new Map(spec.tasks.map((t, i) => [t.id, i] as const).reverse());
  const downstream = downstreamMap(spec);
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const cycles = new Map<string, string[]>();

  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of downstream.get(id) ?? []) {
      if (state.get(next) === 'visiting') {
        const cycle = rotateToEarliest(stack.slice(stack.indexOf(next)), order);
        cycles.set(cycle.join('>'), cycle);
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const task of spec.tasks) if (!state.has(task.id)) visit(task.id);

  return [...cycles.values()].map((cycle) =>
    dagError('cycle', spec.id, cycle[0], `cycle ${[...cycle, cycle[0]].join(' -> ')}`),
  );
}

function rotateToEarliest(cycle: string[], order: Map<string, number>): string[] {
  let start = 0;
  cycle.forEach((id, i) => {
    if ((order.get(id) ?? 0) < (order.get(cycle[start] ?? '') ?? 0)) start = i;
  });
  return [...cycle.slice(start), ...cycle.slice(0, start)];
}

// ---------------------------------------------------------------------------------------------
// Order and neighbourhoods

/**
 * Task ids so that every task comes after its deps. Stable: among tasks whose deps are all
 * placed, the earliest declared goes first, so the order depends only on the spec text.
 * Throws on cycles and unknown deps (validate first).
 */
export function topologicalOrder(spec: GraphSpec): string[] {
  const placed = new Set<string>();
  const order: string[] = [];
  const remaining = [...spec.tasks];
  while (remaining.length > 0) {
    const index = remaining.findIndex((task) => task.deps.every((dep) => placed.has(dep)));
    if (index < 0) {
      const stuck = remaining.map((t) => t.id).join(', ');
      throw new Error(`dag "${spec.id}": cannot order tasks ${stuck} (a cycle or unknown dep; validate the DAG first)`);
    }
    const [task] = remaining.splice(index, 1);
    if (task && !placed.has(task.id)) {
      placed.add(task.id);
      order.push(task.id);
    }
  }
  return order;
}

function taskById(spec: GraphSpec, id: string): GraphTask {
  const task = spec.tasks.find((t) => t.id === id);
  if (!task) throw new Error(`dag "${spec.id}": no task "${id}"`);
  return task;
}

/** Direct (or with `transitive`, all) upstream task ids, in declaration order. */
export function upstreamOf(spec: GraphSpec, taskId: string, options: { transitive?: boolean } = {}): string[] {
  const found = new Set<string>();
  const walk = (id: string): void => {
    for (const dep of taskById(spec, id).deps) {
      if (found.has(dep)) continue;
      found.add(dep);
      if (options.transitive) walk(dep);
    }
  };
  walk(taskId);
  return inDeclarationOrder(spec, found);
}

/** Direct (or with `transitive`, all) downstream task ids, in declaration order. */
export function downstreamOf(spec: GraphSpec, taskId: string, options: { transitive?: boolean } = {}): string[] {
  taskById(spec, taskId);
  const downstream = downstreamMap(spec);
  const found = new Set<string>();
  const walk = (id: string): void => {
    for (const next of downstream.get(id) ?? []) {
      if (found.has(next)) continue;
      found.add(next);
      if (options.transitive) walk(next);
    }
  };
  walk(taskId);
  return inDeclarationOrder(spec, found);
}

function inDeclarationOrder(spec: GraphSpec, ids: ReadonlySet<string>): string[] {
  return spec.tasks.map((t) => t.id).filter((id) => ids.has(id));
}

/** Tasks with no deps. */
export function rootTaskIds(spec: GraphSpec): string[] {
  return spec.tasks.filter((t) => t.deps.length === 0).map((t) => t.id);
}

/** Tasks nothing depends on: their states decide the run's final state (Airflow's leaf rule). */
/**
 * The leaves that decide a run's state: leaves of the graph without its `failsRun: false` tasks
 * (a task whose only downstream tasks are such tasks counts as a leaf). Airflow computes the run
 * state from the leaves other than teardown tasks in the same way.
 */
export function decidingLeafTaskIds(spec: GraphSpec): string[] {
  const deciding = spec.tasks.filter((t) => t.failsRun !== false);
  return leafTaskIds({ id: spec.id, tasks: deciding });
}

export function leafTaskIds(spec: GraphSpec): string[] {
  const hasDownstream = new Set(spec.tasks.flatMap((t) => t.deps));
  return spec.tasks.filter((t) => !hasDownstream.has(t.id)).map((t) => t.id);
}

/**
 * Level of each task: 0 for roots, else 1 + the highest level among its deps (longest path).
 * Tasks on a cycle or behind an unknown dep get no level.
 */
export function taskLevels(spec: GraphSpec): Map<string, number> {
  const levels = new Map<string, number>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const task of spec.tasks) {
      if (levels.has(task.id)) continue;
      const depLevels = task.deps.map((dep) => levels.get(dep));
      if (depLevels.some((level) => level === undefined)) continue;
      levels.set(task.id, Math.max(-1, ...(depLevels as number[])) + 1);
      changed = true;
    }
  }
  return levels;
}

// ---------------------------------------------------------------------------------------------
// Rendering for `mastoflow dags show`

type RenderSpec = GraphSpec & Partial<Pick<DagSpec, 'description' | 'schedule' | 'maxActiveRuns' | 'maxActiveTasks'>>;

/**
 * The DAG as levels: every task on the level after its deepest dep, with its activity, deps,
 * and anything that changes how it runs (non-default trigger rule, expand, task queue):
 *
 *     level 1
 *       fan_out  noop     <- start  [expand start.items x4]
 */
export function renderDagGraph(spec: RenderSpec): string {
  const lines = headerLines(spec);
  const levels = taskLevels(spec);
  const idWidth = Math.max(...spec.tasks.map((t) => t.id.length));
  const activityWidth = Math.max(...spec.tasks.map((t) => t.activity.length));
  const row = (task: GraphTask): string =>
    `  ${task.id.padEnd(idWidth)}  ${task.activity.padEnd(activityWidth)}${taskNotes(task)}`.trimEnd();

  const maxLevel = Math.max(-1, ...levels.values());
  for (let level = 0; level <= maxLevel; level++) {
    lines.push(`level ${level}`);
    for (const task of spec.tasks) if (levels.get(task.id) === level) lines.push(row(task));
  }
  const unordered = spec.tasks.filter((t) => !levels.has(t.id));
  if (unordered.length > 0) {
    lines.push('unordered (cycle or unknown dep)');
    for (const task of unordered) lines.push(row(task));
  }
  return lines.join('\n');
}

function headerLines(spec: RenderSpec): string[] {
  const lines = [spec.description ? `${spec.id}: ${spec.description}` : spec.id];
  if (spec.schedule !== undefined) lines.push(`schedule: ${describeSchedule(spec.schedule)}`);
  const limits: string[] = [];
  if (spec.maxActiveRuns !== undefined) limits.push(`max active runs ${spec.maxActiveRuns}`);
  if (spec.maxActiveTasks !== undefined) limits.push(`max active tasks ${spec.maxActiveTasks}`);
  if (limits.length > 0) lines.push(limits.join(', '));
  lines.push('');
  return lines;
}

function describeSchedule(schedule: DagSpec['schedule']): string {
  if (schedule === null) return 'none (manual and backfill runs only)';
  const paused = schedule.paused ? ', paused' : '';
  return `${schedule.cron} (${schedule.timezone}${paused})`;
}

function taskNotes(task: GraphTask): string {
  const notes: string[] = [];
  if (task.deps.length > 0) notes.push(`<- ${task.deps.join(', ')}`);
  const extras: string[] = [];
  if (task.triggerRule && task.triggerRule !== 'all_success') extras.push(`trigger ${task.triggerRule}`);
  if (task.expand) {
    const field = task.expand.field ?? 'items';
    const bound = task.expand.concurrency !== undefined ? ` x${task.expand.concurrency}` : '';
    extras.push(`expand ${task.expand.from}.${field}${bound}`);
  }
  if (task.options?.taskQueue) extras.push(`queue ${task.options.taskQueue}`);
  if (extras.length > 0) notes.push(`[${extras.join('; ')}]`);
  return notes.length > 0 ? `  ${notes.join('  ')}` : '';
}
