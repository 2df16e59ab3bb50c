/**
 * submitOnce (SPEC §8): one venue order per client order id, whatever fails in
 * between. Over the real ccxt.binance / ccxt.okx classes with recorded answers (the
 * acceptance scenarios), over the sim venue, and over a scripted venue for the paths no recording shows.
 */
import { ApplicationFailure } from '@temporalio/common';
import { duplicateClientOrderId } from '../../activities/venues/errors';
import {
  DUPLICATE_CLIENT_ORDER_ID,
  type OrderVenue,
  type VenueOrder,
  type VenueOrderRequest,
} from '../../activities/venues/order-port';
import { VENUE_FAILURE, venueRejected } from '../../activities/venues/port';
import { SimOrderVenue } from '../../activities/venues/sim-orders';
import { submitOnce } from '../../activities/venues/submit-once';
import { createBrokerageModel, SIM_BROKERAGE } from '../../domain/brokerage/model';
import { failureOf, replayOrderVenue } from '../support/ccxt-replay';
import { MemorySimBook } from '../support/memory-sim-book';

const T = 1709251985123; // when the recorded orders were placed
const limitBuy = (clientOrderId: string, limitPrice = '60512.34'): VenueOrderRequest => ({
  clientOrderId,
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  qty: '0.015',
  limitPrice,
  tif: 'GTC',
});

describe('submitOnce over recorded binance answers', () => {
  const lookup = (id: string) => `GET /api/v3/order?origClientOrderId=${id}&symbol=BTCUSDT`;

  it('after a POST that timed out at the transport, the retry finds the order and does not POST again', async () => {
    const id = 'qmtl68870e44a2ff93c5fc7140008b334ad3';
    const { venue, transport } = replayOrderVenue('binance');
    const first = await failureOf(submitOnce(venue, limitBuy(id)));
    expect(first).toMatchObject({ type: VENUE_FAILURE.unavailable, nonRetryable: false });
    expect(first.details).toEqual([expect.objectContaining({ ambiguous: true, clientOrderId: id })]);
    // the activity's retry: the lookup finds what the venue accepted
    expect(await submitOnce(venue, limitBuy(id))).toEqual({
      outcome: 'found',
      order: expect.objectContaining({ venueOrderId: '25468000001', status: 'open', ts: T + 300000 }),
    });
    expect(transport.requests).toEqual([lookup(id), 'POST /api/v3/order', lookup(id)]);
  });

  it('reads -2010 Duplicate order sent. after a lagging lookup as "it exists" and looks again', async () => {
    const id = 'qmtl93242fbe978666c2f5444fa000fc9e25';
    const { venue, transport } = replayOrderVenue('binance');
    const { order, outcome } = await submitOnce(venue, limitBuy(id));
    expect(outcome).toBe('found');
    expect(order).toMatchObject({ venueOrderId: '25468000002', clientOrderId: id, status: 'open' });
    expect(transport.requests).toEqual([lookup(id), 'POST /api/v3/order', lookup(id)]);
  });

  it('submits when the venue has no such order', async () => {
    const id = 'qmtl67b6b1217fc9783a76774cc4717d28b3';
    const { venue } = replayOrderVenue('binance');
    jest.spyOn(venue, 'findOrder').mockResolvedValueOnce(undefined);
    const { order, outcome } = await submitOnce(venue, limitBuy(id));
    expect(outcome).toBe('submitted');
    expect(order).toMatchObject({ venueOrderId: '25467859441', status: 'open', ts: T });
  });
});

describe('submitOnce over recorded okx answers', () => {
  it('after a timed-out batch-orders POST, the retry finds the order and does not POST again', async () => {
    const id = 'qmtl68870e44a2ff93c5fc7140008b33';
    const lookup = `GET /api/v5/trade/order?clOrdId=${id}&instId=BTC-USDT`;
    const { venue, transport } = replayOrderVenue('okx');
    const first = await failureOf(submitOnce(venue, limitBuy(id, '60512.3')));
    expect(first).toMatchObject({ type: VENUE_FAILURE.unavailable, nonRetryable: false });
    const retry = await submitOnce(venue, limitBuy(id, '60512.3'));
    expect(retry).toMatchObject({ outcome: 'found', order: { venueOrderId: '681276722222222222' } });
    expect(transport.requests).toEqual([lookup, 'POST /api/v5/trade/batch-orders', lookup]);
  });
});

