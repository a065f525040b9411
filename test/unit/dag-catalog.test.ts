import { describe, expect, it } from 'vitest';
import { activityNames } from '../../activities';
import { catalogDags, createDagCatalog } from '../../dags/catalog';
import { EXAMPLE_DAGS } from '../../dags/examples';
import { dagIds, getDagSpec, loadedDags, lookupDag, PRODUCTION_DAGS, registerDags } from '../../dags/index';
import { createDagRegistry, DagRegistryError } from '../../dags/registry';
import type { DagSpecInput } from '../../domain/dag-spec';
import { TEST_DAG_PREFIX, TEST_DAGS } from '../dags/testing';

// This file imports dags/ but not test/dags/registry.ts: it checks what production code loads.

describe('the DAG catalog', () => {
  it('holds only the production DAGs with loadExamples off: no example or test DAGs', () => {
    expect(createDagCatalog({ loadExamples: false }).ids()).toEqual(['mastodon_daily']);
    expect(dagIds()).toEqual(['mastodon_daily']);
  });

  it('adds the example DAGs with loadExamples on, validated against the activity names', () => {
    expect(createDagCatalog({ loadExamples: true }).ids()).toEqual([
      'example_chain',
      'example_fanout',
      'mastodon_daily',
    ]);
    expect(EXAMPLE_DAGS.every((d) => d.id.startsWith('example_') && (d.schedule ?? null) === null)).toBe(true);
  });

  it('validates the test DAGs against the activity names too', () => {
    expect(createDagRegistry([...PRODUCTION_DAGS, ...TEST_DAGS], activityNames()).ids()).toContain('test_fanout');
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
    expect(PRODUCTION_DAGS.some((d) => d.id.startsWith(TEST_DAG_PREFIX))).toBe(false);
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
      createDagRegistry([...catalogDags({ loadExamples: true }), broken], activityNames());
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
  it('knows a registered DAG only after registration (what the workflow entries do at module load)', () => {
    const found = lookupDag('example_chain');
    expect(found.ok).toBe(false);
    if (!found.ok) expect(found.message).toBe('unknown DAG "example_chain" (known: mastodon_daily)');
    registerDags(EXAMPLE_DAGS);
    registerDags(EXAMPLE_DAGS); // the same definitions again: a no-op
    expect(loadedDags().map((d) => d.id)).toEqual(['mastodon_daily', 'example_chain', 'example_fanout']);
    expect(() =>
      registerDags([{ id: 'example_chain', tasks: [{ id: 'a', activity: 'noop' }] } as DagSpecInput]),
    ).toThrow('registerDags: DAG id "example_chain" is already loaded by another definition');
    registerDags(TEST_DAGS);
  });

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
