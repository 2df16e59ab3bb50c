/**
 * Order workflows started by the system rather than by a client: an order
 * reconciliation adopts from the venue, and the market orders a kill switch
 * flattens with. Both start `order:{clientOrderId}` once (REJECT_DUPLICATE),
 * on the execution queue, through the same start as the Gateway's placeOrder
 * (api/temporal-orders.ts), so they list and filter alike.
 */
import type { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { VenueOrderSeen } from '../domain/execution/reconcile';
import type { OrderSide } from '../domain/execution/symbol';
import { orderWorkflowId, type OrderWorkflowInput, type TradingMode } from '../workflows/order-messages';
import { orderSearchAttributePairs } from '../workflows/order-attributes';
import { EXEC_QUEUE } from '../workflows/task-queues';

/** World and strategy an adopted order is filed under: it came from no world's decision. */
export const ADOPTED_WORLD = 'adopted';
/** World flatten orders are filed under; their strategy is the kill switch's scope key. */
export const KILL_WORLD = 'kill';

/** Orders on the simulated venue are paper; everywhere else they move real money. */
export const modeOfVenue = (venue: string): TradingMode => (venue === 'sim' ? 'paper' : 'live');

/** "adopted: sell 0.1 BTC/USDT limit 60000 on binance": what the Temporal UI lists a system order as. */
export function systemOrderSummary(input: OrderWorkflowInput): string {
  const prices = [input.limitPrice, input.stopPrice && `stop ${input.stopPrice}`].filter(Boolean);
  return [
    input.adopted ? 'adopted:' : `${input.worldId}:`,
    input.side,
    input.qty,
    input.symbol,
    input.type,
    ...prices,
    `on ${input.venue}`,
  ].join(' ');
}

/**
 * Starts `order:{clientOrderId}` on the execution queue, once. The Gateway
 * passes its own summary (api/temporal-orders.ts `orderSummary`).
 * Throws WorkflowExecutionAlreadyStartedError when the id is taken (running or ended).
 */
export async function startOrderWorkflow(
  client: Client,
  input: OrderWorkflowInput,
  staticSummary: string = systemOrderSummary(input),
): Promise<void> {
  // By name: the workflow module is bundled for the worker, not imported by the Gateway or activities.
  await client.workflow.start('orderWorkflow', {
    workflowId: orderWorkflowId(input.clientOrderId),
    taskQueue: EXEC_QUEUE,
    args: [input],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: new TypedSearchAttributes(orderSearchAttributePairs(input, 'PENDING_NEW')),
    staticSummary,
  });
}

/** The venue's own terms of an order no workflow tracked; it rests, so GTC. */
export function adoptedOrderInput(
  order: Omit<VenueOrderSeen, 'trades'>,
  target: { venue: string; account: string; mode: TradingMode },
): OrderWorkflowInput {
  return {
    clientOrderId: order.clientOrderId,
    worldId: ADOPTED_WORLD,
    strategyId: ADOPTED_WORLD,
    intentId: order.venueOrderId,
    replaceSeq: 0,
    venue: target.venue,
    account: target.account,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    qty: order.qty,
    ...(order.limitPrice !== undefined && { limitPrice: order.limitPrice }),
    ...(order.stopPrice !== undefined && { stopPrice: order.stopPrice }),
    tif: { kind: 'GTC' },
    mode: target.mode,
    adopted: true,
  };
}

/** A market IOC order closing one position of a venue account. */
export function flattenOrderInput(spec: {
  clientOrderId: string;
  scopeKey: string;
  intentId: string;
  venue: string;
  account: string;
  symbol: string;
  side: OrderSide;
  qty: string;
}): OrderWorkflowInput {
  return {
    clientOrderId: spec.clientOrderId,
    worldId: KILL_WORLD,
    strategyId: spec.scopeKey,
    intentId: spec.intentId,
    replaceSeq: 0,
    venue: spec.venue,
    account: spec.account,
    symbol: spec.symbol,
    side: spec.side,
    type: 'market',
    qty: spec.qty,
    tif: { kind: 'IOC' },
    mode: modeOfVenue(spec.venue),
  };
}
