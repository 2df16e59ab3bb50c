/**
 * QMTL's plan body mapped onto the domain plan (api/rebalancing-request.ts):
 * strategy fractions of TOTAL equity are planned exactly, and decimals arrive
 * as strings or JSON numbers.
 */
import { Dec } from '../../domain/execution/symbol';
import { planRebalance } from '../../domain/world/rebalance';
import { planInput, planRequestSchema, withWorldScales } from '../../api/rebalancing-request';

const body = planRequestSchema.parse({
  total_equity: 100000,
  world_alloc_before: { a: 0.3 },
  world_alloc_after: { a: '0.3' },
  // Within the world these are 1/3 → 1/6: not finite decimals.
  strategy_alloc_before_total: { a: { s1: '0.1' } },
  strategy_alloc_after_total: { a: { s1: 0.05 } },
  positions: [{ world_id: 'a', strategy_id: 's1', symbol: 'BTC/USDT', qty: '0.6', mark: 60000 }],
  lot_size_by_symbol: { 'BTC/USDT': '0.001' },
});

describe('planInput: strategy totals', () => {
  it('halves 0.6 BTC by exactly −0.3 on a 0.001 lot', () => {
    const plan = withWorldScales(planRebalance(planInput(body)), body);
    expect(plan.per_world.a).toMatchObject({
      scale_world: '1',
      scale_by_strategy: { s1: '0.5' },
      deltas: [{ symbol: 'BTC/USDT', venue: 'sim', delta_qty: '-0.3' }],
    });
  });

  it('would lose a whole lot if the totals were divided by the world first', () => {
    // The conversion the Gateway avoids: 0.1 / 0.3 and 0.05 / 0.3 at 40 digits.
    const within = (total: string) => new Dec(total).div('0.3').toString();
    const naive = planRebalance({
      world_alloc_before: { a: '0.3' },
      world_alloc_after: { a: '0.3' },
      strategy_weight_before: { a: { s1: within('0.1') } },
      strategy_weight_after: { a: { s1: within('0.05') } },
      positions: body.positions,
      lot_size_by_symbol: { 'BTC/USDT': '0.001' },
    });
    expect(naive.per_world.a!.deltas[0]!.delta_qty).toBe('-0.299');
  });

  it('takes JSON numbers as their decimal text and refuses fractions outside [0, 1]', () => {
    expect(body.total_equity).toBe('100000');
    expect(body.world_alloc_before).toEqual({ a: '0.3' });
    expect(body.positions[0]!.mark).toBe('60000');
    expect(planRequestSchema.safeParse({ ...body, world_alloc_after: { a: 1.5 } }).success).toBe(false);
    expect(planRequestSchema.safeParse({ ...body, total_equity: 1e-7 }).data?.total_equity).toBe('0.0000001');
  });

  it('refuses strategy totals given for one side only', () => {
    expect(() => planInput({ ...body, strategy_alloc_after_total: undefined })).toThrow(
      'world a: strategy totals need both a before and an after split',
    );
  });
});
