/**
 * The simulated venue's order side (activities/venues/sim-orders.ts) on the
 * real sim bars and the SIM_BROKERAGE model, with an in-memory book and a
 * pinned clock. Bars used (BTC/USDT, 2024-01-01, from simBar):
 *   12:04 close 83732.79 (volume 17.14…)          — last closed at 12:05:30
 *   12:06…12:09 lows 83710.79 83736.76 83727.47 83681.97 — above 83600
 *   12:10 open 83686.03 low 83548.39 (volume 25.47…) — first to cross 83600
 */
import { ApplicationFailure } from '@temporalio/common';
import { createBrokerageModel, SIM_BROKERAGE } from '../../domain/brokerage/model';
import type { VenueOrderRequest } from '../../activities/venues/order-port';
import { simBar } from '../../activities/venues/sim';
import { SimOrderVenue } from '../../activities/venues/sim-orders';
import { simSymbolProperties } from '../../activities/venues/sim-order-rules';
import { MemorySimBook } from '../support/memory-sim-book';

const MINUTE = 60_000;
const NOON = Date.UTC(2024, 0, 1, 12, 0, 0);
const SUBMIT_AT = NOON + 5 * MINUTE + 30_000;
const MODEL = createBrokerageModel(SIM_BROKERAGE);

function setup(startingBalances: Record<string, string> = { USDT: '100000' }) {
  const book = new MemorySimBook();
  const clock = { now: SUBMIT_AT };
  const venue = new SimOrderVenue({
    account: 'paper',
    book,
    model: MODEL,
    startingBalances,
    now: () => clock.now,
  });
  return { book, clock, venue };
}

const request = (spec: Partial<VenueOrderRequest>): VenueOrderRequest => ({
  clientOrderId: 'qmtl-0001',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  qty: '0.01',
  tif: 'GTC',
  ...spec,
});
const marketBuy = request({ type: 'market' });
const limitBuy = request({ limitPrice: '83600' });

it('uses the bars the scenarios were written for', () => {
  expect(simBar('BTC/USDT', '1m', NOON + 4 * MINUTE).close).toBe(83732.79);
  const lows = [6, 7, 8, 9].map((i) => simBar('BTC/USDT', '1m', NOON + i * MINUTE).low);
  expect(Math.min(...lows)).toBeGreaterThan(83600);
  expect(simBar('BTC/USDT', '1m', NOON + 10 * MINUTE)).toMatchObject({ open: 83686.03, low: 83548.39 });
});

describe('market orders', () => {
  it('fill at submit on the last closed bar: close + 2 bp, 0.1 % taker fee, balances moved', async () => {
    const { venue } = setup();
    const order = await venue.submitOrder(marketBuy);
    expect(order).toEqual({
      venueOrderId: 'sim-1',
      clientOrderId: 'qmtl-0001',
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'market',
      qty: '0.01',
      filledQty: '0.01',
      status: 'filled',
      ts: SUBMIT_AT,
    });
    // 83732.79 × 1.0002 = 83749.536558; notional 837.49536558; fee 0.83749536558
    expect(await venue.fetchOrderTrades('BTC/USDT', 'qmtl-0001')).toEqual([
      {
        tradeId: 'sim-1-1',
        venueOrderId: 'sim-1',
        clientOrderId: 'qmtl-0001',
        symbol: 'BTC/USDT',
        side: 'buy',
        qty: '0.01',
        price: '83749.536558',
        fee: '0.83749536558',
        liquidity: 'taker',
        ts: SUBMIT_AT,
      },
    ]);
    expect(await venue.fetchBalances()).toEqual([
      { currency: 'BTC', free: '0.01', used: '0', total: '0.01' },
      { currency: 'USDT', free: '99161.66713905442', used: '0', total: '99161.66713905442' },
    ]);
  });
});

