/**
 * rebalance:{runId} — sends a rebalance's orders and waits until each has
 * settled (SPEC §9). Every order is its own `order:{clientOrderId}` workflow,
 * started through an activity under the intent `rebalance-{runId}-{n}`, so a
 * retry or a replay joins the orders already started. Runs on qmtl-exec: it
 * only talks to order workflows, which live there.
 */
import { ApplicationFailure, proxyActivities, setHandler } from '@temporalio/workflow';
import type { RebalanceActivities } from '../activities/rebalance';
import { orderSettlement, workflowMessage } from './activity-options';
import { publishPortfolioSnapshots } from './portfolio-snapshot';
import {
  MAX_REBALANCE_ORDERS,
  rebalanceQuery,
  type RebalanceInput,
  type RebalanceOrderOutcome,
  type RebalancePhase,
  type RebalanceResult,
} from './rebalance-messages';

const { startRebalanceOrder } = proxyActivities<RebalanceActivities>(workflowMessage);
const { awaitRebalanceOrder } = proxyActivities<RebalanceActivities>(orderSettlement);

export async function rebalanceWorkflow(input: RebalanceInput): Promise<RebalanceResult> {
  if (input.orders.length > MAX_REBALANCE_ORDERS) {
    throw ApplicationFailure.create({
      type: 'InvalidInput',
      message: `a rebalance sends at most ${MAX_REBALANCE_ORDERS} orders, got ${input.orders.length}`,
      nonRetryable: true,
    });
  }
  let phase: RebalancePhase = 'submitting';
  const outcomes: RebalanceOrderOutcome[] = [];
  setHandler(rebalanceQuery, () => ({ phase, orders: outcomes }));

  const started = await Promise.all(
    input.orders.map((order, n) => startRebalanceOrder({ runId: input.runId, n, order })),
  );
  phase = 'waiting';
  const settled = await Promise.all(
    started.map(async (start, n): Promise<RebalanceOrderOutcome> => {
      const order = input.orders[n]!;
      if (start.skipped === undefined)
        return awaitRebalanceOrder({ clientOrderId: start.clientOrderId, order });
      return {
        client_order_id: start.clientOrderId,
        world_id: order.worldId,
        strategy_id: order.strategyId,
        symbol: order.symbol,
        venue: order.venue,
        quantity: order.quantity,
        status: 'SKIPPED',
        filled_qty: '0',
        avg_price: '0',
        reason: start.skipped,
      };
    }),
  );
  outcomes.push(...settled);
  await publishPortfolioSnapshots(input.orders.map((o) => o.worldId));
  phase = 'done';
  return { run_id: input.runId, orders: outcomes };
}
