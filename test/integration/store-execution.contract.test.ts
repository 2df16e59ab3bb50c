/**
 * The execution repos' contract (SPEC §8): the simulated venue's book, kill
 * switches and the audit trail, run against SQLite (a temp file) and
 * PostgreSQL (a fresh schema per test). Values are exact: decimals are text.
 */
import {
  type AuditRecord,
  type KillSwitchRecord,
  type SimOrderRow,
  type SimTradeRow,
  type Store,
  killScopeKey,
} from '../../activities/store';
import { Dec } from '../../domain/execution/symbol';
import {
  at,
  freshStorePerTest,
  type Harness,
  postgresHarness,
  requirePostgres,
  sqliteHarness,
} from './store-harness';

const ACCOUNT = 'sim:main';
const T0 = Date.UTC(2025, 0, 1);

function order(
  clientOrderId: string,
  overrides: Partial<SimOrderRow> = {},
): Omit<SimOrderRow, 'venueOrderId'> {
  return {
    account: ACCOUNT,
    clientOrderId,
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'limit',
    qty: '1',
    limitPrice: '60012.00',
    tif: 'GTC',
    status: 'open',
    filledQty: '0',
    triggered: false,
    createdTs: T0,
    matchedThroughTs: T0,
    updatedTs: T0,
    ...overrides,
  };
}

function trade(row: SimOrderRow, tradeId: string, overrides: Partial<SimTradeRow> = {}): SimTradeRow {
  return {
    account: row.account,
    tradeId,
    venueOrderId: row.venueOrderId,
    clientOrderId: row.clientOrderId,
    symbol: row.symbol,
    side: row.side,
    qty: '0.1',
    price: '60012',
    fee: '0.0001',
    liquidity: 'taker',
    ts: T0 + 60_000,
    ...overrides,
  };
}