describe('a limit buy below the market', () => {
  it('rests while no closed bar reaches it, then fills at its limit when one does', async () => {
    const { venue, clock } = setup();
    expect(await venue.submitOrder(limitBuy)).toMatchObject({
      status: 'open',
      filledQty: '0',
      ts: SUBMIT_AT,
    });
    clock.now = NOON + 10 * MINUTE + 59_999; // the 12:10 bar is still forming
    expect(await venue.findOrder('BTC/USDT', 'qmtl-0001')).toMatchObject({ status: 'open' });
    expect(await venue.fetchOpenOrders()).toHaveLength(1);

    clock.now = NOON + 11 * MINUTE;
    expect(await venue.findOrder('BTC/USDT', 'qmtl-0001')).toMatchObject({
      status: 'filled',
      filledQty: '0.01',
      ts: NOON + 11 * MINUTE,
    });
    // min(open 83686.03, limit 83600) = 83600; + 2 bp would pass the limit, so it stays 83600
    expect(await venue.fetchOrderTrades('BTC/USDT', 'qmtl-0001')).toMatchObject([
      {
        tradeId: 'sim-1-1',
        qty: '0.01',
        price: '83600',
        fee: '0.836',
        liquidity: 'maker',
        ts: NOON + 11 * MINUTE,
      },
    ]);
    expect(await venue.fetchOpenOrders()).toEqual([]);
    expect(await venue.fetchBalances()).toEqual([
      { currency: 'BTC', free: '0.01', used: '0', total: '0.01' },
      { currency: 'USDT', free: '99163.164', used: '0', total: '99163.164' },
    ]);
  });

  it('holds its quote while open: 0.01 × 83600 + 0.1 % fee = 836.836 used', async () => {
    const { venue } = setup();
    await venue.submitOrder(limitBuy);
    expect(await venue.fetchBalances()).toEqual([
      { currency: 'USDT', free: '99163.164', used: '836.836', total: '100000' },
    ]);
  });

  it('a resting sell holds its base', async () => {
    const { venue } = setup({ USDT: '100000', BTC: '0.02' });
    await venue.submitOrder(request({ side: 'sell', qty: '0.015', limitPrice: '90000' }));
    expect(await venue.fetchBalances()).toEqual([
      { currency: 'BTC', free: '0.005', used: '0.015', total: '0.02' },
      { currency: 'USDT', free: '100000', used: '0', total: '100000' },
    ]);
  });
});

describe('cancel', () => {
  it('cancels an open order', async () => {
    const { venue, clock } = setup();
    await venue.submitOrder(limitBuy);
    clock.now = NOON + 8 * MINUTE;
    expect(await venue.cancelOrder('BTC/USDT', 'qmtl-0001')).toMatchObject({
      status: 'canceled',
      filledQty: '0',
      ts: NOON + 8 * MINUTE,
    });
    clock.now = NOON + 20 * MINUTE; // past the crossing bar: a canceled order never fills
    expect(await venue.findOrder('BTC/USDT', 'qmtl-0001')).toMatchObject({ status: 'canceled' });
    expect(await venue.fetchOrderTrades('BTC/USDT', 'qmtl-0001')).toEqual([]);
  });

  it('after the fill the order comes back filled: the fill won the race', async () => {
    const { venue, clock } = setup();
    await venue.submitOrder(limitBuy);
    clock.now = NOON + 12 * MINUTE;
    expect(await venue.cancelOrder('BTC/USDT', 'qmtl-0001')).toMatchObject({
      status: 'filled',
      filledQty: '0.01',
    });
  });

  it('of an unknown order is refused as OrderNotFound', async () => {
    const { venue } = setup();
    await expect(venue.cancelOrder('BTC/USDT', 'qmtl-none')).rejects.toMatchObject({
      type: 'VenueRejected',
      details: [{ errorClass: 'OrderNotFound' }],
    });
  });
});

