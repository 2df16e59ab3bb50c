/**
 * A real exchange's market data through one ccxt instance (one per exchange and
 * account, built by ./registry). ccxt does the HTTP, rate limiting, parsing and
 * error mapping; this adapter adds the page contract of ./port (closed bars only,
 * a declared page limit) and turns ccxt errors into typed activity failures.
 */
import type { Exchange } from 'ccxt';
import { timeframeMs } from '../../domain/data/bars';
import { retryAfterMs, toActivityFailure } from './errors';
import { venueRejected, type MarketDataVenue, type RawOhlcv } from './port';

/**
 * OHLCV rows per request where ccxt's advertised `features.spot.fetchOHLCV.limit`
 * is more than the endpoint a backfill actually hits will serve.
 * okx: old ranges go to /market/history-candles, documented at 100 rows per request
 * in earlier API versions (ccxt advertises 300); 100 is safe either way — a smaller
 * page costs requests, never correctness (see the paging contract in ./port).
 */
const PAGE_LIMIT_OVERRIDES: Record<string, number> = { okx: 100, myokx: 100, okxus: 100 };
const FALLBACK_PAGE_LIMIT = 100;
const MAX_PAGE_LIMIT = 1000;
/**
 * A bar counts as closed this long after its close: exchange clocks differ from the
 * worker's and candles settle late, and a half-formed bar stored as history would
 * never be refetched.
 */
export const CLOSE_GRACE_MS = 5_000;

export interface CcxtVenueOptions {
  /** Rows per request; default from the exchange's ccxt features, capped at 1000. */
  pageLimit?: number;
  /** Wall clock (epoch ms) deciding which bar is still forming. */
  now?: () => number;
}

export class CcxtVenue implements MarketDataVenue {
  readonly exchange: string;
  readonly pageLimit: number;
  /** ccxt's unified OHLCV rows carry epoch milliseconds for every exchange. */
  readonly timestampUnit = 'ms' as const;
  private readonly now: () => number;
  private marketsLoading: Promise<unknown> | undefined;

  constructor(
    /** The shared ccxt instance (rate limiter, markets, credentials) of this exchange account. */
    readonly client: Exchange,
    options: CcxtVenueOptions = {},
  ) {
    this.exchange = client.id;
    this.pageLimit = options.pageLimit ?? defaultPageLimit(client);
    this.now = options.now ?? Date.now;
  }

  async fetchOhlcvPage(
    symbol: string,
    timeframe: string,
    sinceMs: number,
    limit: number,
  ): Promise<RawOhlcv[]> {
    if (!this.client.has['fetchOHLCV']) {
      throw venueRejected(this.exchange, 'the exchange offers no OHLCV history', 'NotSupported');
    }
    const intervalMs = timeframeMs(timeframe);
    if (intervalMs === undefined || !(timeframe in (this.client.timeframes ?? {}))) {
      throw venueRejected(this.exchange, `timeframe ${timeframe} is not offered`, 'BadRequest');
    }
    if (!Number.isInteger(limit) || limit < 1) {
      throw venueRejected(this.exchange, `limit must be ≥ 1, got ${limit}`, 'BadRequest');
    }
    try {
      await this.loadMarketsOnce();
      const rows = await this.client.fetchOHLCV(symbol, timeframe, sinceMs, Math.min(limit, this.pageLimit));
      const formingOpen = Math.floor((this.now() - CLOSE_GRACE_MS) / intervalMs) * intervalMs;
      // Invalid timestamps pass through on purpose: conformance drops and counts them.
      return rows.map(toRawOhlcv).filter((row) => !(row[0] < sinceMs) && !(row[0] >= formingOpen));
    } catch (err) {
      throw toActivityFailure(err, {
        exchange: this.exchange,
        // Best effort: the instance is shared, a concurrent reply may have replaced these headers.
        retryAfterMs: retryAfterMs(this.client.last_response_headers, this.now()),
        rateLimitMs: this.client.rateLimit,
      });
    }
  }

  /** Markets are loaded once per instance (ccxt keeps them); a failed load is retried next call. */
  private loadMarketsOnce(): Promise<unknown> {
    this.marketsLoading ??= this.client.loadMarkets().catch((err: unknown) => {
      this.marketsLoading = undefined;
      throw err;
    });
    return this.marketsLoading;
  }
}

function defaultPageLimit(client: Exchange): number {
  const override = PAGE_LIMIT_OVERRIDES[client.id];
  if (override !== undefined) return override;
  const advertised = (client.features as { spot?: { fetchOHLCV?: { limit?: unknown } } } | undefined)?.spot
    ?.fetchOHLCV?.limit;
  return typeof advertised === 'number' && advertised > 0
    ? Math.min(advertised, MAX_PAGE_LIMIT)
    : FALLBACK_PAGE_LIMIT;
}

/** ccxt rows are `number[]` with `undefined` for missing fields; the port uses nulls. */
function toRawOhlcv(row: readonly (number | undefined)[]): RawOhlcv {
  const field = (i: number): number | null => row[i] ?? null;
  return [row[0] ?? Number.NaN, field(1), field(2), field(3), field(4), field(5)];
}
