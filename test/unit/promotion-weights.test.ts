import type { ActivationEntry } from '../../domain/world/activation';
import { promotionPlanWeights } from '../../domain/world/promotion-weights';

const entry = (
  strategy_id: string,
  weight: number,
  effective_mode: ActivationEntry['effective_mode'] = 'paper',
  side: ActivationEntry['side'] = 'long',
  active = true,
): ActivationEntry => ({
  strategy_id,
  side,
  active,
  weight,
  freeze: false,
  drain: false,
  effective_mode,
  etag: 1,
  run_id: 'r',
  ts: '2026-01-01T00:00:00.000Z',
});

describe('promotionPlanWeights', () => {
  it('gives the first strategy the whole world', () => {
    expect(promotionPlanWeights({ entries: [], strategy_id: 'a', mode: 'paper' })).toEqual([
      { strategy_id: 'a', weight: 1 },
    ]);
  });

  it('shares equally with the incumbents of the same mode, shrinking them pro rata', () => {
    const entries = [entry('a', 1), entry('a', 1, 'paper', 'short')];
    expect(promotionPlanWeights({ entries, strategy_id: 'b', mode: 'paper' })).toEqual([
      { strategy_id: 'b', weight: 0.5 },
      { strategy_id: 'a', weight: 0.5 },
    ]);
    // A third: 1/3 each, rounded down so the sum stays ≤ 1.
    const two = [entry('a', 0.5), entry('b', 0.5)];
    expect(promotionPlanWeights({ entries: two, strategy_id: 'c', mode: 'paper' })).toEqual([
      { strategy_id: 'c', weight: 0.333333 },
      { strategy_id: 'a', weight: 0.333333 },
      { strategy_id: 'b', weight: 0.333333 },
    ]);
  });

  it('leaves incumbents alone when there is room', () => {
    const entries = [entry('a', 0.25)];
    expect(promotionPlanWeights({ entries, strategy_id: 'b', mode: 'paper', allocated: '0.5' })).toEqual([
      { strategy_id: 'b', weight: 0.5 },
    ]);
  });

  it('never touches another mode: a live strategy keeps its weight and bounds the room', () => {
    const entries = [entry('live1', 0.6, 'live'), entry('p1', 0.4)];
    expect(promotionPlanWeights({ entries, strategy_id: 'p2', mode: 'paper' })).toEqual([
      { strategy_id: 'p2', weight: 0.2 },
      { strategy_id: 'p1', weight: 0.2 },
    ]);
  });

  it('ignores inactive entries and the strategy’s own current entries', () => {
    const entries = [entry('a', 1, 'paper', 'long', false), entry('b', 0.3)];
    expect(promotionPlanWeights({ entries, strategy_id: 'b', mode: 'paper' })).toEqual([
      { strategy_id: 'b', weight: 1 },
    ]);
  });

  it('caps an allocation above the room', () => {
    const entries = [entry('live1', 0.9, 'live')];
    expect(promotionPlanWeights({ entries, strategy_id: 'p', mode: 'paper', allocated: '0.5' })).toEqual([
      { strategy_id: 'p', weight: 0.1 },
    ]);
  });
});
