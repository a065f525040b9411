import { activityNames } from '../activities';
import type { DagSpecInput } from '../domain/dag-spec';
import { EXAMPLE_DAGS } from './examples';
import { loadedDags } from './index';
import { createDagRegistry, type DagRegistry } from './registry';

// The DAG catalog of this process: the DAGs loaded here (dags/index.ts), plus the example DAGs
// when the config's `loadExamples` is on, validated against the activities the worker registers
// (plus cron and timezone checks). Built at worker and CLI start-up so a broken DAG stops them
// with one message listing every problem. Not importable from workflows/ (it pulls in
// cron-parser and the activity modules); runDag uses dags/index.ts.

export interface DagCatalogOptions {
  /** Include the example DAGs (`example_*`), as the worker's workflow bundle does when on. */
  loadExamples: boolean;
}

/** The DAG definitions a catalog with these options holds (each once). */
export function catalogDags(opts: DagCatalogOptions): DagSpecInput[] {
  const loaded = loadedDags();
  return [...loaded, ...(opts.loadExamples ? EXAMPLE_DAGS.filter((d) => !loaded.includes(d)) : [])];
}

export function createDagCatalog(
  opts: DagCatalogOptions,
  knownActivities: Iterable<string> = activityNames(),
): DagRegistry {
  return createDagRegistry(catalogDags(opts), knownActivities);
}
