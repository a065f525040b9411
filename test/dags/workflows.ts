// The workflow bundle entry of the workers tests and benchmarks start: the workflows of
// workflows/with-examples.ts (integration tests run the example DAGs too) with the test DAGs
// registered at module load. Only pure DAG data here: this file runs in the workflow sandbox.
import { registerDags } from '../../dags/index';
import { TEST_DAGS } from './testing';

registerDags(TEST_DAGS);

export * from '../../workflows/with-examples';
