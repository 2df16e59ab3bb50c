/**
 * Bar-by-bar backtest of target positions on one instrument, pure and in decimals.
 * It turns a target_position series into fills, an equity curve and per-bar
 * returns; metrics.ts scores them. Fees come from a FeeModel so the backtest, the
 * simulated venue and cost previews can share one model (STYLE: one interface per
 * concern); slippage and partial fills belong to the execution layer.
 *
 * Timing (no look-ahead): the target decided on bar t's close is filled at that
 * same close, so the position first earns bar t+1's close-to-close return. The
 * fill at the decision price is the idealisation of a zero-latency market order.
 * A target is a fraction of equity; the simulator trades only when the target
 * CHANGES (each change of position is one trade). In between, the quantity is
 * held and its weight drifts with the price; there is no per-bar rebalancing.
 */
import Decimal from 'decimal.js';

/**
 * Backtest arithmetic: 40 significant digits keep quantity × price and fees exact
 * for any realistic size, so the only rounding is the one chosen below for
 * quantities (and whatever the fee model does).
 */
export const Money = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

export interface FeeModel {
  /** Fee for one fill of `quantity` (> 0, unsigned) worth `notional` (> 0, unsigned). */
  fee(notional: Decimal, quantity: Decimal): Decimal;
}

/**
 * rate × notional, at least `minimum` per fill, charged on the FILLED notional
 * (the simulator always fills completely). Not rounded: a venue's fee rounding
 * belongs to that venue's model.
 */
export function percentFee(rate: Decimal.Value, minimum: Decimal.Value = 0): FeeModel {
  const r = new Money(rate);
  const floor = new Money(minimum);
  if (r.isNeg() || floor.isNeg()) throw new RangeError('fee rate and minimum must be ≥ 0');
  return {
    fee: (notional, quantity) =>
      quantity.isZero() ? new Money(0) : Money.max(notional.abs().times(r), floor),
  };
}

export type TradeSide = 'buy' | 'sell';

export interface Trade {
  /** Bar index and bar timestamp (epoch ms) of the fill. */
  index: number;
  ts: number;
  side: TradeSide;
  /** Unsigned filled quantity. */
  quantity: Decimal;
  price: Decimal;
  notional: Decimal;
  fee: Decimal;
  /** Signed position after the fill. */
  positionAfter: Decimal;
}

export interface SimulationInput {
  timestamps: readonly number[];
  /** Close prices, positive and finite. */
  closes: readonly number[];
  /** Target fraction of equity in [−1, 1] per bar; NaN = no decision (hold, no order). */
  targets: ArrayLike<number>;
  initialCash: Decimal.Value;
  feeModel: FeeModel;
  /** Quantities are rounded toward zero to this many decimals (default 8). */
  quantityDecimals?: number;
}

export interface SimulationResult {
  initialCash: Decimal;
  /** Equity after bar t's fill, marked at bar t's close. */
  equity: Decimal[];
  /** The same equity rounded to doubles, for metrics and charts. */
  equityValues: Float64Array;
  /** Signed quantity held after bar t's fill (the position that earns bar t+1). */
  positions: Decimal[];
  /** r[t] = equity[t] / equity[t−1] − 1 with equity[−1] = initialCash, so r[0] holds a bar-0 fee. */
  returns: Float64Array;
  trades: Trade[];
}

function validate(input: SimulationInput): void {
  const n = input.closes.length;
  if (input.timestamps.length !== n || input.targets.length !== n) {
    throw new RangeError('timestamps, closes and targets must have the same length');
  }
  input.closes.forEach((c, t) => {
    if (!(Number.isFinite(c) && c > 0)) throw new RangeError(`close at bar ${t} must be positive, got ${c}`);
  });
  for (let t = 0; t < n; t++) {
    const target = input.targets[t]!;
    if (Math.abs(target) > 1) throw new RangeError(`target at bar ${t} outside [−1, 1]: ${target}`);
  }
  if (!new Money(input.initialCash).gt(0)) throw new RangeError('initialCash must be positive');
  const decimals = input.quantityDecimals ?? 8;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 18) {
    throw new RangeError(`quantityDecimals must be an integer in [0, 18], got ${decimals}`);
  }
}

/**
 * Runs the backtest. Sizing: desired quantity = target × equity / close, with
 * equity marked at that close before the fill, rounded toward zero to the
 * quantity decimals (never more exposure than asked). The fee is paid from cash,
 * so a fully invested account holds a cash balance of −fee (fees are not
 * pre-deducted from the order size). A short sells quantity it does not own and
 * holds the proceeds as cash. If equity is ≤ 0 at a close, the position is closed
 * and the account stays flat: it is ruined, and returns after that are 0.
 */
