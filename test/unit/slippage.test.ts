import Decimal from 'decimal.js';
import { marketSnapshot, type MarketSnapshot, type Side } from '../../domain/brokerage/market';
import { createSlippageModel, parseSlippageConfig } from '../../domain/brokerage/slippage';

const d = (v: Decimal.Value) => new Decimal(v);
const slip = (
  config: unknown,
  side: Side,
  qty: Decimal.Value,
  reference: Decimal.Value,
  market: MarketSnapshot,
) =>
  createSlippageModel(parseSlippageConfig(config))
    .slippage({ side, qty: d(qty), reference: d(reference), market })
    .toString();

const quote = marketSnapshot({ bid: '99.9', ask: '100.1' });
const bar = marketSnapshot({ bar: { open: 100, high: 101, low: 99, close: 100, volume: 10000 } });

describe('constant slippage', () => {
  it('charges bps of the reference price', () => {
    // 100 × 10 / 10,000 = 0.1
    expect(slip([{ kind: 'constant', bps: '10' }], 'buy', 1, 100, quote)).toBe('0.1');
  });
});

describe('spread slippage', () => {
  const spread = [{ kind: 'spread' }];

  it('is half the spread from the mid', () => {
    // (100.1 − 99.9) / 2 = 0.1 for either side
    expect(slip(spread, 'buy', 1, 100, quote)).toBe('0.1');
    expect(slip(spread, 'sell', 1, 100, quote)).toBe('0.1');
  });

  it('adds nothing when the reference already is the touch (SPEC §12: spread paid once)', () => {
    expect(slip(spread, 'buy', 1, '100.1', quote)).toBe('0');
    expect(slip(spread, 'sell', 1, '99.9', quote)).toBe('0');
  });

  it('is zero without a quote', () => {
    expect(slip(spread, 'buy', 1, 100, bar)).toBe('0');
  });
});

describe('volume share slippage (LEAN)', () => {
  const vs = [{ kind: 'volume_share' }]; // priceImpact 0.1, volumeLimit 0.025

  it('charges priceImpact × (fillQty / barVolume)² × reference', () => {
    // share 100 / 10,000 = 0.01 → 0.1 × 0.0001 × 100 = 0.001
    expect(slip(vs, 'buy', 100, 100, bar)).toBe('0.001');
  });

  it('caps the share at the volume limit', () => {
    // share 1,000 / 10,000 = 0.1 → capped 0.025 → 0.1 × 0.000625 × 100 = 0.00625
    expect(slip(vs, 'buy', 1000, 100, bar)).toBe('0.00625');
  });

  it('charges the capped share when volume is unknown (missing data is not free)', () => {
    expect(slip(vs, 'sell', 1, 100, quote)).toBe('0.00625');
  });
});

describe('composition and parsing', () => {
  it('sums the configured sources; none/empty is zero', () => {
    // spread 0.1 + constant 100 × 5 bps = 0.05 → 0.15
    expect(slip([{ kind: 'spread' }, { kind: 'constant', bps: 5 }], 'buy', 1, 100, quote)).toBe('0.15');
    expect(slip([], 'buy', 1, 100, quote)).toBe('0');
    expect(slip([{ kind: 'none' }], 'buy', 1, 100, quote)).toBe('0');
  });

  it('rejects unknown keys, kinds and negative rates', () => {
    expect(() => parseSlippageConfig([{ kind: 'constant', bps: '1', side: 'buy' }])).toThrow();
    expect(() => parseSlippageConfig([{ kind: 'random' }])).toThrow();
    expect(() => parseSlippageConfig([{ kind: 'constant', bps: '-1' }])).toThrow();
  });
});
