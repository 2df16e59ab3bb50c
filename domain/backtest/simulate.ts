/**
 * Bar-by-bar backtest of target positions on one instrument, pure and in decimals.
 * It turns a target_position series into fills, an equity curve and per-bar
 * returns; metrics.ts scores them. Fills are priced by the venue's brokerage
 * models (domain/brokerage/model.ts): a market order through the fill model
 * (slippage, volume limit) and the fee model per fill on the filled quantity,
 * so a backtest, the simulated venue and the cost preview price a fill alike.
 *
 * Timing (no look-ahead): the target decided on bar t's close is sent as a
 * market order at that close (snapshot {last: close, bar t}), so the position
 * first earns bar t+1's close-to-close return. A target is a fraction of
 * equity; the simulator trades only when the target CHANGES. In between, the
 * quantity is held and its weight drifts with the price (no rebalancing). A
 * volume-limited order keeps its remainder open and fills it on later bars,
 * each at its own close, until it is done or a new target replaces it.
 */
import Decimal from 'decimal.js';
import type { FeeContext } from '../brokerage/fees';
import type { Fill } from '../brokerage/fills';
import type { Bar, MarketSnapshot } from '../brokerage/market';
import type { BrokerageModel } from '../brokerage/model';

/**
 * Backtest arithmetic: 40 significant digits keep quantity × price exact for
 * any realistic size, so the only rounding is the one chosen below for
 * quantities (and whatever the fee and fill models do).
 */
export const Money = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

export type TradeSide = 'buy' | 'sell';

export interface Trade {
  /** Bar index and bar timestamp (epoch ms) of the fill. */
  index: number;
  ts: number;
  side: TradeSide;
  /** Unsigned filled quantity. */
  quantity: Decimal;
  /** The fill price, after slippage. */
  price: Decimal;
  notional: Decimal;
  fee: Decimal;
  liquidity: Fill['liquidity'];
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
  /** Only the fee and fill models price a backtest; margin, settlement and hours do not apply yet. */
  brokerage: Pick<BrokerageModel, 'fee' | 'fill'>;
  /** Whole bars, one per close, when known; without them the fill sees the close alone (no volume cap). */
  bars?: readonly Bar[];
  /** Quantities are rounded toward zero to this many decimals (default 8). */
  quantityDecimals?: number;
}

