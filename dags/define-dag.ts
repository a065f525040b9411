import type { z } from 'zod';
import type { TaskActivityName } from '../activities/index';
import type { DagSpecFor } from '../domain/dag-spec';

// The typed seam between DAG files and activities. A DAG file is data, checked where it is
// written: each task's `activity` must name a task activity that exists (the type is derived from
// createActivities / createStoreActivities, like `proxyActivities<typeof activities>`), and one
// whose params type the DAG's params schema output satisfies. The import is type-only, so DAG
// files stay pure data for the workflow bundle. The registry still checks names at load
// (dags/registry.ts) for specs that bypass the types.

/** An empty strict object: the params of a DAG that declares none (as DagSpec's default). */
type NoParams = z.ZodObject<Record<never, never>, z.core.$strict>;

/** Identity with a type: lets a DAG file be checked against the spec shape and the activities. */
export function defineDag<P extends z.ZodType = NoParams>(
  spec: DagSpecFor<TaskActivityName<z.output<P>>, P>,
): DagSpecFor<TaskActivityName<z.output<P>>, P> {
  return spec;
}
