/**
 * order:{clientOrderId} — one order's lifecycle (SPEC §8): check it against
 * the symbol's rules, reserve buying power at the account, submit once (a
 * retried submit finds the order by its client order id), then follow it
 * until it ends — fills by signal or by polling the venue, a timer for
 * GTD/DAY, cancel and replace by update (order-amend.ts) — and release the
 * reservation. Every fill goes to the account; a fill after the end is kept
 * and raised.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { OrderActivities } from '../activities/orders';
import { InvalidOrderError } from '../domain/execution/order';
import { checkOrderAgainstSymbol, Dec } from '../domain/execution/symbol';
import { expiryOf } from '../domain/execution/tif';
import { venueOrderCall, workflowMessage } from './activity-options';
import { carryOut } from './order-amend';
import { orderSearchAttributePairs } from './order-attributes';
import { orderControl, symbolRules, type OrderControl } from './order-control';
import { failureType, innermost, quoteOf, venueIo, type VenueIo } from './order-io';
import { accountReserveSignal, type OrderView, type OrderWorkflowInput } from './order-messages';
import { installOrderHandlers, type ReservationBox } from './order-requests';

export const DEFAULT_POLL_INTERVAL_MS = 5_000;
/** How long the account may take to answer a reservation before the order is rejected. */
export const RESERVATION_TIMEOUT_MS = 60_000;
/** An ended order stays open this long for fills the venue reports late (then reconciliation takes over). */
export const LATE_FILL_WINDOW_MS = 60_000;
/** Patch id: fills are forwarded to the account while the submit is still in flight. */
export const FORWARD_DURING_SUBMIT = 'order-forward-during-submit';

const venue = proxyActivities<OrderActivities>(venueOrderCall);
const messages = proxyActivities<OrderActivities>(workflowMessage);

export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderView> {
  const control = build(input);
  const reservation = installOrderHandlers(control, input);
  upsertSearchAttributes(orderSearchAttributePairs(input, control.order.state));
  const io = venueIo(control, input);

  if (!input.carried) await open(control, input, io, reservation);
  if ((await work(control, input, io)) === 'hand-over') {
    return continueAsNew<typeof orderWorkflow>({ ...input, carried: control.carry() });
  }
  if (control.broken !== undefined) {
    await io.settle();
    throw ApplicationFailure.create({
      type: 'OverfillInvariant',
      message: control.broken,
      nonRetryable: true,
    });
  }
  await linger(control, input, io);
  await condition(allHandlersFinished);
  return control.view();
}

function build(input: OrderWorkflowInput): OrderControl {
  try {
    return orderControl(input);
  } catch (err) {
    if (!(err instanceof InvalidOrderError)) throw err;
    throw ApplicationFailure.create({ type: 'InvalidInput', message: err.message, nonRetryable: true });
  }
}

/** Symbol rules, reservation, submission: PENDING_NEW → NEW, or REJECTED with a reason code. */
async function open(
  control: OrderControl,
  input: OrderWorkflowInput,
  io: VenueIo,
  reservation: ReservationBox,
) {
  const { venue: exchange, account, symbol } = input;
  try {
    control.symbol = await venue.venueSymbolProperties({ venue: exchange, account, symbol });
  } catch (err) {
    const code = failureType(err) === 'VenueRejected' ? 'VENUE_REJECTED' : 'VENUE_UNAVAILABLE';
    // An adopted order exists at the venue whatever its rules say; it just cannot be replaced.
    if (!input.adopted) return control.reject(code, innermost(err));
  }
  const broken = control.symbol ? checkOrderAgainstSymbol(input, symbolRules(control.symbol)) : [];
  if (broken.length > 0 && !input.adopted) {
    return control.reject(broken[0]!.reason, broken.map((b) => b.detail).join('; '));
  }
  try {
    await messages.ensureAccountWorkflow({ venue: exchange, account, quoteCurrency: quoteOf(symbol) });
  } catch (err) {
    return control.reject('ACCOUNT_UNAVAILABLE', innermost(err));
  }
  if (input.adopted) {
    control.accept(undefined, 'adopted from the venue');
    control.syncRequested = true;
    return;
  }
  // A market order has no price to reserve at: the venue's own funds check is its guard.
  const price = input.limitPrice ?? input.stopPrice;
  if (price !== undefined) {
    control.reserved = true;
    await io.account.signal(accountReserveSignal, {
      orderId: input.clientOrderId,
      replyTo: workflowInfo().workflowId,
      symbol,
      side: input.side,
      qty: input.qty,
      price,
      ts: Date.now(),
    });
    if (!(await condition(() => reservation.reply !== undefined, RESERVATION_TIMEOUT_MS))) {
      return control.reject(
        'RESERVATION_TIMEOUT',
        `account gave no answer within ${RESERVATION_TIMEOUT_MS} ms`,
      );
    }
    const reply = reservation.reply!;
    if (!reply.ok) return control.reject(reply.reason, reply.detail);
  }
  // A fill reported meanwhile means the venue has the order already: follow it, do not send it.
  if (control.order.state !== 'PENDING_NEW') {
    control.syncRequested = true;
    return;
  }
  await submit(control, input, io);
}

