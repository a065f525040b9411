import type { ActivityDeps } from './deps';
import { createSmokeActivities, createSmokeStoreActivities } from './smoke';
import { createDagRunActivities } from './dag-runs';
import { createBuiltinActivities, createBuiltinStoreActivities } from './builtin';
import { createMastodonActivities } from './mastodon';
import { createAggregateActivities, createAggregateStoreActivities } from './aggregate/activities';

export type { ActivityDeps } from './deps';

/** Activities for the `mastoflow` queue: fetch, map, reduce and anything stateless. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSmokeActivities(deps),
    ...createDagRunActivities(),
    ...createBuiltinActivities(deps),
    ...createMastodonActivities(deps),
    ...createAggregateActivities(deps),
  };
}

/** Activities for the `mastoflow-store` queue: the single DuckDB writer. */
export function createStoreActivities(deps: ActivityDeps) {
  return {
    ...createSmokeStoreActivities(deps),
    ...createBuiltinStoreActivities(deps),
    ...createAggregateStoreActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type StoreActivities = ReturnType<typeof createStoreActivities>;

/**
 * Every activity name a worker registers (both queues), for the DAG catalog's check of task
 * activity names. Builds the factories with inert deps: a factory must only touch its deps
 * when an activity runs (build clients lazily, never in the factory body).
 */
export function activityNames(): string[] {
  const inert = {} as ActivityDeps;
  return [...Object.keys(createActivities(inert)), ...Object.keys(createStoreActivities(inert))];
}
