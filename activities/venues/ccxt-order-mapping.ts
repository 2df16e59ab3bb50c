/**
 * ccxt's unified structures → the order port's values (SPEC §8), pure. Amounts and
 * prices leave as decimal strings; anything the port cannot represent (an unknown
 * status, a missing amount) is an adapter fault, never a guess.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Balances, FeeInterface, MarketInterface, Order, Trade } from 'ccxt';
import type { OrderType } from '../../domain/execution/order';
import {
  Dec,
  symbolPropertiesSchema,
  type OrderSide,
  type SymbolProperties,
} from '../../domain/execution/symbol';
import type { VenueBalance, VenueOrder, VenueOrderStatus, VenueTrade } from './order-port';
import { VENUE_FAILURE } from './port';

/** Which prices each order type carries, and the ccxt order type it is sent as. */
export const ORDER_SHAPE: Readonly<Record<OrderType, { ccxtType: 'limit' | 'market'; stop: boolean }>> = {
  market: { ccxtType: 'market', stop: false },
  limit: { ccxtType: 'limit', stop: false },
  stop: { ccxtType: 'market', stop: true },
  stop_limit: { ccxtType: 'limit', stop: true },
};

/** ccxt's unified order status → the port's; `canceling` is still working until it ends. */
const ORDER_STATUS: Readonly<Record<string, VenueOrderStatus>> = {
  open: 'open',
  canceling: 'open',
  closed: 'filled',
  canceled: 'canceled',
  expired: 'expired',
  rejected: 'rejected',
};

/** ccxt `precisionMode` values (ccxt/js/src/base/functions/number.js). */
const DECIMAL_PLACES = 2;
const TICK_SIZE = 4;

/** Keys of a ccxt balance structure that are not currencies. */
const BALANCE_META = new Set(['info', 'timestamp', 'datetime', 'free', 'used', 'total', 'debt']);

/**
 * `clientOrderId` is passed when known: binance's cancel answer carries a fresh cancel
 * id in `clientOrderId` (ours is `origClientOrderId`), and ccxt reads the former.
 * `nowMs` stands in for an answer without any time.
 */
export function toVenueOrder(
  order: Order,
  nowMs: number,
  clientOrderId: string = order.clientOrderId ?? '',
): VenueOrder {
  const what = `order ${order.id}`;
  let status = ORDER_STATUS[order.status ?? ''];
  if (status === undefined || order.id === undefined) {
    throw adapterFault(`${what} has status ${order.status}, which the order port has no state for`);
  }
  // okx reports an IOC/FOK remainder as canceled; the venue expired it, nobody canceled it.
  if (status === 'canceled' && (order.timeInForce === 'IOC' || order.timeInForce === 'FOK'))
    status = 'expired';
  const trigger = order.triggerPrice ?? order.stopPrice;
  const type = orderType(order.type === 'market', trigger !== undefined);
  return {
    venueOrderId: order.id,
    clientOrderId,
    symbol: order.symbol ?? '',
    side: orderSide(order.side, what),
    type,
    qty: decimal(order.amount, `${what} amount`),
    filledQty: decimal(order.filled ?? 0, `${what} filled`),
    ...(ORDER_SHAPE[type].ccxtType === 'limit' && { limitPrice: decimal(order.price, `${what} price`) }),
    ...(trigger !== undefined && { stopPrice: decimal(trigger, `${what} trigger price`) }),
    status,
    ts: order.lastUpdateTimestamp ?? order.lastTradeTimestamp ?? order.timestamp ?? nowMs,
  };
}

/**
 * The fee in the quote currency. A fee charged in the base or another asset (BNB, OKB)
 * would need a conversion rate the port has no honest source for: it counts as "0"
 * here and shows in the balances instead.
 */
export function toVenueTrade(trade: Trade, clientOrderId: string, quote: string): VenueTrade {
  const what = `trade ${trade.id}`;
  const charged: FeeInterface[] =
    (trade as Trade & { fees?: FeeInterface[] }).fees ?? (trade.fee ? [trade.fee] : []);
  const fee = charged
    .filter((f) => f.currency === quote && f.cost !== undefined)
    .reduce((sum, f) => sum.plus(new Dec(f.cost!)), new Dec(0));
  return {
    tradeId: trade.id ?? '',
    venueOrderId: trade.order ?? '',
    clientOrderId,
    symbol: trade.symbol ?? '',
    side: orderSide(trade.side, what),
    qty: decimal(trade.amount, `${what} amount`),
    price: decimal(trade.price, `${what} price`),
    fee: decimal(fee.toFixed(), `${what} fee`),
    // Without the venue's word a fill counts as taker: the dearer side, never an understated fee.
    liquidity: trade.takerOrMaker === 'maker' ? 'maker' : 'taker',
    ts: trade.timestamp ?? 0,
  };
}

/** Currencies with anything in them, by code. */
export function toVenueBalances(balances: Balances): VenueBalance[] {
  return Object.keys(balances)
    .filter((currency) => !BALANCE_META.has(currency))
    .sort()
    .map((currency) => {
      const { free, used, total } = balances[currency]!;
      const what = `${currency} balance`;
      return { currency, free: decimal(free, what), used: decimal(used, what), total: decimal(total, what) };
    })
    .filter(({ free, used, total }) => !(free === '0' && used === '0' && total === '0'));
}

/** Lot and tick from the market's precision, minimums from its limits (one lot, no notional when unlisted). */
export function symbolPropertiesOf(
  market: MarketInterface,
  precisionMode: number | undefined,
): SymbolProperties {
  const { symbol, precision, limits } = market;
  const lotStep = step(precision.amount, precisionMode, `${symbol} amount precision`);
  return symbolPropertiesSchema.parse({
    symbol,
    minQty: limits.amount?.min === undefined ? lotStep : decimal(limits.amount.min, `${symbol} min amount`),
    lotStep,
    tickSize: step(precision.price, precisionMode, `${symbol} price precision`),
    minNotional: limits.cost?.min === undefined ? '0' : decimal(limits.cost.min, `${symbol} min cost`),
  });
}

/** Tick-size mode gives the step itself; decimal-places mode its exponent. */
function step(precision: number | undefined, precisionMode: number | undefined, what: string): string {
  if (precision === undefined) throw adapterFault(`the venue lists no ${what}`);
  if (precisionMode === TICK_SIZE) return decimal(precision, what);
  if (precisionMode === DECIMAL_PLACES) return new Dec(10).pow(-precision).toFixed();
  throw adapterFault(`the venue counts ${what} in significant digits, which has no fixed step`);
}

function orderType(market: boolean, trigger: boolean): OrderType {
  if (trigger) return market ? 'stop' : 'stop_limit';
  return market ? 'market' : 'limit';
}

function orderSide(side: string | undefined, what: string): OrderSide {
  if (side === 'buy' || side === 'sell') return side;
  throw adapterFault(`${what} has side ${side}`);
}

/**
 * Decimal text of a ccxt number. ccxt parses the venue's strings and does its own
 * arithmetic in strings (Precise), so a number's shortest form is the venue's text.
 */
export function decimal(value: number | string | null | undefined, what: string): string {
  if (value === undefined || value === null || (typeof value === 'number' && !Number.isFinite(value))) {
    throw adapterFault(`the venue sent no usable ${what} (${value})`);
  }
  const parsed = new Dec(value);
  return parsed.isZero() ? '0' : parsed.toFixed();
}

/** Venue data the port cannot represent: retried under the activity's policy, then surfaced. */
export function adapterFault(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: VENUE_FAILURE.failed, message, nonRetryable: false });
}
