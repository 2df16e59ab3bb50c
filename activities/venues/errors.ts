/**
 * Venue failures are typed once, where they arise (SPEC §4, §7): a ccxt error is
 * classified by its class, then becomes a Temporal ApplicationFailure with a
 * stable type that activity retry policies and the Gateway key on.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  BaseError,
  DDoSProtection,
  ExchangeError,
  NetworkError,
  OperationFailed,
  RateLimitExceeded,
} from 'ccxt';
import { DUPLICATE_CLIENT_ORDER_ID } from './order-port';
import { truncateReason, VENUE_FAILURE, venueRejected } from './port';

export { VENUE_FAILURE, venueRejected };

export type VenueErrorKind = 'retryable' | 'retry-later' | 'terminal' | 'unknown';

export interface VenueErrorClassification {
  kind: VenueErrorKind;
  /** ccxt class name (`BadSymbol`, `RequestTimeout`, …), or the error's name when not from ccxt. */
  errorClass: string;
  /** Only for 'retry-later'. */
  delayMs?: number;
}

/** What the adapter knows when it classifies a rate-limit error. */
export interface RateLimitHints {
  /** From the response's Retry-After header, when the venue sent one. */
  retryAfterMs?: number;
  /** The exchange's ccxt `rateLimit` (ms between requests). */
  rateLimitMs?: number;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * First match wins. Order matters: ccxt puts DDoSProtection and RateLimitExceeded
 * under NetworkError, and BadSymbol under BadRequest under ExchangeError.
 */
const CLASSIFICATION: ReadonlyArray<readonly [ErrorClass, VenueErrorKind]> = [
  [DDoSProtection, 'retry-later'],
  [RateLimitExceeded, 'retry-later'],
  // RequestTimeout, ExchangeNotAvailable, OnMaintenance, InvalidNonce, ChecksumError
  [NetworkError, 'retryable'],
  // BadResponse, NullResponse, CancelPending: garbled or empty replies, transient
  [OperationFailed, 'retryable'],
  // BadRequest, BadSymbol, AuthenticationError, PermissionDenied, InsufficientFunds, InvalidOrder, NotSupported, …
  [ExchangeError, 'terminal'],
  // anything else ccxt raises is its own verdict on the request
  [BaseError, 'terminal'],
];

/** Rate-limit delay without Retry-After: this many of the exchange's request intervals. */
export const RATE_LIMIT_INTERVALS = 100;
export const MIN_RATE_LIMIT_DELAY_MS = 1_000;
export const DEFAULT_RATE_LIMIT_DELAY_MS = 10_000;

export function classifyVenueError(err: unknown, hints: RateLimitHints = {}): VenueErrorClassification {
  const errorClass = err instanceof Error ? err.constructor.name || err.name : typeof err;
  const match = CLASSIFICATION.find(([cls]) => err instanceof cls);
  const kind = match ? match[1] : 'unknown';
  return kind === 'retry-later'
    ? { kind, errorClass, delayMs: rateLimitDelayMs(hints) }
    : { kind, errorClass };
}

/** Retry-After when the venue sent it, else rateLimit × N (at least 1 s), else 10 s. */
export function rateLimitDelayMs({ retryAfterMs, rateLimitMs }: RateLimitHints): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) return retryAfterMs;
  if (rateLimitMs !== undefined && Number.isFinite(rateLimitMs) && rateLimitMs > 0) {
    return Math.max(MIN_RATE_LIMIT_DELAY_MS, Math.round(rateLimitMs * RATE_LIMIT_INTERVALS));
  }
  return DEFAULT_RATE_LIMIT_DELAY_MS;
}

/** Retry-After (delta-seconds or HTTP-date, RFC 9110 §10.2.3) from response headers, in ms. */
export function retryAfterMs(
  headers: Record<string, unknown> | undefined,
  nowMs: number,
): number | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((name) => name.toLowerCase() === 'retry-after');
  const value = key === undefined ? undefined : headers[key];
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1_000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The ApplicationFailure an activity throws for a venue error; ApplicationFailures pass through. */
export function toActivityFailure(
  err: unknown,
  context: { exchange: string } & RateLimitHints,
): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const { kind, errorClass, delayMs } = classifyVenueError(err, context);
  const { exchange } = context;
  const reason = truncateReason(err instanceof Error ? err.message : String(err));
  const details = [{ exchange, errorClass, kind }];
  switch (kind) {
    case 'retry-later':
      return ApplicationFailure.create({
        type: VENUE_FAILURE.rateLimited,
        message: `${exchange} rate limited the request (${errorClass}); retrying in ${delayMs} ms: ${reason}`,
        nonRetryable: false,
        nextRetryDelay: delayMs,
        details,
      });
    case 'retryable':
      return ApplicationFailure.create({
        type: VENUE_FAILURE.unavailable,
        message: `${exchange} unavailable (${errorClass}): ${reason}`,
        nonRetryable: false,
        details,
      });
    case 'terminal':
      return venueRejected(exchange, reason, errorClass);
    case 'unknown':
      return ApplicationFailure.create({
        type: VENUE_FAILURE.failed,
        message: `${exchange} adapter failed (${errorClass}): ${reason}`,
        nonRetryable: false,
        details,
      });
  }
}

/**
 * How each exchange says "an order with this client order id already exists". ccxt
 * maps both to a plain InvalidOrder (binance -2010 is every new-order rejection), so
 * the venue's own code is read from the error text, which carries the raw body.
 */
const DUPLICATE_CLIENT_ORDER_ID_ANSWERS: Readonly<Record<string, readonly RegExp[]>> = {
  binance: [/"code"\s*:\s*-2010\b/, /Duplicate order sent/],
  okx: [/"sCode"\s*:\s*"51016"/],
};

export function isDuplicateClientOrderId(exchange: string, err: unknown): boolean {
  const answers = DUPLICATE_CLIENT_ORDER_ID_ANSWERS[exchange];
  const text = err instanceof Error ? err.message : '';
  return answers !== undefined && answers.every((pattern) => pattern.test(text));
}

/** The venue already holds an order under this id: never retried, the caller looks it up (submitOnce). */
export function duplicateClientOrderId(
  exchange: string,
  clientOrderId: string,
  reason: string,
): ApplicationFailure {
  return ApplicationFailure.create({
    type: DUPLICATE_CLIENT_ORDER_ID,
    message: `${exchange} already has an order with client order id ${clientOrderId}: ${truncateReason(reason)}`,
    nonRetryable: true,
    details: [{ exchange, clientOrderId, kind: 'terminal' }],
  });
}
