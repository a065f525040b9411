// The workflow bundle's entry when the config's `loadExamples` is on: the production workflows
// with the example DAGs registered at module load (before any workflow runs), so runDag knows them.
// A worker with `loadExamples` off is built from workflows/index.ts, where they are unknown DAGs.
import { EXAMPLE_DAGS } from '../dags/examples';
import { registerDags } from '../dags/index';

registerDags(EXAMPLE_DAGS);

export * from './index';
