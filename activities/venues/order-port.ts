/**
 * The trading side of a venue (SPEC §8): submit, look up, cancel, trades,
 * open orders and balances for one (exchange, account). The simulated venue
 * (`sim`, matching against its own bars) and real exchanges through ccxt
 * implement it. Quantities and prices cross the port as decimal strings, so no
 * binary float ever touches them. Failures are Temporal ApplicationFailures
 * typed by VENUE_FAILURE (./port); a venue-side refusal of the order itself
 * (funds, filters, unknown symbol) is `VenueRejected` and never retried.
 */
import type { OrderType } from '../../domain/execution/order';
import type { VenueOrderSeen, VenueStatus } from '../../domain/execution/reconcile';
import type { SimTrade } from '../../domain/execution/sim-matching';
import type { OrderSide, SymbolProperties } from '../../domain/execution/symbol';

/** What the venue says about an order, reduced to the states every venue has. */
export type VenueOrderStatus = VenueStatus;

/**
 * Venue-side time in force. GTD and DAY orders are sent as GTC and expired by
 * the order workflow's timer (one rule for every venue, whatever it supports).
 */
export type VenueTimeInForce = 'GTC' | 'IOC' | 'FOK';

export interface VenueOrderRequest {
  /** Deterministic (domain/execution/order.ts clientOrderId); the venue's duplicate key. */
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  qty: string;
  limitPrice?: string;
  stopPrice?: string;
  tif: VenueTimeInForce;
}

/** An order as the venue reports it; `ts` is the venue time of its last change (epoch ms). Reconciliation's shape, without trades. */
export type VenueOrder = Omit<VenueOrderSeen, 'trades'>;

/**
 * One trade of an order, the same shape the simulated venue's matching makes.
 * `tradeId` is unique per venue (the order workflow dedupes fills by it); `fee`
 * is in the quote currency ("0" when the venue charged none).
 */
export type VenueTrade = SimTrade;

export interface VenueBalance {
  currency: string;
  free: string;
  used: string;
  total: string;
}

export interface OrderVenue {
  readonly exchange: string;
  readonly account: string;
  /** Longest client order id the venue takes (Binance 36, OKX 32). */
  readonly clientOrderIdMaxLength: number;
  /** Places the order. A duplicate client order id surfaces as `DuplicateClientOrderId` (see submitOnce). */
  submitOrder(request: VenueOrderRequest): Promise<VenueOrder>;
  /** The order with this client order id, or undefined when the venue has none. */
  findOrder(symbol: string, clientOrderId: string): Promise<VenueOrder | undefined>;
  /**
   * Cancels; returns the order as it ended. An order that filled first comes
   * back `filled` (the fill won the race), never as an error.
   */
  cancelOrder(symbol: string, clientOrderId: string): Promise<VenueOrder>;
  /** Every trade of this order so far, oldest first. */
  fetchOrderTrades(symbol: string, clientOrderId: string): Promise<VenueTrade[]>;
  /** Open orders of the account (all symbols when none is given). */
  fetchOpenOrders(symbol?: string): Promise<VenueOrder[]>;
  fetchBalances(): Promise<VenueBalance[]>;
  /** Lot, tick, minimums of a symbol, from the venue's market listing. */
  symbolProperties(symbol: string): Promise<SymbolProperties>;
}

/** ApplicationFailure type for "this client order id already exists at the venue". */
export const DUPLICATE_CLIENT_ORDER_ID = 'DuplicateClientOrderId';

/** How activities find the trading side of a venue account (activities/venues/order-registry.ts). */
export interface OrderVenueLookup {
  /** Throws a `VenueRejected` failure when no such venue or account exists. */
  orderVenue(exchange: string, account: string): OrderVenue;
}
