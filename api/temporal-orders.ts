/**
 * The Gateway's order door into Temporal (SPEC §8): starts `order:{id}` on the
 * execution queue, reads orders and accounts by query, cancels and replaces by
 * Update, forwards fills by signal. Workflow refusals become problem answers
 * here, once: a validator's rejection is a 409, an unknown order a 404.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startOrderWorkflow } from '../activities/order-start';
import {
  accountQuery,
  accountWorkflowId,
  cancelOrderUpdate,
  orderFillSignal,
  orderQuery,
  orderWorkflowId,
  replaceOrderUpdate,
  type AccountView,
  type FillWire,
  type OrderView,
  type OrderWorkflowInput,
  type ReplaceRequest,
} from '../workflows/order-messages';
import { conflict, notFound } from './errors';

/** `created: false` when this client order id already had an order: the same intent, the same order. */
export interface PlaceOutcome {
  orderId: string;
  created: boolean;
}

export interface OrderControl {
  placeOrder(input: OrderWorkflowInput): Promise<PlaceOutcome>;
  /** Undefined when no such order exists. */
  order(orderId: string): Promise<OrderView | undefined>;
  /** The order once the venue answered; 404 unknown, 409 when the workflow refuses (terminal, pending). */
  cancelOrder(orderId: string, reason: string): Promise<OrderView>;
  replaceOrder(orderId: string, request: ReplaceRequest): Promise<{ newOrderId: string; old: OrderView }>;
  /** Deduped by trade id in the workflow; 404 unknown, 409 when the order's workflow has ended. */
  ingestFill(orderId: string, fill: FillWire): Promise<void>;
  account(venue: string, account: string): Promise<AccountView | undefined>;
}

/** "buy 0.5 BTC/USDT limit 60000 GTC on sim": what the Temporal UI lists the order as. */
export function orderSummary(input: OrderWorkflowInput): string {
  const prices = [
    input.limitPrice !== undefined ? input.limitPrice : undefined,
    input.stopPrice !== undefined ? `stop ${input.stopPrice}` : undefined,
  ].filter((p) => p !== undefined);
  const live = input.mode === 'live' ? ' (live)' : '';
  const parts = [input.side, input.qty, input.symbol, input.type, ...prices, input.tif.kind];
  return `${parts.join(' ')} on ${input.venue}${live}`;
}

export class TemporalOrders implements OrderControl {
  constructor(private readonly client: Client) {}

  async placeOrder(input: OrderWorkflowInput): Promise<PlaceOutcome> {
    const orderId = input.clientOrderId;
    try {
      await startOrderWorkflow(this.client, input, orderSummary(input));
      return { orderId, created: true };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { orderId, created: false };
      throw err;
    }
  }

  async order(orderId: string): Promise<OrderView | undefined> {
    try {
      return await this.client.workflow.getHandle(orderWorkflowId(orderId)).query(orderQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  cancelOrder(orderId: string, reason: string): Promise<OrderView> {
    return this.refusable(orderId, () =>
      this.client.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(cancelOrderUpdate, {
        args: [{ reason }],
      }),
    );
  }

  replaceOrder(orderId: string, request: ReplaceRequest): Promise<{ newOrderId: string; old: OrderView }> {
    return this.refusable(orderId, () =>
      this.client.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(replaceOrderUpdate, {
        args: [request],
      }),
    );
  }

  ingestFill(orderId: string, fill: FillWire): Promise<void> {
    return this.refusable(orderId, () =>
      this.client.workflow.getHandle(orderWorkflowId(orderId)).signal(orderFillSignal, fill),
    );
  }

  async account(venue: string, account: string): Promise<AccountView | undefined> {
    try {
      return await this.client.workflow.getHandle(accountWorkflowId(venue, account)).query(accountQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * Runs an update or signal, mapping the workflow's refusals: a validator or
   * handler failure is a 409 with its message. The server answers "not found"
   * for a finished workflow as well, so that case is told apart by a read.
   */
  private async refusable<T>(orderId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        throw conflict(err.cause.message, { order_id: orderId, reason: err.cause.type ?? undefined });
      }
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      const view = await this.order(orderId);
      if (!view) throw notFound('order', orderId);
      throw conflict(`order ${orderId} is ${view.state}; its workflow has ended`, {
        order_id: orderId,
        state: view.state,
      });
    }
  }
}
