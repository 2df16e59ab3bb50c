/**
 * At most one venue order per client order id, however often the submit activity
 * runs (SPEC §8). The id is looked up first, so a retry after an ambiguous failure
 * (a timeout after sending) finds the order the venue already accepted; a
 * duplicate-id refusal means the order exists, so it is looked up again.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Dec } from '../../domain/execution/symbol';
import {
  DUPLICATE_CLIENT_ORDER_ID,
  type OrderVenue,
  type VenueOrder,
  type VenueOrderRequest,
} from './order-port';
import { VENUE_FAILURE } from './port';

export type SubmitOutcome = 'submitted' | 'found';

export async function submitOnce(
  venue: OrderVenue,
  request: VenueOrderRequest,
): Promise<{ order: VenueOrder; outcome: SubmitOutcome }> {
  const existing = await venue.findOrder(request.symbol, request.clientOrderId);
  if (existing) return { order: ownOrder(venue, request, existing), outcome: 'found' };
  try {
    return { order: await venue.submitOrder(request), outcome: 'submitted' };
  } catch (err) {
    if (!(err instanceof ApplicationFailure) || err.type !== DUPLICATE_CLIENT_ORDER_ID) throw err;
    const order = await venue.findOrder(request.symbol, request.clientOrderId);
    if (order) return { order: ownOrder(venue, request, order), outcome: 'found' };
    // The venue holds the id but its lookup lags behind: the next attempt finds the order.
    throw ApplicationFailure.create({
      type: VENUE_FAILURE.unavailable,
      message: `${venue.exchange} reports client order id ${request.clientOrderId} taken but cannot show the order yet`,
      nonRetryable: false,
      details: [{ exchange: venue.exchange, clientOrderId: request.clientOrderId, kind: 'retryable' }],
    });
  }
}

/**
 * A found order must be the one this request describes; anything else under the same
 * id is a collision, and adopting it would trade on someone else's order.
 */
function ownOrder(venue: OrderVenue, request: VenueOrderRequest, order: VenueOrder): VenueOrder {
  if (order.symbol === request.symbol && order.side === request.side && new Dec(order.qty).eq(request.qty)) {
    return order;
  }
  throw ApplicationFailure.create({
    type: DUPLICATE_CLIENT_ORDER_ID,
    message:
      `${venue.exchange} order ${order.venueOrderId} under client order id ${request.clientOrderId} is ` +
      `${order.side} ${order.qty} ${order.symbol}, not the ${request.side} ${request.qty} ${request.symbol} asked for`,
    nonRetryable: true,
    details: [{ exchange: venue.exchange, clientOrderId: request.clientOrderId, kind: 'terminal' }],
  });
}
