import { describe, expect, it } from 'vitest';
import { activityNames } from '../../activities';
import { createDagCatalog } from '../../dags/catalog';
import { ALL_DAGS, dagIds, getDagSpec, lookupDag } from '../../dags/index';
import { createDagRegistry, DagRegistryError } from '../../dags/registry';
import { TEST_DAG_PREFIX, TEST_DAGS } from '../../dags/testing';
import type { DagSpecInput } from '../../domain/dag-spec';

describe('the DAG catalog', () => {
  it("loads every DAG of the build against the worker's activity names", () => {
    const catalog = createDagCatalog();
    expect(catalog.ids()).toEqual(dagIds());
    expect(catalog.ids()).toEqual(
      expect.arrayContaining(['example_chain', 'example_fanout', 'test_trigger_rules', 'test_fanout']),
    );
  });

  it("lists the builtin activities among the worker's", () => {
    expect(activityNames()).toEqual(
      expect.arrayContaining([
        'noop',
        'sleepMs',
        'failTask',
        'flakyTask',
        'emitList',
        'heartbeatingSleep',
        'writePart',
        'smokeRecordRun',
      ]),
    );
  });

  it('keeps test DAGs under the test_ prefix and unscheduled', () => {
    for (const dag of TEST_DAGS) {
      expect(dag.id.startsWith(TEST_DAG_PREFIX)).toBe(true);
      expect(dag.schedule ?? null).toBeNull();
    }
    expect(ALL_DAGS.filter((d) => !d.id.startsWith(TEST_DAG_PREFIX)).map((d) => d.id)).toEqual([
      'example_chain',
      'example_fanout',
      'mastodon_daily',
    ]);
  });

  it('refuses an invalid DAG with errors naming the DAG, the task and the problem', () => {
    const broken: DagSpecInput = {
      id: 'broken',
      tasks: [
        { id: 'fetch', activity: 'fetchEverything' },
        { id: 'map', activity: 'noop', deps: ['fetch', 'missing'], expand: { from: 'elsewhere' } },
      ],
    };
    let error: unknown;
    try {
      createDagRegistry([...ALL_DAGS, broken], activityNames());
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DagRegistryError);
    expect((error as DagRegistryError).problems.map((p) => p.message)).toEqual([
      'dag "broken", task "fetch": unknown activity "fetchEverything"',
      'dag "broken", task "map": unknown dep "missing"',
      'dag "broken", task "map": expand.from "elsewhere" is not one of the task\'s deps (deps: fetch, missing)',
    ]);
  });
});

describe('lookupDag (what runDag uses inside the workflow sandbox)', () => {
  it('parses a known DAG, defaults filled in', () => {
    const dag = getDagSpec('example_chain');
    expect(dag?.maxActiveTasks).toBe(4);
    expect(dag?.tasks.find((t) => t.id === 'fan_out')?.expand).toEqual({
      from: 'start',
      field: 'items',
      concurrency: 2,
    });
    expect(lookupDag('example_chain')).toBe(lookupDag('example_chain')); // cached
  });

  it('names the known DAGs for an unknown id', () => {
    const found = lookupDag('nope');
    expect(found.ok).toBe(false);
    if (!found.ok) {
      expect(found.reason).toBe('unknown');
      expect(found.message).toMatch(
        /^unknown DAG "nope" \(known: example_chain, example_fanout, mastodon_daily, test_/,
      );
    }
    expect(getDagSpec('nope')).toBeUndefined();
  });
});
