import { parseDagSpec, type DagSpec, type DagSpecInput } from '../domain/dag-spec';
import { validateDagGraph } from '../domain/dag-graph';
import { mastodonDaily } from './mastodon_daily';

// The DAGs a worker serves, as data. This module is part of the workflow bundle (runDag looks
// DAGs up here by id), so it and the DAG files it imports must stay pure: no cron-parser, no I/O.
// The registry (dags/registry.ts, via dags/catalog.ts) adds the checks that need more (cron,
// activity names) at worker and CLI start-up.
//
// PRODUCTION_DAGS are always loaded. Other DAGs join through registerDags(), called at module load
// by a workflow entry that imports this one: workflows/with-examples.ts adds the example DAGs
// (config `loadExamples`), test/dags/workflows.ts the test and benchmark DAGs. A worker's bundle
// is built from one entry, so every workflow of that worker sees the same DAGs (deterministic).
//
// To add a DAG: write dags/<id>.ts exporting a `defineDag({...})` and add it to the list below.

export const PRODUCTION_DAGS: readonly DagSpecInput[] = [mastodonDaily];

const registered: DagSpecInput[] = [];
/** lookupDag's answers; cleared when DAGs are registered. */
const cache = new Map<string, DagLookup>();

/**
 * Load more DAGs into this process (or workflow bundle). Registering the same definition again is
 * a no-op; another definition under an id already loaded is refused.
 */
export function registerDags(dags: readonly DagSpecInput[]): void {
  for (const dag of dags) {
    const loaded = loadedDags().find((d) => d.id === dag.id);
    if (loaded === dag) continue;
    if (loaded) throw new Error(`registerDags: DAG id "${dag.id}" is already loaded by another definition`);
    registered.push(dag);
  }
  cache.clear(); // an id that was unknown may be known now
}

/** Every DAG loaded here: the production DAGs, then the registered ones. */
export function loadedDags(): readonly DagSpecInput[] {
  return [...PRODUCTION_DAGS, ...registered];
}

export type DagLookup =
  | { ok: true; dag: DagSpec }
  | { ok: false; reason: 'unknown'; message: string }
  | { ok: false; reason: 'invalid'; message: string };

/**
 * The parsed DAG with that id, or why not: unknown id (naming the known ones) or a spec that does
 * not parse or has a broken graph (unknown deps, cycles, a bad expand). Activity names and
 * schedules are checked by the registry, outside the workflow sandbox. Results are cached: specs
 * are constants of the bundle, so every lookup gives the same answer.
 */
export function lookupDag(id: string): DagLookup {
  const cached = cache.get(id);
  if (cached) return cached;
  const input = loadedDags().find((dag) => dag.id === id);
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
  return loadedDags()
    .map((dag) => dag.id)
    .sort();
}
