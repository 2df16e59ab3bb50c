/**
 * The order workflow's messages (SPEC §8): fills and sync by signal, the
 * account's reservation answer, cancel and replace as updates whose
 * validators refuse what the state table or the symbol's rules forbid, and
 * the `order` query. An update hands its request to the main loop and waits
 * for the answer, so only one actor ever talks to the venue.
 */
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { decimalText } from '../domain/execution/account-book';
import { isTerminal } from '../domain/execution/order-state';
import { checkOrderAgainstSymbol, Dec } from '../domain/execution/symbol';
import { symbolRules, type OrderControl, type PendingRequest } from './order-control';
import {
  cancelOrderUpdate,
  orderFillSignal,
  orderQuery,
  orderReservationSignal,
  orderSyncSignal,
  replaceOrderUpdate,
  type OrderWorkflowInput,
  type ReplaceRequest,
  type ReservationReply,
} from './order-messages';

const DECIMAL = /^\d+(\.\d+)?$/;

/** The account's answer to this order's reservation request, once it came. */
export interface ReservationBox {
  reply?: ReservationReply;
}

export function installOrderHandlers(control: OrderControl, input: OrderWorkflowInput): ReservationBox {
  const reservation: ReservationBox = {};
  setHandler(orderQuery, () => control.view());
  setHandler(orderFillSignal, (fill) => control.book(fill));
  setHandler(orderSyncSignal, () => {
    control.syncRequested = true;
  });
  setHandler(orderReservationSignal, (reply) => {
    if (reply?.orderId === input.clientOrderId) reservation.reply ??= reply;
  });

  setHandler(
    cancelOrderUpdate,
    async (request) => {
      control.move('CANCEL_REQUESTED', request?.reason);
      await handOver(control, { kind: 'cancel', done: false });
      return control.view();
    },
    { validator: (_request) => refuseUnlessWorking(control, 'cancel') },
  );

  setHandler(
    replaceOrderUpdate,
    async (request) => {
      control.move('REPLACE_REQUESTED', describe(request));
      const pending = await handOver(control, {
        kind: 'replace',
        qty: request.qty ?? decimalText(control.order.qty),
        ...((request.limitPrice ?? input.limitPrice) !== undefined && {
          limitPrice: request.limitPrice ?? input.limitPrice,
        }),
        done: false,
      });
      return { newOrderId: pending.newOrderId!, old: control.view() };
    },
    {
      validator: (request) => {
        refuseUnlessWorking(control, 'replace');
        const refusal = replaceRefusal(control, input, request);
        if (refusal !== undefined) throw refused('InvalidReplace', refusal);
      },
    },
  );
  return reservation;
}

/** Queues the request for the main loop and waits until it is carried out; its failure fails the update. */
async function handOver(control: OrderControl, request: PendingRequest): Promise<PendingRequest> {
  control.request = request;
  await condition(() => request.done);
  if (request.failure) throw refused(request.failure.type, request.failure.message);
  return request;
}

function refuseUnlessWorking(control: OrderControl, what: 'cancel' | 'replace'): void {
  const { state } = control.order;
  if (isTerminal(state)) throw refused('OrderTerminal', `order is ${state}: nothing to ${what}`);
  if (control.request !== undefined || state === 'PENDING_CANCEL' || state === 'PENDING_REPLACE') {
    throw refused('RequestPending', `a ${state === 'PENDING_REPLACE' ? 'replace' : 'cancel'} is pending`);
  }
  if (state === 'PENDING_NEW') throw refused('OrderNotAccepted', 'the venue has not accepted the order yet');
}

/**
 * Why a replacement is refused, or undefined: the new quantity must be on the
 * lot and exceed what is filled (the child takes the rest), the new price on
 * the tick, and the rest must meet the symbol's minimums.
 */
export function replaceRefusal(
  control: OrderControl,
  input: OrderWorkflowInput,
  request: ReplaceRequest | undefined,
): string | undefined {
  if (request?.qty === undefined && request?.limitPrice === undefined) return 'give qty, limitPrice or both';
  if (request.qty !== undefined && !DECIMAL.test(request.qty)) return `qty ${request.qty} is not a decimal`;
  if (request.limitPrice !== undefined) {
    if (!DECIMAL.test(request.limitPrice)) return `limitPrice ${request.limitPrice} is not a decimal`;
    if (input.type !== 'limit' && input.type !== 'stop_limit')
      return `a ${input.type} order has no limit price`;
  }
  const qty = new Dec(request.qty ?? control.order.qty);
  const filled = control.order.filledQty;
  if (!qty.gt(filled)) return `qty ${decimalText(qty)} must exceed the filled ${decimalText(filled)}`;
  if (control.symbol === undefined) return 'the venue did not describe the symbol: replace is not possible';
  const symbol = symbolRules(control.symbol);
  const limitPrice = request.limitPrice ?? input.limitPrice;
  const problems = [
    ...checkOrderAgainstSymbol({ qty }, symbol).filter((p) => p.reason === 'NOT_ON_LOT'),
    ...checkOrderAgainstSymbol(
      { qty: qty.minus(filled), ...(limitPrice !== undefined && { limitPrice }), stopPrice: input.stopPrice },
      symbol,
    ),
  ];
  return problems.length === 0 ? undefined : problems.map((p) => p.detail).join('; ');
}

function describe(request: ReplaceRequest): string {
  return [request.qty && `qty ${request.qty}`, request.limitPrice && `limit ${request.limitPrice}`]
    .filter(Boolean)
    .join(', ');
}

const refused = (type: string, message: string) =>
  ApplicationFailure.create({ type, message, nonRetryable: true });
