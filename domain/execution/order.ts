/**
 * The order value and the pure moves on it: venue events through the state
 * table, fills deduped by trade id, overfill as an invariant violation, late
 * fills kept for reconciliation (SPEC §8). No I/O, clock or randomness.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import type Decimal from 'decimal.js';
import {
  isTerminal,
  nextOrderState,
  type OrderEvent,
  type OrderState,
  type WorkingState,
} from './order-state';
import { Dec, type OrderSide } from './symbol';
import type { TimeInForce } from './tif';

export const ORDER_TYPES = ['market', 'limit', 'stop', 'stop_limit'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

export interface Fill {
  readonly tradeId: string;
  readonly qty: Decimal;
  readonly price: Decimal;
  readonly fee: Decimal;
  /** Venue trade time, epoch milliseconds. */
  readonly ts: number;
}

export interface Order {
  /** The deterministic client order id (see `clientOrderId`). */
  readonly id: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Unsigned; the side carries the direction. */
  readonly qty: Decimal;
  readonly limitPrice?: Decimal;
  readonly stopPrice?: Decimal;
  readonly tif: TimeInForce;
  readonly filledQty: Decimal;
  /** Volume-weighted over `fills`; zero until the first fill. */
  readonly avgPrice: Decimal;
  readonly fills: readonly Fill[];
  readonly state: OrderState;
  /** Working state a refused cancel/replace returns to; null unless one is pending. */
  readonly priorState: WorkingState | null;
  readonly replaceSeq: number;
}

export class InvalidOrderError extends Error {
  override name = 'InvalidOrderError';
}

export class OverfillError extends Error {
  override name = 'OverfillError';
  constructor(
    readonly orderId: string,
    readonly qty: Decimal,
    readonly filledQty: Decimal,
    readonly fill: Fill,
  ) {
    super(`order ${orderId}: fill ${fill.tradeId} of ${fill.qty} on ${filledQty}/${qty} overfills`);
  }
}

const PRICES_BY_TYPE: Readonly<Record<OrderType, { limit: boolean; stop: boolean }>> = {
  market: { limit: false, stop: false },
  limit: { limit: true, stop: false },
  stop: { limit: false, stop: true },
  stop_limit: { limit: true, stop: true },
};

export interface NewOrder {
  readonly id: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly qty: Decimal.Value;
  readonly limitPrice?: Decimal.Value;
  readonly stopPrice?: Decimal.Value;
  readonly tif: TimeInForce;
  /** 0 for an original order; a replacement child is its parent's + 1. */
  readonly replaceSeq?: number;
}

/** A PENDING_NEW order; prices must match the type exactly (no silently ignored price). */
export function newOrder(spec: NewOrder): Order {
  const qty = new Dec(spec.qty);
  if (!qty.gt(0)) throw new InvalidOrderError(`qty must be > 0, got ${qty}`);
  const needs = PRICES_BY_TYPE[spec.type];
  if (needs.limit !== (spec.limitPrice !== undefined)) {
    throw new InvalidOrderError(`${spec.type} order ${needs.limit ? 'needs' : 'takes no'} limit price`);
  }
  if (needs.stop !== (spec.stopPrice !== undefined)) {
    throw new InvalidOrderError(`${spec.type} order ${needs.stop ? 'needs' : 'takes no'} stop price`);
  }
  const replaceSeq = spec.replaceSeq ?? 0;
  if (!Number.isSafeInteger(replaceSeq) || replaceSeq < 0) {
    throw new InvalidOrderError(`replaceSeq must be a non-negative integer, got ${replaceSeq}`);
  }
  return {
    id: spec.id,
    side: spec.side,
    type: spec.type,
    qty,
    ...(spec.limitPrice !== undefined && { limitPrice: new Dec(spec.limitPrice) }),
    ...(spec.stopPrice !== undefined && { stopPrice: new Dec(spec.stopPrice) }),
    tif: spec.tif,
    filledQty: new Dec(0),
    avgPrice: new Dec(0),
    fills: [],
    state: 'PENDING_NEW',
    priorState: null,
    replaceSeq,
  };
}

const PENDING: readonly OrderState[] = ['PENDING_CANCEL', 'PENDING_REPLACE'];

