import { Dec } from '../../domain/execution/symbol';
import { isReduceOnly, planRebalance, type RebalancePosition } from '../../domain/world/rebalance';

const pos = (strategy_id: string, qty: string, over: Partial<RebalancePosition> = {}): RebalancePosition => ({
  world_id: 'a',
  strategy_id,
  symbol: 'BTC/USDT',
  venue: 'binance',
  qty,
  mark: '60000',
  ...over,
});
const LOT = { 'BTC/USDT': '0.001' };

describe('planRebalance: SPEC §9 world 0.3 → 0.2', () => {
  // scale = 0.2 / 0.3 = 2/3; s1 0.6 → 0.4 (−0.2), s2 0.9 → 0.6 (−0.3); net −0.5.
  const plan = planRebalance({
    world_alloc_before: { a: '0.3' },
    world_alloc_after: { a: '0.2' },
    positions: [pos('s1', '0.6'), pos('s2', '0.9')],
    lot_size_by_symbol: LOT,
  });

  it('attributes −0.2 / −0.3 per strategy before netting', () => {
    expect(plan.per_world.a!.strategy_deltas.map((d) => [d.strategy_id, d.qty_after, d.delta_qty])).toEqual([
      ['s1', '0.4', '-0.2'],
      ['s2', '0.6', '-0.3'],
    ]);
    expect(new Dec(plan.per_world.a!.scale_world).toDecimalPlaces(10).toString()).toBe('0.6666666667');
    expect(Object.keys(plan.per_world.a!.scale_by_strategy)).toEqual(['s1', 's2']);
  });

  it('nets into one −0.5 BTC reduce-only sell carrying the attribution', () => {
    expect(plan.per_world.a!.deltas).toEqual([{ symbol: 'BTC/USDT', venue: 'binance', delta_qty: '-0.5' }]);
    expect(plan.global_deltas).toEqual(plan.per_world.a!.deltas);
    expect(plan.orders_per_world.a).toEqual([
      {
        symbol: 'BTC/USDT',
        venue: 'binance',
        quantity: '-0.5',
        side: 'sell',
        reduce_only: true,
        time_in_force: 'GTC',
        attribution: [
          { world_id: 'a', strategy_id: 's1', delta_qty: '-0.2' },
          { world_id: 'a', strategy_id: 's2', delta_qty: '-0.3' },
        ],
      },
    ]);
    expect(
      plan.orders_per_strategy.map((o) => [o.strategy_id, o.order.quantity, o.order.reduce_only]),
    ).toEqual([
      ['s1', '-0.2', true],
      ['s2', '-0.3', true],
    ]);
  });
});

describe('planRebalance: attribution survives netting', () => {
  it('a strategy-level shift keeps +/− per strategy while the net order is their sum', () => {
    // World unchanged at 0.3; s1 0.5 → 0.6 of the world (×1.2), s2 0.5 → 0.4 (×0.8).
    // s1 0.6 → 0.72 (+0.12); s2 0.9 → 0.72 (−0.18); net −0.06 on a 1.5 long → reduce-only.
    const plan = planRebalance({
      world_alloc_before: { a: '0.3' },
      world_alloc_after: { a: '0.3' },
      strategy_weight_before: { a: { s1: '0.5', s2: '0.5' } },
      strategy_weight_after: { a: { s1: '0.6', s2: '0.4' } },
      positions: [pos('s1', '0.6'), pos('s2', '0.9')],
      lot_size_by_symbol: LOT,
    });
    const order = plan.orders_per_world.a![0]!;
    expect(order.quantity).toBe('-0.06');
    expect(order.attribution.map((p) => p.delta_qty)).toEqual(['0.12', '-0.18']);
    expect(plan.per_world.a!.scale_world).toBe('1');
    expect(plan.per_world.a!.scale_by_strategy).toEqual({ s1: '1.2', s2: '0.8' });
    // The buying strategy's own order is a plain buy, never reduce-only.
    expect(plan.orders_per_strategy.map((o) => [o.order.quantity, o.order.reduce_only])).toEqual([
      ['0.12', false],
      ['-0.18', true],
    ]);
  });

  it('a fully offsetting shift sends no venue order but keeps both strategy deltas', () => {
    const plan = planRebalance({
      world_alloc_before: { a: '0.3' },
      world_alloc_after: { a: '0.3' },
      strategy_weight_before: { a: { s1: '0.4', s2: '0.6' } },
      strategy_weight_after: { a: { s1: '0.6', s2: '0.4' } },
      positions: [pos('s1', '0.6'), pos('s2', '0.9')],
    });
    expect(plan.orders_per_world.a).toEqual([]);
    expect(plan.per_world.a!.strategy_deltas.map((d) => d.delta_qty)).toEqual(['0.3', '-0.3']);
  });
});

