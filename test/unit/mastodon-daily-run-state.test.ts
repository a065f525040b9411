import { describe, expect, it } from 'vitest';
import { mastodonDaily } from '../../dags/mastodon_daily';
import { decidingLeafTaskIds, leafTaskIds } from '../../domain/dag-graph';
import { parseDagSpec, type DagSpec, type TaskState } from '../../domain/dag-spec';
import { nextSchedulingStep, runFinalState } from '../../domain/trigger-rules';

// mastodon_daily's run state under the failsRun rule: whether a day counts as failed (and is
// fetched again by `backfill --reprocess failed`) depends on its data tasks only, never on the
// report, retention or notification tasks after the load.

function dag(): DagSpec {
  const parsed = parseDagSpec(mastodonDaily);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  return parsed.value;
}

/** Drive the scheduler to the end: each runnable task gets its outcome from `outcome` (default success). */
function simulate(spec: DagSpec, outcome: Record<string, TaskState> = {}): Record<string, TaskState> {
  let states: Record<string, TaskState> = {};
  for (let i = 0; i < 100; i++) {
    const step = nextSchedulingStep(spec, states);
    states = step.states;
    if (step.runnable.length === 0) break;
    for (const id of step.runnable) states[id] = outcome[id] ?? 'success';
  }
  return states;
}

describe('mastodon_daily run state (report, purge and notify tasks do not decide it)', () => {
  it('decides on load: the only deciding leaf', () => {
    const spec = dag();
    expect(leafTaskIds(spec).sort()).toEqual(['notify_failure', 'notify_success', 'purge_raw']);
    expect(decidingLeafTaskIds(spec)).toEqual(['load']);
  });

  it('a clean day: report and success notification run, failure notification skipped, run success', () => {
    const spec = dag();
    const states = simulate(spec);
    expect(states).toMatchObject({
      load: 'success',
      report: 'success',
      purge_raw: 'success',
      notify_success: 'success',
      notify_failure: 'skipped',
    });
    expect(runFinalState(states, spec)).toBe('success');
  });

  it('a failed report: the failure notification runs, the day still counts as success', () => {
    const spec = dag();
    const states = simulate(spec, { report: 'failed' });
    expect(states).toMatchObject({
      load: 'success',
      report: 'failed',
      notify_success: 'upstream_failed',
      notify_failure: 'success',
    });
    expect(runFinalState(states, spec)).toBe('success');
  });

  it('a failed fetch: load upstream_failed fails the run although purge_raw and notify_failure succeed', () => {
    const spec = dag();
    const states = simulate(spec, { fetch: 'failed' });
    expect(states).toMatchObject({
      fetch: 'failed',
      load: 'upstream_failed',
      report: 'upstream_failed',
      purge_raw: 'success',
      notify_success: 'upstream_failed',
      notify_failure: 'success',
    });
    expect(runFinalState(states, spec)).toBe('failed');
  });

  it('a failed purge or notification does not fail the run; a failed load does', () => {
    const spec = dag();
    expect(runFinalState(simulate(spec, { purge_raw: 'failed' }), spec)).toBe('success');
    expect(runFinalState(simulate(spec, { notify_success: 'failed' }), spec)).toBe('success');
    expect(runFinalState(simulate(spec, { load: 'failed' }), spec)).toBe('failed');
  });
});

describe('decidingLeafTaskIds', () => {
  const task = (id: string, deps: string[], failsRun?: boolean) => ({
    id,
    activity: 'noop',
    deps,
    ...(failsRun === undefined ? {} : { failsRun }),
  });

  it('is the plain leaves when no task opts out', () => {
    const spec = { id: 'd', tasks: [task('a', []), task('b', ['a']), task('c', ['a'])] };
    expect(decidingLeafTaskIds(spec)).toEqual(leafTaskIds(spec));
  });

  it('makes a task whose downstream tasks all opt out a leaf', () => {
    const spec = {
      id: 'd',
      tasks: [task('a', []), task('b', ['a']), task('t', ['b'], false), task('u', ['a'], false)],
    };
    expect(decidingLeafTaskIds(spec)).toEqual(['b']);
  });

  it('lets a run whose every task opts out succeed whatever happened', () => {
    const spec = { id: 'd', tasks: [task('a', [], false)] };
    expect(runFinalState({ a: 'failed' }, spec)).toBe('success');
  });
});
