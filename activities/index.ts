import type { TaskContext } from '../domain/task-context';
import type { ActivityDeps } from './deps';
import { createSmokeActivities, createSmokeStoreActivities } from './smoke';
import { createDagRunActivities } from './dag-runs';
import { createBuiltinActivities, createBuiltinStoreActivities } from './builtin';
import { createMastodonActivities } from './mastodon';
import { createAggregateActivities, createAggregateStoreActivities } from './aggregate/activities';
import { createNotifyActivities } from './notify/activities';
import { createReportStoreActivities } from './report/activities';
import { createErasureActivities, createErasureStoreActivities } from './erasure/activities';

export type { ActivityDeps } from './deps';

/** Activities for the `mastoflow` queue: fetch, map, reduce and anything stateless. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSmokeActivities(deps),
    ...createDagRunActivities(),
    ...createBuiltinActivities(deps),
    ...createMastodonActivities(deps),
    ...createAggregateActivities(deps),
    ...createNotifyActivities(deps),
    ...createErasureActivities(deps),
  };
}

/** Activities for the `mastoflow-store` queue: the single DuckDB writer. */
export function createStoreActivities(deps: ActivityDeps) {
  return {
    ...createSmokeStoreActivities(deps),
    ...createBuiltinStoreActivities(deps),
    ...createAggregateStoreActivities(deps),
    ...createReportStoreActivities(deps),
    ...createErasureStoreActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type StoreActivities = ReturnType<typeof createStoreActivities>;

type AllActivities = Activities & StoreActivities;

/** The run params an activity reads (`TaskContext<P>`); never for an activity that takes no TaskContext. */
type ParamsOf<F> = F extends (ctx: TaskContext<infer P>) => Promise<unknown> ? P : never;

/**
 * Names of the activities a DAG task may call with run params of type `P` (the DAG's params
 * schema output): activities taking a TaskContext whose params type `P` satisfies. Used by
 * dags/define-dag.ts, so a misspelt activity, one that is not a task activity, or one that needs
 * params the DAG does not declare is a compile error in the DAG file.
 */
export type TaskActivityName<P = Record<string, unknown>> = {
  [K in keyof AllActivities]: [ParamsOf<AllActivities[K]>] extends [never]
    ? never
    : P extends ParamsOf<AllActivities[K]>
      ? K
      : never;
}[keyof AllActivities] &
  string;

/**
 * Every activity name a worker registers (both queues), for the DAG catalog's check of task
 * activity names. Builds the factories with inert deps: a factory must only touch its deps
 * when an activity runs (build clients lazily, never in the factory body).
 */
export function activityNames(): string[] {
  const inert = {} as ActivityDeps;
  return [...Object.keys(createActivities(inert)), ...Object.keys(createStoreActivities(inert))];
}
