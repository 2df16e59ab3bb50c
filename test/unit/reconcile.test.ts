import {
  accountTotals,
  balanceDifferences,
  countActions,
  reconcile,
  type OrderSeen,
  type ReconcilePolicy,
  type VenueAccountSnapshot,
  type VenueOrderSeen,
} from '../../domain/execution/reconcile';

const AT = Date.UTC(2026, 0, 1, 12);
const OURS_ID = 'qmtl0123456789abcdef0123';
const policy: ReconcilePolicy = { orphanPolicy: 'adopt', graceMs: 60_000 };

const venueOrder = (over: Partial<VenueOrderSeen> = {}): VenueOrderSeen => ({
  clientOrderId: OURS_ID,
  venueOrderId: 'sim-1',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  qty: '1',
  filledQty: '0',
  limitPrice: '50000',
  status: 'open',
  ts: AT - 1000,
  trades: [],
  ...over,
});

const trade = (tradeId: string, qty = '0.4') => ({
  tradeId,
  qty,
  price: '50000',
  fee: '2',
  ts: AT - 500,
  liquidity: 'maker' as const,
});

const ourOrder = (over: Partial<OrderSeen> = {}): OrderSeen => ({
  clientOrderId: OURS_ID,
  symbol: 'BTC/USDT',
  state: 'NEW',
  tradeIds: [],
  since: AT - 120_000,
  ...over,
});

const snapshot = (orders: VenueOrderSeen[], balances: Record<string, string> = {}): VenueAccountSnapshot => ({
  at: AT,
  orders,
  balances,
});

