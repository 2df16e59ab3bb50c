/**
 * The market-data side of a venue as the Seamless backfill sees it: one page of
 * OHLCV rows per call, in ccxt's row shape. Adapters (the simulated exchange,
 * real exchanges through ccxt) implement it; nothing here knows about paging
 * strategy, conformance or the store. Failures cross the port as Temporal
 * ApplicationFailures with the stable types below (ccxt errors are mapped in ./errors).
 */
import { ApplicationFailure } from '@temporalio/common';

/** `[ts, open, high, low, close, volume]` exactly as ccxt's `fetchOHLCV` returns rows. */
export type RawOhlcv = [number, number | null, number | null, number | null, number | null, number | null];

/** Unit of `RawOhlcv[0]`. Declared by each venue, never guessed from the data (SPEC §7, §12). */
export type TimestampUnit = 'ms';

export interface MarketDataVenue {
  /** Venue id as used in Seamless sources (`ohlcv:{exchange}:…`): `sim`, or a ccxt exchange id. */
  readonly exchange: string;
  /** Most rows one `fetchOhlcvPage` call may return; callers page with a `since` cursor. */
  readonly pageLimit: number;
  readonly timestampUnit: TimestampUnit;
  /**
   * Closed bars with open time ≥ `sinceMs`, ascending, at most `min(limit, pageLimit)`;
   * never the bar still forming. Paging contract: after a non-empty page continue from
   * the last open + interval; a short page does not mean the end of history (exchanges
   * cap pages below their documented limits, some page by time window); an empty page
   * only says there is no bar in `[sinceMs, sinceMs + limit × interval)`.
   * Failures are Temporal `ApplicationFailure`s typed by `VENUE_FAILURE`.
   */
  fetchOhlcvPage(symbol: string, timeframe: string, sinceMs: number, limit: number): Promise<RawOhlcv[]>;
}

/** The account a venue is used as when none is named. */
export const DEFAULT_VENUE_ACCOUNT = 'default';

/** An exchange account's API credentials; held by the worker, never in workflow payloads. */
export interface VenueCredential {
  apiKey: string;
  secret: string;
  /** Passphrase of exchanges that have one (okx, kucoin, …). */
  password?: string;
}

/** Where a venue registry finds an account's credentials. */
export interface VenueCredentialLookup {
  get(exchange: string, account: string): Readonly<VenueCredential> | undefined;
}

/** Stable ApplicationFailure types raised by venue adapters. */
export const VENUE_FAILURE = {
  /** Network trouble or the venue is down: retry with the activity's backoff. */
  unavailable: 'VenueUnavailable',
  /** Rate limited or DDoS-protected: retry after `nextRetryDelay`. */
  rateLimited: 'VenueRateLimited',
  /** The venue refused the request itself (bad symbol, auth, funds, order): never retried. */
  rejected: 'VenueRejected',
  /** Not a ccxt error (a bug, an unexpected throw): retried, bounded by the activity's retry policy. */
  failed: 'VenueFailure',
} as const;

/** A request the venue (or the adapter on its behalf) refuses; never retried. */
export function venueRejected(
  exchange: string,
  reason: string,
  errorClass = 'InvalidArgument',
): ApplicationFailure {
  return ApplicationFailure.create({
    type: VENUE_FAILURE.rejected,
    message: `${exchange} rejected the request (${errorClass}): ${truncateReason(reason)}`,
    nonRetryable: true,
    details: [{ exchange, errorClass, kind: 'terminal' }],
  });
}

const MAX_REASON_CHARS = 500;

/** Venue error texts can carry whole response bodies; failures keep the head. */
export function truncateReason(text: string): string {
  return text.length <= MAX_REASON_CHARS ? text : `${text.slice(0, MAX_REASON_CHARS)}…`;
}
