/**
 * Activities of the order and account workflows (SPEC §8): every call to a
 * venue's trading side, starting an account's workflow, and the audit line of
 * a late fill. Decimals cross as strings; a venue's refusal comes back as a
 * non-retryable `VenueRejected`, anything transient is retried by the
 * workflow's activity options.
 */
import { Context } from '@temporalio/activity';
import { TypedSearchAttributes } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { decimalText } from '../domain/execution/account-book';
import type { OrderState } from '../domain/execution/order-state';
import {
  accountWorkflowId,
  type AccountWorkflowInput,
  type FillWire,
  type VenueSymbolInfo,
} from '../workflows/order-messages';
import { QmtlVenue } from '../workflows/search-attributes';
import { EXEC_QUEUE } from '../workflows/task-queues';
import { publishOnce } from './events';
import type { Store } from './store/port';
import type {
  OrderVenueLookup,
  VenueBalance,
  VenueOrder,
  VenueOrderRequest,
  VenueTrade,
} from './venues/order-port';
import { submitOnce, type SubmitOutcome } from './venues/submit-once';

export interface VenueAccountRef {
  venue: string;
  account: string;
}

export interface VenueOrderRef extends VenueAccountRef {
  symbol: string;
  clientOrderId: string;
}

/** The venue's view of one order: undefined order when the venue does not know the id. */
export interface VenueOrderSnapshot {
  order?: VenueOrder;
  trades: VenueTrade[];
}

export interface OrderActivityDeps {
  store: Store;
  orderVenues: OrderVenueLookup;
  /** Starts account workflows; default: the worker's client from the activity context. */
  client?: Client;
  /** Wall clock of audit records. */
  now?: () => number;
}

export function createOrderActivities({ store, orderVenues, client, now = Date.now }: OrderActivityDeps) {
  const venueOf = (ref: VenueAccountRef) => orderVenues.orderVenue(ref.venue, ref.account);
  return {
    /**
     * Starts `account:{venue}:{account}` unless it runs (USE_EXISTING joins it). A new account
     * starts from balances read here, before the order that asked is submitted: read later by
     * the workflow, they could already hold that order's fill, which would then be booked twice.
     */
    async ensureAccountWorkflow(input: AccountWorkflowInput): Promise<void> {
      const temporal = client ?? Context.current().client;
      const workflowId = accountWorkflowId(input.venue, input.account);
      const running = await temporal.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          (d) => d.status.name === 'RUNNING',
          () => false,
        );
      if (running) return;
      const balances = await venueOf(input).fetchBalances();
      await temporal.workflow.start('accountWorkflow', {
        workflowId,
        taskQueue: EXEC_QUEUE,
        args: [{ ...input, openingBalances: balances.map(({ currency, total }) => ({ currency, total })) }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        typedSearchAttributes: new TypedSearchAttributes([{ key: QmtlVenue, value: input.venue }]),
        staticSummary: `Account ${input.venue}/${input.account} (${input.quoteCurrency})`,
      });
    },

    async venueSymbolProperties(ref: VenueAccountRef & { symbol: string }): Promise<VenueSymbolInfo> {
      const venue = venueOf(ref);
      const p = await venue.symbolProperties(ref.symbol);
      return {
        properties: {
          symbol: p.symbol,
          minQty: decimalText(p.minQty),
          lotStep: decimalText(p.lotStep),
          tickSize: decimalText(p.tickSize),
          minNotional: decimalText(p.minNotional),
        },
        clientOrderIdMaxLength: venue.clientOrderIdMaxLength,
      };
    },

    /** Looks the client order id up before sending, so a retry after an ambiguous timeout never places a second order. */
    async submitVenueOrder(
      input: VenueAccountRef & { request: VenueOrderRequest; worldId?: string },
    ): Promise<{ order: VenueOrder; outcome: SubmitOutcome }> {
      const submitted = await submitOnce(venueOf(input), input.request);
      // The venue holds the order now; keyed by client order id, so a retry publishes once.
      const { order } = submitted;
      await publishOnce(store, {
        eventKey: `order:${order.clientOrderId}:accepted`,
        topic: 'order',
        // Absent for orders whose workflow predates the field (their histories carry no world id here).
        ...(input.worldId !== undefined && { worldId: input.worldId }),
        key: order.clientOrderId,
        payload: {
          client_order_id: order.clientOrderId,
          venue_order_id: order.venueOrderId,
          venue: input.venue,
          account: input.account,
          symbol: order.symbol,
          side: order.side,
          type: order.type,
          qty: order.qty,
          ...(order.limitPrice === undefined ? {} : { limit_price: order.limitPrice }),
          status: order.status,
        },
      });
      return submitted;
    },

    async syncVenueOrder(ref: VenueOrderRef): Promise<VenueOrderSnapshot> {
      const venue = venueOf(ref);
      const order = await venue.findOrder(ref.symbol, ref.clientOrderId);
      if (!order) return { trades: [] };
      return { order, trades: await venue.fetchOrderTrades(ref.symbol, ref.clientOrderId) };
    },

    /** Cancels, then reads the trades: a fill that won the race comes back with the order. */
    async cancelVenueOrder(ref: VenueOrderRef): Promise<VenueOrderSnapshot> {
      const venue = venueOf(ref);
      const order = await venue.cancelOrder(ref.symbol, ref.clientOrderId);
      return { order, trades: await venue.fetchOrderTrades(ref.symbol, ref.clientOrderId) };
    },

    async fetchAccountBalances(ref: VenueAccountRef): Promise<VenueBalance[]> {
      return venueOf(ref).fetchBalances();
    },

    /** A fill on a finished order: audited once per trade for reconciliation (SPEC §8). */
    async recordLateFill(input: { orderId: string; state: OrderState; fill: FillWire }): Promise<void> {
      await store.audit.append({
        eventKey: `order.late_fill:${input.orderId}:${input.fill.tradeId}`,
        at: new Date(now()).toISOString(),
        actor: 'system',
        action: 'order.late_fill',
        subject: `order:${input.orderId}`,
        detail: { state: input.state, fill: input.fill },
      });
    },
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;
