import { describe, expect, it } from 'vitest';
import {
  downstreamOf,
  leafTaskIds,
  renderDagGraph,
  rootTaskIds,
  topologicalOrder,
  upstreamOf,
  validateDagGraph,
  type GraphSpec,
  type GraphTask,
} from '../../domain/dag-graph';

const ACTIVITIES = new Set(['noop', 'sleepMs', 'fetchPage']);

function task(id: string, deps: string[] = [], extra: Partial<GraphTask> = {}): GraphTask {
  return { id, activity: 'noop', deps, ...extra };
}

function dag(...tasks: GraphTask[]): GraphSpec {
  return { id: 'demo', tasks };
}

const codes = (spec: GraphSpec) => validateDagGraph(spec, ACTIVITIES).map((e) => e.code);
const messages = (spec: GraphSpec) => validateDagGraph(spec, ACTIVITIES).map((e) => e.message);

describe('validateDagGraph', () => {
  it('accepts a valid diamond', () => {
    expect(
      validateDagGraph(dag(task('a'), task('b', ['a']), task('c', ['a']), task('d', ['b', 'c'])), ACTIVITIES),
    ).toEqual([]);
  });

  it('names a cycle from its earliest declared task', () => {
    const spec = dag(task('start'), task('a', ['start', 'c']), task('b', ['a']), task('c', ['b']));
    expect(messages(spec)).toEqual(['dag "demo", task "a": cycle a -> b -> c -> a']);
    expect(validateDagGraph(spec, ACTIVITIES)[0]).toMatchObject({ code: 'cycle', dagId: 'demo', taskId: 'a' });
  });

  it('reports a task depending on itself as a cycle', () => {
    expect(messages(dag(task('a', ['a'])))).toEqual(['dag "demo", task "a": cycle a -> a']);
  });

  it('reports each distinct cycle once', () => {
    const spec = dag(task('a', ['b']), task('b', ['a']), task('x', ['y']), task('y', ['x']));
    expect(messages(spec)).toEqual([
      'dag "demo", task "a": cycle a -> b -> a',
      'dag "demo", task "x": cycle x -> y -> x',
    ]);
  });

  it('names an unknown dep, with a spelling hint', () => {
    expect(messages(dag(task('fetch'), task('reduce', ['fetsh'])))).toEqual([
      'dag "demo", task "reduce": unknown dep "fetsh" (did you mean "fetch"?)',
    ]);
  });

  it('names a duplicate task id once', () => {
    const errors = validateDagGraph(dag(task('a'), task('a'), task('b', ['a'])), ACTIVITIES);
    expect(errors.map((e) => e.message)).toEqual(['dag "demo", task "a": duplicate task id (defined 2 times)']);
  });

  it('names a dep listed twice', () => {
    expect(codes(dag(task('a'), task('b', ['a', 'a'])))).toEqual(['duplicate_dep']);
  });

  it('names an unknown activity', () => {
    const errors = validateDagGraph(dag(task('a', [], { activity: 'sendEmail' })), ACTIVITIES);
    expect(errors).toEqual([
      {
        code: 'unknown_activity',
        dagId: 'demo',
        taskId: 'a',
        message: 'dag "demo", task "a": unknown activity "sendEmail"',
      },
    ]);
  });

  it('rejects expand.from that is not a direct dep', () => {
    const spec = dag(task('list'), task('other'), task('map', ['other'], { expand: { from: 'list' } }));
    expect(messages(spec)).toEqual([
      'dag "demo", task "map": expand.from "list" is not one of the task\'s deps (deps: other)',
    ]);
  });

  it('rejects expand.from on a transitive (not direct) upstream', () => {
    const spec = dag(task('list'), task('mid', ['list']), task('map', ['mid'], { expand: { from: 'list' } }));
    expect(codes(spec)).toEqual(['bad_expand']);
  });

  it('accepts expand.from on a direct dep', () => {
    expect(codes(dag(task('list'), task('map', ['list'], { expand: { from: 'list' } })))).toEqual([]);
  });

  it('reports every problem, not only the first', () => {
    const spec = dag(task('a', ['ghost'], { activity: 'nope' }), task('b', ['c']), task('c', ['b']));
    expect(codes(spec).sort()).toEqual(['cycle', 'unknown_activity', 'unknown_dep']);
  });
});

describe('topologicalOrder', () => {
  it('puts each task after its deps, earliest declared first among ready tasks', () => {
    const spec = dag(task('report', ['b', 'c']), task('c', ['a']), task('a'), task('b', ['a']));
    expect(topologicalOrder(spec)).toEqual(['a', 'c', 'b', 'report']);
  });

  it('keeps declaration order for independent tasks', () => {
    expect(topologicalOrder(dag(task('z'), task('y'), task('x')))).toEqual(['z', 'y', 'x']);
  });

  it('throws on a cycle', () => {
    expect(() => topologicalOrder(dag(task('a', ['b']), task('b', ['a'])))).toThrow(
      /dag "demo": cannot order tasks a, b/,
    );
  });
});

describe('neighbourhoods', () => {
  const spec = dag(task('a'), task('b', ['a']), task('c', ['b']), task('d', ['a']), task('e', ['c', 'd']));

  it('gives direct upstreams and downstreams', () => {
    expect(upstreamOf(spec, 'e')).toEqual(['c', 'd']);
    expect(downstreamOf(spec, 'a')).toEqual(['b', 'd']);
  });

  it('gives transitive upstreams and downstreams in declaration order', () => {
    expect(upstreamOf(spec, 'e', { transitive: true })).toEqual(['a', 'b', 'c', 'd']);
    expect(downstreamOf(spec, 'b', { transitive: true })).toEqual(['c', 'e']);
  });

  it('finds roots and leaves', () => {
    expect(rootTaskIds(spec)).toEqual(['a']);
    expect(leafTaskIds(spec)).toEqual(['e']);
  });

  it('throws for an unknown task id', () => {
    expect(() => upstreamOf(spec, 'nope')).toThrow(/no task "nope"/);
  });
});

describe('renderDagGraph', () => {
  it('lays tasks out by level with deps, trigger rules and expand', () => {
    const text = renderDagGraph({
      id: 'demo',
      description: 'a demo',
      schedule: { cron: '0 2 * * *', timezone: 'UTC', paused: false },
      tasks: [
        task('list'),
        task('map', ['list'], { expand: { from: 'list', field: 'items', concurrency: 3 } }),
        task('load', ['map'], { options: { taskQueue: 'mastoflow-store' } }),
        task('notify', ['load'], { triggerRule: 'all_done' }),
      ],
    });
    expect(text).toBe(
      [
        'demo: a demo',
        'schedule: 0 2 * * * (UTC)',
        '',
        'level 0',
        '  list    noop',
        'level 1',
        '  map     noop  <- list  [expand list.items x3]',
        'level 2',
        '  load    noop  <- map  [queue mastoflow-store]',
        'level 3',
        '  notify  noop  <- load  [trigger all_done]',
      ].join('\n'),
    );
  });

  it('places a task on the level after its deepest dep', () => {
    const text = renderDagGraph(dag(task('a'), task('b', ['a']), task('c', ['a', 'b'])));
    expect(text).toMatch(/level 2\n {2}c {2}noop {2}<- a, b/);
  });

  it('still renders a graph with a cycle, listing the unordered tasks', () => {
    expect(renderDagGraph(dag(task('a'), task('b', ['c']), task('c', ['b'])))).toContain(
      'unordered (cycle or unknown dep)\n  b',
    );
  });
});
