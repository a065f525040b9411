import type { ActivityDeps } from './deps';
import { createSmokeActivities, createSmokeStoreActivities } from './smoke';

export type { ActivityDeps } from './deps';

/** Activities for the `mastoflow` queue: fetch, map, reduce and anything stateless. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSmokeActivities(deps),
  };
}

/** Activities for the `mastoflow-store` queue: the single DuckDB writer. */
export function createStoreActivities(deps: ActivityDeps) {
  return {
    ...createSmokeStoreActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type StoreActivities = ReturnType<typeof createStoreActivities>;
