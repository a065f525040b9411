import { parseDagSpec, type DagSpec, type DagSpecInput } from '../domain/dag-spec';
import { validateDagGraph } from '../domain/dag-graph';
import { exampleChain } from './example_chain';
import { exampleFanout } from './example_fanout';
import { mastodonDaily } from './mastodon_daily';
import { TEST_DAGS } from './testing';

// Every DAG mastoflow knows, as data. This module is part of the workflow bundle (runDag looks
// DAGs up here by id), so it and the DAG files it imports must stay pure: no cron-parser, no I/O.
// The registry (dags/registry.ts, via dags/catalog.ts) adds the checks that need more (cron,
// activity names) at worker and CLI start-up.
//
// To add a DAG: write dags/<id>.ts exporting a `defineDag({...})` and add it to the list below.

export const ALL_DAGS: readonly DagSpecInput[] = [
  exampleChain,
  exampleFanout,
  mastodonDaily,
  // Test and benchmark DAGs (ids `test_*`, see dags/testing.ts).
  ...TEST_DAGS,
];

export type DagLookup =
  | { ok: true; dag: DagSpec }
  | { ok: false; reason: 'unknown'; message: string }
  | { ok: false; reason: 'invalid'; message: string };

const cache = new Map<string, DagLookup>();

/**
 * The parsed DAG with that id, or why not: unknown id (naming the known ones) or a spec that does
 * not parse or has a broken graph (unknown deps, cycles, a bad expand). Activity names and
 * schedules are checked by the registry, outside the workflow sandbox. Results are cached: specs
 * are constants of the bundle, so every lookup gives the same answer.
 */
export function lookupDag(id: string): DagLookup {
  const cached = cache.get(id);
  if (cached) return cached;
  const input = ALL_DAGS.find((dag) => dag.id === id);
  let result: DagLookup;
  if (input === undefined) {
    result = { ok: false, reason: 'unknown', message: `unknown DAG "${id}" (known: ${dagIds().join(', ')})` };
  } else {
    const parsed = parseDagSpec(input, id);
    if (!parsed.ok) {
      result = { ok: false, reason: 'invalid', message: parsed.errors.map((e) => e.message).join('; ') };
    } else {
      const activities = new Set(parsed.value.tasks.map((t) => t.activity));
      const problems = validateDagGraph(parsed.value, activities);
      result = problems.length
        ? { ok: false, reason: 'invalid', message: problems.map((e) => e.message).join('; ') }
        : { ok: true, dag: parsed.value };
    }
  }
  cache.set(id, result);
  return result;
}

/** The parsed DAG, or undefined when the id is unknown or its spec is invalid. */
export function getDagSpec(id: string): DagSpec | undefined {
  const found = lookupDag(id);
  return found.ok ? found.dag : undefined;
}

/** Every DAG id, sorted. */
export function dagIds(): string[] {
  return ALL_DAGS.map((dag) => dag.id).sort();
}
