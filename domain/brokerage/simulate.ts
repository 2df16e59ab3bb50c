/**
 * The cost preview (SPEC §5, §8): one order against one market snapshot and
 * one account, through the very models a venue is built from — symbol rules →
 * buying power → fill model → time in force → fee per fill → cash, position
 * and settlement date. Pure: the instant is an argument; decimal strings out.
 */
import type Decimal from 'decimal.js';
import { InvalidOrderError, applyOrderEvent, newOrder, type Order, type OrderType } from '../execution/order';
import type { OrderState } from '../execution/order-state';
import {
  checkOrderAgainstSymbol,
  Dec,
  type SymbolProperties,
  type SymbolRejectionReason,
} from '../execution/symbol';
import { acceptsFillAt, onMatch, type TimeInForce } from '../execution/tif';
import type { BuyingPowerReason } from './buying-power';
import { localDate, type LocalDate } from './calendar';
import { NO_PRIOR_VOLUME, advanceFeeContext, type FeeContext } from './fees';
import type { Fill, FillOrder } from './fills';
import { isOpen } from './hours';
import { touch, withinLimit, worse, type MarketSnapshot, type Side } from './market';
import { createBrokerageModel, type BrokerageConfig, type BrokerageModel } from './model';
import { bookTradeCash, settlementDate, totalCash, type CashBalance } from './settlement';

export interface SimulatedOrder {
  symbol: string;
  side: Side;
  type: OrderType;
  qty: Decimal;
  limitPrice?: Decimal;
  stopPrice?: Decimal;
  tif: TimeInForce;
}

export interface SimulatedAccount {
  cash: CashBalance;
  /** Signed quantities by symbol; negative is short. */
  positions: Readonly<Record<string, Decimal>>;
  /** Prices of other held symbols: a margin account values its whole portfolio. */
  marks?: Readonly<Record<string, Decimal>>;
  /** Volume traded earlier this month, the base of volume-tiered fees (default none). */
  monthShares?: Decimal;
  monthNotional?: Decimal;
}

export interface SimulateInput {
  config: BrokerageConfig;
  symbol: SymbolProperties;
  market: MarketSnapshot;
  account: SimulatedAccount;
  order: SimulatedOrder;
  /** Submission instant, epoch ms: venue hours, GTD/DAY expiry, trade date. */
  ts: number;
}

export type SimulationRejectionReason =
  SymbolRejectionReason | BuyingPowerReason | 'SYMBOL_MISMATCH' | 'INVALID_ORDER';

export interface SimulatedFill {
  qty: string;
  price: string;
  fee: string;
  liquidity: Fill['liquidity'];
}

export interface SimulationResult {
  accepted: boolean;
  rejection?: { reason: SimulationRejectionReason; detail: string };
  fills: SimulatedFill[];
  /** The order's state once this snapshot has been matched. */
  status: OrderState;
  /** Settled plus unsettled cash after the fills, fees included. */
  cashAfter: string;
  positionAfter: string;
  /** Local date at the venue on which the fills' cash settles; null without fills. */
  settlesOn: LocalDate | null;
}

const ZERO = new Dec(0);
/** Plain notation: toString would print 1e-7 for small fees. */
const text = (d: Decimal): string => d.toFixed();

