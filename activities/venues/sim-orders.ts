/**
 * The trading side of the simulated exchange `sim` (SPEC §8). Orders live in
 * the store's SimBook and are matched lazily: every call that touches an order
 * first matches it, inside one book transaction, against the 1m sim bars
 * closed since it was last looked at (domain/execution/sim-matching.ts with
 * the venue's brokerage model — the same fill and fee rules as backtests).
 * The clock is injected; nothing runs in the background.
 */
import { ApplicationFailure } from '@temporalio/common';
import type Decimal from 'decimal.js';
import { NO_PRIOR_VOLUME } from '../../domain/brokerage/fees';
import type { BrokerageModel } from '../../domain/brokerage/model';
import {
  barSnapshot,
  currenciesOf,
  firstOpportunityTs,
  matchSimOrder,
  SIM_BAR_MS,
  type SimMatchBar,
} from '../../domain/execution/sim-matching';
import { checkOrderAgainstSymbol, Dec, type SymbolProperties } from '../../domain/execution/symbol';
import type { SimBook, SimOrderRow } from '../store/port';
import {
  DUPLICATE_CLIENT_ORDER_ID,
  type OrderVenue,
  type VenueBalance,
  type VenueOrder,
  type VenueOrderRequest,
  type VenueTrade,
} from './order-port';
import { VENUE_FAILURE, venueRejected } from './port';
import {
  checkSimOrderRequest,
  DECIMAL_TEXT,
  SIM_CLIENT_ORDER_ID_MAX_LENGTH,
  simSymbolProperties,
  simVenueOrder,
  simVenueTrade,
} from './sim-order-rules';
import { SIM_EXCHANGE, simBar } from './sim';

export interface SimOrderVenueOptions {
  account: string;
  book: SimBook;
  model: BrokerageModel;
  /** Currency totals an account starts with, e.g. {USDT: "100000"}; seeded once per account. */
  startingBalances: Record<string, string>;
  now: () => number;
}

/** A concurrent call booked trades between our read and our lock: re-read this often. */
const STALE_READ_RETRIES = 5;

/** Open of the first bar still forming at `now`: every bar opening before it is closed. */
const closedUntil = (now: number) => Math.floor(now / SIM_BAR_MS) * SIM_BAR_MS;

function* closedBars(symbol: string, fromTs: number, untilTs: number): Generator<SimMatchBar> {
  for (let ts = fromTs; ts < untilTs; ts += SIM_BAR_MS) yield simBar(symbol, '1m', ts);
}

export class SimOrderVenue implements OrderVenue {
  readonly exchange = SIM_EXCHANGE;
  readonly clientOrderIdMaxLength = SIM_CLIENT_ORDER_ID_MAX_LENGTH;
  readonly account: string;
  private readonly book: SimBook;
  private readonly model: BrokerageModel;
  private readonly startingBalances: Record<string, string>;
  private readonly now: () => number;
  private seeded = false;

  constructor(options: SimOrderVenueOptions) {
    for (const [currency, total] of Object.entries(options.startingBalances)) {
      if (!DECIMAL_TEXT.test(total))
        throw new RangeError(`sim starting balance ${currency} must be ≥ 0: ${total}`);
    }
    ({ account: this.account, book: this.book, model: this.model, now: this.now } = options);
    this.startingBalances = { ...options.startingBalances };
  }

