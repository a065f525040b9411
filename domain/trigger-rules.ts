import { isTerminalTaskState, type TaskState, type TriggerRule } from './dag-spec';
import { decidingLeafTaskIds, topologicalOrder, type GraphSpec } from './dag-graph';

// Trigger rules decide, from the states of a task's *direct* upstreams, whether a pending task
// runs, is skipped, is marked upstream_failed, or keeps waiting. The semantics are Airflow's
// (airflow/ti_deps/deps/trigger_rule_dep.py with flag_upstream_failed, i.e. the scheduler's
// behaviour): "at once" marks verdicts given while other upstreams are still unfinished, as
// Airflow's scheduler gives them, rather than after every upstream has finished.
//
// "failed" below means failed or upstream_failed; "done" means success, failed,
// upstream_failed or skipped. pending, running and up_for_retry are not done.
//
// | rule        | run                                      | skip                               | upstream_failed                       |
// |-------------|------------------------------------------|------------------------------------|---------------------------------------|
// | all_success | all success                              | any skipped, none failed (at once) | any failed (at once; beats skipped)   |
// | all_done    | all done                                 | never                              | never                                 |
// | none_failed | all done, none failed (all skipped runs) | never                              | any failed (at once)                  |
// | one_failed  | any failed (at once)                     | all done, none failed              | never                                 |
// | one_success | any success (at once)                    | all done, all skipped              | all done, no success, not all skipped |
// | always      | all done (deviation, see below)          | never                              | never                                 |
// | (no deps)   | at once, whatever the rule               | -                                  | -                                     |
// Anything else: wait.
//
// `always` deliberately differs from Airflow, where it ignores upstreams and may start at
// once: here deps also carry data (expand.from, upstream results), so a dep always means
// "after". With no upstream waiting left, `always` behaves like all_done; use it to say
// "whatever happened" (cleanup, notifications).

export type TriggerDecision = 'run' | 'skip' | 'upstream_failed' | 'wait';

interface UpstreamCounts {
  total: number;
  success: number;
  failed: number;
  skipped: number;
  done: number;
}

function countUpstreams(states: readonly TaskState[]): UpstreamCounts {
  const counts: UpstreamCounts = { total: states.length, success: 0, failed: 0, skipped: 0, done: 0 };
  for (const state of states) {
    if (state === 'success') counts.success++;
    else if (state === 'failed' || state === 'upstream_failed') counts.failed++;
    else if (state === 'skipped') counts.skipped++;
    if (isTerminalTaskState(state)) counts.done++;
  }
  return counts;
}

const RULES: Record<TriggerRule, (c: UpstreamCounts) => TriggerDecision> = {
  all_success: (c) =>
    c.failed > 0 ? 'upstream_failed' : c.skipped > 0 ? 'skip' : c.success === c.total ? 'run' : 'wait',
  all_done: (c) => (c.done === c.total ? 'run' : 'wait'),
  none_failed: (c) => (c.failed > 0 ? 'upstream_failed' : c.done === c.total ? 'run' : 'wait'),
  one_failed: (c) => (c.failed > 0 ? 'run' : c.done === c.total ? 'skip' : 'wait'),
  one_success: (c) =>
    c.success > 0 ? 'run' : c.done < c.total ? 'wait' : c.skipped === c.total ? 'skip' : 'upstream_failed',
  always: (c) => (c.done === c.total ? 'run' : 'wait'),
};

/** What to do with a pending task given its direct upstreams' states (see the table above). */
export function decideTrigger(rule: TriggerRule, upstreamStates: readonly TaskState[]): TriggerDecision {
  // Airflow: a task without upstreams passes its trigger rule whatever the rule is.
  if (upstreamStates.length === 0) return 'run';
  return RULES[rule](countUpstreams(upstreamStates));
}

export type RunState = 'running' | 'success' | 'failed';

/**
 * Airflow's leaf rule: once no task is left unfinished, the run failed if any leaf task is
 * failed or upstream_failed, and succeeded otherwise (leaves success or skipped). A failure
 * that a downstream `all_done` / `one_failed` task absorbed therefore does not fail the run.
 * Leaves are taken without the `failsRun: false` tasks (Airflow's teardown rule): such a task
 * failing does not fail the run, and its running after a failure (all_done, one_failed) does
 * not hide that failure, since the task it hangs off is then a deciding leaf itself.
 * Tasks missing from `taskStates` count as pending.
 */
export function runFinalState(taskStates: Readonly<Record<string, TaskState>>, spec: GraphSpec): RunState {
  const stateOf = (id: string): TaskState => taskStates[id] ?? 'pending';
  if (!spec.tasks.every((task) => isTerminalTaskState(stateOf(task.id)))) return 'running';
  const failedLeaf = decidingLeafTaskIds(spec).some((id) => {
    const state = stateOf(id);
    return state === 'failed' || state === 'upstream_failed';
  });
  return failedLeaf ? 'failed' : 'success';
}

export interface SchedulingStep {
  /** Input states with every skip / upstream_failed verdict applied, cascaded downstream. */
  states: Record<string, TaskState>;
  /** Pending tasks whose trigger rule says run, in topological order. */
  runnable: string[];
}

/**
 * One scheduling pass over the DAG: decide every pending task in topological order, so a skip
 * or upstream_failed verdict reaches its downstream tasks in the same pass. The caller starts
 * `runnable` tasks (within maxActiveTasks), records results, and calls again.
 */
export function nextSchedulingStep(spec: GraphSpec, taskStates: Readonly<Record<string, TaskState>>): SchedulingStep {
  const states: Record<string, TaskState> = {};
  for (const task of spec.tasks) states[task.id] = taskStates[task.id] ?? 'pending';
  const runnable: string[] = [];
  const tasks = new Map(spec.tasks.map((task) => [task.id, task] as const));
  for (const id of topologicalOrder(spec)) {
    const task = tasks.get(id);
    if (!task || states[id] !== 'pending') continue;
    const upstream = task.deps.map((dep) => states[dep] ?? 'pending');
    const decision = decideTrigger(task.triggerRule ?? 'all_success', upstream);
    if (decision === 'run') runnable.push(id);
    else if (decision === 'skip') states[id] = 'skipped';
    else if (decision === 'upstream_failed') states[id] = 'upstream_failed';
  }
  return { states, runnable };
}
