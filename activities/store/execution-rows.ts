/**
 * The execution tables (SPEC §8) as both drivers return them, their mapping to
 * the port's records, and the one piece of arithmetic the stores do: adding
 * balance deltas in decimal.js, so SQLite and PostgreSQL agree to the digit.
 */
import { Dec } from '../../domain/execution/symbol';
import type {
  AuditRecord,
  KillScope,
  KillSwitchRecord,
  SimOrderRow,
  SimOrderStatus,
  SimTradeRow,
} from './port';

/** PostgreSQL returns bigint columns as text and booleans as booleans; SQLite returns numbers for both. */
type BigintColumn = number | string;
type BooleanColumn = boolean | number;

export interface SimOrderDbRow {
  account: string;
  client_order_id: string;
  venue_order_id: string;
  symbol: string;
  side: string;
  type: string;
  qty: string;
  limit_price: string | null;
  stop_price: string | null;
  tif: string;
  status: string;
  filled_qty: string;
  triggered: BooleanColumn;
  created_ts: BigintColumn;
  matched_through_ts: BigintColumn;
  updated_ts: BigintColumn;
}

/** Columns a caller writes; seq and venue_order_id are the store's own. */
export const SIM_ORDER_COLUMNS = [
  'account',
  'client_order_id',
  'symbol',
  'side',
  'type',
  'qty',
  'limit_price',
  'stop_price',
  'tif',
  'status',
  'filled_qty',
  'triggered',
  'created_ts',
  'matched_through_ts',
  'updated_ts',
] as const;

/** What a matching step may change; the identity and the order's terms stay as inserted. */
export const SIM_ORDER_MUTABLE = [
  'status',
  'filled_qty',
  'triggered',
  'matched_through_ts',
  'updated_ts',
] as const;

type OrderColumn = (typeof SIM_ORDER_COLUMNS)[number];

// Booleans travel as 0/1: better-sqlite3 cannot bind booleans and PostgreSQL reads '1'/'0' as true/false.
export function simOrderToRow(
  row: Omit<SimOrderRow, 'venueOrderId'>,
): Record<OrderColumn, string | number | null> {
  return {
    account: row.account,
    client_order_id: row.clientOrderId,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    qty: row.qty,
    limit_price: row.limitPrice ?? null,
    stop_price: row.stopPrice ?? null,
    tif: row.tif,
    status: row.status,
    filled_qty: row.filledQty,
    triggered: row.triggered ? 1 : 0,
    created_ts: row.createdTs,
    matched_through_ts: row.matchedThroughTs,
    updated_ts: row.updatedTs,
  };
}

// The tables' CHECK constraints admit only the port's literals, so the casts below hold.
export function simOrderFromRow(row: SimOrderDbRow): SimOrderRow {
  const order: SimOrderRow = {
    account: row.account,
    clientOrderId: row.client_order_id,
    venueOrderId: row.venue_order_id,
    symbol: row.symbol,
    side: row.side as SimOrderRow['side'],
    type: row.type as SimOrderRow['type'],
    qty: row.qty,
    tif: row.tif as SimOrderRow['tif'],
    status: row.status as SimOrderStatus,
    filledQty: row.filled_qty,
    triggered: Boolean(row.triggered),
    createdTs: Number(row.created_ts),
    matchedThroughTs: Number(row.matched_through_ts),
    updatedTs: Number(row.updated_ts),
  };
  // Optional fields are left out rather than undefined, so rows compare strictly equal.
  if (row.limit_price !== null) order.limitPrice = row.limit_price;
  if (row.stop_price !== null) order.stopPrice = row.stop_price;
  return order;
}

/** A step that rewrites another order's identity is a bug in the matcher, not a change to store. */
export function assertSameOrder(current: SimOrderRow, next: SimOrderRow): void {
  if (
    next.account !== current.account ||
    next.clientOrderId !== current.clientOrderId ||
    next.venueOrderId !== current.venueOrderId
  ) {
    throw new RangeError(`a step on ${current.venueOrderId} returned order ${next.venueOrderId}`);
  }
}