  async submitOrder(request: VenueOrderRequest): Promise<VenueOrder> {
    const now = this.now();
    const { base, quote } = checkSimOrderRequest(request);
    const existing = await this.match(request.clientOrderId, now);
    if (existing) throw duplicateOf(existing);
    await this.seed();
    const reference = this.estimatedPrice(request.symbol, request.side, request.qty, now);
    const terms = { qty: request.qty, limitPrice: request.limitPrice, stopPrice: request.stopPrice };
    const rejections = checkOrderAgainstSymbol(
      { ...terms, referencePrice: reference },
      await this.symbolProperties(request.symbol),
    );
    if (rejections.length > 0) {
      throw venueRejected(SIM_EXCHANGE, rejections.map((r) => r.detail).join('; '), 'InvalidOrder');
    }
    const [currency, need] =
      request.side === 'buy'
        ? [quote, this.hold({ ...request, filledQty: '0' }, now)]
        : [base, new Dec(request.qty)];
    const free = (await this.balanceSheet(now)).get(currency)?.free ?? new Dec(0);
    if (free.lt(need)) {
      throw venueRejected(
        SIM_EXCHANGE,
        `needs ${need.toFixed()} ${currency}, ${free.toFixed()} free`,
        'InsufficientFunds',
      );
    }
    const { clientOrderId, symbol, side, type, qty, limitPrice, stopPrice, tif } = request;
    const { created, row } = await this.book.insertOrder({
      account: this.account,
      clientOrderId,
      symbol,
      side,
      type,
      qty,
      ...(limitPrice !== undefined && { limitPrice }),
      ...(stopPrice !== undefined && { stopPrice }),
      tif,
      status: 'open',
      filledQty: '0',
      triggered: false,
      createdTs: now,
      matchedThroughTs: firstOpportunityTs(request.type, now),
      updatedTs: now,
    });
    // Lost a race with a concurrent submit of the same id.
    if (!created) throw duplicateOf((await this.match(row.clientOrderId, now)) ?? row);
    return simVenueOrder((await this.match(row.clientOrderId, now)) ?? row);
  }

  /**
   * Client order ids are unique per account, not per symbol: the order is found
   * under any symbol, so submitOnce sees a collision instead of a missing order.
   */
  async findOrder(_symbol: string, clientOrderId: string): Promise<VenueOrder | undefined> {
    const row = await this.match(clientOrderId, this.now());
    return row && simVenueOrder(row);
  }

  async cancelOrder(symbol: string, clientOrderId: string): Promise<VenueOrder> {
    const now = this.now();
    const row = await this.match(clientOrderId, now);
    if (row?.symbol !== symbol) {
      throw venueRejected(SIM_EXCHANGE, `no order ${clientOrderId} on ${symbol}`, 'OrderNotFound');
    }
    // Matched up to now first, so a fill that came before the cancel wins.
    const ended = await this.book.mutateOrder(this.account, clientOrderId, (current) =>
      current.status === 'open'
        ? { row: { ...current, status: 'canceled', updatedTs: now }, trades: [], balanceDeltas: {} }
        : undefined,
    );
    return simVenueOrder(ended ?? row);
  }

  async fetchOrderTrades(symbol: string, clientOrderId: string): Promise<VenueTrade[]> {
    const row = await this.match(clientOrderId, this.now());
    if (row?.symbol !== symbol) return [];
    return (await this.book.trades(this.account, clientOrderId)).map(simVenueTrade);
  }

  async fetchOpenOrders(symbol?: string): Promise<VenueOrder[]> {
    const rows = await this.matchOpenOrders(this.now(), symbol);
    return rows.filter((row) => row.status === 'open').map(simVenueOrder);
  }

