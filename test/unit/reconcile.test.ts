import {
  accountStillIs,
  accountTotals,
  balanceDifferences,
  countActions,
  reconcile,
  type AccountSeen,
  type OrderSeen,
  type ReconcileInputs,
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

/** The repairs alone, for the tests about orders. */
const repairs = (inputs: ReconcileInputs) => reconcile(inputs).actions;
const book = (totals: Record<string, string>, bookedTradeIds: string[] = []): AccountSeen => ({
  totals,
  bookedTradeIds,
});

describe('reconcile', () => {
  it('agrees: nothing to do when both sides match', () => {
    const venue = snapshot([venueOrder({ trades: [trade('t1')], filledQty: '0.4' })], { USDT: '100' });
    const ours = [ourOrder({ state: 'PARTIALLY_FILLED', tradeIds: ['t1'] })];
    expect(repairs({ venue, ours, account: book({ USDT: '100.0' }), policy })).toEqual([]);
  });

  it('signals each venue trade the workflow lacks, in venue order', () => {
    const venue = snapshot([venueOrder({ trades: [trade('t1'), trade('t2'), trade('t3', '0.2')] })]);
    const ours = [ourOrder({ state: 'PARTIALLY_FILLED', tradeIds: ['t2'] })];
    expect(repairs({ venue, ours, policy })).toEqual([
      { kind: 'fill', clientOrderId: OURS_ID, fill: trade('t1') },
      { kind: 'fill', clientOrderId: OURS_ID, fill: trade('t3', '0.2') },
    ]);
  });

  it.each(['canceled', 'expired', 'filled', 'rejected'] as const)(
    'asks a working order to sync when the venue says %s',
    (status) => {
      const venue = snapshot([venueOrder({ status })]);
      expect(repairs({ venue, ours: [ourOrder()], policy })).toEqual([
        { kind: 'sync', clientOrderId: OURS_ID, reason: 'venue_terminal', venueStatus: status },
      ]);
    },
  );

  it('a venue fill of a working order: the fill first, then the sync', () => {
    const venue = snapshot([venueOrder({ status: 'filled', filledQty: '1', trades: [trade('t9', '1')] })]);
    expect(repairs({ venue, ours: [ourOrder()], policy }).map((a) => a.kind)).toEqual(['fill', 'sync']);
  });

  it('does not sync an order that is terminal on both sides', () => {
    const venue = snapshot([venueOrder({ status: 'canceled' })]);
    expect(repairs({ venue, ours: [ourOrder({ state: 'CANCELED' })], policy })).toEqual([]);
  });

  it('adopts an open orphan under the adopt policy, with the venue terms and no trades', () => {
    const orphan = venueOrder({ clientOrderId: 'manual-7', venueOrderId: 'sim-7', trades: [trade('x')] });
    const [action] = repairs({ venue: snapshot([orphan]), ours: [], policy });
    const { trades: _t, ...terms } = orphan;
    expect(action).toEqual({ kind: 'adopt', order: terms, foreign: true });
  });

  it('cancels open orphans under the cancel policy; ours by prefix are not foreign', () => {
    const venue = snapshot([venueOrder(), venueOrder({ clientOrderId: 'manual-7', symbol: 'ETH/USDT' })]);
    expect(repairs({ venue, ours: [], policy: { ...policy, orphanPolicy: 'cancel' } })).toEqual([
      { kind: 'cancel_orphan', clientOrderId: OURS_ID, symbol: 'BTC/USDT', foreign: false },
      { kind: 'cancel_orphan', clientOrderId: 'manual-7', symbol: 'ETH/USDT', foreign: true },
    ]);
  });

  it('leaves an open order without a client order id alone (the port cannot address it)', () => {
    const venue = snapshot([venueOrder({ clientOrderId: '', venueOrderId: 'x-9' })]);
    expect(repairs({ venue, ours: [], policy })).toEqual([]);
  });

  it('leaves closed venue orders nobody tracks alone', () => {
    const venue = snapshot([venueOrder({ status: 'filled' }), venueOrder({ status: 'canceled' })]);
    expect(repairs({ venue, ours: [], policy })).toEqual([]);
  });

  it('syncs a working order the venue does not know only after the grace period', () => {
    const venue = snapshot([]);
    const young = ourOrder({ clientOrderId: 'qmtl-young', since: AT - 59_999, state: 'PENDING_NEW' });
    const old = ourOrder({ clientOrderId: 'qmtl-old', since: AT - 60_001 });
    const done = ourOrder({ clientOrderId: 'qmtl-done', since: 0, state: 'FILLED' });
    expect(repairs({ venue, ours: [young, old, done], policy })).toEqual([
      { kind: 'sync', clientOrderId: 'qmtl-old', reason: 'unknown_at_venue' },
    ]);
  });

  it('leaves the account alone while an orphan is to be adopted or canceled, and without an account workflow', () => {
    const venue = snapshot([venueOrder({ clientOrderId: 'manual' })], { USDT: '1' });
    // The adopted order brings its fills to the account: balances holding them would count them twice.
    expect(reconcile({ venue, ours: [], account: book({ USDT: '2' }), policy })).toEqual({
      actions: [expect.objectContaining({ kind: 'adopt' })],
    });
    expect(repairs({ venue, ours: [], policy }).map((a) => a.kind)).toEqual(['adopt']);
  });
});

/**
 * SPEC §8: reconciliation never books a fill twice. One buy of 0.01 BTC at
 * 60000 with a 0.6 USDT fee (trade t1) on an account of 100000 USDT and 0.5
 * BTC: the venue's balances after it are 99399.4 USDT and 0.51 BTC.
 */
describe('reconcile: the account is resynced only from balances it has booked every fill of', () => {
  const t1 = { ...trade('t1', '0.01'), price: '60000', fee: '0.6' };
  const before = { USDT: '100000', BTC: '0.5' };
  const after = { USDT: '99399.4', BTC: '0.51' };
  const filled = (trades = [t1]) => venueOrder({ status: 'filled', filledQty: '0.01', trades });

  it('race 1: a trade in the balances but not yet in the order workflow is a fill to signal, not a resync', () => {
    // Balances are read first, so the trade they hold is in the trade list read after them.
    const venue = snapshot([filled()], after);
    expect(reconcile({ venue, ours: [ourOrder()], account: book(before), policy })).toEqual({
      actions: [
        { kind: 'fill', clientOrderId: OURS_ID, fill: t1 },
        { kind: 'sync', clientOrderId: OURS_ID, reason: 'venue_terminal', venueStatus: 'filled' },
      ],
    });
  });

  it('race 2: a fill the order has and the account has not booked yet is in flight: no difference taken', () => {
    const venue = snapshot([filled()], after);
    const ours = [ourOrder({ state: 'FILLED', tradeIds: ['t1'] })];
    const seenBefore = { venue: after, account: { totals: before } };
    // Not even when the previous pass saw the very same totals.
    expect(reconcile({ venue, ours, account: book(before), differenceSeen: seenBefore, policy })).toEqual({
      actions: [],
    });
    // Once booked, both sides agree.
    expect(reconcile({ venue, ours, account: book(after, ['t1']), policy })).toEqual({ actions: [] });
  });

  it('a venue trade of an order of ours that the account has not booked also holds the comparison', () => {
    // The order workflow knows t1 (say by polling) but the venue's list has t2 it has not seen yet.
    const t2 = { ...t1, tradeId: 't2' };
    const venue = snapshot([filled([t1, t2])], { USDT: '98798.8', BTC: '0.52' });
    const ours = [ourOrder({ state: 'PARTIALLY_FILLED', tradeIds: ['t1'] })];
    expect(repairs({ venue, ours, account: book(after, ['t1']), policy })).toEqual([
      { kind: 'fill', clientOrderId: OURS_ID, fill: t2 },
      { kind: 'sync', clientOrderId: OURS_ID, reason: 'venue_terminal', venueStatus: 'filled' },
    ]);
  });

  it('race 3: a difference seen twice the same is resynced with the balances and the account totals it was seen on', () => {
    // 25 USDT deposited by hand: no order explains it.
    const venue = snapshot([filled()], { USDT: '99424.4', BTC: '0.51' });
    const ours = [ourOrder({ state: 'FILLED', tradeIds: ['t1'] })];
    const account = book(after, ['t0', 't1']);
    const first = reconcile({ venue, ours, account, policy });
    const seen = { venue: { USDT: '99424.4', BTC: '0.51' }, account: { totals: after, lastTradeId: 't1' } };
    expect(first).toEqual({ actions: [], differenceSeen: seen });

    const second = reconcile({ venue, ours, account, differenceSeen: first.differenceSeen, policy });
    expect(second).toEqual({
      actions: [
        {
          kind: 'resync_account',
          differences: [{ currency: 'USDT', ours: '99399.4', venue: '99424.4' }],
          resync: {
            balances: { USDT: '99424.4', BTC: '0.51' },
            expected: { totals: after, lastTradeId: 't1' },
          },
        },
      ],
    });
  });

  it('race 4: a fill of an order started after our side was read is booked before the next pass, which then differs', () => {
    // Pass 1: order o2 (not known yet) bought 0.01 at 60000, fee 0.6: in the balances, not in the account.
    const venue = snapshot([], after);
    const first = reconcile({ venue, ours: [], account: book(before), policy });
    expect(first).toEqual({
      actions: [],
      differenceSeen: { venue: after, account: { totals: before } },
    });
    // Pass 2: o2 is known and the account booked its trade: nothing differs.
    const o2 = ourOrder({ clientOrderId: 'qmtl-o2', state: 'FILLED', tradeIds: ['o2-1'] });
    const o2AtVenue = venueOrder({ clientOrderId: 'qmtl-o2', status: 'filled', trades: [trade('o2-1')] });
    expect(
      reconcile({
        venue: snapshot([o2AtVenue], after),
        ours: [o2],
        account: book(after, ['o2-1']),
        differenceSeen: first.differenceSeen,
        policy,
      }),
    ).toEqual({ actions: [] });
    // Pass 2 with o2 ended and gone from our side but booked: other account totals, no resync.
    expect(
      reconcile({
        venue,
        ours: [],
        account: book({ USDT: '99399.3', BTC: '0.51' }, ['o2-1']),
        differenceSeen: first.differenceSeen,
        policy,
      }),
    ).toEqual({
      actions: [],
      differenceSeen: {
        venue: after,
        account: { totals: { USDT: '99399.3', BTC: '0.51' }, lastTradeId: 'o2-1' },
      },
    });
  });

  it('a second sighting with other venue balances or another newest booked trade starts over', () => {
    const seen = { venue: after, account: { totals: before, lastTradeId: 't0' } };
    const moved = reconcile({
      venue: snapshot([], { USDT: '99399.5', BTC: '0.51' }),
      ours: [],
      account: book(before, ['t0']),
      differenceSeen: seen,
      policy,
    });
    expect(moved.actions).toEqual([]);
    expect(moved.differenceSeen?.venue).toEqual({ USDT: '99399.5', BTC: '0.51' });
    const booked = reconcile({
      venue: snapshot([], after),
      ours: [],
      account: book(before, ['t0', 'x']),
      differenceSeen: seen,
      policy,
    });
    expect(booked).toEqual({
      actions: [],
      differenceSeen: { venue: after, account: { totals: before, lastTradeId: 'x' } },
    });
  });

  it('an order of ours whose trade the account no longer remembers keeps the comparison off (safe, not silent)', () => {
    const venue = snapshot([filled()], { USDT: '1' });
    const ours = [ourOrder({ state: 'FILLED', tradeIds: ['t1'] })];
    expect(reconcile({ venue, ours, account: book(after, ['t2']), policy })).toEqual({ actions: [] });
  });

  it('a lingering ended order whose fills are booked does not hold the comparison', () => {
    const venue = snapshot([filled()], { USDT: '99399.5', BTC: '0.51' });
    const ours = [ourOrder({ state: 'FILLED', tradeIds: ['t1'] })];
    expect(reconcile({ venue, ours, account: book(after, ['t1']), policy }).differenceSeen).toEqual({
      venue: { USDT: '99399.5', BTC: '0.51' },
      account: { totals: after, lastTradeId: 't1' },
    });
  });
});

describe('accountStillIs', () => {
  it('holds for the same totals (as decimals) and the same newest trade, and for nothing else', () => {
    const expected = { totals: { USDT: '99399.4', BTC: '0.51' }, lastTradeId: 't1' };
    expect(
      accountStillIs(expected, { totals: { USDT: '99399.40', BTC: '0.51', ETH: '0' }, lastTradeId: 't1' }),
    ).toBe(true);
    expect(accountStillIs(expected, { totals: { USDT: '99399.4', BTC: '0.51' }, lastTradeId: 't2' })).toBe(
      false,
    );
    expect(accountStillIs(expected, { totals: { USDT: '99399.4', BTC: '0.52' }, lastTradeId: 't1' })).toBe(
      false,
    );
    expect(accountStillIs({ totals: {} }, { totals: {}, lastTradeId: 't1' })).toBe(false);
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
    expect(countActions(repairs({ venue, ours: [ourOrder()], policy }))).toEqual({
      fill: 2,
      sync: 1,
      adopt: 0,
      cancel_orphan: 0,
      resync_account: 0,
    });
  });
});
