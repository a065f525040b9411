import type { DagSpecInput } from '../domain/dag-spec';
import { exampleChain } from './example_chain';
import { exampleFanout } from './example_fanout';

// The example DAGs (ids `example_*`), like Airflow's example DAGs: loaded only when the config's
// `loadExamples` is on (`mastoflow dev` and `demo` turn it on; compose leaves it off). Pure data,
// so the workflow entry that serves them (workflows/with-examples.ts) may import this file.

export const EXAMPLE_DAGS: readonly DagSpecInput[] = [exampleChain, exampleFanout];
