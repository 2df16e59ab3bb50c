/** All activities, built once per worker process over its store. */
import type { Store } from './store/port';
import { createStrategyActivities } from './strategy';

export function createActivities(store: Store) {
  return {
    ...createStrategyActivities(store),
  };
}

export type Activities = ReturnType<typeof createActivities>;
