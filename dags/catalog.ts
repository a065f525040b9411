import { activityNames } from '../activities';
import { ALL_DAGS } from './index';
import { createDagRegistry, type DagRegistry } from './registry';

// The DAG catalog of this build: every DAG in ALL_DAGS, validated against the activities the
// worker registers (plus cron and timezone checks). Built at worker and CLI start-up so a broken
// DAG stops them with one message listing every problem. Not importable from workflows/ (it pulls
// in cron-parser and the activity modules); runDag uses dags/index.ts.

export function createDagCatalog(knownActivities: Iterable<string> = activityNames()): DagRegistry {
  return createDagRegistry(ALL_DAGS, knownActivities);
}
