/**
 * The order workflow's state and what changes it: the domain order value
 * moved through the state table, fills booked (deduped by trade id; late ones
 * kept), the venue's view absorbed, and the OrderView the `order` query
 * answers. Messages for the account and the audit wait in outboxes until the
 * workflow's main loop sends them. Deterministic: no I/O here.
 */
import { log, upsertSearchAttributes } from '@temporalio/workflow';
import { decimalText } from '../domain/execution/account-book';
import {
  applyFill,
  applyOrderEvent,
  newOrder,
  OverfillError,
  type Order,
  type OrderStatusEvent,
} from '../domain/execution/order';
import { isTerminal, type OrderState } from '../domain/execution/order-state';
import { Dec, type SymbolProperties } from '../domain/execution/symbol';
import { acceptsFillAt } from '../domain/execution/tif';
import type {
  FillWire,
  LateFillWire,
  OrderCarried,
  OrderEventWire,
  OrderView,
  OrderWorkflowInput,
  VenueSymbolInfo,
} from './order-messages';
import { QmtlOrderStatus } from './search-attributes';

/** The venue's view of the order, as the sync and cancel activities return it. */
export interface VenueSnapshot {
  order?: { venueOrderId: string; status: 'open' | 'filled' | 'canceled' | 'expired' | 'rejected' };
  trades: Array<FillWire & { liquidity: 'maker' | 'taker' }>;
}

/** A cancel or replace the main loop carries out; its update handler waits for `done`. */
export interface PendingRequest {
  kind: 'cancel' | 'replace';
  /** Replace: the new total quantity and limit price. */
  qty?: string;
  limitPrice?: string;
  done: boolean;
  failure?: { type: string; message: string };
  newOrderId?: string;
}

/** The order's own audit trail is bounded: the newest lines are the useful ones. */
const EVENTS_KEPT = 200;
const DECIMAL = /^\d+(\.\d+)?$/;
/** Fees may be negative (a maker rebate). */
const SIGNED_DECIMAL = /^-?\d+(\.\d+)?$/;

export type OrderControl = ReturnType<typeof orderControl>;

export function orderControl(input: OrderWorkflowInput) {
  const { carried, ...plainInput } = input;
  const fills: FillWire[] = [...(carried?.fills ?? [])];
  const control = {
    order: restore(input),
    symbol: carried?.symbol as VenueSymbolInfo | undefined,
    venueOrderId: carried?.venueOrderId,
    rejectReason: undefined as OrderView['rejectReason'],
    replacedBy: undefined as string | undefined,
    lateFills: [...(carried?.lateFills ?? [])] as LateFillWire[],
    events: [...(carried?.events ?? [])] as OrderEventWire[],
    /** A reserve signal went to the account: a release must follow at the terminal state. */
    reserved: carried?.reserved ?? false,
    released: false,
    request: undefined as PendingRequest | undefined,
    syncRequested: false,
    /** Set when a fill would overfill: the main loop fails the workflow. */
    broken: undefined as string | undefined,
    /** Fills (on time or late) not yet forwarded to the account; late fills not yet audited. */
    toAccount: [] as FillWire[],
    toAudit: [] as LateFillWire[],

    get terminal(): boolean {
      return isTerminal(control.order.state);
    },

    note(event: string, detail?: string): void {
      const line: OrderEventWire = { at: Date.now(), event, state: control.order.state };
      if (detail !== undefined) line.detail = detail;
      control.events.push(line);
      if (control.events.length > EVENTS_KEPT) control.events.splice(0, control.events.length - EVENTS_KEPT);
    },

    /** Applies a status event through the state table and keeps QmtlOrderStatus current. */
    move(event: OrderStatusEvent, detail?: string): void {
      const before = control.order.state;
      control.order = applyOrderEvent(control.order, event);
      control.note(event, detail);
      if (control.order.state !== before) {
        upsertSearchAttributes([{ key: QmtlOrderStatus, value: control.order.state }]);
      }
    },

    /** The venue holds the order (submitted, found, or implied by an earlier fill report). */
    accept(venueOrderId: string | undefined, detail?: string): void {
      control.venueOrderId ??= venueOrderId;
      if (control.order.state === 'PENDING_NEW') control.move('ACCEPTED', detail);
    },

    reject(code: string, detail: string): void {
      if (control.order.state !== 'PENDING_NEW') {
        // A fill report came first: the venue has the order, so it is followed, not rejected.
        log.warn('refusal after the venue took the order: ignored', {
          orderId: input.clientOrderId,
          code,
          detail,
        });
        return;
      }
      control.rejectReason = { code, detail };
      control.move('REJECTED', `${code}: ${detail}`);
    },

    /** Books one fill from a signal or the venue; never throws for bad input, flags overfill. */
    book(fill: FillWire): void {
      if (!isFillWire(fill)) {
        log.warn('fill refused: malformed', { orderId: input.clientOrderId, fill });
        return;
      }
      // A fill report implies the venue accepted the order (the table takes no fill in PENDING_NEW).
      if (control.order.state === 'PENDING_NEW') control.move('ACCEPTED', 'implied by a fill');
      let outcome;
      try {
        outcome = applyFill(control.order, fillOf(fill));
      } catch (err) {
        if (!(err instanceof OverfillError)) throw err;
        control.broken ??= err.message;
        return;
      }
      if (outcome.kind === 'duplicate') return;
      if (outcome.kind === 'late') {
        if (control.lateFills.some((late) => late.fill.tradeId === fill.tradeId)) return;
        const late = { state: outcome.lateFill.state, fill };
        control.lateFills.push(late);
        control.toAudit.push(late);
        control.toAccount.push(fill);
        log.warn('fill after the order ended: kept for reconciliation', {
          orderId: input.clientOrderId,
          ...late,
        });
        return;
      }
      const before = control.order.state;
      control.order = outcome.order;
      fills.push(fill);
      control.toAccount.push(fill);
      control.note(
        control.order.state === 'FILLED' ? 'FILL' : 'PARTIAL_FILL',
        `${fill.tradeId}: ${fill.qty} @ ${fill.price}`,
      );
      if (control.order.state !== before) {
        upsertSearchAttributes([{ key: QmtlOrderStatus, value: control.order.state }]);
      }
      if (!acceptsFillAt(control.order, fill.ts)) {
        log.warn('venue filled after the order expired', {
          orderId: input.clientOrderId,
          tradeId: fill.tradeId,
        });
      }
    },

    /**
     * Takes in what the venue reports: its trades first (so a fill that won a
     * race counts), then its status. A venue `canceled` ends the order as
     * `endedAs` (the caller knows why it canceled). Returns the status event applied.
     */
    absorb(snapshot: VenueSnapshot, endedAs: 'CANCELED' | 'EXPIRED' | 'REPLACED' = 'CANCELED') {
      for (const trade of snapshot.trades) control.book(wireOfTrade(trade));
      const venueOrder = snapshot.order;
      if (!venueOrder) return undefined;
      control.venueOrderId ??= venueOrder.venueOrderId;
      if (control.terminal || control.broken) return undefined;
      const event = statusEvent(venueOrder.status, control.order.state, endedAs);
      if (event) control.move(event, `venue reports ${venueOrder.status}`);
      else if (venueOrder.status === 'filled') {
        log.warn('venue reports filled but its trades do not add up', {
          orderId: input.clientOrderId,
          filledQty: decimalText(control.order.filledQty),
        });
      }
      return event;
    },

    view(): OrderView {
      const view: OrderView = {
        input: plainInput,
        state: control.order.state,
        filledQty: decimalText(control.order.filledQty),
        avgPrice: decimalText(control.order.avgPrice),
        fills: [...fills],
        lateFills: [...control.lateFills],
        events: [...control.events],
      };
      if (control.venueOrderId !== undefined) view.venueOrderId = control.venueOrderId;
      if (control.rejectReason !== undefined) view.rejectReason = control.rejectReason;
      if (control.replacedBy !== undefined) view.replacedBy = control.replacedBy;
      return view;
    },

    carry(): OrderCarried {
      return {
        state: control.order.state,
        fills: [...fills],
        lateFills: [...control.lateFills],
        events: [...control.events],
        ...(control.venueOrderId !== undefined && { venueOrderId: control.venueOrderId }),
        ...(control.symbol !== undefined && { symbol: control.symbol }),
        reserved: control.reserved && !control.released,
      };
    },
  };
  return control;
}