  async fetchBalances(): Promise<VenueBalance[]> {
    await this.seed();
    const sheet = await this.balanceSheet(this.now());
    return [...sheet.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, { total, used, free }]) => ({
        currency,
        free: free.toFixed(),
        used: used.toFixed(),
        total: total.toFixed(),
      }));
  }

  async symbolProperties(symbol: string): Promise<SymbolProperties> {
    return simSymbolProperties(symbol);
  }

  private async seed(): Promise<void> {
    if (this.seeded) return;
    await this.book.seedBalances(this.account, this.startingBalances);
    this.seeded = true;
  }

  /**
   * Matches the order up to the last bar closed before `now`, one capped
   * stretch of bars per book transaction, until it is caught up or done.
   */
  private async match(clientOrderId: string, now: number): Promise<SimOrderRow | undefined> {
    const until = closedUntil(now);
    for (let staleReads = 0; staleReads < STALE_READ_RETRIES;) {
      // Most calls find nothing to match: answer them without taking the lock.
      const seen = await this.book.getOrder(this.account, clientOrderId);
      if (!seen || seen.status !== 'open' || seen.matchedThroughTs >= until) return seen;
      // Read outside the lock; the step refuses them if a concurrent call booked trades meanwhile.
      const earlierTrades = await this.book.trades(this.account, clientOrderId);
      let stale = false;
      const row = await this.book.mutateOrder(this.account, clientOrderId, (current) => {
        if (current.status !== 'open' || current.matchedThroughTs >= until) return undefined;
        const filled = earlierTrades.reduce((sum, t) => sum.plus(t.qty), new Dec(0));
        if (!filled.eq(current.filledQty)) {
          stale = true;
          return undefined;
        }
        const bars = closedBars(current.symbol, current.matchedThroughTs, until);
        const result = matchSimOrder({ order: current, earlierTrades, bars, model: this.model });
        return {
          row: { ...current, ...result.order },
          trades: result.trades.map((trade) => ({ account: this.account, ...trade })),
          balanceDeltas: result.balanceDeltas,
        };
      });
      if (stale) staleReads += 1;
      else if (!row || row.status !== 'open' || row.matchedThroughTs >= until) return row;
    }
    throw ApplicationFailure.create({
      type: VENUE_FAILURE.failed,
      message: `sim order ${clientOrderId} kept changing while being matched`,
      nonRetryable: false,
    });
  }

  private async matchOpenOrders(now: number, symbol?: string): Promise<SimOrderRow[]> {
    const open = await this.book.openOrders(this.account, symbol);
    const rows: SimOrderRow[] = [];
    for (const order of open) {
      const row = await this.match(order.clientOrderId, now);
      if (row) rows.push(row);
    }
    return rows;
  }

  /** Totals from the book; `used` is what the still-open orders hold; free = total − used. */
  private async balanceSheet(
    now: number,
  ): Promise<Map<string, { total: Decimal; used: Decimal; free: Decimal }>> {
    const open = (await this.matchOpenOrders(now)).filter((row) => row.status === 'open');
    const totals = await this.book.balances(this.account);
    const used = new Map<string, Decimal>();
    for (const order of open) {
      const { base, quote } = currenciesOf(order.symbol)!;
      const [currency, amount] =
        order.side === 'buy'
          ? [quote, this.hold(order, now)]
          : [base, new Dec(order.qty).minus(order.filledQty)];
      used.set(currency, (used.get(currency) ?? new Dec(0)).plus(amount));
    }
    const sheet = new Map<string, { total: Decimal; used: Decimal; free: Decimal }>();
    for (const currency of new Set([...Object.keys(totals), ...used.keys()])) {
      const total = new Dec(totals[currency] ?? 0);
      const held = used.get(currency) ?? new Dec(0);
      sheet.set(currency, { total, used: held, free: total.minus(held) });
    }
    return sheet;
  }

  /**
   * Quote a buy holds while open: the open quantity at its limit (else its
   * stop, else the estimated market fill price) plus the taker fee on that.
   */
  private hold(
    order: Pick<SimOrderRow, 'symbol' | 'side' | 'qty' | 'filledQty' | 'limitPrice' | 'stopPrice'>,
    now: number,
  ): Decimal {
    const open = new Dec(order.qty).minus(order.filledQty);
    const price = new Dec(
      order.limitPrice ?? order.stopPrice ?? this.estimatedPrice(order.symbol, order.side, open, now),
    );
    const fill = { side: order.side, qty: open, price, liquidity: 'taker' as const };
    const fee = this.model.fee.fee(fill, { ...NO_PRIOR_VOLUME, orderNotional: open.mul(price) });
    return open.mul(price).plus(fee);
  }

  /** What a market order would pay now: the fill model on the last closed bar (slippage included). */
  private estimatedPrice(symbol: string, side: 'buy' | 'sell', qty: Decimal.Value, now: number): Decimal {
    const snapshot = barSnapshot(simBar(symbol, '1m', closedUntil(now) - SIM_BAR_MS));
    const { fills } = this.model.fill.fill({ type: 'market', side, qty: new Dec(qty) }, snapshot);
    return fills[0]?.price ?? snapshot.last!;
  }
}

/** Same shape as the ccxt venues' duplicate failure, plus the order the venue already holds. */
function duplicateOf(existing: SimOrderRow): ApplicationFailure {
  const { clientOrderId } = existing;
  return ApplicationFailure.create({
    type: DUPLICATE_CLIENT_ORDER_ID,
    message: `sim already has an order with client order id ${clientOrderId}`,
    nonRetryable: true,
    details: [{ exchange: SIM_EXCHANGE, clientOrderId, kind: 'terminal', order: simVenueOrder(existing) }],
  });
}
