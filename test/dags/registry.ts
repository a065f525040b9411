import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerDags } from '../../dags/index';
import { TEST_DAGS } from './testing';

// The test-only DAG registry: importing this module loads the test and benchmark DAGs into this
// process (the catalog a test worker validates at start, CLI commands run in-process). The workers
// tests and benchmarks start serve them from a bundle of TEST_WORKFLOWS_PATH, which registers the
// same DAGs inside the workflow sandbox.

registerDags(TEST_DAGS);

export { TEST_DAG_PREFIX, TEST_DAGS } from './testing';

/** The workflow bundle entry of test and benchmark workers: production workflows, examples and TEST_DAGS. */
export const TEST_WORKFLOWS_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'workflows.ts');