export interface SimTradeDbRow {
  account: string;
  trade_id: string;
  venue_order_id: string;
  client_order_id: string;
  symbol: string;
  side: string;
  qty: string;
  price: string;
  fee: string;
  liquidity: string;
  ts: BigintColumn;
}

export const SIM_TRADE_COLUMNS = [
  'account',
  'trade_id',
  'venue_order_id',
  'client_order_id',
  'symbol',
  'side',
  'qty',
  'price',
  'fee',
  'liquidity',
  'ts',
] as const;

export function simTradeToRow(trade: SimTradeRow): SimTradeDbRow {
  return {
    account: trade.account,
    trade_id: trade.tradeId,
    venue_order_id: trade.venueOrderId,
    client_order_id: trade.clientOrderId,
    symbol: trade.symbol,
    side: trade.side,
    qty: trade.qty,
    price: trade.price,
    fee: trade.fee,
    liquidity: trade.liquidity,
    ts: trade.ts,
  };
}

export function simTradeFromRow(row: SimTradeDbRow): SimTradeRow {
  return {
    account: row.account,
    tradeId: row.trade_id,
    venueOrderId: row.venue_order_id,
    clientOrderId: row.client_order_id,
    symbol: row.symbol,
    side: row.side as SimTradeRow['side'],
    qty: row.qty,
    price: row.price,
    fee: row.fee,
    liquidity: row.liquidity as SimTradeRow['liquidity'],
    ts: Number(row.ts),
  };
}

/**
 * New totals for the currencies in `deltas`, in currency order (the order
 * PostgreSQL locks balance rows in, so concurrent steps cannot deadlock).
 * Plain notation, never exponents, and no negative zero.
 */
export function addBalanceDeltas(
  totals: Record<string, string>,
  deltas: Record<string, string>,
): Array<[currency: string, total: string]> {
  return Object.keys(deltas)
    .sort()
    .map((currency) => {
      const sum = new Dec(totals[currency] ?? '0').plus(new Dec(deltas[currency] as string));
      return [currency, sum.isZero() ? '0' : sum.toFixed()];
    });
}

export interface KillSwitchDbRow {
  scope_key: string;
  scope: string;
  engaged: BooleanColumn;
  reason: string;
  flatten: BooleanColumn;
  changed_by: string;
  changed_at: string;
}

export function killSwitchToRow(record: KillSwitchRecord): Record<keyof KillSwitchDbRow, string | number> {
  return {
    scope_key: record.scopeKey,
    scope: JSON.stringify(record.scope),
    engaged: record.engaged ? 1 : 0,
    reason: record.reason,
    flatten: record.flatten ? 1 : 0,
    changed_by: record.by,
    changed_at: record.at,
  };
}

export function killSwitchFromRow(row: KillSwitchDbRow): KillSwitchRecord {
  return {
    scopeKey: row.scope_key,
    scope: JSON.parse(row.scope) as KillScope,
    engaged: Boolean(row.engaged),
    reason: row.reason,
    flatten: Boolean(row.flatten),
    by: row.changed_by,
    at: row.changed_at,
  };
}

export interface AuditDbRow {
  seq: BigintColumn;
  event_key: string;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail: string;
}

export function auditFromRow(row: AuditDbRow): AuditRecord {
  return {
    seq: Number(row.seq),
    eventKey: row.event_key,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  };
}

/** Audit list options, checked alike for both stores. */
export function auditQuery(options: { subject?: string; afterSeq?: number; limit: number }): {
  subject: string | null;
  afterSeq: number;
  limit: number;
} {
  const { subject, afterSeq = 0, limit } = options;
  if (!Number.isSafeInteger(limit) || limit < 0 || !Number.isSafeInteger(afterSeq)) {
    throw new RangeError(
      `audit list needs an integer afterSeq and a non-negative limit, got ${afterSeq}/${limit}`,
    );
  }
  return { subject: subject ?? null, afterSeq, limit };
}
