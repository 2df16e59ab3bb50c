/**
 * Paper and live runs (SPEC §4, §8), the pure parts: the bar grid the loop
 * sleeps on, the trailing window each bar is computed over, how a traded
 * node's target becomes a pipeline signal, the deterministic intent id, and
 * the portfolio the pipeline sizes against. No clock, no I/O.
 */
import Decimal from 'decimal.js';
import type { Portfolio, Signal } from '../execution/pipeline';
import { Dec, roundPriceToTick, type OrderSide } from '../execution/symbol';

/** Bars a run handles before continuing as new: keeps its history short. */
export const DEFAULT_BARS_PER_RUN = 500;
/** Fewest bars a trailing window holds, so short-memory nodes (EMA, held signals) settle. */
export const MIN_TRAILING_BARS = 50;
/** Most bars read per step: a bar's work stays bounded whatever the DAG asks. */
export const MAX_TRAILING_BARS = 5_000;

/** How the run's orders are placed: at market, or passive at an offset from the bar's close. */
export type PaperOrderStyle = { type: 'market' } | { type: 'limit'; offset_bps: number };

/**
 * The close of the first bar still ahead of `now` (epoch ms), on the grid from
 * epoch 0, and never at or before the bar already handled: a loop that woke
 * late skips to the newest bar rather than replaying missed ones.
 */
export function nextBarClose(now: number, intervalMs: number, lastBarClose?: number): number {
  const next = Math.floor(now / intervalMs) * intervalMs + intervalMs;
  return lastBarClose !== undefined && next <= lastBarClose ? lastBarClose + intervalMs : next;
}

/**
 * Bars each step recomputes the DAG over, ending at the newly closed bar.
 * Chained warm-ups add up (an SMA of an SMA), so the sum of every node's
 * warm-up bounds the deepest chain; doubled for nodes with longer memory
 * (EMA, RSI), at least MIN_TRAILING_BARS, at most MAX_TRAILING_BARS. A retry
 * reads the same bars and computes the same output: the step keeps no state.
 */
export function trailingBars(warmups: readonly number[]): number {
  const total = warmups.reduce((sum, w) => sum + Math.max(0, w), 0);
  return Math.min(MAX_TRAILING_BARS, Math.max(MIN_TRAILING_BARS, 2 * total + 1));
}

/** The first and last bar open of the trailing window ending with the bar that closed at `barClose`. */
export function trailingWindow(barClose: number, intervalMs: number, bars: number) {
  const end = barClose - intervalMs;
  return { start: end - (bars - 1) * intervalMs, end, intervalMs };
}

/**
 * Equity a target never commits, so fees and slippage fit beside a fully
 * invested position (LEAN's FreePortfolioValuePercentage, same default):
 * without it a target of 1 asks for all the cash plus the fee and the venue
 * refuses the order.
 */
export const FREE_PORTFOLIO_FRACTION = '0.0025';

/**
 * A target position in [−1, 1] (fraction of equity) as a pipeline signal: the
 * run HOLDS that fraction of the committable equity (target_percent), scaled
 * by the activation weight. Undefined when the node had no value for the bar
 * (warm-up, missing data).
 */
export function targetSignal(symbol: string, target: number): Signal | undefined {
  if (!Number.isFinite(target)) return undefined;
  const clipped = Math.max(-1, Math.min(1, target));
  const percent = new Dec(clipped).times(new Dec(1).minus(FREE_PORTFOLIO_FRACTION));
  return { symbol, kind: 'target_percent', percent: percent.toFixed() };
}

/** The activation side a target trades on: a long or a short position. */
export const sideOfTarget = (target: number): 'long' | 'short' => (target < 0 ? 'short' : 'long');

/** One order intent per run and bar: a retried or replayed step can never start a second order. */
export const paperIntentId = (runId: string, barClose: number): string => `${runId}:${barClose}`;

/** What the run's account holds, in wire form (decimal strings). */
export interface AccountHoldings {
  cash: string;
  positions: Readonly<Record<string, string>>;
}

/**
 * Equity = cash + the traded symbol's position at its close. Other positions
 * have no price in this run and are left out (so are their limits): the run
 * sizes its own instrument against the account's cash and that position.
 */
export function paperPortfolio(
  holdings: AccountHoldings,
  symbol: string,
  price: string,
  peakEquity: string | undefined,
): Portfolio {
  const position = new Dec(holdings.positions[symbol] ?? '0');
  const equity = new Dec(holdings.cash).plus(position.times(price));
  const peak = peakEquity === undefined ? equity : Decimal.max(equity, peakEquity);
  return {
    equity: equity.toFixed(),
    peakEquity: peak.toFixed(),
    positions: { [symbol]: position.toFixed() },
    prices: { [symbol]: price },
  };
}

/** A passive limit: below the close for a buy, above for a sell, on the tick toward the passive side. */
export function passiveLimitPrice(close: string, side: OrderSide, offsetBps: number, tick: string): string {
  const offset = new Dec(offsetBps).div(10_000);
  const raw = new Dec(close).times(side === 'buy' ? new Dec(1).minus(offset) : new Dec(1).plus(offset));
  return roundPriceToTick(raw, tick, side).toFixed();
}
