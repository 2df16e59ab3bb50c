/**
 * A venue whose market the test scripts (the network edge is the only fake
 * in workflow tests): what a new order finds available at once, fills the
 * venue reports later, a fill that wins a cancel race, a submit that fails
 * after the venue accepted. Counts accepted orders so "never two orders" is
 * checkable.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Dec } from '../../domain/execution/symbol';
import {
  DUPLICATE_CLIENT_ORDER_ID,
  type OrderVenue,
  type OrderVenueLookup,
  type VenueBalance,
  type VenueOrder,
  type VenueOrderRequest,
  type VenueTrade,
} from '../../activities/venues/order-port';

export const SCRIPTED = 'scripted';

export class ScriptedOrderVenue implements OrderVenue {
  readonly exchange = SCRIPTED;
  readonly clientOrderIdMaxLength = 36;
  readonly orders = new Map<string, VenueOrder>();
  readonly trades = new Map<string, VenueTrade[]>();
  /** Orders the venue took (a second submit of the same id is not one). */
  accepted = 0;
  submitCalls = 0;
  /** What a new order can take at once, at this price (IOC/FOK decide on it; GTC takes it and rests). */
  available?: { qty: string; price: string };
  /** The next submit is accepted, then the call fails as if the connection dropped. */
  dropNextSubmitReply = false;
  /** The next submit is accepted, then its reply waits for this (a slow or stuck answer). */
  holdNextSubmitReply?: Promise<void>;
  /** Runs first in every cancel: a fill may win the race. */
  beforeCancel?: (clientOrderId: string) => void;
  balances: VenueBalance[] = [{ currency: 'USDT', free: '100000', used: '0', total: '100000' }];
  now = () => Date.now();
  private tradeSeq = 0;

  constructor(readonly account: string) {}

  async submitOrder(request: VenueOrderRequest): Promise<VenueOrder> {
    this.submitCalls += 1;
    if (this.orders.has(request.clientOrderId)) {
      throw ApplicationFailure.create({
        type: DUPLICATE_CLIENT_ORDER_ID,
        message: 'duplicate',
        nonRetryable: true,
      });
    }
    this.accepted += 1;
    const { clientOrderId, symbol, side, type, qty, limitPrice, stopPrice } = request;
    this.orders.set(clientOrderId, {
      venueOrderId: `v-${this.accepted}-${clientOrderId.slice(-6)}`,
      clientOrderId,
      symbol,
      side,
      type,
      qty,
      filledQty: '0',
      ...(limitPrice !== undefined && { limitPrice }),
      ...(stopPrice !== undefined && { stopPrice }),
      status: 'open',
      ts: this.now(),
    });
    this.trades.set(clientOrderId, []);
    this.matchOnArrival(request);
    const hold = this.holdNextSubmitReply;
    this.holdNextSubmitReply = undefined;
    if (hold) await hold;
    if (this.dropNextSubmitReply) {
      this.dropNextSubmitReply = false;
      throw new Error('socket hang up after the order was sent');
    }
    return { ...this.orders.get(clientOrderId)! };
  }

  /** A trade the venue reports for an order (polled by the workflow). */
  fill(clientOrderId: string, qty: string, price: string, ts = this.now(), fee = '0'): VenueTrade {
    const order = this.orders.get(clientOrderId)!;
    this.tradeSeq += 1;
    const trade: VenueTrade = {
      tradeId: `T${this.tradeSeq}-${clientOrderId.slice(-6)}`,
      venueOrderId: order.venueOrderId,
      clientOrderId,
      symbol: order.symbol,
      side: order.side,
      qty,
      price,
      fee,
      liquidity: 'taker',
      ts,
    };
    this.trades.get(clientOrderId)!.push(trade);
    const filledQty = new Dec(order.filledQty).plus(qty);
    order.filledQty = filledQty.toFixed();
    if (filledQty.eq(order.qty)) order.status = 'filled';
    return trade;
  }

  async findOrder(symbol: string, clientOrderId: string): Promise<VenueOrder | undefined> {
    const order = this.orders.get(clientOrderId);
    return order?.symbol === symbol ? { ...order } : undefined;
  }

  async cancelOrder(symbol: string, clientOrderId: string): Promise<VenueOrder> {
    this.beforeCancel?.(clientOrderId);
    const order = this.orders.get(clientOrderId)!;
    if (order.status === 'open') order.status = 'canceled';
    return { ...order };
  }

  async fetchOrderTrades(_symbol: string, clientOrderId: string): Promise<VenueTrade[]> {
    return [...(this.trades.get(clientOrderId) ?? [])];
  }

  async fetchOpenOrders(): Promise<VenueOrder[]> {
    return [...this.orders.values()].filter((o) => o.status === 'open');
  }

  async fetchBalances(): Promise<VenueBalance[]> {
    return this.balances.map((b) => ({ ...b }));
  }

  async symbolProperties(symbol: string) {
    return {
      symbol,
      minQty: new Dec(1),
      lotStep: new Dec(1),
      tickSize: new Dec('0.01'),
      minNotional: new Dec(0),
    };
  }

  private matchOnArrival(request: VenueOrderRequest): void {
    const available = new Dec(this.available?.qty ?? 0);
    const price = this.available?.price ?? '0';
    const take =
      request.tif === 'FOK' && available.lt(request.qty) ? new Dec(0) : Dec.min(available, request.qty);
    if (take.gt(0))
      this.fill(
        request.clientOrderId,
        take.toFixed(),
        price,
        this.now(),
        take.mul(price).mul('0.001').toFixed(),
      );
    const order = this.orders.get(request.clientOrderId)!;
    if (request.tif !== 'GTC' && order.status === 'open') order.status = 'expired';
  }
}

/** One scripted venue per account, made on first use. */
export class ScriptedOrderVenues implements OrderVenueLookup {
  private readonly venues = new Map<string, ScriptedOrderVenue>();

  orderVenue(_exchange: string, account: string): ScriptedOrderVenue {
    let venue = this.venues.get(account);
    if (!venue) {
      venue = new ScriptedOrderVenue(account);
      this.venues.set(account, venue);
    }
    return venue;
  }
}
