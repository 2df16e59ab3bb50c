/**
 * The rebalance workflow's I/O (SPEC §9): start each rebalance order as its
 * own `order:{clientOrderId}` workflow and wait for it to settle. The client
 * order id derives from (world, strategy, `rebalance-{runId}-{n}`, 0), so a
 * retried start finds the order it already started and nothing is sent twice.
 *
 * Reduce-only: the order port and the order workflow carry no reduce-only
 * flag (the sim venue has none either), so it is enforced here instead: a
 * reduce-only order is only started when the venue account's position is on
 * the other side and at least as large; otherwise it is SKIPPED with a reason.
 */
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { clientOrderId } from '../domain/execution/order';
import { isTerminal } from '../domain/execution/order-state';
import { isReduceOnly } from '../domain/world/rebalance';
import { accountQuery, accountWorkflowId, orderQuery, orderWorkflowId } from '../workflows/order-messages';
import type { RebalanceOrderOutcome, RebalanceOrderSpec } from '../workflows/rebalance-messages';
import { modeOfVenue, startOrderWorkflow } from './order-start';
import type { OrderVenueLookup } from './venues/order-port';

export interface RebalanceActivityDeps {
  orderVenues: OrderVenueLookup;
  /** Default: the worker's client from the activity context. */
  client?: Client;
  /** How often a waiting activity reads its order (default 250 ms). */
  pollMs?: number;
}

export type StartedRebalanceOrder =
  { clientOrderId: string; skipped?: undefined } | { clientOrderId: string; skipped: string };

export const rebalanceIntentId = (runId: string, n: number): string => `rebalance-${runId}-${n}`;

export function createRebalanceActivities(deps: RebalanceActivityDeps) {
  const clientOf = () => deps.client ?? Context.current().client;
  const pollMs = deps.pollMs ?? 250;

  /** The account's signed position in a symbol; 0 without an account workflow. */
  const positionOf = async (venue: string, account: string, symbol: string): Promise<string> => {
    try {
      const view = await clientOf().workflow.getHandle(accountWorkflowId(venue, account)).query(accountQuery);
      return view.positions[symbol] ?? '0';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return '0';
      throw err;
    }
  };

  return {
    /** Starts the n-th order of a rebalance once; a reduce-only order that would not reduce is not sent. */
    async startRebalanceOrder(request: {
      runId: string;
      n: number;
      order: RebalanceOrderSpec;
    }): Promise<StartedRebalanceOrder> {
      const { order } = request;
      const intentId = rebalanceIntentId(request.runId, request.n);
      const port = deps.orderVenues.orderVenue(order.venue, order.account);
      const id = clientOrderId(order.worldId, order.strategyId, intentId, 0, port.clientOrderIdMaxLength);
      const client = clientOf();
      // Started before (a retry, a replay): join it, whatever the position reads now.
      if (await exists(client, id)) return { clientOrderId: id };
      if (order.reduceOnly) {
        const position = await positionOf(order.venue, order.account, order.symbol);
        if (!isReduceOnly(position, order.quantity)) {
          return {
            clientOrderId: id,
            skipped: `reduce-only ${order.quantity} ${order.symbol} would not reduce the account position ${position}`,
          };
        }
      }
      const qty = order.quantity.replace(/^-/, '');
      try {
        await startOrderWorkflow(
          client,
          {
            clientOrderId: id,
            worldId: order.worldId,
            strategyId: order.strategyId,
            intentId,
            replaceSeq: 0,
            venue: order.venue,
            account: order.account,
            symbol: order.symbol,
            side: order.side,
            type: 'market',
            qty,
            tif: { kind: order.timeInForce },
            mode: modeOfVenue(order.venue),
          },
          `rebalance ${request.runId} #${request.n}: ${order.side} ${qty} ${order.symbol} on ${order.venue}`,
        );
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      return { clientOrderId: id };
    },

    /** Reads the order until it is terminal, heartbeating; a failed order workflow is a FAILED outcome. */
    async awaitRebalanceOrder(request: {
      clientOrderId: string;
      order: RebalanceOrderSpec;
    }): Promise<RebalanceOrderOutcome> {
      const handle = clientOf().workflow.getHandle(orderWorkflowId(request.clientOrderId));
      const base = outcomeBase(request.clientOrderId, request.order);
      for (;;) {
        Context.current().heartbeat();
        const view = await handle.query(orderQuery).catch(() => undefined);
        if (view && isTerminal(view.state)) {
          return {
            ...base,
            status: view.state,
            filled_qty: view.filledQty,
            avg_price: view.avgPrice,
            ...(view.rejectReason && { reason: `${view.rejectReason.code}: ${view.rejectReason.detail}` }),
          };
        }
        if (!view) {
          const { status } = await handle.describe();
          if (status.name !== 'RUNNING' && status.name !== 'COMPLETED' && status.name !== 'CONTINUED_AS_NEW')
            return { ...base, status: 'FAILED', filled_qty: '0', avg_price: '0', reason: status.name };
        }
        await Context.current().sleep(pollMs);
      }
    },
  };
}

export type RebalanceActivities = ReturnType<typeof createRebalanceActivities>;

export function outcomeBase(id: string, order: RebalanceOrderSpec) {
  return {
    client_order_id: id,
    world_id: order.worldId,
    strategy_id: order.strategyId,
    symbol: order.symbol,
    venue: order.venue,
    quantity: order.quantity,
  };
}

async function exists(client: Client, clientOrderId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(orderWorkflowId(clientOrderId)).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