/** What a pending request resumes to; derived from fills when none is pending. */
function resumeStateOf(order: Order): WorkingState {
  return order.priorState ?? (order.filledQty.gt(0) ? 'PARTIALLY_FILLED' : 'NEW');
}

function moveTo(order: Order, event: OrderEvent, filledQty: Decimal): Pick<Order, 'state' | 'priorState'> {
  const state = nextOrderState(order.state, event, resumeStateOf(order));
  if (!PENDING.includes(state)) return { state, priorState: null };
  // Entering or staying in a pending state: remember where a refusal resumes.
  return { state, priorState: filledQty.gt(0) ? 'PARTIALLY_FILLED' : 'NEW' };
}

/** Venue or request events that carry no quantity; fills go through `applyFill`. */
export type OrderStatusEvent = Exclude<OrderEvent, 'PARTIAL_FILL' | 'FILL'>;

export function applyOrderEvent(order: Order, event: OrderStatusEvent): Order {
  return { ...order, ...moveTo(order, event, order.filledQty) };
}

export interface LateFill {
  readonly orderId: string;
  /** The terminal state the order was in when the fill arrived. */
  readonly state: OrderState;
  readonly fill: Fill;
}

export type FillOutcome =
  | { readonly kind: 'applied'; readonly order: Order }
  | { readonly kind: 'duplicate'; readonly order: Order }
  | { readonly kind: 'late'; readonly order: Order; readonly lateFill: LateFill };

/**
 * Books one fill. A trade id already booked changes nothing; a fill on a
 * terminal order leaves it unchanged and comes back as `lateFill` for
 * reconciliation (it happened at the venue, so it must not be dropped);
 * a fill beyond the order quantity throws `OverfillError`.
 */
export function applyFill(order: Order, fill: Fill): FillOutcome {
  if (!fill.qty.gt(0)) throw new InvalidOrderError(`fill ${fill.tradeId}: qty must be > 0`);
  if (order.fills.some((booked) => booked.tradeId === fill.tradeId)) return { kind: 'duplicate', order };
  if (isTerminal(order.state)) {
    return { kind: 'late', order, lateFill: { orderId: order.id, state: order.state, fill } };
  }
  const filledQty = order.filledQty.plus(fill.qty);
  if (filledQty.gt(order.qty)) throw new OverfillError(order.id, order.qty, order.filledQty, fill);
  const fills = [...order.fills, fill];
  // Recomputed from all fills (one division) so rounding never accumulates.
  const notional = fills.reduce((sum, booked) => sum.plus(booked.qty.mul(booked.price)), new Dec(0));
  const event: OrderEvent = filledQty.eq(order.qty) ? 'FILL' : 'PARTIAL_FILL';
  return {
    kind: 'applied',
    order: {
      ...order,
      ...moveTo(order, event, filledQty),
      filledQty,
      fills,
      avgPrice: notional.div(filledQty),
    },
  };
}

export const CLIENT_ORDER_ID_PREFIX = 'qmtl';
/** 64 bits of hash at least, so distinct intents never collide in practice. */
const MIN_HASH_CHARS = 16;

/**
 * Deterministic client order id: prefix + hex sha256 of (world, strategy,
 * intent id, replace seq), cut to the venue's limit (Binance 36). Lowercase
 * hex fits every venue charset we target ([A-Za-z0-9_-], and OKX's
 * alphanumeric-only 32), so a retried submit always sends the same id.
 */
export function clientOrderId(
  world: string,
  strategy: string,
  intentId: string,
  replaceSeq: number,
  maxLength = 36,
): string {
  if (!Number.isSafeInteger(replaceSeq) || replaceSeq < 0) {
    throw new RangeError(`replaceSeq must be a non-negative integer, got ${replaceSeq}`);
  }
  if (!Number.isSafeInteger(maxLength) || maxLength < CLIENT_ORDER_ID_PREFIX.length + MIN_HASH_CHARS) {
    throw new RangeError(`maxLength ${maxLength} leaves fewer than ${MIN_HASH_CHARS} hash characters`);
  }
  // A JSON array keeps the parts unambiguous ("a|b","c" vs "a","b|c").
  const digest = bytesToHex(sha256(utf8ToBytes(JSON.stringify([world, strategy, intentId, replaceSeq]))));
  return CLIENT_ORDER_ID_PREFIX + digest.slice(0, maxLength - CLIENT_ORDER_ID_PREFIX.length);
}
