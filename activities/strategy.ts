/** Activities of the strategy workflow: reads of the stored submission. */
import { ApplicationFailure } from '@temporalio/activity';
import type { Store } from './store/port';

export interface StrategyDigest {
  strategyId: string;
  nodeCount: number;
  worldIds: string[];
}

export function createStrategyActivities(store: Store) {
  return {
    /** What the workflow needs to know of a stored DAG, without the DAG itself. */
    async loadStrategyDigest(strategyId: string): Promise<StrategyDigest> {
      const record = await store.strategies.get(strategyId);
      if (!record) {
        throw ApplicationFailure.nonRetryable(`strategy ${strategyId} is not in the store`, 'NotFound');
      }
      return { strategyId, nodeCount: record.nodeCount, worldIds: record.worldIds };
    },
  };
}

export type StrategyActivities = ReturnType<typeof createStrategyActivities>;
