/** All activities, built once per worker process over its store and venues. */
import { createBackfillActivities, type VenueLookup } from './backfill';
import type { Store } from './store/port';
import { createStrategyActivities } from './strategy';

export interface ActivityDeps {
  store: Store;
  venues: VenueLookup;
}

export function createActivities({ store, venues }: ActivityDeps) {
  return {
    ...createStrategyActivities(store),
    ...createBackfillActivities({ store, venues }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
