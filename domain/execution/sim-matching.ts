/**
 * Matching of one order of the simulated venue `sim` against closed 1-minute
 * bars (SPEC §8). Pure: the venue hands in the order as its book holds it, the
 * bars and the brokerage model's fill and fee rules; out come the order's next
 * fields, its new trades and the account's balance changes. No clock, no I/O.
 *
 * Rules: each closed bar whose open is ≥ `matchedThroughTs` is one matching
 * opportunity, seen as the snapshot {bar, last: close}; the fill model decides
 * price and quantity (limits never through the limit, volume-limited partial
 * fills, stop triggers persisted in `triggered`); the domain TIF rule
 * (tif.ts `onMatch`) decides what is taken and whether the rest expires.
 */
import type Decimal from 'decimal.js';
import { advanceFeeContext, type FeeContext, type FeeModel } from '../brokerage/fees';
import type { Fill as ModelFill, FillModel, FillOrder } from '../brokerage/fills';
import type { MarketSnapshot } from '../brokerage/market';
import { newOrder, type Order, type OrderType } from './order';
import { Dec, type OrderSide } from './symbol';
import { onMatch } from './tif';

export const SIM_BAR_MS = 60_000;
/** Bars one call matches at most, so one store transaction stays short; callers loop to catch up. */
export const MAX_BARS_PER_MATCH = 10_000;

export type SimOrderStatus = 'open' | 'filled' | 'canceled' | 'expired' | 'rejected';

/** An order as the simulated venue's book holds it (decimals as strings). */
export interface SimOrder {
  venueOrderId: string;
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  qty: string;
  limitPrice?: string;
  stopPrice?: string;
  tif: 'GTC' | 'IOC' | 'FOK';
  status: SimOrderStatus;
  filledQty: string;
  triggered: boolean;
  createdTs: number;
  /** Bars with open < this instant have been matched already. */
  matchedThroughTs: number;
  updatedTs: number;
}

/** One closed 1m bar; `ts` is its open. */
export interface SimMatchBar {
  ts: number;
  open: Decimal.Value;
  high: Decimal.Value;
  low: Decimal.Value;
  close: Decimal.Value;
  volume: Decimal.Value;
}

export interface SimTrade {
  /** `${venueOrderId}-${n}`, n the 1-based fill count of the order: stable under replays. */
  tradeId: string;
  venueOrderId: string;
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  qty: string;
  price: string;
  /** In the quote currency. */
  fee: string;
  liquidity: 'maker' | 'taker';
  ts: number;
}

export type SimOrderChange = Pick<
  SimOrder,
  'status' | 'filledQty' | 'triggered' | 'matchedThroughTs' | 'updatedTs'
>;

export interface SimMatch {
  order: SimOrderChange;
  trades: SimTrade[];
  /** Signed changes of currency totals, e.g. {BTC: "0.1", USDT: "-6001.2"}; empty without trades. */
  balanceDeltas: Record<string, string>;
  barsMatched: number;
}

export interface SimMatchInput {
  order: SimOrder;
  /** The order's trades so far, oldest first (their qty must sum to `order.filledQty`). */
  earlierTrades: readonly { qty: string; price: string }[];
  /** Closed 1m bars, ascending, from `order.matchedThroughTs` on; read lazily. */
  bars: Iterable<SimMatchBar>;
  model: { fill: FillModel; fee: FeeModel };
  maxBars?: number;
}

/**
 * Open of the first bar an order submitted at `submittedTs` is matched with.
 * A market order takes the bar last closed at submit, so it fills at once at
 * that close; every other order only sees bars opening at or after its
 * submission, so it never fills on prices from before it existed.
 */
export function firstOpportunityTs(type: OrderType, submittedTs: number): number {
  if (type === 'market') return Math.floor(submittedTs / SIM_BAR_MS) * SIM_BAR_MS - SIM_BAR_MS;
  return Math.ceil(submittedTs / SIM_BAR_MS) * SIM_BAR_MS;
}

