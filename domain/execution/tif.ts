/**
 * Time in force (SPEC §8) as pure rules: how much of what the market offers an
 * order takes, and until when it may fill. Times are epoch milliseconds passed
 * in by the caller (the workflow's timer, the venue's session calendar); this
 * module never reads a clock.
 */
import type Decimal from 'decimal.js';
import type { Order } from './order';
import { nextOrderState, type OrderEvent, type OrderState } from './order-state';
import { Dec } from './symbol';

export type TimeInForce =
  | { readonly kind: 'GTC' }
  | { readonly kind: 'IOC' }
  | { readonly kind: 'FOK' }
  /** Good till `expireAt`; a fill at exactly `expireAt` still counts. */
  | { readonly kind: 'GTD'; readonly expireAt: number }
  /** Good for the day: `closeAt` is the venue session close (or the crypto UTC cutoff). */
  | { readonly kind: 'DAY'; readonly closeAt: number };

export const TIF_KINDS = ['GTC', 'IOC', 'FOK', 'GTD', 'DAY'] as const;

/** When the workflow's expiry timer fires; null for orders that never expire by time. */
export function expiryOf(tif: TimeInForce): number | null {
  switch (tif.kind) {
    case 'GTD':
      return tif.expireAt;
    case 'DAY':
      return tif.closeAt;
    default:
      return null;
  }
}

/**
 * SPEC: "strictly after it no fill". The bound is inclusive: a fill stamped
 * exactly at the expiry is accepted, one millisecond later is refused. The
 * same rule holds for a DAY order at its session close.
 */
export function acceptsFillAt(order: Pick<Order, 'tif'>, ts: number): boolean {
  const expiry = expiryOf(order.tif);
  return expiry === null || ts <= expiry;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/**
 * DAY close for a venue without sessions (crypto): the first configured UTC
 * cutoff strictly after submission. An order placed exactly at the cutoff
 * belongs to the next day, so it is never born expired.
 */
export function utcCutoffAfter(submittedAt: number, cutoffMinuteOfDayUtc: number): number {
  if (!Number.isInteger(cutoffMinuteOfDayUtc) || cutoffMinuteOfDayUtc < 0 || cutoffMinuteOfDayUtc >= 1440) {
    throw new RangeError(`cutoff minute must be an integer in [0, 1440), got ${cutoffMinuteOfDayUtc}`);
  }
  const cutoff = Math.floor(submittedAt / DAY_MS) * DAY_MS + cutoffMinuteOfDayUtc * MINUTE_MS;
  return cutoff > submittedAt ? cutoff : cutoff + DAY_MS;
}

export interface MatchOutcome {
  /** Quantity to fill now (zero when nothing trades). */
  readonly fillQty: Decimal;
  /** Events the order goes through, in order, for the caller to apply or record. */
  readonly events: readonly OrderEvent[];
  /** State after those events, computed through the order state table. */
  readonly state: OrderState;
}

/** Orders that give up what they could not fill at once. */
const IMMEDIATE: ReadonlySet<TimeInForce['kind']> = new Set(['IOC', 'FOK']);

/**
 * Applies the TIF to one matching opportunity: `availableQty` is what the fill
 * model says the market offers at an acceptable price (zero when a limit is
 * not crossed). IOC takes what it can and expires the rest; FOK takes all or
 * nothing and expires; GTC/GTD/DAY take what they can and keep resting.
 * The caller checks `acceptsFillAt` first for GTD/DAY.
 */
export function onMatch(order: Order, availableQty: Decimal.Value): MatchOutcome {
  const available = new Dec(availableQty);
  if (available.isNeg()) throw new RangeError(`available qty must be >= 0, got ${available}`);
  const remaining = order.qty.minus(order.filledQty);
  // FOK is all or nothing; every other TIF takes what is there, up to the remainder.
  const allOrNothing = order.tif.kind === 'FOK';
  const fillQty = allOrNothing && available.lt(remaining) ? new Dec(0) : Dec.min(available, remaining);
  const events: OrderEvent[] = [];
  if (fillQty.gt(0)) events.push(fillQty.eq(remaining) ? 'FILL' : 'PARTIAL_FILL');
  if (IMMEDIATE.has(order.tif.kind) && fillQty.lt(remaining)) events.push('EXPIRED');
  const resume = order.priorState ?? 'NEW';
  const state = events.reduce<OrderState>(
    (current, event) => nextOrderState(current, event, resume),
    order.state,
  );
  return { fillQty, events, state };
}
