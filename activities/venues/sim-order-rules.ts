/**
 * What the simulated exchange `sim` accepts: symbol properties of any
 * BASE/QUOTE pair, the shape of an order request, and how its book rows read
 * through the order port. Funds and matching are the venue's (./sim-orders).
 */
import { InvalidOrderError, newOrder, ORDER_TYPES } from '../../domain/execution/order';
import { currenciesOf } from '../../domain/execution/sim-matching';
import { Dec, type SymbolProperties } from '../../domain/execution/symbol';
import type { SimOrderRow, SimTradeRow } from '../store/port';
import type { VenueOrder, VenueOrderRequest, VenueTrade } from './order-port';
import { venueRejected } from './port';
import { SIM_EXCHANGE, simSymbolProfile } from './sim';

/** Binance's limit, so ids made for sim also fit the venue most strategies go live on. */
export const SIM_CLIENT_ORDER_ID_MAX_LENGTH = 36;
/** Minimum order value in USD; expressed in the quote, see `simSymbolProperties`. */
const MIN_NOTIONAL_USD = 5;
const CLIENT_ORDER_ID = /^[A-Za-z0-9_.:/-]+$/;
export const DECIMAL_TEXT = /^\d+(\.\d+)?$/;
const TIFS: readonly string[] = ['GTC', 'IOC', 'FOK'];

/**
 * Lot, tick and minimums of a sim symbol. Tick: the sim price model's own.
 * Lot step and min qty: the largest power of ten of the base worth at most
 * 1 USD at its reference price (BTC 0.00001, ETH 0.0001, SOL 0.001, XRP 1),
 * so about a dollar of anything is tradeable. Min notional: 5 × the largest
 * power of ten of the quote worth at most 1 USD — 5 for USD-like quotes
 * (USDT, USDC, EUR), 0.0005 for BTC.
 */
export function simSymbolProperties(symbol: string): SymbolProperties {
  const currencies = tradedCurrencies(symbol);
  const usd = (code: string) => simSymbolProfile(`${code}/USD`).referencePrice;
  const lotStep = new Dec(10).pow(-Math.ceil(Math.log10(usd(currencies.base))));
  const notionalUnit = new Dec(10).pow(-Math.floor(Math.log10(usd(currencies.quote))));
  return {
    symbol,
    minQty: lotStep,
    lotStep,
    tickSize: new Dec(10).pow(-simSymbolProfile(symbol).tickDecimals),
    minNotional: notionalUnit.mul(MIN_NOTIONAL_USD),
  };
}

/** Any BASE/QUOTE pair trades on sim (bars exist for every symbol). */
export function tradedCurrencies(symbol: string): { base: string; quote: string } {
  const currencies = currenciesOf(symbol);
  if (!currencies || currencies.base === currencies.quote) {
    throw venueRejected(SIM_EXCHANGE, `symbol ${symbol} is not BASE/QUOTE`, 'BadSymbol');
  }
  return currencies;
}

/** Shape checks the venue refuses outright; returns the symbol's currencies. */
export function checkSimOrderRequest(request: VenueOrderRequest): { base: string; quote: string } {
  const { clientOrderId: id, type, tif, side, qty, limitPrice, stopPrice } = request;
  const refuse = (detail: string) => venueRejected(SIM_EXCHANGE, detail, 'InvalidOrder');
  if (id.length > SIM_CLIENT_ORDER_ID_MAX_LENGTH || !CLIENT_ORDER_ID.test(id)) {
    throw refuse(`client order id must be 1–${SIM_CLIENT_ORDER_ID_MAX_LENGTH} of [A-Za-z0-9_.:/-]: ${id}`);
  }
  if (!ORDER_TYPES.includes(type) || !TIFS.includes(tif) || (side !== 'buy' && side !== 'sell')) {
    throw refuse(`unsupported order: ${side} ${type} ${tif}`);
  }
  for (const value of [qty, limitPrice, stopPrice]) {
    if (value !== undefined && !(DECIMAL_TEXT.test(value) && new Dec(value).gt(0))) {
      throw refuse(`quantities and prices must be positive decimals, got ${value}`);
    }
  }
  try {
    newOrder({ ...request, id, tif: { kind: tif } });
  } catch (err) {
    throw err instanceof InvalidOrderError ? refuse(err.message) : err;
  }
  return tradedCurrencies(request.symbol);
}

/** Field by field: a SQL store may hand back null for an absent price, which must not cross the port. */
export function simVenueOrder(row: SimOrderRow): VenueOrder {
  return {
    venueOrderId: row.venueOrderId,
    clientOrderId: row.clientOrderId,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    qty: row.qty,
    filledQty: row.filledQty,
    ...(row.limitPrice != null && { limitPrice: row.limitPrice }),
    ...(row.stopPrice != null && { stopPrice: row.stopPrice }),
    status: row.status,
    ts: row.updatedTs,
  };
}

export function simVenueTrade(row: SimTradeRow): VenueTrade {
  const { tradeId, venueOrderId, clientOrderId, symbol, side, qty, price, fee, liquidity, ts } = row;
  return { tradeId, venueOrderId, clientOrderId, symbol, side, qty, price, fee, liquidity, ts };
}