describe('refusals', () => {
  it('a second submit with the same client order id is a non-retryable duplicate carrying the order', async () => {
    const { venue, book } = setup();
    await venue.submitOrder(limitBuy);
    const err = await venue.submitOrder(limitBuy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({
      type: 'DuplicateClientOrderId',
      nonRetryable: true,
      details: [
        { exchange: 'sim', clientOrderId: 'qmtl-0001', order: { venueOrderId: 'sim-1', status: 'open' } },
      ],
    });
    expect(book.allOrders()).toHaveLength(1);
    // Ids are unique per account: a lookup under another symbol finds the order (submitOnce sees the collision).
    expect(await venue.findOrder('ETH/USDT', 'qmtl-0001')).toMatchObject({ symbol: 'BTC/USDT' });
  });

  it('insufficient funds: a buy beyond the quote, a sell beyond the base', async () => {
    const { venue, book } = setup();
    // 2 × 83749.536558 × 1.001 = 167666.57218911… > 100000
    await expect(venue.submitOrder(request({ type: 'market', qty: '2' }))).rejects.toMatchObject({
      type: 'VenueRejected',
      nonRetryable: true,
      details: [{ exchange: 'sim', errorClass: 'InsufficientFunds' }],
    });
    await expect(venue.submitOrder(request({ side: 'sell', limitPrice: '90000' }))).rejects.toMatchObject({
      details: [{ errorClass: 'InsufficientFunds' }],
    });
    expect(book.allOrders()).toEqual([]);
  });

  it('open orders hold funds: a second buy cannot spend what the first holds', async () => {
    const { venue } = setup({ USDT: '1000' });
    await venue.submitOrder(limitBuy); // holds 836.836
    await expect(
      venue.submitOrder(request({ clientOrderId: 'qmtl-0002', qty: '0.002', limitPrice: '83600' })),
    ).rejects.toMatchObject({ details: [{ errorClass: 'InsufficientFunds' }] });
  });

  it.each([
    ['below one lot', { qty: '0.000001' }],
    ['off the lot', { qty: '0.000015' }],
    ['off the tick', { limitPrice: '83600.001' }],
    ['below the minimum notional', { qty: '0.00005' }],
    ['a limit order without a limit price', { limitPrice: undefined }],
    ['a client order id over 36 characters', { clientOrderId: 'q'.repeat(37) }],
  ])('invalid order: %s', async (_name, spec) => {
    const { venue } = setup();
    await expect(venue.submitOrder(request({ limitPrice: '83600', ...spec }))).rejects.toMatchObject({
      type: 'VenueRejected',
      details: [{ errorClass: 'InvalidOrder' }],
    });
  });
});

describe('symbol properties', () => {
  it('about a dollar per lot, minimum notional five USD-like quote units', async () => {
    const text = (p: ReturnType<typeof simSymbolProperties>) => ({
      minQty: p.minQty.toFixed(),
      lotStep: p.lotStep.toFixed(),
      tickSize: p.tickSize.toFixed(),
      minNotional: p.minNotional.toFixed(),
    });
    const { venue } = setup();
    expect(text(await venue.symbolProperties('BTC/USDT'))).toEqual({
      minQty: '0.00001',
      lotStep: '0.00001',
      tickSize: '0.01',
      minNotional: '5',
    });
    expect(text(simSymbolProperties('XRP/USDT'))).toMatchObject({ lotStep: '1', minNotional: '5' });
    expect(text(simSymbolProperties('ETH/BTC'))).toEqual({
      minQty: '0.0001',
      lotStep: '0.0001',
      tickSize: '0.0000001',
      minNotional: '0.0005',
    });
    expect(() => simSymbolProperties('BTCUSDT')).toThrow(ApplicationFailure);
  });
});

describe('lazy matching', () => {
  it('an order left alone for eight days is matched up to now across capped stretches', async () => {
    const { venue, clock, book } = setup();
    await venue.submitOrder(request({ limitPrice: '1000' })); // far below: never fills
    clock.now = SUBMIT_AT + 8 * 24 * 60 * MINUTE;
    expect(await venue.fetchOpenOrders('BTC/USDT')).toHaveLength(1);
    expect(book.allOrders()[0]!.matchedThroughTs).toBe(Math.floor(clock.now / MINUTE) * MINUTE);
  });

  it('two callers with different clocks matching at once book every fill once', async () => {
    const { venue, book } = setup({ USDT: '500000' });
    // 10 % of the 12:06, 12:07 and 12:08 volumes (9.70…, 28.98…, 53.29…), each at its bar's open
    // (all under the 84000 limit) + 2 bp: 83747.8 → 83764.54956, 83760.9 → 83777.65218, 83824.79 → 83841.554958
    await venue.submitOrder(request({ qty: '5', limitPrice: '84000' }));
    const at = (now: number) =>
      new SimOrderVenue({ account: 'paper', book, model: MODEL, startingBalances: {}, now: () => now });
    const mutations = jest.spyOn(book, 'mutateOrder');
    const [early, late] = await Promise.all([
      at(NOON + 8 * MINUTE).findOrder('BTC/USDT', 'qmtl-0001'),
      at(NOON + 9 * MINUTE).findOrder('BTC/USDT', 'qmtl-0001'),
    ]);
    // The later caller read the trades before the earlier one booked two: it re-reads and retries once.
    expect(mutations).toHaveBeenCalledTimes(3);
    expect(early).toMatchObject({ status: 'open', filledQty: '3.868594599' });
    expect(late).toMatchObject({ status: 'filled', filledQty: '5' });
    const trades = await book.trades('paper', 'qmtl-0001');
    expect(trades.map((t) => [t.tradeId, t.qty, t.price])).toEqual([
      ['sim-1-1', '0.970319939', '83764.54956'],
      ['sim-1-2', '2.89827466', '83777.65218'],
      ['sim-1-3', '1.131405401', '83841.554958'],
    ]);
  });
});