describe('reconcile', () => {
  it('agrees: nothing to do when both sides match', () => {
    const venue = snapshot([venueOrder({ trades: [trade('t1')], filledQty: '0.4' })], { USDT: '100' });
    const ours = [ourOrder({ state: 'PARTIALLY_FILLED', tradeIds: ['t1'] })];
    expect(reconcile({ venue, ours, account: { USDT: '100.0' }, policy })).toEqual([]);
  });

  it('signals each venue trade the workflow lacks, in venue order', () => {
    const venue = snapshot([venueOrder({ trades: [trade('t1'), trade('t2'), trade('t3', '0.2')] })]);
    const ours = [ourOrder({ state: 'PARTIALLY_FILLED', tradeIds: ['t2'] })];
    expect(reconcile({ venue, ours, policy })).toEqual([
      { kind: 'fill', clientOrderId: OURS_ID, fill: trade('t1') },
      { kind: 'fill', clientOrderId: OURS_ID, fill: trade('t3', '0.2') },
    ]);
  });

  it.each(['canceled', 'expired', 'filled', 'rejected'] as const)(
    'asks a working order to sync when the venue says %s',
    (status) => {
      const venue = snapshot([venueOrder({ status })]);
      expect(reconcile({ venue, ours: [ourOrder()], policy })).toEqual([
        { kind: 'sync', clientOrderId: OURS_ID, reason: 'venue_terminal', venueStatus: status },
      ]);
    },
  );

  it('a venue fill of a working order: the fill first, then the sync', () => {
    const venue = snapshot([venueOrder({ status: 'filled', filledQty: '1', trades: [trade('t9', '1')] })]);
    expect(reconcile({ venue, ours: [ourOrder()], policy }).map((a) => a.kind)).toEqual(['fill', 'sync']);
  });

  it('does not sync an order that is terminal on both sides', () => {
    const venue = snapshot([venueOrder({ status: 'canceled' })]);
    expect(reconcile({ venue, ours: [ourOrder({ state: 'CANCELED' })], policy })).toEqual([]);
  });

  it('adopts an open orphan under the adopt policy, with the venue terms and no trades', () => {
    const orphan = venueOrder({ clientOrderId: 'manual-7', venueOrderId: 'sim-7', trades: [trade('x')] });
    const [action] = reconcile({ venue: snapshot([orphan]), ours: [], policy });
    const { trades: _t, ...terms } = orphan;
    expect(action).toEqual({ kind: 'adopt', order: terms, foreign: true });
  });

  it('cancels open orphans under the cancel policy; ours by prefix are not foreign', () => {
    const venue = snapshot([venueOrder(), venueOrder({ clientOrderId: 'manual-7', symbol: 'ETH/USDT' })]);
    expect(reconcile({ venue, ours: [], policy: { ...policy, orphanPolicy: 'cancel' } })).toEqual([
      { kind: 'cancel_orphan', clientOrderId: OURS_ID, symbol: 'BTC/USDT', foreign: false },
      { kind: 'cancel_orphan', clientOrderId: 'manual-7', symbol: 'ETH/USDT', foreign: true },
    ]);
  });

  it('leaves an open order without a client order id alone (the port cannot address it)', () => {
    const venue = snapshot([venueOrder({ clientOrderId: '', venueOrderId: 'x-9' })]);
    expect(reconcile({ venue, ours: [], policy })).toEqual([]);
  });

  it('leaves closed venue orders nobody tracks alone', () => {
    const venue = snapshot([venueOrder({ status: 'filled' }), venueOrder({ status: 'canceled' })]);
    expect(reconcile({ venue, ours: [], policy })).toEqual([]);
  });

  it('syncs a working order the venue does not know only after the grace period', () => {
    const venue = snapshot([]);
    const young = ourOrder({ clientOrderId: 'qmtl-young', since: AT - 59_999, state: 'PENDING_NEW' });
    const old = ourOrder({ clientOrderId: 'qmtl-old', since: AT - 60_001 });
    const done = ourOrder({ clientOrderId: 'qmtl-done', since: 0, state: 'FILLED' });
    expect(reconcile({ venue, ours: [young, old, done], policy })).toEqual([
      { kind: 'sync', clientOrderId: 'qmtl-old', reason: 'unknown_at_venue' },
    ]);
  });

  it('resyncs the account when balances differ and every order agrees', () => {
    const venue = snapshot([], { USDT: '99990.5', BTC: '0.2' });
    expect(reconcile({ venue, ours: [], account: { USDT: '100000', ETH: '0' }, policy })).toEqual([
      {
        kind: 'resync_account',
        differences: [
          { currency: 'BTC', ours: '0', venue: '0.2' },
          { currency: 'USDT', ours: '100000', venue: '99990.5' },
        ],
      },
    ]);
  });

  it('defers the balance comparison while fills are still being delivered', () => {
    const venue = snapshot([venueOrder({ trades: [trade('t1')] })], { USDT: '1' });
    const actions = reconcile({ venue, ours: [ourOrder()], account: { USDT: '2' }, policy });
    expect(actions.map((a) => a.kind)).toEqual(['fill']);
  });

  it('compares balances next to an orphan, and not without an account workflow', () => {
    const venue = snapshot([venueOrder({ clientOrderId: 'manual' })], { USDT: '1' });
    expect(reconcile({ venue, ours: [], account: { USDT: '2' }, policy }).map((a) => a.kind)).toEqual([
      'adopt',
      'resync_account',
    ]);
    expect(reconcile({ venue, ours: [], policy }).map((a) => a.kind)).toEqual(['adopt']);
  });
});

describe('balanceDifferences', () => {
  it('compares decimals, not text, and counts a missing currency as zero', () => {
    expect(balanceDifferences({ USDT: '1.10', BTC: '0' }, { USDT: '1.1' })).toEqual([]);
    expect(balanceDifferences({ USDT: '0.1' }, { USDT: '0.10000000000000000001' })).toEqual([
      { currency: 'USDT', ours: '0.1', venue: '0.10000000000000000001' },
    ]);
  });
});

describe('accountTotals', () => {
  it('adds unsettled cash to settled and books positions under their base currency', () => {
    expect(
      accountTotals({
        quoteCurrency: 'USDT',
        cash: { settled: '100.1', unsettled: [{ amount: '0.2' }, { amount: '-0.05' }] },
        positions: { 'BTC/USDT': '0.3', 'ETH/USDT': '-1.5', 'BTC/USDT:USDT': '0.1' },
      }),
    ).toEqual({ USDT: '100.25', BTC: '0.4', ETH: '-1.5' });
  });
});

describe('countActions', () => {
  it('counts every kind, zero included', () => {
    const venue = snapshot([venueOrder({ trades: [trade('t1'), trade('t2')], status: 'canceled' })]);
    expect(countActions(reconcile({ venue, ours: [ourOrder()], policy }))).toEqual({
      fill: 2,
      sync: 1,
      adopt: 0,
      cancel_orphan: 0,
      resync_account: 0,
    });
  });
});
