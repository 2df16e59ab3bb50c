/**
 * Pure glue between a rebalance plan and the orders the rebalance workflow
 * sends, and between an allocation request and the plan's input. Used by the
 * allocation workflow and by the Gateway's execute route alike, so both send
 * exactly the same orders for the same plan.
 */
import type { RebalanceInput as PlanInput, RebalanceOrder, RebalancePlan } from '../domain/world/rebalance';
import {
  NETTED_STRATEGY,
  type AllocationRequestWire,
  type FractionsBefore,
  type RebalanceOrderSpec,
  type RebalanceTif,
} from './rebalance-messages';

/** Orders a plan sends: netted per world (QMTL's default), or one per strategy delta. */
export function ordersToSubmit(
  plan: Pick<RebalancePlan, 'orders_per_world' | 'orders_per_strategy'>,
  options: { perStrategy: boolean; account: string },
): RebalanceOrderSpec[] {
  const spec = (worldId: string, strategyId: string, order: RebalanceOrder): RebalanceOrderSpec => ({
    worldId,
    strategyId,
    venue: order.venue,
    account: options.account,
    symbol: order.symbol,
    quantity: order.quantity,
    side: order.side,
    reduceOnly: order.reduce_only,
    timeInForce: order.time_in_force as RebalanceTif,
  });
  if (options.perStrategy)
    return plan.orders_per_strategy.map((o) => spec(o.world_id, o.strategy_id, o.order));
  return Object.entries(plan.orders_per_world).flatMap(([w, orders]) =>
    orders.map((order) => spec(w, NETTED_STRATEGY, order)),
  );
}

/**
 * The plan's input for an allocation: "before" is each world's latest
 * completed allocation (0 when never allocated). Strategy splits scale only
 * when both sides are known; a new split over a world that holds positions
 * has nothing to scale from and is refused (RangeError → 422).
 */
export function allocationPlanInput(
  request: AllocationRequestWire,
  before: Record<string, FractionsBefore>,
): PlanInput {
  const worlds = Object.keys(request.world_allocations);
  const weightsBefore: Record<string, Record<string, string>> = {};
  const weightsAfter: Record<string, Record<string, string>> = {};
  for (const w of worlds) {
    const after = request.strategy_allocations?.[w];
    const earlier = before[w]?.strategies;
    if (after && earlier) {
      weightsBefore[w] = earlier;
      weightsAfter[w] = after;
    } else if (after && request.positions.some((p) => p.world_id === w)) {
      throw new RangeError(`world ${w}: no earlier strategy split to scale its positions from`);
    }
  }
  return {
    world_alloc_before: Object.fromEntries(worlds.map((w) => [w, before[w]?.fraction ?? '0'])),
    world_alloc_after: request.world_allocations,
    strategy_weight_before: weightsBefore,
    strategy_weight_after: weightsAfter,
    positions: request.positions,
    min_trade_notional: request.min_trade_notional,
    ...(request.lot_size_by_symbol && { lot_size_by_symbol: request.lot_size_by_symbol }),
  };
}