describe('planRebalance: reduce-only follows the absolute position (SPEC §12)', () => {
  it('a growing short is a sell that is not reduce-only', () => {
    // −0.6 short, world 0.2 → 0.3 (×1.5) → −0.9: sell 0.3 that grows |position|.
    const plan = planRebalance({
      world_alloc_before: { a: '0.2' },
      world_alloc_after: { a: '0.3' },
      positions: [pos('s1', '-0.6')],
      lot_size_by_symbol: LOT,
    });
    expect(plan.orders_per_world.a![0]).toMatchObject({ quantity: '-0.3', side: 'sell', reduce_only: false });
  });

  it('a shrinking short is a buy that is reduce-only', () => {
    const plan = planRebalance({
      world_alloc_before: { a: '0.3' },
      world_alloc_after: { a: '0.2' },
      positions: [pos('s1', '-0.9')],
      lot_size_by_symbol: LOT,
    });
    expect(plan.orders_per_world.a![0]).toMatchObject({ quantity: '0.3', side: 'buy', reduce_only: true });
  });

  it('a growing long is not reduce-only; crossing zero is not reduce-only', () => {
    expect(isReduceOnly('1', '0.5')).toBe(false);
    expect(isReduceOnly('1', '-1')).toBe(true);
    expect(isReduceOnly('1', '-1.5')).toBe(false);
    expect(isReduceOnly('-1', '1.5')).toBe(false);
    expect(isReduceOnly('0', '-1')).toBe(false);
  });

  it('judges the netted position, not each strategy: a long and a short netting flat', () => {
    // s1 long 0.9, s2 short −0.3; halving the world gives −0.45 and +0.15: net −0.3 on a +0.6 book.
    const plan = planRebalance({
      world_alloc_before: { a: '0.4' },
      world_alloc_after: { a: '0.2' },
      positions: [pos('s1', '0.9'), pos('s2', '-0.3')],
    });
    expect(plan.orders_per_world.a![0]).toMatchObject({ quantity: '-0.3', reduce_only: true });
    expect(plan.orders_per_strategy.map((o) => [o.order.quantity, o.order.reduce_only])).toEqual([
      ['-0.45', true],
      ['0.15', true],
    ]);
  });
});

describe('planRebalance: decimal lot rounding', () => {
  it('−0.1 on lot 0.001 stays −0.1 (0.3 → 0.2 of 0.3 BTC)', () => {
    const plan = planRebalance({
      world_alloc_before: { a: '0.3' },
      world_alloc_after: { a: '0.2' },
      positions: [pos('s1', '0.3')],
      lot_size_by_symbol: LOT,
    });
    expect(plan.orders_per_world.a![0]!.quantity).toBe('-0.1');
  });

  it('rounds each strategy delta toward zero before netting, so the parts sum to the order', () => {
    // World 0.3 → 0.1: 0.1 × 0.1 / 0.3 = 0.0333…, delta −0.0666… → −0.066 each (toward zero).
    const plan = planRebalance({
      world_alloc_before: { a: '0.3' },
      world_alloc_after: { a: '0.1' },
      positions: [pos('s1', '0.1'), pos('s2', '0.1')],
      lot_size_by_symbol: LOT,
    });
    const order = plan.orders_per_world.a![0]!;
    expect(order.attribution.map((p) => p.delta_qty)).toEqual(['-0.066', '-0.066']);
    expect(order.quantity).toBe('-0.132');
  });
});

describe('planRebalance: worlds, dust and bad input', () => {
  it('nets per world by default and across worlds in the global view', () => {
    const plan = planRebalance({
      world_alloc_before: { a: '0.3', b: '0.2' },
      world_alloc_after: { a: '0.2', b: '0.3' },
      positions: [pos('s1', '0.6'), pos('t1', '0.4', { world_id: 'b' })],
    });
    expect(plan.orders_per_world.a![0]!.quantity).toBe('-0.2');
    expect(plan.orders_per_world.b![0]!.quantity).toBe('0.2');
    expect(plan.global_deltas).toEqual([]);
    expect(plan.orders_global).toEqual([]);
  });

  it('suppresses orders under min_trade_notional', () => {
    const plan = planRebalance({
      world_alloc_before: { a: '0.3' },
      world_alloc_after: { a: '0.2' },
      positions: [pos('s1', '0.003')],
      min_trade_notional: '100',
    });
    // −0.001 × 60000 = 60 < 100
    expect(plan.orders_per_world.a).toEqual([]);
    expect(plan.suppressed.map((o) => o.quantity)).toEqual(['-0.001']);
  });

  it('rejects missing allocations, floats and a position held under a zero allocation', () => {
    const base = { world_alloc_before: { a: '0.3' }, world_alloc_after: { a: '0.2' } };
    expect(() => planRebalance({ ...base, positions: [pos('s1', '1', { world_id: 'x' })] })).toThrow(
      RangeError,
    );
    expect(() => planRebalance({ ...base, positions: [pos('s1', '1e-3')] })).toThrow(RangeError);
    expect(() =>
      planRebalance({
        world_alloc_before: { a: '0' },
        world_alloc_after: { a: '0.2' },
        positions: [pos('s1', '1')],
      }),
    ).toThrow(RangeError);
    expect(() =>
      planRebalance({ ...base, positions: [pos('s1', '1'), pos('s2', '1', { mark: '59000' })] }),
    ).toThrow(/inconsistent marks/);
  });
});