describe('submitOnce over a scripted venue', () => {
  const request = limitBuy('qmtl-scripted');
  const resting: VenueOrder = {
    ...{ venueOrderId: '7', clientOrderId: 'qmtl-scripted', symbol: 'BTC/USDT', side: 'buy', type: 'limit' },
    ...{ qty: '0.0150', filledQty: '0', limitPrice: '60512.34', status: 'open', ts: T },
  };

  function scripted(found: (VenueOrder | undefined)[], submit: () => Promise<VenueOrder>) {
    const venue = {
      exchange: 'binance',
      findOrder: jest.fn(async () => found.shift()),
      submitOrder: jest.fn(submit),
    };
    return venue as typeof venue & OrderVenue;
  }

  it('returns the order the lookup finds and never submits', async () => {
    const venue = scripted([resting], () => Promise.reject(new Error('must not submit')));
    expect(await submitOnce(venue, request)).toEqual({ order: resting, outcome: 'found' });
    expect(venue.submitOrder).not.toHaveBeenCalled();
  });

  it('stays retryable when the venue reports the id taken but no lookup shows it yet', async () => {
    const venue = scripted([undefined, undefined], () =>
      Promise.reject(duplicateClientOrderId('binance', request.clientOrderId, 'Duplicate order sent.')),
    );
    const thrown = await failureOf(submitOnce(venue, request));
    expect(thrown).toMatchObject({ type: VENUE_FAILURE.unavailable, nonRetryable: false });
    expect(venue.findOrder).toHaveBeenCalledTimes(2);
  });

  it('refuses to adopt a different order under the same id', async () => {
    const venue = scripted([{ ...resting, side: 'sell' }], () =>
      Promise.reject(new Error('must not submit')),
    );
    const thrown = await failureOf(submitOnce(venue, request));
    expect(thrown).toMatchObject({ type: DUPLICATE_CLIENT_ORDER_ID, nonRetryable: true });
    expect(thrown.message).toMatch(/is sell 0\.0150 BTC\/USDT, not the buy 0\.015 BTC\/USDT/);
  });

  it('passes any other failure through untouched', async () => {
    const rejected = venueRejected('binance', 'Account has insufficient balance', 'InsufficientFunds');
    const venue = scripted([undefined], () => Promise.reject(rejected));
    expect(await failureOf(submitOnce(venue, request))).toBe(rejected);
    expect(venue.findOrder).toHaveBeenCalledTimes(1);
  });
});

describe('submitOnce over the sim venue', () => {
  // The venue accepts the order, then the answer is lost (a timeout on the way back).
  function lossyAnswerSim() {
    const book = new MemorySimBook();
    const sim = new SimOrderVenue({
      account: 'default',
      book,
      model: createBrokerageModel(SIM_BROKERAGE),
      startingBalances: { USDT: '100000' },
      now: () => Date.UTC(2024, 0, 1, 12, 5, 30),
    });
    let answersLost = 1;
    const venue: OrderVenue = Object.create(sim, {
      submitOrder: {
        value: async (req: VenueOrderRequest) => {
          const order = await sim.submitOrder(req);
          if (answersLost-- > 0)
            throw ApplicationFailure.retryable('request timed out', VENUE_FAILURE.unavailable);
          return order;
        },
      },
    });
    return { venue, book };
  }

  it('a submit whose answer was lost after the venue accepted it leaves exactly one sim order', async () => {
    const { venue, book } = lossyAnswerSim();
    const order = limitBuy('qmtl-sim-lost-answer', '20000');
    expect(await failureOf(submitOnce(venue, order))).toMatchObject({ type: VENUE_FAILURE.unavailable });
    const retried = await submitOnce(venue, order); // the activity's retry
    expect(retried.outcome).toBe('found');
    expect(retried.order).toMatchObject({ clientOrderId: 'qmtl-sim-lost-answer', status: 'open' });
    expect(book.allOrders().map((o) => o.clientOrderId)).toEqual(['qmtl-sim-lost-answer']);
  });
});
