/**
 * The trading side of real exchanges offline (SPEC §7, §8): the REAL ccxt.binance and
 * ccxt.okx classes sign and send the private requests, the replayed transport answers
 * with recorded raw responses (test/fixtures/ccxt/<exchange>/orders), ccxt parses and
 * maps errors, and CcxtOrderVenue turns the result into the order port's values.
 */
import { DUPLICATE_CLIENT_ORDER_ID, type VenueOrderRequest } from '../../activities/venues/order-port';
import { VENUE_FAILURE } from '../../activities/venues/port';
import type { SymbolProperties } from '../../domain/execution/symbol';
import { failureOf, replayOrderVenue } from '../support/ccxt-replay';

const T = 1709251985123; // 2024-03-01T00:13:05.123Z, when the recorded orders were placed
const limitBuy = (clientOrderId: string, qty = '0.015'): VenueOrderRequest => ({
  clientOrderId,
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  qty,
  limitPrice: '60512.34',
  tif: 'GTC',
});

/** Symbol properties with their decimals as plain text. */
function plain(props: SymbolProperties): Record<string, string> {
  return Object.fromEntries(
    Object.entries(props).map(([k, v]) => [k, typeof v === 'string' ? v : v.toFixed()]),
  );
}

describe('binance orders through the real ccxt class', () => {
  const ID = {
    limit: 'qmtl67b6b1217fc9783a76774cc4717d28b3',
    missing: 'qmtl0edee9fdc0c3cd818e32417135b93080',
    cancelOpen: 'qmtld3a59ddb8eb98731ea3f90a0e7a5a4c7',
    cancelFilled: 'qmtlaeaffb71187e859cc3d06634ad3ed7b8',
    trades: 'qmtlf7d5d86141510ffde3a063dc423ec07e',
    insufficient: 'qmtl10c6860edb1c0d9c31fbedec60e48107',
    duplicate: 'qmtl189d08ce7e61d8ea5faa4671b11cc4ab',
    stop: 'qmtl0ff4349fc3340291018670879a43148f',
  };

  it('submits a limit order under our client order id and reads the FULL answer', async () => {
    const { venue, transport } = replayOrderVenue('binance');
    expect(await venue.submitOrder(limitBuy(ID.limit))).toEqual({
      venueOrderId: '25467859441',
      clientOrderId: ID.limit,
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      qty: '0.015',
      filledQty: '0',
      limitPrice: '60512.34',
      status: 'open',
      ts: T,
    });
    expect(transport.requests).toEqual(['POST /api/v3/order']);
    expect(venue).toMatchObject({ exchange: 'binance', account: 'main', clientOrderIdMaxLength: 36 });
  });

  it('sends a stop-limit as STOP_LOSS_LIMIT with its stop price', async () => {
    const { venue } = replayOrderVenue('binance');
    const order = await venue.submitOrder({
      clientOrderId: ID.stop,
      symbol: 'BTC/USDT',
      side: 'sell',
      type: 'stop_limit',
      qty: '0.01',
      limitPrice: '59000',
      stopPrice: '59500',
      tif: 'GTC',
    });
    expect(order).toMatchObject({
      type: 'stop_limit',
      limitPrice: '59000',
      stopPrice: '59500',
      status: 'open',
    });
  });

  it('finds an order by client order id, and answers undefined for -2013 Order does not exist', async () => {
    const { venue, transport } = replayOrderVenue('binance');
    expect(await venue.findOrder('BTC/USDT', ID.limit)).toEqual({
      venueOrderId: '25467859441',
      clientOrderId: ID.limit,
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      qty: '0.015',
      filledQty: '0.005',
      limitPrice: '60512.34',
      status: 'open',
      ts: T + 56404,
    });
    expect(await venue.findOrder('BTC/USDT', ID.missing)).toBeUndefined();
    expect(transport.requests).toEqual([
      `GET /api/v3/order?origClientOrderId=${ID.limit}&symbol=BTCUSDT`,
      `GET /api/v3/order?origClientOrderId=${ID.missing}&symbol=BTCUSDT`,
    ]);
  });

  it('cancels an open order; a partly filled one stays canceled with its filled quantity', async () => {
    const { venue } = replayOrderVenue('binance');
    expect(await venue.cancelOrder('BTC/USDT', ID.cancelOpen)).toEqual({
      venueOrderId: '25467901234',
      clientOrderId: ID.cancelOpen, // not the cancel's own id binance puts in clientOrderId
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      qty: '0.02',
      filledQty: '0.004',
      limitPrice: '60100',
      status: 'canceled',
      ts: T + 115333,
    });
  });

  it('answers a cancel that lost the race to the fill with the filled order', async () => {
    const { venue, transport } = replayOrderVenue('binance');
    const order = await venue.cancelOrder('BTC/USDT', ID.cancelFilled);
    expect(order).toMatchObject({ status: 'filled', filledQty: '0.02', qty: '0.02', ts: T + 115100 });
    expect(transport.requests).toEqual([
      `DELETE /api/v3/order?origClientOrderId=${ID.cancelFilled}&symbol=BTCUSDT`,
      `GET /api/v3/order?origClientOrderId=${ID.cancelFilled}&symbol=BTCUSDT`,
    ]);
  });

  it("lists an order's trades with exact decimals; a fee paid in BNB is not a quote fee", async () => {
    const { venue, transport } = replayOrderVenue('binance');
    const fill = { venueOrderId: '25467998877', clientOrderId: ID.trades, symbol: 'BTC/USDT', side: 'sell' };
    expect(await venue.fetchOrderTrades('BTC/USDT', ID.trades)).toEqual([
      {
        ...fill,
        tradeId: '3456789012',
        qty: '0.012',
        price: '61234.56',
        fee: '0',
        liquidity: 'maker',
        ts: T + 215000,
      },
      {
        ...fill,
        tradeId: '3456789013',
        qty: '0.008',
        price: '61234.57',
        fee: '0.48987656',
        liquidity: 'taker',
        ts: T + 216333,
      },
    ]);
    expect(transport.requests[1]).toBe('GET /api/v3/myTrades?orderId=25467998877&symbol=BTCUSDT');
  });

  it('lists open orders of every symbol, stop-limits included', async () => {
    const { venue, transport } = replayOrderVenue('binance');
    const orders = await venue.fetchOpenOrders();
    expect(orders.map((o) => [o.clientOrderId, o.type, o.status, o.filledQty, o.stopPrice])).toEqual([
      [ID.limit, 'limit', 'open', '0.005', undefined],
      [ID.stop, 'stop_limit', 'open', '0', '59500'],
    ]);
    expect(transport.requests).toEqual(['GET /api/v3/openOrders']);
  });

  it('reports balances as exact decimals (0.1 free + 0.2 locked is 0.3), empty currencies left out', async () => {
    const { venue } = replayOrderVenue('binance');
    expect(await venue.fetchBalances()).toEqual([
      { currency: 'BTC', free: '0.1', used: '0.2', total: '0.3' },
      { currency: 'USDT', free: '10234.56789012', used: '907.6851', total: '11142.25299012' },
    ]);
  });

  it('derives symbol properties from the market listing', async () => {
    const { venue, transport } = replayOrderVenue('binance');
    expect(plain(await venue.symbolProperties('BTC/USDT'))).toEqual({
      ...{ symbol: 'BTC/USDT', minQty: '0.00001', lotStep: '0.00001', tickSize: '0.01', minNotional: '5' },
    });
    expect(transport.requests).toEqual([]);
  });

  it('refuses a quantity off the lot instead of letting ccxt cut it', async () => {
    const { venue, transport } = replayOrderVenue('binance');
    const thrown = await failureOf(venue.submitOrder(limitBuy(ID.limit, '0.0150001')));
    expect(thrown).toMatchObject({ type: VENUE_FAILURE.rejected, nonRetryable: true });
    expect(transport.requests).toEqual([]);
  });

  it('maps -2010 insufficient balance to a non-retryable VenueRejected', async () => {
    const { venue } = replayOrderVenue('binance');
    const thrown = await failureOf(venue.submitOrder(limitBuy(ID.insufficient, '5')));
    expect(thrown).toMatchObject({ type: VENUE_FAILURE.rejected, nonRetryable: true });
    expect(thrown.message).toMatch(/\(InsufficientFunds\)/);
  });

  it('maps -2010 Duplicate order sent. to DuplicateClientOrderId', async () => {
    const { venue } = replayOrderVenue('binance');
    const thrown = await failureOf(venue.submitOrder(limitBuy(ID.duplicate)));
    expect(thrown).toMatchObject({ type: DUPLICATE_CLIENT_ORDER_ID, nonRetryable: true });
  });
});

