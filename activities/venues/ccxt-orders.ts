/**
 * The trading side of a real exchange account through its ccxt instance (SPEC §8).
 * Orders are addressed by our deterministic client order id; ccxt's parsed numbers
 * become the port's decimal strings; ccxt errors become typed activity failures.
 * Exchange differences ccxt leaves visible (acks instead of orders, duplicate-id
 * codes, stop orders as algo orders) are handled here, as data where possible.
 */
import { ApplicationFailure } from '@temporalio/common';
import { OrderNotFound, type Exchange, type Order } from 'ccxt';
import { Dec, type SymbolProperties } from '../../domain/execution/symbol';
import {
  adapterFault,
  ORDER_SHAPE,
  symbolPropertiesOf,
  toVenueBalances,
  toVenueOrder,
  toVenueTrade,
} from './ccxt-order-mapping';
import {
  duplicateClientOrderId,
  isDuplicateClientOrderId,
  retryAfterMs,
  toActivityFailure,
  VENUE_FAILURE,
  venueRejected,
} from './errors';
import type { OrderVenue, VenueBalance, VenueOrder, VenueOrderRequest, VenueTrade } from './order-port';

const CLIENT_ORDER_ID_MAX_LENGTH: Readonly<Record<string, number>> = { binance: 36, okx: 32 };
const DEFAULT_CLIENT_ORDER_ID_MAX_LENGTH = 32;

/**
 * Exchanges whose stop orders are ordinary orders, found and canceled by client order
 * id. okx places them as algo orders (/trade/order-algo, algoClOrdId) that its order
 * lookup never sees, so a retried submit could not find them: refused up front.
 */
const STOP_ORDERS_BY_CLIENT_ID = new Set(['binance']);

export class CcxtOrderVenue implements OrderVenue {
  readonly exchange: string;
  readonly clientOrderIdMaxLength: number;
  private marketsLoading: Promise<unknown> | undefined;

  constructor(
    /** The shared ccxt instance (rate limiter, markets, credentials) of this exchange account. */
    readonly client: Exchange,
    readonly account: string,
  ) {
    this.exchange = client.id;
    this.clientOrderIdMaxLength = CLIENT_ORDER_ID_MAX_LENGTH[client.id] ?? DEFAULT_CLIENT_ORDER_ID_MAX_LENGTH;
    // Reconciliation lists every symbol's open orders; ccxt's limiter charges the heavier weight.
    client.options['warnOnFetchOpenOrdersWithoutSymbol'] = false;
  }

  async submitOrder(request: VenueOrderRequest): Promise<VenueOrder> {
    const { ccxtType, stop } = ORDER_SHAPE[request.type];
    this.checkRequest(request, stop);
    const price = ccxtType === 'limit' ? request.limitPrice : undefined;
    // Decimal text all the way: ccxt reads amounts and prices as strings (amountToPrecision), its typings say number.
    const params: Record<string, string> = { clientOrderId: request.clientOrderId };
    if (stop) params['triggerPrice'] = request.stopPrice!;
    if (ccxtType === 'limit') params['timeInForce'] = request.tif;
    try {
      await this.marketsLoaded();
      this.checkPrecision(request);
      const placed = await this.client.createOrder(
        request.symbol,
        ccxtType,
        request.side,
        request.qty as unknown as number,
        price as unknown as number | undefined,
        params,
      );
      if (placed.status !== undefined) return this.venueOrder(placed, request.clientOrderId);
      // okx acknowledges with ids only: read the order back, or report it as accepted.
      const order = await this.lookup(request.symbol, request.clientOrderId);
      return order ? this.venueOrder(order, request.clientOrderId) : this.accepted(request, placed);
    } catch (err) {
      throw this.submitFailure(err, request.clientOrderId);
    }
  }

  async findOrder(symbol: string, clientOrderId: string): Promise<VenueOrder | undefined> {
    try {
      await this.marketsLoaded();
      const order = await this.lookup(symbol, clientOrderId);
      return order && this.venueOrder(order, clientOrderId);
    } catch (err) {
      throw this.failure(err);
    }
  }

  async cancelOrder(symbol: string, clientOrderId: string): Promise<VenueOrder> {
    try {
      await this.marketsLoaded();
      return this.venueOrder(await this.cancelOrLookup(symbol, clientOrderId), clientOrderId);
    } catch (err) {
      throw this.failure(err);
    }
  }

