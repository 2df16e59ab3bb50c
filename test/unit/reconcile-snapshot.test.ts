/**
 * The venue snapshot reads balances before orders and trades: trades only
 * accrue, so whenever a trade lands during the snapshot, the balances hold it
 * only if the trade lists read after them do too (SPEC §8: the account is
 * never resynced onto a fill it will also be sent).
 */
import { createReconcileActivities } from '../../activities/reconcile';
import type { Store } from '../../activities/store/port';
import type { OrderVenue, VenueOrder, VenueTrade } from '../../activities/venues/order-port';

const AT = Date.UTC(2026, 0, 1, 12);
const ID = 'qmtl0123456789abcdef0123';

/** One resting buy that fills (0.01 BTC at 60000, fee 0.6) just before the venue call named `landsBefore`. */
function venueWithTradeLanding(landsBefore: string) {
  let landed = false;
  const order = (): VenueOrder => ({
    clientOrderId: ID,
    venueOrderId: 'v-1',
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'limit',
    qty: '0.01',
    filledQty: landed ? '0.01' : '0',
    limitPrice: '60000',
    status: landed ? 'filled' : 'open',
    ts: AT,
  });
  const t1 = { tradeId: 't1', qty: '0.01', price: '60000', fee: '0.6', ts: AT, liquidity: 'taker' };
  const call = <T>(name: string, read: () => T): Promise<T> => {
    if (name === landsBefore) landed = true;
    return Promise.resolve(read());
  };
  const venue = {
    fetchBalances: () =>
      call('fetchBalances', () => [
        { currency: 'USDT', free: '', used: '', total: landed ? '99399.4' : '100000' },
        { currency: 'BTC', free: '', used: '', total: landed ? '0.01' : '0' },
      ]),
    fetchOpenOrders: () => call('fetchOpenOrders', () => (landed ? [] : [order()])),
    findOrder: () => call('findOrder', order),
    fetchOrderTrades: () => call('fetchOrderTrades', () => (landed ? [t1] : []) as VenueTrade[]),
  } as unknown as OrderVenue;
  return createReconcileActivities({
    store: {} as Store,
    orderVenues: { orderVenue: () => venue },
    now: () => AT,
  });
}

describe('snapshotVenueAccount', () => {
  // Old order (orders, trades, balances): a trade landing before the balance read was in the balances only.
  it.each([
    ['fetchBalances', { inBalances: true, inTrades: true }],
    ['fetchOpenOrders', { inBalances: false, inTrades: true }],
    ['fetchOrderTrades', { inBalances: false, inTrades: true }],
    ['no call', { inBalances: false, inTrades: false }],
  ])('a trade landing before %s: %j', async (landsBefore, expected) => {
    const { snapshotVenueAccount } = venueWithTradeLanding(landsBefore);
    const snapshot = await snapshotVenueAccount({
      venue: 'v',
      account: 'a',
      known: [{ clientOrderId: ID, symbol: 'BTC/USDT' }],
    });
    const tradeIds = snapshot.orders.flatMap((o) => (o.trades ?? []).map((t) => t.tradeId));
    expect({ inBalances: snapshot.balances.BTC === '0.01', inTrades: tradeIds.includes('t1') }).toEqual(
      expected,
    );
  });
});