/** `BASE/QUOTE` (an optional `:SETTLE` suffix ignored); undefined for anything else. */
export function currenciesOf(symbol: string): { base: string; quote: string } | undefined {
  const match = /^([^/:\s]+)\/([^/:\s]+)(:[^/\s]+)?$/.exec(symbol);
  return match ? { base: match[1]!, quote: match[2]! } : undefined;
}

/** Mutable progress of one match call. */
interface Progress {
  filled: Decimal;
  triggered: boolean;
  status: SimOrderStatus;
  updatedTs: number;
  fees: FeeContext;
  /** Fills of the order so far, earlier calls included: numbers the next trade id. */
  fillCount: number;
  trades: SimTrade[];
}

export function matchSimOrder(input: SimMatchInput): SimMatch {
  const { order, model } = input;
  const maxBars = input.maxBars ?? MAX_BARS_PER_MATCH;
  const progress = startProgress(order, input.earlierTrades);
  let through = order.matchedThroughTs;
  let barsMatched = 0;
  if (order.status === 'open' && maxBars > 0) {
    const base = domainOrder(order);
    for (const bar of input.bars) {
      if (bar.ts < through || bar.ts % SIM_BAR_MS !== 0) {
        throw new RangeError(`bar ${bar.ts} is not an aligned 1m bar at or after ${through}`);
      }
      matchBar(order, base, bar, progress, model);
      through = bar.ts + SIM_BAR_MS;
      barsMatched += 1;
      // Checked after the bar, so a lazy source is never asked for a bar it need not build.
      if (progress.status !== 'open' || barsMatched >= maxBars) break;
    }
  }
  return {
    order: {
      status: progress.status,
      filledQty: progress.filled.toFixed(),
      triggered: progress.triggered,
      matchedThroughTs: through,
      updatedTs: progress.updatedTs,
    },
    trades: progress.trades,
    balanceDeltas: balanceDeltas(order, progress.trades),
    barsMatched,
  };
}

function startProgress(order: SimOrder, earlier: SimMatchInput['earlierTrades']): Progress {
  const filled = earlier.reduce((sum, t) => sum.plus(t.qty), new Dec(0));
  if (!filled.eq(order.filledQty)) {
    throw new RangeError(
      `order ${order.clientOrderId}: trades sum to ${filled}, row says ${order.filledQty}`,
    );
  }
  const notional = earlier.reduce((sum, t) => sum.plus(new Dec(t.qty).mul(t.price)), new Dec(0));
  // Month volume is not tracked by the sim venue; it starts at this order's own fills.
  const fees: FeeContext = {
    orderFilledQty: filled,
    orderFilledNotional: notional,
    monthShares: filled,
    monthNotional: notional,
  };
  const { triggered, status, updatedTs } = order;
  return { filled, triggered, status, updatedTs, fees, fillCount: earlier.length, trades: [] };
}

/** The domain order the TIF rule reads (state from the fills so far). */
function domainOrder(order: SimOrder): Order {
  return newOrder({
    id: order.clientOrderId,
    side: order.side,
    type: order.type,
    qty: order.qty,
    // `!= null`: a SQL row may carry null for an absent price.
    ...(order.limitPrice != null && { limitPrice: order.limitPrice }),
    ...(order.stopPrice != null && { stopPrice: order.stopPrice }),
    tif: { kind: order.tif },
  });
}

function fillOrderOf(order: SimOrder, open: Decimal, triggered: boolean): FillOrder {
  const common = { side: order.side, qty: open, triggered };
  const limitPrice = new Dec(order.limitPrice ?? 0);
  const stopPrice = new Dec(order.stopPrice ?? 0);
  switch (order.type) {
    case 'market':
      return { ...common, type: 'market' };
    case 'limit':
      return { ...common, type: 'limit', limitPrice };
    case 'stop':
      return { ...common, type: 'stop', stopPrice };
    case 'stop_limit':
      return { ...common, type: 'stop_limit', stopPrice, limitPrice };
  }
}