export function simulate(input: SimulationInput): SimulationResult {
  validate(input);
  const decimals = input.quantityDecimals ?? 8;
  const initialCash = new Money(input.initialCash);
  let cash = initialCash;
  let quantity = new Money(0);
  let applied = 0;
  let ruined = false;
  const equity: Decimal[] = [];
  const positions: Decimal[] = [];
  const trades: Trade[] = [];
  const returns = new Float64Array(input.closes.length);
  const equityValues = new Float64Array(input.closes.length);

  let previous = initialCash;
  let previousNumber = initialCash.toNumber();
  for (let t = 0; t < input.closes.length; t++) {
    // Flat bars need no decimal work (equity is the cash): the loop's cost is decimal arithmetic.
    const price = quantity.isZero() ? null : new Money(input.closes[t]!);
    const marked = price === null ? cash : cash.plus(quantity.times(price));
    ruined ||= marked.lte(0);
    const target = ruined ? 0 : input.targets[t]!;
    let value = marked;
    if (Number.isFinite(target) && (target !== applied || ruined)) {
      applied = target;
      const fillPrice = price ?? new Money(input.closes[t]!);
      const desired = ruined
        ? new Money(0)
        : marked.times(target).div(fillPrice).toDecimalPlaces(decimals, Decimal.ROUND_DOWN);
      const delta = desired.minus(quantity);
      if (!delta.isZero()) {
        const size = delta.abs();
        const notional = size.times(fillPrice);
        const fee = new Money(input.feeModel.fee(notional, size));
        cash = cash.minus(delta.times(fillPrice)).minus(fee);
        quantity = desired;
        value = cash.plus(quantity.times(fillPrice));
        trades.push({
          index: t,
          ts: input.timestamps[t]!,
          side: delta.isPos() ? 'buy' : 'sell',
          quantity: size,
          price: fillPrice,
          notional,
          fee,
          positionAfter: desired,
        });
      }
    }
    // The exact decimal change over the previous equity: one rounding to double, relative accuracy kept.
    const unchanged = value === previous;
    returns[t] = unchanged || !previous.gt(0) ? 0 : value.minus(previous).toNumber() / previousNumber;
    previousNumber = unchanged ? previousNumber : value.toNumber();
    previous = value;
    equityValues[t] = previousNumber;
    equity.push(value);
    positions.push(quantity);
  }
  return { initialCash, equity, equityValues, positions, returns, trades };
}

export interface RoundTrip {
  side: 'long' | 'short';
  openIndex: number;
  closeIndex: number;
  /** Cash flows of its fills net of their fees. */
  pnl: Decimal;
}

/**
 * Closed round trips: a round trip opens when the position leaves 0 and closes
 * when it returns to 0 or flips sign. A flip fill is split into a closing part
 * (the old position) and an opening part, its fee shared pro rata by quantity.
 * Partial reductions and additions stay inside the open round trip. An open
 * position at the end is not a round trip (not closed, so neither win nor loss).
 */
export function roundTrips(trades: readonly Trade[]): RoundTrip[] {
  const sideOf = (q: Decimal): RoundTrip['side'] => (q.isPos() ? 'long' : 'short');
  const closed: RoundTrip[] = [];
  let open: { side: 'long' | 'short'; openIndex: number; pnl: Decimal } | null = null;
  const flow = (side: TradeSide, qty: Decimal, price: Decimal, fee: Decimal) =>
    (side === 'sell' ? qty : qty.neg()).times(price).minus(fee);
  for (const trade of trades) {
    const signed = trade.side === 'buy' ? trade.quantity : trade.quantity.neg();
    const before = trade.positionAfter.minus(signed);
    const after = trade.positionAfter;
    if (open === null || before.isZero()) {
      open = {
        side: sideOf(after),
        openIndex: trade.index,
        pnl: flow(trade.side, trade.quantity, trade.price, trade.fee),
      };
      continue;
    }
    const closes = after.isZero() || after.isPos() !== before.isPos();
    if (!closes) {
      open.pnl = open.pnl.plus(flow(trade.side, trade.quantity, trade.price, trade.fee));
      continue;
    }
    const closingQty = before.abs();
    const closingFee = trade.fee.times(closingQty).div(trade.quantity);
    const pnl = open.pnl.plus(flow(trade.side, closingQty, trade.price, closingFee));
    closed.push({ side: open.side, openIndex: open.openIndex, closeIndex: trade.index, pnl });
    open = after.isZero()
      ? null
      : {
          side: sideOf(after),
          openIndex: trade.index,
          pnl: flow(trade.side, after.abs(), trade.price, trade.fee.minus(closingFee)),
        };
  }
  return closed;
}
