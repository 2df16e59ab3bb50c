/** All activities, built once per worker process over its store and venues. */
import type { Client } from '@temporalio/client';
import { createBackfillActivities, type VenueLookup } from './backfill';
import { createBacktestActivities } from './backtest';
import { createDagRunActivities } from './dag-run';
import { createNodeComputeActivities } from './node-compute';
import { createPaperRunActivities } from './paper-run';
import { createSeamlessActivities } from './seamless';
import { nodeTypeCatalog } from '../domain/dag/node-types';
import { nodeLibrary, type NodePlugin } from '../domain/nodes/library';
import type { Store } from './store/port';
import { createStrategyActivities } from './strategy';
import { createOrderActivities } from './orders';
import { createReconcileActivities } from './reconcile';
import { createKillSwitchActivities } from './kill-switch';
import { createEventActivities } from './events';
import { createAllocationActivities } from './allocation';
import { createRebalanceActivities } from './rebalance';
import { createWorldActivities } from './world';
import { createWorldEvaluationActivities } from './world-evaluation';
import { createWorldApplyActivities } from './world-apply';
import { createPromotionActivities } from './promotion';
import { createPortfolioSnapshotActivities } from './portfolio-snapshot';
import type { OrderVenueLookup } from './venues/order-port';
import { OrderVenueRegistry } from './venues/order-registry';

export interface ActivityDeps {
  store: Store;
  venues: VenueLookup;
  /** Starts and awaits workflows from activities (Seamless fetches); default: the activity context's client. */
  client?: Client;
  /** Per-exchange rate-limited queue for backfill chunks (workers/venue-queues.ts). */
  chunkQueueOf?: (exchange: string) => string | undefined;
  /** Custom node types this worker computes, with their code hashes (workers/plugins.ts). */
  plugins?: ReadonlyArray<{ plugin: NodePlugin; codeHash: string }>;
  /** Trading side of the venues (orders, balances); default: sim accounts only, seeded with 100000 USDT. */
  orderVenues?: OrderVenueLookup;
}

export function createActivities({
  store,
  venues,
  client,
  chunkQueueOf,
  plugins = [],
  orderVenues,
}: ActivityDeps) {
  const tradingVenues =
    orderVenues ?? new OrderVenueRegistry({ store, simStartingBalances: { USDT: '100000' } });
  const library = nodeLibrary(plugins.map((p) => p.plugin));
  const catalog = nodeTypeCatalog(plugins.map((p) => [p.plugin.nodeType, p.codeHash] as const));
  return {
    ...createStrategyActivities(store),
    ...createBackfillActivities({ store, venues, chunkQueueOf }),
    ...createSeamlessActivities({ store, client }),
    ...createDagRunActivities({ store, library, catalog }),
    ...createNodeComputeActivities({ store, library }),
    ...createBacktestActivities({ store }),
    ...createPaperRunActivities({ store, venues, orderVenues: tradingVenues, client, library }),
    ...createOrderActivities({ store, orderVenues: tradingVenues, client }),
    ...createReconcileActivities({ store, orderVenues: tradingVenues, client }),
    ...createKillSwitchActivities({ store, orderVenues: tradingVenues, client }),
    ...createEventActivities({ store }),
    ...createAllocationActivities({ store }),
    ...createRebalanceActivities({ orderVenues: tradingVenues, client }),
    ...createWorldActivities({ store }),
    ...createWorldEvaluationActivities({ store, client }),
    ...createWorldApplyActivities({ client }),
    ...createPromotionActivities({ store, client }),
    ...createPortfolioSnapshotActivities({ store, client }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