/** A closed bar as the fill model sees it: the bar, and its close as the last trade. */
export function barSnapshot(bar: Omit<SimMatchBar, 'ts'>): MarketSnapshot {
  const close = new Dec(bar.close);
  const b = { open: new Dec(bar.open), high: new Dec(bar.high), low: new Dec(bar.low), close };
  return { bar: { ...b, volume: new Dec(bar.volume) }, last: close };
}

function matchBar(
  order: SimOrder,
  base: Order,
  bar: SimMatchBar,
  progress: Progress,
  model: SimMatchInput['model'],
): void {
  const open = new Dec(order.qty).minus(progress.filled);
  const result = model.fill.fill(fillOrderOf(order, open, progress.triggered), barSnapshot(bar));
  // Never before the order existed: a market order's fill bar closed at or before its submission.
  const at = Math.max(bar.ts + SIM_BAR_MS, order.createdTs);
  const wasTriggered = progress.triggered;
  progress.triggered = result.triggered ?? progress.triggered;
  if (progress.triggered !== wasTriggered) progress.updatedTs = at;
  // A stop that has not triggered is not live yet, so its TIF has nothing to act on.
  if ((order.type === 'stop' || order.type === 'stop_limit') && !progress.triggered) return;

  const fill: ModelFill | undefined = result.fills[0];
  const state = progress.filled.gt(0) ? 'PARTIALLY_FILLED' : 'NEW';
  const outcome = onMatch({ ...base, filledQty: progress.filled, state }, fill?.qty ?? 0);
  if (fill && outcome.fillQty.gt(0)) {
    if (!outcome.fillQty.eq(fill.qty)) throw new Error('TIF took part of a priced fill');
    book(order, fill, at, progress, model.fee);
  }
  const status = outcome.state === 'FILLED' ? 'filled' : outcome.state === 'EXPIRED' ? 'expired' : 'open';
  if (status !== progress.status || outcome.fillQty.gt(0)) progress.updatedTs = at;
  progress.status = status;
}

/** Records one fill: fee on the filled quantity, with the order's earlier fills as context. */
function book(order: SimOrder, fill: ModelFill, at: number, progress: Progress, fees: FeeModel): void {
  const feeFill = { side: order.side, qty: fill.qty, price: fill.price, liquidity: fill.liquidity };
  const orderNotional = new Dec(order.qty).mul(order.limitPrice ?? fill.price);
  const fee = fees.fee(feeFill, { ...progress.fees, orderNotional });
  progress.fees = advanceFeeContext(progress.fees, feeFill);
  progress.filled = progress.filled.plus(fill.qty);
  progress.fillCount += 1;
  progress.trades.push({
    tradeId: `${order.venueOrderId}-${progress.fillCount}`,
    venueOrderId: order.venueOrderId,
    clientOrderId: order.clientOrderId,
    symbol: order.symbol,
    side: order.side,
    qty: fill.qty.toFixed(),
    price: fill.price.toFixed(),
    fee: fee.toFixed(),
    liquidity: fill.liquidity,
    ts: at,
  });
}

/** Cash account: a buy adds base and pays notional + fee in quote; a sell the reverse, fee still paid. */
function balanceDeltas(order: SimOrder, trades: readonly SimTrade[]): Record<string, string> {
  if (trades.length === 0) return {};
  const currencies = currenciesOf(order.symbol);
  if (!currencies) throw new RangeError(`symbol ${order.symbol} is not BASE/QUOTE`);
  const sign = order.side === 'buy' ? 1 : -1;
  let base = new Dec(0);
  let quote = new Dec(0);
  for (const t of trades) {
    base = base.plus(new Dec(t.qty).mul(sign));
    quote = quote.minus(new Dec(t.qty).mul(t.price).mul(sign)).minus(t.fee);
  }
  return { [currencies.base]: base.toFixed(), [currencies.quote]: quote.toFixed() };
}