export interface SimulationResult {
  initialCash: Decimal;
  /** Equity after bar t's fills, marked at bar t's close. */
  equity: Decimal[];
  /** The same equity rounded to doubles, for metrics and charts. */
  equityValues: Float64Array;
  /** Signed quantity held after bar t's fills (the position that earns bar t+1). */
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
  if (input.bars && input.bars.length !== n) throw new RangeError('bars must have one entry per close');
  input.closes.forEach((c, t) => {
    if (!(Number.isFinite(c) && c > 0)) throw new RangeError(`close at bar ${t} must be positive, got ${c}`);
    if (input.bars && !input.bars[t]!.close.eq(c)) throw new RangeError(`bar ${t} disagrees with its close`);
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

/** A market order still open, and what it has filled so far (fee models charge per order). */
interface OpenOrder {
  side: TradeSide;
  open: Decimal;
  /** Quantity × decision close: the order's notional for order-sized fee tiers. */
  notional: Decimal;
  filledQty: Decimal;
  filledNotional: Decimal;
}

const ZERO = new Money(0);
const monthOf = (ts: number): number => new Date(ts).getUTCFullYear() * 12 + new Date(ts).getUTCMonth();

/**
 * Cash, position and fills of the simulated account. Month volume (for
 * monthly fee tiers) counts toward the UTC month an order was placed in, so
 * an order that fills across a month end stays in one month.
 */
class Ledger {
  cash: Decimal;
  quantity: Decimal = ZERO;
  readonly trades: Trade[] = [];
  private month = { key: NaN, shares: ZERO, notional: ZERO };

  constructor(
    initialCash: Decimal,
    private readonly brokerage: SimulationInput['brokerage'],
    private readonly decimals: number,
  ) {
    this.cash = initialCash;
  }

  value(close: Decimal): Decimal {
    return this.quantity.isZero() ? this.cash : this.cash.plus(this.quantity.times(close));
  }

  /** An order for the change to `desired`, replacing any open one; null when there is nothing to do. */
  place(desired: Decimal, close: Decimal, ts: number): OpenOrder | null {
    const delta = desired.minus(this.quantity);
    if (delta.isZero()) return null;
    const key = monthOf(ts);
    if (key !== this.month.key) this.month = { key, shares: ZERO, notional: ZERO };
    const open = delta.abs();
    const side = delta.isPos() ? 'buy' : 'sell';
    return { side, open, notional: open.times(close), filledQty: ZERO, filledNotional: ZERO };
  }

  /** Sends the open order to the fill model for one bar; returns it while anything is left open. */
  execute(order: OpenOrder, market: MarketSnapshot, index: number, ts: number): OpenOrder | null {
    const { fills } = this.brokerage.fill.fill({ type: 'market', side: order.side, qty: order.open }, market);
    for (const fill of fills) this.book(order, fill, index, ts);
    return order.open.isZero() ? null : order;
  }

  private book(order: OpenOrder, fill: Fill, index: number, ts: number): void {
    const quantity = new Money(fill.qty).toDecimalPlaces(this.decimals, Decimal.ROUND_DOWN);
    if (quantity.isZero()) return;
    const { side } = order;
    const price = new Money(fill.price);
    const context: FeeContext = {
      orderFilledQty: order.filledQty,
      orderFilledNotional: order.filledNotional,
      monthShares: this.month.shares,
      monthNotional: this.month.notional,
      orderNotional: order.notional,
    };
    const fee = new Money(
      this.brokerage.fee.fee({ side, qty: quantity, price, liquidity: fill.liquidity }, context),
    );
    const notional = quantity.times(price);
    const signed = side === 'buy' ? quantity : quantity.neg();
    this.cash = this.cash.minus(signed.times(price)).minus(fee);
    this.quantity = this.quantity.plus(signed);
    order.open = order.open.minus(quantity);
    order.filledQty = order.filledQty.plus(quantity);
    order.filledNotional = order.filledNotional.plus(notional);
    this.month.shares = this.month.shares.plus(quantity);
    this.month.notional = this.month.notional.plus(notional);
    const { liquidity } = fill;
    this.trades.push({
      index,
      ts,
      side,
      quantity,
      price,
      notional,
      fee,
      liquidity,
      positionAfter: this.quantity,
    });
  }
}

/** Equity curve and per-bar returns, one point per bar. */
class Curve {
  readonly equity: Decimal[] = [];
  readonly positions: Decimal[] = [];
  readonly returns: Float64Array;
  readonly equityValues: Float64Array;
  private previousNumber: number;

  constructor(
    private previous: Decimal,
    bars: number,
  ) {
    this.previousNumber = previous.toNumber();
    this.returns = new Float64Array(bars);
    this.equityValues = new Float64Array(bars);
  }

  push(value: Decimal, position: Decimal): void {
    const t = this.equity.length;
    // The exact decimal change over the previous equity: one rounding to double, relative accuracy kept.
    const unchanged = value === this.previous;
    this.returns[t] =
      unchanged || !this.previous.gt(0) ? 0 : value.minus(this.previous).toNumber() / this.previousNumber;
    this.previousNumber = unchanged ? this.previousNumber : value.toNumber();
    this.previous = value;
    this.equityValues[t] = this.previousNumber;
    this.equity.push(value);
    this.positions.push(position);
  }
}

function snapshot(input: SimulationInput, t: number, close: Decimal, ruined: boolean): MarketSnapshot {
  const bar = input.bars?.[t];
  // Liquidating a ruined account is forced: no volume cap may leave it holding.
  return bar && !ruined ? { last: close, bar } : { last: close };
}

/**
 * Runs the backtest. Sizing: desired quantity = target × equity / close, with
 * equity marked at that close before the fill, rounded toward zero to the
 * quantity decimals (never more exposure than asked); fills are rounded the
 * same way. Fees and slippage are paid from cash, not pre-deducted from the
 * order size, so a fully invested account holds a small negative cash balance.
 * A short sells quantity it does not own and holds the proceeds as cash. If
 * equity is ≤ 0 at a close, the position is closed and the account stays
 * flat: it is ruined, and returns after that are 0.
 */
export function simulate(input: SimulationInput): SimulationResult {
  validate(input);
  const decimals = input.quantityDecimals ?? 8;
  const initialCash = new Money(input.initialCash);
  const ledger = new Ledger(initialCash, input.brokerage, decimals);
  const curve = new Curve(initialCash, input.closes.length);
  let applied = 0;
  let ruined = false;
  let order: OpenOrder | null = null;
  for (let t = 0; t < input.closes.length; t++) {
    const target = input.targets[t]!;
    const decides = Number.isFinite(target) && target !== applied;
    // Flat bars with nothing to do need no decimal work: the loop's cost is decimal arithmetic.
    if (ledger.quantity.isZero() && order === null && !ruined && !decides) {
      curve.push(ledger.cash, ledger.quantity);
      continue;
    }
    const close = new Money(input.closes[t]!);
    const marked = ledger.value(close);
    ruined ||= marked.lte(0);
    if (decides || ruined) {
      applied = ruined ? 0 : target;
      const desired = marked.times(applied).div(close).toDecimalPlaces(decimals, Decimal.ROUND_DOWN);
      order = ledger.place(desired, close, input.timestamps[t]!);
    }
    if (order === null) {
      curve.push(marked, ledger.quantity);
      continue;
    }
    order = ledger.execute(order, snapshot(input, t, close, ruined), t, input.timestamps[t]!);
    curve.push(ledger.value(close), ledger.quantity);
  }
  const { equity, equityValues, positions, returns } = curve;
  return { initialCash, equity, equityValues, positions, returns, trades: ledger.trades };
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