function executionContract(makeHarness: () => Harness): void {
  let store: Store;

  freshStorePerTest(makeHarness, (opened) => {
    store = opened;
  });

  describe('sim book orders', () => {
    it('inserts once: a duplicate returns created=false and the first row, venue id and all', async () => {
      const first = await store.simBook.insertOrder(
        order('c1', { stopPrice: '59000.5', type: 'stop_limit' }),
      );
      expect(first.created).toBe(true);
      expect(first.row).toStrictEqual({
        ...order('c1', { stopPrice: '59000.5', type: 'stop_limit' }),
        venueOrderId: first.row.venueOrderId,
      });
      expect(first.row.venueOrderId).toMatch(/^sim-\d+$/);
      const again = await store.simBook.insertOrder(order('c1', { qty: '2' }));
      expect(again).toStrictEqual({ created: false, row: first.row });
      expect(await store.simBook.getOrder(ACCOUNT, 'c1')).toStrictEqual(first.row);
      expect(await store.simBook.getOrder(ACCOUNT, 'none')).toBeUndefined();
      expect(await store.simBook.getOrder('other', 'c1')).toBeUndefined();
    });

    it('assigns a unique venue order id per order, also under concurrent inserts', async () => {
      const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
      const results = await Promise.all(ids.map((id) => store.simBook.insertOrder(order(id))));
      const again = await Promise.all(ids.map((id) => store.simBook.insertOrder(order(id))));
      const venueIds = results.map((r) => r.row.venueOrderId);
      expect(new Set(venueIds).size).toBe(ids.length);
      expect(again.map((r) => r.row.venueOrderId)).toEqual(venueIds);
      expect(again.every((r) => !r.created)).toBe(true);
      const sameIdOtherAccount = await store.simBook.insertOrder(order('a', { account: 'sim:other' }));
      expect(sameIdOtherAccount.created).toBe(true);
      expect(venueIds).not.toContain(sameIdOtherAccount.row.venueOrderId);
    });

    it('lists open orders oldest first, insert order breaking ties, one symbol when asked', async () => {
      await store.simBook.insertOrder(order('late', { createdTs: T0 + 2 }));
      await store.simBook.insertOrder(order('tie-1', { createdTs: T0 + 1, symbol: 'ETH/USDT' }));
      await store.simBook.insertOrder(order('tie-2', { createdTs: T0 + 1 }));
      await store.simBook.insertOrder(order('done', { createdTs: T0, status: 'filled', filledQty: '1' }));
      await store.simBook.insertOrder(order('elsewhere', { account: 'sim:other' }));
      const ids = async (symbol?: string) =>
        (await store.simBook.openOrders(ACCOUNT, symbol)).map((row) => row.clientOrderId);
      expect(await ids()).toEqual(['tie-1', 'tie-2', 'late']);
      expect(await ids('BTC/USDT')).toEqual(['tie-2', 'late']);
      expect(await ids('ETH/USDT')).toEqual(['tie-1']);
      expect(await store.simBook.openOrders('sim:nobody')).toEqual([]);
    });
  });

  describe('sim book matching steps', () => {
    it('writes row, trades and balance deltas together and returns the stored row', async () => {
      const { row } = await store.simBook.insertOrder(order('c1'));
      await store.simBook.seedBalances(ACCOUNT, { USDT: '100000' });
      const filled = await store.simBook.mutateOrder(ACCOUNT, 'c1', (current) => ({
        row: { ...current, filledQty: '0.1', matchedThroughTs: T0 + 120_000, updatedTs: T0 + 120_000 },
        trades: [trade(current, 't1')],
        balanceDeltas: { BTC: '0.1', USDT: '-6001.2' },
      }));
      expect(filled).toStrictEqual({
        ...row,
        filledQty: '0.1',
        matchedThroughTs: T0 + 120_000,
        updatedTs: T0 + 120_000,
      });
      expect(await store.simBook.getOrder(ACCOUNT, 'c1')).toStrictEqual(filled);
      expect(await store.simBook.trades(ACCOUNT, 'c1')).toStrictEqual([trade(row, 't1')]);
      expect(await store.simBook.balances(ACCOUNT)).toStrictEqual({ BTC: '0.1', USDT: '93998.8' });
    });

    it('writes nothing when the step throws, and nothing changes when it returns undefined', async () => {
      const { row } = await store.simBook.insertOrder(order('c1'));
      await store.simBook.seedBalances(ACCOUNT, { USDT: '100000' });
      const failing = store.simBook.mutateOrder(ACCOUNT, 'c1', () => {
        throw new Error('matcher bug');
      });
      await expect(failing).rejects.toThrow('matcher bug');
      expect(await store.simBook.mutateOrder(ACCOUNT, 'c1', () => undefined)).toStrictEqual(row);
      expect(await store.simBook.getOrder(ACCOUNT, 'c1')).toStrictEqual(row);
      expect(await store.simBook.trades(ACCOUNT, 'c1')).toEqual([]);
      expect(await store.simBook.balances(ACCOUNT)).toStrictEqual({ USDT: '100000' });
    });

    it('rolls back the whole step when a part of it fails after the row was written', async () => {
      const { row } = await store.simBook.insertOrder(order('c1'));
      await store.simBook.seedBalances(ACCOUNT, { USDT: '100000' });
      const bad = store.simBook.mutateOrder(ACCOUNT, 'c1', (current) => ({
        row: { ...current, filledQty: '0.1' },
        trades: [trade(current, 't1')],
        balanceDeltas: { USDT: 'not a number' },
      }));
      await expect(bad).rejects.toThrow();
      expect(await store.simBook.getOrder(ACCOUNT, 'c1')).toStrictEqual(row);
      expect(await store.simBook.trades(ACCOUNT, 'c1')).toEqual([]);
      expect(await store.simBook.balances(ACCOUNT)).toStrictEqual({ USDT: '100000' });
    });

    it('serialises concurrent steps on one order: ten increments of 0.1 end at exactly 1', async () => {
      await store.simBook.insertOrder(order('c1'));
      const increment = (n: number) =>
        store.simBook.mutateOrder(ACCOUNT, 'c1', (current) => ({
          row: { ...current, filledQty: new Dec(current.filledQty).plus('0.1').toString() },
          trades: [trade(current, `t${n}`)],
          balanceDeltas: { BTC: '0.1', USDT: '-6001.2' },
        }));
      await Promise.all(Array.from({ length: 10 }, (_, n) => increment(n)));
      expect((await store.simBook.getOrder(ACCOUNT, 'c1'))?.filledQty).toBe('1');
      expect(await store.simBook.trades(ACCOUNT, 'c1')).toHaveLength(10);
      expect(await store.simBook.balances(ACCOUNT)).toStrictEqual({ BTC: '1', USDT: '-60012' });
    });

    it('ignores a trade id already stored and keeps trades oldest first', async () => {
      const { row } = await store.simBook.insertOrder(order('c1'));
      const step = (trades: SimTradeRow[]) => () => ({ row, trades, balanceDeltas: {} });
      await store.simBook.mutateOrder(ACCOUNT, 'c1', step([trade(row, 't2', { ts: T0 + 2 })]));
      await store.simBook.mutateOrder(
        ACCOUNT,
        'c1',
        step([trade(row, 't2', { ts: T0 + 9, qty: '5' }), trade(row, 't1', { ts: T0 + 1 })]),
      );
      expect((await store.simBook.trades(ACCOUNT, 'c1')).map((t) => [t.tradeId, t.qty])).toEqual([
        ['t1', '0.1'],
        ['t2', '0.1'],
      ]);
    });

    it('returns undefined without calling the step for an unknown order', async () => {
      const step = jest.fn(() => undefined);
      expect(await store.simBook.mutateOrder(ACCOUNT, 'none', step)).toBeUndefined();
      expect(step).not.toHaveBeenCalled();
    });

    it('refuses a step that rewrites the order identity', async () => {
      const { row } = await store.simBook.insertOrder(order('c1'));
      const moved = store.simBook.mutateOrder(ACCOUNT, 'c1', (current) => ({
        row: { ...current, clientOrderId: 'c2' },
        trades: [],
        balanceDeltas: {},
      }));
      await expect(moved).rejects.toBeInstanceOf(RangeError);
      expect(await store.simBook.getOrder(ACCOUNT, 'c1')).toStrictEqual(row);
    });
  });

  describe('sim balances', () => {
    it('seeds once: a second seed does not overwrite, and totals come back exactly as stored', async () => {
      expect(await store.simBook.balances(ACCOUNT)).toStrictEqual({});
      await store.simBook.seedBalances(ACCOUNT, { USDT: '100000.00', BTC: '0.00000001' });
      await store.simBook.seedBalances(ACCOUNT, { USDT: '5', ETH: '3' });
      expect(await store.simBook.balances(ACCOUNT)).toStrictEqual({ BTC: '0.00000001', USDT: '100000.00' });
      expect(await store.simBook.balances('sim:other')).toStrictEqual({});
    });

    it('adds deltas in decimal arithmetic, never floats', async () => {
      await store.simBook.insertOrder(order('c1'));
      await store.simBook.seedBalances(ACCOUNT, { USDT: '100000', BTC: '0.3' });
      await store.simBook.mutateOrder(ACCOUNT, 'c1', (current) => ({
        row: current,
        trades: [],
        balanceDeltas: { USDT: '-6001.2', BTC: '-0.1', ETH: '0.00000001' },
      }));
      // 0.3 - 0.1 in floats is 0.19999999999999998.
      expect(await store.simBook.balances(ACCOUNT)).toStrictEqual({
        BTC: '0.2',
        ETH: '0.00000001',
        USDT: '93998.8',
      });
    });
  });

  describe('kill switches', () => {
    const world = { kind: 'world', worldId: 'crypto-majors' } as const;
    const venue = { kind: 'venue', venue: 'binance', account: 'main' } as const;
    const engaged = (scope: KillSwitchRecord['scope'], over: Partial<KillSwitchRecord> = {}) => ({
      scopeKey: killScopeKey(scope),
      scope,
      engaged: true,
      reason: 'drawdown breach',
      flatten: true,
      by: 'key-1',
      at: at(1),
      ...over,
    });

    it('puts, replaces, gets and lists every scope by key', async () => {
      expect(await store.killSwitches.get(killScopeKey(world))).toBeUndefined();
      expect(await store.killSwitches.list()).toEqual([]);
      await store.killSwitches.put(engaged(world));
      await store.killSwitches.put(engaged(venue, { flatten: false }));
      const released = engaged(world, {
        engaged: false,
        reason: 'resolved',
        flatten: false,
        by: 'system',
        at: at(2),
      });
      await store.killSwitches.put(released);
      expect(await store.killSwitches.get('world:crypto-majors')).toStrictEqual(released);
      expect(await store.killSwitches.list()).toStrictEqual([engaged(venue, { flatten: false }), released]);
    });
  });

  describe('audit trail', () => {
    const event = (eventKey: string, over: Partial<AuditRecord> = {}): Omit<AuditRecord, 'seq'> => ({
      eventKey,
      at: at(1),
      actor: 'key-1',
      action: 'kill_switch.engaged',
      subject: 'world:crypto-majors',
      detail: { reason: 'drawdown breach', flatten: true, nested: { z: 1, a: [1.5, 'x'] } },
      ...over,
    });

    it('appends once per event key and returns the first record unchanged', async () => {
      const first = await store.audit.append(event('e1'));
      expect(first).toStrictEqual({ seq: first.seq, ...event('e1') });
      const again = await store.audit.append(event('e1', { actor: 'someone else', detail: {} }));
      expect(again).toStrictEqual(first);
      expect(await store.audit.list({ limit: 10 })).toStrictEqual([first]);
    });

    it('lists ascending by seq, filtered by subject, after a seq, limited', async () => {
      const order1 = { subject: 'order:o1', action: 'order.canceled' };
      const records: AuditRecord[] = [];
      for (const [key, over] of [
        ['e1', {}],
        ['e2', order1],
        ['e3', {}],
        ['e4', order1],
      ] as const) {
        records.push(await store.audit.append(event(key, over)));
      }
      const seqs = records.map((r) => r.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      const keys = async (options: Parameters<Store['audit']['list']>[0]) =>
        (await store.audit.list(options)).map((r) => r.eventKey);
      expect(await keys({ limit: 10 })).toEqual(['e1', 'e2', 'e3', 'e4']);
      expect(await keys({ limit: 2 })).toEqual(['e1', 'e2']);
      expect(await keys({ subject: 'order:o1', limit: 10 })).toEqual(['e2', 'e4']);
      expect(await keys({ afterSeq: seqs[1], limit: 10 })).toEqual(['e3', 'e4']);
      expect(await keys({ subject: 'world:crypto-majors', afterSeq: seqs[0], limit: 1 })).toEqual(['e3']);
      expect(await keys({ subject: 'nothing', limit: 10 })).toEqual([]);
      await expect(store.audit.list({ limit: -1 })).rejects.toBeInstanceOf(RangeError);
    });

    it('appends concurrently with unique seqs and one record per key', async () => {
      const keys = ['a', 'b', 'c', 'a', 'b', 'c', 'd'];
      const results = await Promise.all(keys.map((key) => store.audit.append(event(key))));
      const listed = await store.audit.list({ limit: 100 });
      expect(listed.map((r) => r.eventKey).sort()).toEqual(['a', 'b', 'c', 'd']);
      for (const result of results) {
        expect(listed.find((r) => r.eventKey === result.eventKey)).toStrictEqual(result);
      }
    });
  });
}

describe.each([
  { kind: 'sqlite', makeHarness: sqliteHarness, preflight: async (): Promise<void> => undefined },
  { kind: 'postgres', makeHarness: postgresHarness, preflight: requirePostgres },
])('$kind store: execution', ({ makeHarness, preflight }) => {
  beforeAll(preflight);
  executionContract(makeHarness);
});
