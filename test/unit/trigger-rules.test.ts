import { describe, expect, it } from 'vitest';
import { TaskState, TriggerRule, type TaskState as State, type TriggerRule as Rule } from '../../domain/dag-spec';
import { decideTrigger, nextSchedulingStep, runFinalState, type TriggerDecision } from '../../domain/trigger-rules';

const STATES = TaskState.options;
const RULES = TriggerRule.options;

/** Every multiset of upstream states of the given size (order does not matter to the rules). */
function combinations(size: number, from = 0): State[][] {
  if (size === 0) return [[]];
  const out: State[][] = [];
  for (let i = from; i < STATES.length; i++) {
    for (const rest of combinations(size - 1, i)) out.push([STATES[i] as State, ...rest]);
  }
  return out;
}

/**
 * Airflow's TriggerRuleDep (flag_upstream_failed = true) transcribed as written there: first the
 * "set a new state" block, then the "is the rule passing" block. `always` is the one deliberate
 * deviation (waits for all upstreams to be done, see domain/trigger-rules.ts).
 */
function airflowOracle(rule: Rule, states: State[]): TriggerDecision {
  const upstream = states.length;
  if (upstream === 0) return 'run';
  const count = (s: State) => states.filter((x) => x === s).length;
  const success = count('success');
  const skipped = count('skipped');
  const failed = count('failed');
  const upstreamFailed = count('upstream_failed');
  const done = success + skipped + failed + upstreamFailed;
  const upstreamDone = done >= upstream;
  if (rule === 'always') return upstreamDone ? 'run' : 'wait';

  if (rule === 'all_success') {
    if (upstreamFailed || failed) return 'upstream_failed';
    if (skipped) return 'skip';
  } else if (rule === 'one_success') {
    if (upstreamDone && done === skipped) return 'skip';
    if (upstreamDone && success <= 0) return 'upstream_failed';
  } else if (rule === 'one_failed') {
    if (upstreamDone && !(failed || upstreamFailed)) return 'skip';
  } else if (rule === 'none_failed') {
    if (upstreamFailed || failed) return 'upstream_failed';
  }

  const passing =
    rule === 'one_success'
      ? success > 0
      : rule === 'one_failed'
        ? failed + upstreamFailed > 0
        : rule === 'all_success'
          ? upstream - success === 0
          : rule === 'all_done'
            ? upstreamDone
            : upstream - success - skipped === 0; // none_failed
  return passing ? 'run' : 'wait';
}

describe('decideTrigger: hand-checked cases', () => {
  const cases: Array<[Rule, State[], TriggerDecision]> = [
    ['all_success', ['success', 'success'], 'run'],
    ['all_success', ['success', 'running'], 'wait'],
    ['all_success', ['success', 'up_for_retry'], 'wait'],
    ['all_success', ['failed', 'running'], 'upstream_failed'],
    ['all_success', ['upstream_failed', 'success'], 'upstream_failed'],
    ['all_success', ['skipped', 'pending'], 'skip'],
    ['all_success', ['skipped', 'failed'], 'upstream_failed'],
    ['all_done', ['success', 'failed', 'skipped'], 'run'],
    ['all_done', ['upstream_failed'], 'run'],
    ['all_done', ['failed', 'running'], 'wait'],
    ['none_failed', ['success', 'skipped'], 'run'],
    ['none_failed', ['skipped', 'skipped'], 'run'],
    ['none_failed', ['success', 'pending'], 'wait'],
    ['none_failed', ['failed', 'pending'], 'upstream_failed'],
    ['none_failed', ['upstream_failed', 'skipped'], 'upstream_failed'],
    ['one_failed', ['failed', 'running'], 'run'],
    ['one_failed', ['upstream_failed', 'success'], 'run'],
    ['one_failed', ['success', 'running'], 'wait'],
    ['one_failed', ['success', 'skipped'], 'skip'],
    ['one_success', ['success', 'running'], 'run'],
    ['one_success', ['failed', 'running'], 'wait'],
    ['one_success', ['skipped', 'skipped'], 'skip'],
    ['one_success', ['failed', 'skipped'], 'upstream_failed'],
    ['one_success', ['failed', 'upstream_failed'], 'upstream_failed'],
    ['always', ['failed', 'upstream_failed', 'skipped'], 'run'],
    ['always', ['failed', 'running'], 'wait'],
  ];
  it.each(cases)('%s with %j → %s', (rule, states, expected) => {
    expect(decideTrigger(rule, states)).toBe(expected);
  });

  it.each(RULES)('%s with no upstream tasks runs at once', (rule) => {
    expect(decideTrigger(rule, [])).toBe('run');
  });
});