describe('okx orders through the real ccxt class', () => {
  const ID = {
    limit: 'qmtl67b6b1217fc9783a76774cc4717d',
    missing: 'qmtl0edee9fdc0c3cd818e32417135b9',
    cancelOpen: 'qmtld3a59ddb8eb98731ea3f90a0e7a5',
    cancelFilled: 'qmtlaeaffb71187e859cc3d06634ad3e',
    trades: 'qmtlf7d5d86141510ffde3a063dc423e',
    insufficient: 'qmtl10c6860edb1c0d9c31fbedec60e4',
    duplicate: 'qmtl189d08ce7e61d8ea5faa4671b11c',
  };
  const okxLimitBuy = (clientOrderId: string, qty = '0.015') => ({
    ...limitBuy(clientOrderId, qty),
    limitPrice: '60512.3',
  });
  const lookup = (id: string) => `GET /api/v5/trade/order?clOrdId=${id}&instId=BTC-USDT`;

  it('submits through batch-orders and reads the acknowledged order back', async () => {
    const { venue, transport } = replayOrderVenue('okx');
    expect(await venue.submitOrder(okxLimitBuy(ID.limit))).toEqual({
      venueOrderId: '681276612345678912',
      clientOrderId: ID.limit,
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      qty: '0.015',
      filledQty: '0',
      limitPrice: '60512.3',
      status: 'open',
      ts: T,
    });
    expect(transport.requests).toEqual(['POST /api/v5/trade/batch-orders', lookup(ID.limit)]);
    expect(venue.clientOrderIdMaxLength).toBe(32);
  });

  it('answers undefined for 51603 Order does not exist', async () => {
    const { venue } = replayOrderVenue('okx');
    expect(await venue.findOrder('BTC/USDT', ID.missing)).toBeUndefined();
  });

  it('cancels: the acknowledgement is read back as canceled with the partial fill', async () => {
    const { venue, transport } = replayOrderVenue('okx');
    expect(await venue.cancelOrder('BTC/USDT', ID.cancelOpen)).toMatchObject({
      venueOrderId: '681276698765432101',
      status: 'canceled',
      qty: '0.02',
      filledQty: '0.004',
      ts: T + 115340,
    });
    expect(transport.requests).toEqual(['POST /api/v5/trade/cancel-order', lookup(ID.cancelOpen)]);
  });

  it('answers a cancel refused with 51402 (already completed) with the filled order', async () => {
    const { venue } = replayOrderVenue('okx');
    expect(await venue.cancelOrder('BTC/USDT', ID.cancelFilled)).toMatchObject({
      status: 'filled',
      filledQty: '0.02',
      ts: T + 115050,
    });
  });

  it('lists fills oldest first with the fee as a positive quote amount', async () => {
    const { venue } = replayOrderVenue('okx');
    const trades = await venue.fetchOrderTrades('BTC/USDT', ID.trades);
    expect(
      trades.map(({ tradeId, qty, price, fee, liquidity, ts }) => ({
        tradeId,
        qty,
        price,
        fee,
        liquidity,
        ts,
      })),
    ).toEqual([
      {
        tradeId: '512345678',
        qty: '0.012',
        price: '61234.5',
        fee: '0.5878512',
        liquidity: 'maker',
        ts: T + 215000,
      },
      {
        tradeId: '512345679',
        qty: '0.008',
        price: '61234.6',
        fee: '0.4898768',
        liquidity: 'taker',
        ts: T + 216333,
      },
    ]);
    expect(
      trades.every((t) => t.venueOrderId === '681276711111111111' && t.clientOrderId === ID.trades),
    ).toBe(true);
  });

  it('reports trading-account balances as exact decimals', async () => {
    const { venue } = replayOrderVenue('okx');
    expect(await venue.fetchBalances()).toEqual([
      { currency: 'BTC', free: '0.1', used: '0.2', total: '0.3' },
      { currency: 'USDT', free: '10234.56789012', used: '907.6851', total: '11142.25299012' },
    ]);
  });

  it('derives symbol properties: lot 1e-8 but 0.00001 minimum, no listed minimum notional', async () => {
    const { venue } = replayOrderVenue('okx');
    expect(plain(await venue.symbolProperties('BTC/USDT'))).toEqual({
      ...{ symbol: 'BTC/USDT', minQty: '0.00001', lotStep: '0.00000001', tickSize: '0.1', minNotional: '0' },
    });
  });

  it('maps sCode 51008 to VenueRejected and 51016 to DuplicateClientOrderId', async () => {
    const { venue } = replayOrderVenue('okx');
    const funds = await failureOf(venue.submitOrder(okxLimitBuy(ID.insufficient, '5')));
    expect(funds).toMatchObject({ type: VENUE_FAILURE.rejected, nonRetryable: true });
    expect(funds.message).toMatch(/\(InsufficientFunds\)/);
    const duplicate = await failureOf(venue.submitOrder(okxLimitBuy(ID.duplicate)));
    expect(duplicate).toMatchObject({ type: DUPLICATE_CLIENT_ORDER_ID, nonRetryable: true });
  });

  it('refuses stop orders: okx places them as algo orders its order lookup cannot find', async () => {
    const { venue, transport } = replayOrderVenue('okx');
    const stop = {
      ...okxLimitBuy(ID.limit),
      type: 'stop' as const,
      limitPrice: undefined,
      stopPrice: '62000',
    };
    expect(await failureOf(venue.submitOrder(stop))).toMatchObject({ type: VENUE_FAILURE.rejected });
    expect(transport.requests).toEqual([]);
  });
});