export function simulateOrder(input: SimulateInput): SimulationResult {
  const { order, account, market } = input;
  const position = account.positions[order.symbol] ?? ZERO;
  const rejected = (reason: SimulationRejectionReason, detail: string): SimulationResult => ({
    accepted: false,
    rejection: { reason, detail },
    fills: [],
    status: 'REJECTED',
    cashAfter: text(totalCash(account.cash)),
    positionAfter: text(position),
    settlesOn: null,
  });
  if (order.symbol !== input.symbol.symbol)
    return rejected(
      'SYMBOL_MISMATCH',
      `order is for ${order.symbol}, properties are for ${input.symbol.symbol}`,
    );
  let working: Order;
  try {
    working = applyOrderEvent(newOrder({ id: 'preview', ...order }), 'ACCEPTED');
  } catch (err) {
    if (err instanceof InvalidOrderError) return rejected('INVALID_ORDER', err.message);
    throw err;
  }

  const reference = touch(order.side, market) ?? market.last ?? market.bar?.close;
  const broken = checkOrderAgainstSymbol({ ...order, referencePrice: reference }, input.symbol);
  if (broken.length > 0) return rejected(broken[0]!.reason, broken.map((b) => b.detail).join('; '));

  const model = createBrokerageModel(input.config);
  const expected = expectedPrice(order, reference);
  if (!expected)
    return rejected('MISSING_PRICE', 'no limit price, quote, last trade or bar to price the order');
  const context: FeeContext = {
    ...NO_PRIOR_VOLUME,
    monthShares: account.monthShares ?? ZERO,
    monthNotional: account.monthNotional ?? ZERO,
    orderNotional: order.qty.times(expected),
  };
  // Reserve as a venue would at submit: the taker fee is the dearer one to assume.
  const fee = model.fee.fee(
    { side: order.side, qty: order.qty, price: expected, liquidity: 'taker' },
    context,
  );
  const power = model.buyingPower.check(
    { cash: account.cash, positions: account.positions, reservations: [] },
    {
      orderId: working.id,
      symbol: order.symbol,
      side: order.side,
      quantity: order.qty,
      price: expected,
      fee,
      ts: input.ts,
    },
    { ...account.marks, ...(reference ? { [order.symbol]: reference } : {}) },
  );
  if (!power.ok) return rejected(power.reason, power.detail);

  if (!acceptsFillAt(working, input.ts)) return settle(input, applyOrderEvent(working, 'EXPIRED').state, []);
  const offered = offeredFill(model, order, market, input.ts);
  const outcome = onMatch(working, offered?.qty ?? ZERO);
  const fills = outcome.fillQty.gt(0) ? [{ ...offered!, qty: outcome.fillQty }] : [];
  return settle(input, outcome.state, chargeFees(model, order.side, fills, context));
}

/** The price buying power is checked at: the limit, else the worse of stop and market, else the market. */
function expectedPrice(order: SimulatedOrder, reference: Decimal | undefined): Decimal | undefined {
  if (order.limitPrice) return order.limitPrice;
  if (order.stopPrice) return reference ? worse(order.side, order.stopPrice, reference) : order.stopPrice;
  return reference;
}

/** What the fill model offers on this snapshot; nothing trades while the venue is closed. */
function offeredFill(model: BrokerageModel, order: SimulatedOrder, market: MarketSnapshot, ts: number) {
  if (!isOpen(model.hours, ts)) return undefined;
  // newOrder has checked that the prices match the type, which is what FillOrder's union encodes.
  const [fill] = model.fill.fill(order as FillOrder, market).fills;
  if (!fill || order.limitPrice === undefined || order.type !== 'limit') return fill;
  // A limit that crosses on arrival takes liquidity (LEAN's IsMarketable rule);
  // the fill model alone cannot tell an arriving order from a resting one.
  const arrival = touch(order.side, market) ?? market.bar?.open ?? market.last;
  const marketable = arrival !== undefined && withinLimit(order.side, arrival, order.limitPrice);
  return marketable ? { ...fill, liquidity: 'taker' as const } : fill;
}

/** Fee per fill on the filled quantity, each fill after the ones before it. */
function chargeFees(
  model: BrokerageModel,
  side: Side,
  fills: Fill[],
  start: FeeContext,
): SimulatedFillValue[] {
  let context = start;
  return fills.map((fill) => {
    const feeFill = { side, ...fill };
    const fee = model.fee.fee(feeFill, context);
    context = advanceFeeContext(context, feeFill);
    return { ...fill, fee };
  });
}

type SimulatedFillValue = Fill & { fee: Decimal };

/** Books the fills' cash on the settlement calendar and moves the position. */
function settle(input: SimulateInput, status: OrderState, fills: SimulatedFillValue[]): SimulationResult {
  const { account, order, config, ts } = input;
  const settlesOn = settlementDate(ts, config.settlement);
  const today = localDate(ts, config.settlement.timeZone);
  let cash = account.cash;
  let position = new Dec(account.positions[order.symbol] ?? ZERO);
  for (const fill of fills) {
    const notional = new Dec(fill.qty).times(fill.price);
    const amount = order.side === 'buy' ? notional.plus(fill.fee).neg() : notional.minus(fill.fee);
    cash = bookTradeCash(cash, amount, settlesOn, today);
    position = order.side === 'buy' ? position.plus(fill.qty) : position.minus(fill.qty);
  }
  return {
    accepted: true,
    fills: fills.map((f) => ({
      qty: text(f.qty),
      price: text(f.price),
      fee: text(f.fee),
      liquidity: f.liquidity,
    })),
    status,
    cashAfter: text(totalCash(cash)),
    positionAfter: text(position),
    settlesOn: fills.length > 0 ? settlesOn : null,
  };
}