/** The order as the input (and, after continue-as-new, its carried fills) describes it. */
function restore(input: OrderWorkflowInput): Order {
  let order = newOrder({
    id: input.clientOrderId,
    side: input.side,
    type: input.type,
    qty: input.qty,
    ...(input.limitPrice !== undefined && { limitPrice: input.limitPrice }),
    ...(input.stopPrice !== undefined && { stopPrice: input.stopPrice }),
    tif: input.tif,
    replaceSeq: input.replaceSeq,
  });
  if (!input.carried) return order;
  order = applyOrderEvent(order, 'ACCEPTED');
  for (const fill of input.carried.fills) {
    const outcome = applyFill(order, fillOf(fill));
    order = outcome.order;
  }
  return order;
}

/** Venue status → the order event it means, given the state we are in; undefined: nothing to apply. */
function statusEvent(
  status: NonNullable<VenueSnapshot['order']>['status'],
  state: OrderState,
  endedAs: 'CANCELED' | 'EXPIRED' | 'REPLACED',
): OrderStatusEvent | undefined {
  switch (status) {
    case 'open':
    case 'filled':
      return undefined;
    case 'expired':
      return 'EXPIRED';
    case 'canceled':
      return endedAs === 'REPLACED' && state !== 'PENDING_REPLACE' ? 'CANCELED' : endedAs;
    case 'rejected':
      return state === 'PENDING_NEW' ? 'REJECTED' : 'CANCELED';
  }
}

function fillOf(fill: FillWire) {
  return {
    tradeId: fill.tradeId,
    qty: new Dec(fill.qty),
    price: new Dec(fill.price),
    fee: new Dec(fill.fee),
    ts: fill.ts,
  };
}

function wireOfTrade(trade: VenueSnapshot['trades'][number]): FillWire {
  const { tradeId, qty, price, fee, ts, liquidity } = trade;
  return { tradeId, qty, price, fee, ts, liquidity };
}

/** Signals come from outside (the Gateway, reconciliation): check before any decimal is built. */
function isFillWire(fill: FillWire | undefined): fill is FillWire {
  return (
    typeof fill?.tradeId === 'string' &&
    fill.tradeId.length > 0 &&
    DECIMAL.test(String(fill.qty)) &&
    new Dec(fill.qty).gt(0) &&
    DECIMAL.test(String(fill.price)) &&
    SIGNED_DECIMAL.test(String(fill.fee)) &&
    Number.isFinite(fill.ts)
  );
}

/** The venue's symbol rules as decimals (the activity validated them; strings cross the history). */
export function symbolRules(info: VenueSymbolInfo): SymbolProperties {
  const { symbol, minQty, lotStep, tickSize, minNotional } = info.properties;
  return {
    symbol,
    minQty: new Dec(minQty),
    lotStep: new Dec(lotStep),
    tickSize: new Dec(tickSize),
    minNotional: new Dec(minNotional),
  };
}