  async fetchOrderTrades(symbol: string, clientOrderId: string): Promise<VenueTrade[]> {
    try {
      await this.marketsLoaded();
      const order = await this.lookup(symbol, clientOrderId);
      if (order?.id === undefined) return [];
      // One page (binance 500, okx 100 fills): enough for the orders this system places.
      const trades = this.client.has['fetchOrderTrades']
        ? await this.client.fetchOrderTrades(order.id, symbol)
        : await this.client.fetchMyTrades(symbol, order.timestamp);
      const quote = this.client.market(symbol).quote;
      return trades
        .filter((trade) => trade.order === order.id)
        .sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0))
        .map((trade) => toVenueTrade(trade, clientOrderId, quote));
    } catch (err) {
      throw this.failure(err);
    }
  }

  async fetchOpenOrders(symbol?: string): Promise<VenueOrder[]> {
    try {
      await this.marketsLoaded();
      const orders = await this.client.fetchOpenOrders(symbol);
      return orders.map((order) => this.venueOrder(order));
    } catch (err) {
      throw this.failure(err);
    }
  }

  async fetchBalances(): Promise<VenueBalance[]> {
    try {
      return toVenueBalances(await this.client.fetchBalance());
    } catch (err) {
      throw this.failure(err);
    }
  }

  async symbolProperties(symbol: string): Promise<SymbolProperties> {
    try {
      await this.marketsLoaded();
      return symbolPropertiesOf(this.client.market(symbol), this.client.precisionMode);
    } catch (err) {
      throw this.failure(err);
    }
  }

  private checkRequest(request: VenueOrderRequest, stop: boolean): void {
    const { clientOrderId, type } = request;
    if (clientOrderId === '' || clientOrderId.length > this.clientOrderIdMaxLength) {
      const limit = this.clientOrderIdMaxLength;
      throw venueRejected(this.exchange, `client order id must be 1–${limit} characters`);
    }
    if (stop && !STOP_ORDERS_BY_CLIENT_ID.has(this.exchange)) {
      throw venueRejected(
        this.exchange,
        `${type} orders are not placed through this adapter`,
        'NotSupported',
      );
    }
    if (
      (ORDER_SHAPE[type].ccxtType === 'limit') !== (request.limitPrice !== undefined) ||
      stop !== (request.stopPrice !== undefined)
    ) {
      throw venueRejected(this.exchange, `a ${type} order takes exactly its own prices`, 'InvalidOrder');
    }
  }

  /** ccxt would silently cut a quantity to the lot and round a price to the tick: refuse instead. */
  private checkPrecision({ symbol, qty, limitPrice, stopPrice }: VenueOrderRequest): void {
    const off = (value: string, rounded: string | undefined) => !new Dec(value).eq(new Dec(rounded ?? 'NaN'));
    if (off(qty, this.client.amountToPrecision(symbol, qty))) {
      throw venueRejected(this.exchange, `qty ${qty} is not whole lots of ${symbol}`, 'InvalidOrder');
    }
    for (const price of [limitPrice, stopPrice]) {
      if (price !== undefined && off(price, this.client.priceToPrecision(symbol, price))) {
        throw venueRejected(this.exchange, `price ${price} is not on the tick of ${symbol}`, 'InvalidOrder');
      }
    }
  }

  /** The order under this client order id; undefined when the venue says it has none. */
  private async lookup(symbol: string, clientOrderId: string): Promise<Order | undefined> {
    try {
      return await this.client.fetchOrder('', symbol, { clientOrderId });
    } catch (err) {
      if (err instanceof OrderNotFound) return undefined;
      throw err;
    }
  }

  private async cancelOrLookup(symbol: string, clientOrderId: string): Promise<Order> {
    let canceled: Order;
    try {
      canceled = await this.client.cancelOrder('', symbol, { clientOrderId });
    } catch (err) {
      // "Unknown order" to a cancel: the fill may have won the race; its final state is the answer.
      if (!(err instanceof OrderNotFound)) throw err;
      const order = await this.lookup(symbol, clientOrderId);
      if (order === undefined || order.status === 'open') throw err;
      return order;
    }
    // okx acknowledges a cancel with ids only: read the order back.
    return canceled.status === undefined
      ? ((await this.lookup(symbol, clientOrderId)) ?? canceled)
      : canceled;
  }

  private venueOrder(order: Order, clientOrderId?: string): VenueOrder {
    return toVenueOrder(order, this.client.milliseconds(), clientOrderId);
  }

  /** An acknowledged order not yet readable: what was asked, working, nothing filled. */
  private accepted(request: VenueOrderRequest, ack: Order): VenueOrder {
    if (ack.id === undefined) throw adapterFault(`${this.exchange} acknowledged an order without an id`);
    const { clientOrderId, symbol, side, type, qty, limitPrice, stopPrice } = request;
    return {
      ...{ venueOrderId: ack.id, clientOrderId, symbol, side, type, qty, filledQty: '0' },
      ...(limitPrice !== undefined && { limitPrice }),
      ...(stopPrice !== undefined && { stopPrice }),
      status: 'open',
      ts: ack.timestamp ?? this.client.milliseconds(),
    };
  }

  private submitFailure(err: unknown, clientOrderId: string): ApplicationFailure {
    if (isDuplicateClientOrderId(this.exchange, err)) {
      return duplicateClientOrderId(
        this.exchange,
        clientOrderId,
        err instanceof Error ? err.message : String(err),
      );
    }
    const failure = this.failure(err);
    if (failure.nonRetryable || failure.type === VENUE_FAILURE.rateLimited) return failure;
    // A timeout or a dropped connection after sending: the venue may have accepted the order.
    return ApplicationFailure.create({
      type: failure.type ?? VENUE_FAILURE.failed,
      message: `${failure.message} (submit outcome unknown: look the order up by client order id before resubmitting)`,
      nonRetryable: false,
      details: [{ ...(failure.details?.[0] as object), clientOrderId, ambiguous: true }],
    });
  }

  private failure(err: unknown): ApplicationFailure {
    return toActivityFailure(err, {
      exchange: this.exchange,
      // Best effort: the instance is shared, a concurrent reply may have replaced these headers.
      retryAfterMs: retryAfterMs(this.client.last_response_headers, this.client.milliseconds()),
      rateLimitMs: this.client.rateLimit,
    });
  }

  /** Markets are loaded once per instance (ccxt keeps them); a failed load is retried next call. */
  private marketsLoaded(): Promise<unknown> {
    this.marketsLoading ??= this.client.loadMarkets().catch((err: unknown) => {
      this.marketsLoading = undefined;
      throw err;
    });
    return this.marketsLoading;
  }
}
