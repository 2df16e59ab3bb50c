/** All activities, built once per worker process over its store and venues. */
import type { Client } from '@temporalio/client';
import { createBackfillActivities, type VenueLookup } from './backfill';
import { createBacktestActivities } from './backtest';
import { createDagRunActivities } from './dag-run';
import { createNodeComputeActivities } from './node-compute';
import { createSeamlessActivities } from './seamless';
import type { Store } from './store/port';
import { createStrategyActivities } from './strategy';

export interface ActivityDeps {
  store: Store;
  venues: VenueLookup;
  /** Starts and awaits workflows from activities (Seamless fetches); default: the activity context's client. */
  client?: Client;
  /** Per-exchange rate-limited queue for backfill chunks (workers/venue-queues.ts). */
  chunkQueueOf?: (exchange: string) => string | undefined;
}

export function createActivities({ store, venues, client, chunkQueueOf }: ActivityDeps) {
  return {
    ...createStrategyActivities(store),
    ...createBackfillActivities({ store, venues, chunkQueueOf }),
    ...createSeamlessActivities({ store, client }),
    ...createDagRunActivities({ store }),
    ...createNodeComputeActivities({ store }),
    ...createBacktestActivities({ store }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