async function submit(control: OrderControl, input: OrderWorkflowInput, io: VenueIo) {
  const { clientOrderId: id, symbol, side, type, qty, limitPrice, stopPrice } = input;
  const tif = input.tif.kind === 'IOC' || input.tif.kind === 'FOK' ? input.tif.kind : 'GTC'; // GTD/DAY: our timer
  try {
    const sent = venue.submitVenueOrder({
      venue: input.venue,
      account: input.account,
      worldId: input.worldId,
      request: { clientOrderId: id, symbol, side, type, qty, limitPrice, stopPrice, tif },
    });
    if (patched(FORWARD_DURING_SUBMIT)) await forwardUntilSettled(sent, io);
    const { order, outcome } = await sent;
    control.accept(
      order.venueOrderId,
      outcome === 'found' ? 'found at the venue by client order id' : undefined,
    );
    if (order.status !== 'open' || !new Dec(order.filledQty).isZero()) control.syncRequested = true;
  } catch (err) {
    if (isCancellation(err)) throw err;
    const type = failureType(err);
    if (type === 'VenueRejected' || type === 'DuplicateClientOrderId') {
      return control.reject(
        type === 'VenueRejected' ? 'VENUE_REJECTED' : 'DUPLICATE_CLIENT_ORDER_ID',
        innermost(err),
      );
    }
    // Out of retries, but the venue may hold the order: ask it before giving up.
    const seen = await io.sync();
    if (!seen?.order || seen.order.status === 'rejected') {
      return control.reject(seen?.order ? 'VENUE_REJECTED' : 'SUBMIT_FAILED', innermost(err));
    }
    control.accept(seen.order.venueOrderId, 'found at the venue after the submit gave up');
    control.absorb(seen);
  }
}

/**
 * A submit can stay in flight for its whole timeout and retries (a worker
 * killed after the venue took the order). Fills reported meanwhile — a
 * reconciliation pass finds the order filled at the venue — reach the account
 * now, not when the submit finally returns.
 */
async function forwardUntilSettled(call: Promise<unknown>, io: VenueIo): Promise<void> {
  let settled = false;
  call.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    await condition(() => settled || io.pending());
    await io.forward();
  }
}

/** Follows the order until it ends; 'hand-over' when history is long and nothing is in flight. */
async function work(control: OrderControl, input: OrderWorkflowInput, io: VenueIo) {
  const pollMs = Math.max(1, input.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
  const expiry = expiryOf(input.tif);
  let nextPollAt = Date.now() + pollMs;
  while (!control.terminal && control.broken === undefined) {
    await io.forward();
    if (control.request) {
      await carryOut(control, input, io, control.request);
      continue;
    }
    if (expiry !== null && Date.now() >= expiry) {
      if (!(await expire(control, io))) await sleep(pollMs); // the venue is unreachable: try again
      continue;
    }
    if (workflowInfo().continueAsNewSuggested && io.idle() && allHandlersFinished()) return 'hand-over';
    const until = expiry === null ? nextPollAt : Math.min(nextPollAt, expiry);
    await condition(
      () => control.request !== undefined || control.syncRequested || io.pending() || control.terminal,
      Math.max(1, until - Date.now()),
    );
    if (control.syncRequested || Date.now() >= nextPollAt) {
      control.syncRequested = false;
      nextPollAt = Date.now() + pollMs;
      const seen = await io.sync();
      if (seen) control.absorb(seen);
    }
  }
  return 'ended';
}

/** GTD/DAY: the timer fired; cancel at the venue (a fill up to the expiry still counts) and end EXPIRED. */
async function expire(control: OrderControl, io: VenueIo): Promise<boolean> {
  const ended = (await io.cancel()) ?? (await io.sync());
  if (ended) control.absorb(ended, 'EXPIRED');
  if (ended && !control.terminal && ended.order?.status !== 'open') control.move('EXPIRED', 'expiry timer');
  return control.terminal;
}

/** After the end: release, then stay a while for late fills, and look at the venue once more. */
async function linger(control: OrderControl, input: OrderWorkflowInput, io: VenueIo) {
  await io.settle();
  if (control.venueOrderId === undefined) return; // never reached the venue: nothing can fill late
  const until = Date.now() + (input.lateFillWindowMs ?? LATE_FILL_WINDOW_MS);
  while (Date.now() < until) {
    await condition(() => io.pending(), Math.max(1, until - Date.now()));
    await io.forward();
  }
  const seen = await io.sync();
  if (seen) control.absorb(seen);
  await io.forward();
}
