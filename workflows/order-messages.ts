/**
 * What the order and account workflows accept and answer (SPEC §4, §8): ids,
 * inputs, signals, updates and queries, in wire form (decimal strings, epoch
 * ms). Shared by the workflows, the activities that signal them, the Gateway
 * and reconciliation, so each side names the same messages.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AccountLedgerWire, BookedFill } from '../domain/execution/account-book';
import type { OrderType } from '../domain/execution/order';
import type { OrderState } from '../domain/execution/order-state';
import type { AccountResync } from '../domain/execution/reconcile';
import type { OrderSide } from '../domain/execution/symbol';

export const orderWorkflowId = (clientOrderId: string): string => `order:${clientOrderId}`;
export const accountWorkflowId = (venue: string, account: string): string => `account:${venue}:${account}`;

/** TIF on the wire; GTD/DAY carry the instant the workflow's timer fires. */
export type TimeInForceWire =
  | { kind: 'GTC' }
  | { kind: 'IOC' }
  | { kind: 'FOK' }
  | { kind: 'GTD'; expireAt: number }
  | { kind: 'DAY'; closeAt: number };

export type TradingMode = 'paper' | 'live';

export interface OrderWorkflowInput {
  clientOrderId: string;
  worldId: string;
  strategyId: string;
  intentId: string;
  replaceSeq: number;
  venue: string;
  account: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  qty: string;
  limitPrice?: string;
  stopPrice?: string;
  tif: TimeInForceWire;
  mode: TradingMode;
  /** A replacement child names the order it replaces. */
  replaces?: string;
  /** Started by reconciliation for an order the venue already has: no reservation, no submit. */
  adopted?: boolean;
  /** How often the workflow asks the venue for fills while the order works (default 5 s). */
  pollIntervalMs?: number;
  /** How long an ended order waits for fills the venue reports late (default 60 s; benchmarks use 0). */
  lateFillWindowMs?: number;
  /** Handed over by continue-as-new (a GTC order resting for weeks); absent on the first run. */
  carried?: OrderCarried;
}

/** A symbol's rules at the venue in wire form, fetched once when the order starts. */
export interface VenueSymbolInfo {
  properties: { symbol: string; minQty: string; lotStep: string; tickSize: string; minNotional: string };
  /** The venue's limit, so a replacement's client order id is cut like the original's. */
  clientOrderIdMaxLength: number;
}

/** What a working order's next run needs: it is past submission, so only NEW or PARTIALLY_FILLED. */
export interface OrderCarried {
  state: OrderState;
  fills: FillWire[];
  lateFills: LateFillWire[];
  events: OrderEventWire[];
  venueOrderId?: string;
  /** Absent only for an adopted order whose symbol the venue would not describe. */
  symbol?: VenueSymbolInfo;
  /** A reservation is held at the account and must be released at the terminal state. */
  reserved: boolean;
}

export interface FillWire {
  tradeId: string;
  qty: string;
  price: string;
  fee: string;
  ts: number;
  liquidity?: 'maker' | 'taker';
}

export interface LateFillWire {
  /** The terminal state the order was in when the fill arrived. */
  state: OrderState;
  fill: FillWire;
}

/** One line of the order's own audit trail (state changes, requests, refusals). */
export interface OrderEventWire {
  at: number;
  event: string;
  state: OrderState;
  detail?: string;
}

export interface OrderView {
  input: OrderWorkflowInput;
  state: OrderState;
  filledQty: string;
  avgPrice: string;
  fills: FillWire[];
  lateFills: LateFillWire[];
  venueOrderId?: string;
  /** Why the order was REJECTED (buying power, symbol rules, the venue's refusal). */
  rejectReason?: { code: string; detail: string };
  /** Set on the old order once a replace went through. */
  replacedBy?: string;
  events: OrderEventWire[];
}

/** A fill reported by the venue (poll), by `POST /v1/fills`, or by reconciliation. Deduped by tradeId. */
export const orderFillSignal = defineSignal<[FillWire]>('fill');
/** Ask the workflow to look at the venue now (reconciliation, after a restart). */
export const orderSyncSignal = defineSignal('sync');
/** The account workflow's answer to a reservation request. */
export const orderReservationSignal = defineSignal<[ReservationReply]>('reservation');

/** Validator refuses terminal orders and a second pending request. Resolves with the order after the venue answered. */
export const cancelOrderUpdate = defineUpdate<OrderView, [{ reason?: string }]>('cancel');

export interface ReplaceRequest {
  /** New total quantity; must be ≥ filled and on the lot. */
  qty?: string;
  /** New limit price, on the tick. */
  limitPrice?: string;
}
/** Cancels this order at the venue and starts the child `order:{newClientOrderId}` for the rest. */
export const replaceOrderUpdate = defineUpdate<{ newOrderId: string; old: OrderView }, [ReplaceRequest]>(
  'replace',
);

export const orderQuery = defineQuery<OrderView>('order');

// ---------------------------------------------------------------------------
// Account workflow `account:{venue}:{account}`
// ---------------------------------------------------------------------------

export interface AccountWorkflowInput {
  venue: string;
  account: string;
  /** Currency cash is counted in (USDT on sim). */
  quoteCurrency: string;
  /** Carried over by continue-as-new; absent on first start (read from the venue's balances). */
  carried?: AccountView;
  /** Messages handled before continuing as new (default 1000); tests lower it. */
  eventsPerRun?: number;
  /**
   * The venue's balances read by the starter just before starting (ensureAccountWorkflow), so they
   * cannot already include a fill the account will also be sent; absent: the workflow reads them.
   */
  openingBalances?: Array<{ currency: string; total: string }>;
}

export interface ReserveRequest {
  orderId: string;
  /** Workflow id the answer is signalled to (`order:{id}`). */
  replyTo: string;
  symbol: string;
  side: OrderSide;
  qty: string;
  /** Expected price: the limit, or the last price for a market order. */
  price: string;
  fee?: string;
  ts: number;
}

export type ReservationReply =
  { orderId: string; ok: true } | { orderId: string; ok: false; reason: string; detail: string };

/** One fill as the order workflow forwards it to its account (the domain's booking input). */
export type AccountFill = BookedFill;

/** Cash, signed positions (negative is short) and reservations, as domain/execution/account-book.ts keeps them. */
export interface AccountView extends AccountLedgerWire {
  venue: string;
  account: string;
  quoteCurrency: string;
  /** Trade ids booked, newest last (bounded; dedupes fills). */
  bookedTradeIds: string[];
  updatedAt: number;
}

export const accountReserveSignal = defineSignal<[ReserveRequest]>('reserve');
export const accountFillSignal = defineSignal<[AccountFill]>('fill');
export const accountReleaseSignal = defineSignal<[{ orderId: string }]>('release');
/**
 * Replace cash and positions with the venue's balances (reconciliation): those carried, and only while
 * the account is still as `expected`; without them (an operator, older passes), balances read now.
 */
export const accountResyncSignal = defineSignal<[AccountResync?]>('resync');
export const accountQuery = defineQuery<AccountView>('account');
