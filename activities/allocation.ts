/**
 * The allocation workflow's store I/O (SPEC §9): read each world's fractions
 * before this run (its latest completed allocation) and record how the run
 * ended. The claim itself happens at the Gateway, before the workflow starts,
 * so a replay or a conflicting body is answered without starting anything.
 * Both activities are idempotent: finish keeps the first end, and its
 * `rebalancing_planned` events are keyed by run id and world.
 */
import type { AllocationResult, FractionsBefore } from '../workflows/rebalance-messages';
import { publishOnce } from './events';
import type { Store } from './store/port';

export interface AllocationActivityDeps {
  store: Store;
  now?: () => number;
}

export function createAllocationActivities({ store, now = Date.now }: AllocationActivityDeps) {
  return {
    /** Fractions per world before this run; a world never allocated is absent (it starts from 0). */
    async allocationBefore(request: { worldIds: string[] }): Promise<Record<string, FractionsBefore>> {
      const latest = await store.allocations.latestFractions(request.worldIds);
      return Object.fromEntries(
        Object.entries(latest).map(([w, f]) => [
          w,
          { fraction: f.fraction, ...(f.strategies && { strategies: f.strategies }) },
        ]),
      );
    },

    /** Stores the run's answer (once) and announces a completed plan on the ControlBus, per world. */
    async finishAllocation(request: { runId: string; result: AllocationResult }): Promise<void> {
      const { result } = request;
      await store.allocations.finish(request.runId, {
        status: result.status,
        result: result as unknown as Record<string, unknown>,
        at: new Date(now()).toISOString(),
      });
      if (result.status !== 'completed') return;
      for (const [worldId, plan] of Object.entries(result.plan.per_world)) {
        await publishOnce(store, {
          eventKey: `alloc:${request.runId}:planned:${worldId}`,
          topic: 'rebalancing_planned',
          worldId,
          key: `alloc:${request.runId}`,
          payload: {
            run_id: request.runId,
            world_id: worldId,
            scale_world: plan.scale_world,
            deltas: plan.deltas,
            executed: result.executed,
          },
        });
      }
    },
  };
}

export type AllocationActivities = ReturnType<typeof createAllocationActivities>;