describe('decideTrigger: full matrix against the Airflow oracle', () => {
  const matrix = [1, 2, 3].flatMap((size) => combinations(size));

  it.each(RULES)('%s agrees with Airflow for every combination of 1-3 upstream states', (rule) => {
    const mismatches = matrix
      .map((states) => ({ states, got: decideTrigger(rule, states), want: airflowOracle(rule, states) }))
      .filter((row) => row.got !== row.want);
    expect(mismatches).toEqual([]);
    expect(matrix.length).toBe(7 + 28 + 84);
  });

  it.each(RULES)('%s never waits once every upstream is terminal (no deadlock)', (rule) => {
    const terminal: State[] = ['success', 'failed', 'upstream_failed', 'skipped'];
    const stuck = matrix
      .filter((states) => states.every((s) => terminal.includes(s)))
      .filter((states) => decideTrigger(rule, states) === 'wait');
    expect(stuck).toEqual([]);
  });

  it.each(RULES)('%s does not depend on the order of upstreams', (rule) => {
    for (const states of combinations(3)) {
      expect(decideTrigger(rule, [...states].reverse())).toBe(decideTrigger(rule, states));
    }
  });
});

const diamond = {
  id: 'd',
  tasks: [
    { id: 'a', activity: 'noop', deps: [] },
    { id: 'b', activity: 'noop', deps: ['a'] },
    { id: 'c', activity: 'noop', deps: ['a'] },
    { id: 'cleanup', activity: 'noop', deps: ['b', 'c'], triggerRule: 'all_done' as const },
  ],
};

describe('runFinalState (leaf rule)', () => {
  it('is running while any task is unfinished', () => {
    expect(runFinalState({ a: 'success', b: 'success', c: 'running', cleanup: 'pending' }, diamond)).toBe('running');
    expect(runFinalState({ a: 'success', b: 'up_for_retry', c: 'success', cleanup: 'pending' }, diamond)).toBe(
      'running',
    );
    expect(runFinalState({ a: 'success' }, diamond)).toBe('running');
  });

  it('succeeds when a failure was absorbed by an all_done leaf that succeeded', () => {
    expect(runFinalState({ a: 'success', b: 'failed', c: 'success', cleanup: 'success' }, diamond)).toBe('success');
  });

  it('fails when a leaf failed or is upstream_failed', () => {
    expect(runFinalState({ a: 'success', b: 'success', c: 'success', cleanup: 'failed' }, diamond)).toBe('failed');
    const chain = {
      id: 'c',
      tasks: [
        { id: 'x', activity: 'noop', deps: [] },
        { id: 'y', activity: 'noop', deps: ['x'] },
      ],
    };
    expect(runFinalState({ x: 'failed', y: 'upstream_failed' }, chain)).toBe('failed');
  });

  it('succeeds when leaves are success or skipped', () => {
    expect(runFinalState({ a: 'success', b: 'skipped', c: 'skipped', cleanup: 'skipped' }, diamond)).toBe('success');
  });

  it('counts every leaf, not only the last declared one', () => {
    const twoLeaves = {
      id: 't',
      tasks: [
        { id: 'p', activity: 'noop', deps: [] },
        { id: 'q', activity: 'noop', deps: [] },
      ],
    };
    expect(runFinalState({ p: 'success', q: 'failed' }, twoLeaves)).toBe('failed');
  });
});

describe('nextSchedulingStep', () => {
  it('offers the roots first', () => {
    expect(nextSchedulingStep(diamond, {}).runnable).toEqual(['a']);
  });

  it('offers every task whose upstreams allow it, in topological order', () => {
    expect(nextSchedulingStep(diamond, { a: 'success' }).runnable).toEqual(['b', 'c']);
  });

  it('cascades upstream_failed down a chain in one pass and lets all_done run', () => {
    const chain = {
      id: 'c',
      tasks: [
        { id: 'x', activity: 'noop', deps: [] },
        { id: 'y', activity: 'noop', deps: ['x'] },
        { id: 'z', activity: 'noop', deps: ['y'] },
        { id: 'report', activity: 'noop', deps: ['z'], triggerRule: 'all_done' as const },
      ],
    };
    const step = nextSchedulingStep(chain, { x: 'failed' });
    expect(step.states).toEqual({ x: 'failed', y: 'upstream_failed', z: 'upstream_failed', report: 'pending' });
    expect(step.runnable).toEqual(['report']);
  });

  it('does not touch tasks that already left pending', () => {
    const step = nextSchedulingStep(diamond, { a: 'success', b: 'running' });
    expect(step.states.b).toBe('running');
    expect(step.runnable).toEqual(['c']);
  });
});
