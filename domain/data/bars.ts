/**
 * OHLCV bars as the data plane stores them. Timestamps are epoch
 * milliseconds of the bar's open; ranges are inclusive bar opens (SPEC §5, §7)
 * unless a name says half-open.
 */

export interface Bar {
  /** Bar open, epoch ms, aligned to the interval grid. */
  ts: number;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number | null;
  volume: number | null;
}

/** Inclusive range of bar opens: every aligned ts with start ≤ ts ≤ end. */
export interface BarRange {
  start: number;
  end: number;
}

/** A Seamless source named by an input node: `ohlcv:{exchange}:{symbol}:{timeframe}`. */
export interface OhlcvSource {
  exchange: string;
  symbol: string;
  timeframe: string;
  intervalMs: number;
}

const TIMEFRAME_UNITS_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * `1m` → 60000; undefined for anything else. The bar grid starts at epoch 0
 * (a Thursday), so weekly candles (which exchanges open on Mondays) are not
 * accepted until the grid carries an origin.
 */
export function timeframeMs(timeframe: string): number | undefined {
  const match = /^([1-9][0-9]{0,3})([smhd])$/.exec(timeframe);
  if (!match) return undefined;
  return Number(match[1]) * TIMEFRAME_UNITS_MS[match[2] as string]!;
}

/** Parses `ohlcv:binance:BTC/USDT:1m`; the symbol may itself hold colons (e.g. `BTC/USDT:USDT` perps). */
export function parseOhlcvSource(source: string): OhlcvSource | undefined {
  const parts = source.split(':');
  if (parts.length < 4 || parts[0] !== 'ohlcv') return undefined;
  const exchange = parts[1] as string;
  const timeframe = parts[parts.length - 1] as string;
  const symbol = parts.slice(2, -1).join(':');
  const intervalMs = timeframeMs(timeframe);
  if (!/^[a-z0-9_]+$/.test(exchange) || symbol === '' || intervalMs === undefined) return undefined;
  return { exchange, symbol, timeframe, intervalMs };
}
