/**
 * The orders of a paper or live DAG run: start `order:{clientOrderId}` for a
 * bar's intent (the id derives from world, strategy and `{runId}:{barClose}`,
 * so a retried or replayed start finds the order it already started), tell
 * which of the run's orders still work, and cancel them through the order
 * workflow's `cancel` update under an update id of the run's stop.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { clientOrderId } from '../domain/execution/order';
import { isTerminal, type OrderState } from '../domain/execution/order-state';
import type { OrderSide } from '../domain/execution/symbol';
import { paperIntentId } from '../domain/run/paper';
import {
  cancelOrderUpdate,
  orderQuery,
  orderWorkflowId,
  type OrderWorkflowInput,
} from '../workflows/order-messages';
import { startOrderWorkflow } from './order-start';
import type { OrderVenueLookup } from './venues/order-port';

export interface PaperOrderRequest {
  runId: string;
  worldId: string;
  strategyId: string;
  mode: 'paper' | 'live';
  venue: string;
  account: string;
  barClose: number;
  symbol: string;
  side: OrderSide;
  qty: string;
  /** A passive limit order (GTC) at this price; none: a market order (IOC). */
  limitPrice?: string;
  /** How often the order asks the venue for fills (the order workflow's default when absent). */
  pollIntervalMs?: number;
}

/** The order of one bar's intent, as the order workflow is started with it. */
export function paperOrderInput(request: PaperOrderRequest, maxIdLength: number): OrderWorkflowInput {
  const intentId = paperIntentId(request.runId, request.barClose);
  return {
    clientOrderId: clientOrderId(request.worldId, request.strategyId, intentId, 0, maxIdLength),
    worldId: request.worldId,
    strategyId: request.strategyId,
    intentId,
    replaceSeq: 0,
    venue: request.venue,
    account: request.account,
    symbol: request.symbol,
    side: request.side,
    qty: request.qty,
    ...(request.limitPrice !== undefined
      ? { type: 'limit' as const, limitPrice: request.limitPrice, tif: { kind: 'GTC' as const } }
      : { type: 'market' as const, tif: { kind: 'IOC' as const } }),
    mode: request.mode,
    ...(request.pollIntervalMs !== undefined ? { pollIntervalMs: request.pollIntervalMs } : {}),
  };
}

export function createPaperRunOrderActivities(deps: { orderVenues: OrderVenueLookup; client?: Client }) {
  const clientOf = () => deps.client ?? Context.current().client;

  return {
    /** Starts the bar's order once; returns its client order id. */
    async startPaperOrder(request: PaperOrderRequest): Promise<string> {
      const venue = deps.orderVenues.orderVenue(request.venue, request.account);
      const input = paperOrderInput(request, venue.clientOrderIdMaxLength);
      const summary = `${request.mode} run ${request.runId.slice(0, 16)}…: ${input.side} ${input.qty} ${input.symbol} ${input.type}`;
      try {
        await startOrderWorkflow(clientOf(), input, summary);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      return input.clientOrderId;
    },

    /** The ones among `clientOrderIds` still working (not terminal, workflow still there). */
    async workingPaperOrders({ clientOrderIds }: { clientOrderIds: string[] }): Promise<string[]> {
      const working: string[] = [];
      for (const id of clientOrderIds) {
        const view = await clientOf()
          .workflow.getHandle(orderWorkflowId(id))
          .query(orderQuery)
          .catch((err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return undefined;
            throw err;
          });
        if (view !== undefined && !isTerminal(view.state)) working.push(id);
      }
      return working;
    },

    /**
     * Cancels one order of a run that stops (default) or whose target moved
     * on; the update id carries the run and the cause, so a retry joins the
     * same update. An order that has ended needs nothing.
     */
    async cancelPaperOrder(request: {
      runId: string;
      clientOrderId: string;
      reason: string;
      cause?: 'stop' | 'retarget';
    }): Promise<OrderState | 'gone'> {
      const handle = clientOf().workflow.getHandle(orderWorkflowId(request.clientOrderId));
      const cause = request.cause ?? 'stop';
      try {
        const view = await handle.executeUpdate(cancelOrderUpdate, {
          args: [{ reason: `${cause === 'stop' ? 'run stopped' : 'run retargeted'}: ${request.reason}` }],
          updateId: `${request.runId}:${cause}:${request.clientOrderId}`,
        });
        return view.state;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return 'gone';
        if (!(err instanceof WorkflowUpdateFailedError)) throw err;
        const view = await handle.query(orderQuery).catch(() => undefined);
        if (view === undefined) return 'gone';
        if (isTerminal(view.state) || view.state === 'PENDING_CANCEL') return view.state;
        throw err; // e.g. a replace in flight: retried until it settles
      }
    },
  };
}

export type PaperRunOrderActivities = ReturnType<typeof createPaperRunOrderActivities>;
