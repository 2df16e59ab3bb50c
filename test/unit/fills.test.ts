import Decimal from 'decimal.js';
import { createFillModel, parseFillConfig, type FillOrder } from '../../domain/brokerage/fills';
import { marketSnapshot } from '../../domain/brokerage/market';

const d = (v: Decimal.Value) => new Decimal(v);
const model = (config: unknown = {}) => createFillModel(parseFillConfig(config));
const bar = (open: number, high: number, low: number, close: number, volume = 1_000_000) =>
  marketSnapshot({ bar: { open, high, low, close, volume } });
/** Fills as plain strings so a failing assertion shows the numbers. */
const run = (config: unknown, order: FillOrder, market: ReturnType<typeof marketSnapshot>) => {
  const r = model(config).fill(order, market);
  return {
    ...r,
    fills: r.fills.map((f) => ({ qty: f.qty.toString(), price: f.price.toString(), liq: f.liquidity })),
  };
};
const TEN_BPS = { slippage: [{ kind: 'constant', bps: 10 }] };
const SPREAD = { slippage: [{ kind: 'spread' }] };

describe('market orders', () => {
  const quote = marketSnapshot({ bid: '99.9', ask: '100.1', last: 100 });

  it('buy at the ask, sell at the bid', () => {
    expect(run({}, { type: 'market', side: 'buy', qty: d(5) }, quote).fills).toEqual([
      { qty: '5', price: '100.1', liq: 'taker' },
    ]);
    expect(run({}, { type: 'market', side: 'sell', qty: d(5) }, quote).fills[0]?.price).toBe('99.9');
  });

  it('never pays the spread twice: spread slippage on a fill at the ask adds nothing (SPEC §12)', () => {
    expect(run(SPREAD, { type: 'market', side: 'buy', qty: d(5) }, quote).fills[0]?.price).toBe('100.1');
    expect(run(SPREAD, { type: 'market', side: 'sell', qty: d(5) }, quote).fills[0]?.price).toBe('99.9');
  });

  it('adds slippage on top of the touch, or of the bar close without a quote', () => {
    // 100.1 + 100.1 × 0.001 = 100.2001
    expect(run(TEN_BPS, { type: 'market', side: 'buy', qty: d(1) }, quote).fills[0]?.price).toBe('100.2001');
    // close 50 − 50 × 0.001 = 49.95
    expect(
      run(TEN_BPS, { type: 'market', side: 'sell', qty: d(1) }, bar(49, 51, 48, 50)).fills[0]?.price,
    ).toBe('49.95');
  });

  it('does not fill without any price', () => {
    expect(run({}, { type: 'market', side: 'buy', qty: d(1) }, marketSnapshot({})).fills).toEqual([]);
  });
});

describe('limit orders', () => {
  const buy = (limit: number): FillOrder => ({
    type: 'limit',
    side: 'buy',
    qty: d(10),
    limitPrice: d(limit),
  });

  it('does not fill when the bar never reaches the limit', () => {
    expect(run({}, buy(99), bar(100, 101, 99.5, 100)).fills).toEqual([]);
  });

  it('fills at the limit when the bar trades through it — slippage cannot push it past (SPEC §12)', () => {
    // low 98.5 ≤ 99 → reference 99; 99 + 0.099 slippage would be 99.099 > limit → capped at 99
    expect(run(TEN_BPS, buy(99), bar(100, 101, 98.5, 100)).fills).toEqual([
      { qty: '10', price: '99', liq: 'maker' },
    ]);
  });

  it('fills at the better open when the bar opens through the limit', () => {
    // open 98 < 99: 98 + 98 × 0.001 = 98.098 ≤ 99
    expect(run(TEN_BPS, buy(99), bar(98, 99.5, 97, 99)).fills[0]?.price).toBe('98.098');
  });

  it('sell limit mirrors: fills when high ≥ limit, never below it', () => {
    const sell: FillOrder = { type: 'limit', side: 'sell', qty: d(10), limitPrice: d(101) };
    expect(run(TEN_BPS, sell, bar(100, 101.5, 99, 100)).fills[0]?.price).toBe('101');
    // opens 103 above the limit: 103 − 0.103 = 102.897
    expect(run(TEN_BPS, sell, bar(103, 104, 102, 103)).fills[0]?.price).toBe('102.897');
    expect(run({}, sell, bar(100, 100.5, 99, 100)).fills).toEqual([]);
  });

  it('on a quote only, fills iff the touch is within the limit', () => {
    expect(run({}, buy(100), marketSnapshot({ bid: 99.9, ask: 100.1 })).fills).toEqual([]);
    expect(run({}, buy(100), marketSnapshot({ bid: 99.8, ask: 99.9 })).fills[0]?.price).toBe('99.9');
  });
});

describe('stop orders', () => {
  const stopBuy = (extra: Partial<FillOrder> = {}): FillOrder =>
    ({ type: 'stop', side: 'buy', qty: d(10), stopPrice: d(100), ...extra }) as FillOrder;

  it('does not trigger while high < stop', () => {
    expect(run({}, stopBuy(), bar(98, 99.9, 97, 99))).toEqual({ fills: [], triggered: false });
  });

  it('triggers at the stop and fills at the stop + slippage', () => {
    // high 101 ≥ 100, open 99 → max(100, 99) = 100; + 0.1 = 100.1
    expect(run(TEN_BPS, stopBuy(), bar(99, 101, 98, 100))).toEqual({
      fills: [{ qty: '10', price: '100.1', liq: 'taker' }],
      triggered: true,
    });
  });

  it('fills a gap through the stop at the open', () => {
    // open 102 > stop 100 → 102 + 0.102 = 102.102
    expect(run(TEN_BPS, stopBuy(), bar(102, 103, 101, 102)).fills[0]?.price).toBe('102.102');
  });

  it('sell stop triggers on low ≤ stop at min(stop, open)', () => {
    const stopSell: FillOrder = { type: 'stop', side: 'sell', qty: d(10), stopPrice: d(100) };
    expect(run({}, stopSell, bar(101, 102, 99, 100)).fills[0]?.price).toBe('100');
    expect(run({}, stopSell, bar(97, 98, 96, 97)).fills[0]?.price).toBe('97');
  });

  it('once triggered, the rest fills like a market order', () => {
    expect(run({}, stopBuy({ triggered: true }), bar(98, 99, 97, 98.5)).fills[0]?.price).toBe('98.5');
  });
});

describe('stop-limit orders', () => {
  const order = (triggered = false): FillOrder => ({
    type: 'stop_limit',
    side: 'buy',
    qty: d(10),
    stopPrice: d(100),
    limitPrice: d(101),
    triggered,
  });

  it('triggers and fills within the limit', () => {
    // trigger 100 ≤ limit 101; 100 + 0.1 = 100.1
    expect(run(TEN_BPS, order(), bar(99, 102, 98, 101)).fills[0]?.price).toBe('100.1');
  });

  it('caps slippage at the limit', () => {
    const wide = { slippage: [{ kind: 'constant', bps: 200 }] }; // 100 + 2 = 102 > 101
    expect(run(wide, order(), bar(99, 102, 98, 101)).fills[0]?.price).toBe('101');
  });

  it('triggers without filling when the bar gaps above the limit, then fills by limit rules', () => {
    expect(run({}, order(), bar(103, 104, 102.5, 103))).toEqual({ fills: [], triggered: true });
    // next bar, already triggered: low 100.5 ≤ 101, open 102 → fills at the limit 101
    expect(run({}, order(true), bar(102, 102.5, 100.5, 101)).fills[0]?.price).toBe('101');
  });
});

describe('volume-limited partial fills', () => {
  const config = { volumeLimit: { maxVolumeShare: '0.1', lotStep: '100' } };
  const buy = (qty: number): FillOrder => ({ type: 'market', side: 'buy', qty: d(qty) });

  it('fills at most maxVolumeShare × bar volume, rounded down to the lot', () => {
    // 0.1 × 1,250 = 125 → 100; 400 of the 500 stay open
    expect(run(config, buy(500), bar(10, 10, 10, 10, 1250)).fills).toEqual([
      { qty: '100', price: '10', liq: 'taker' },
    ]);
    // a small order is not capped
    expect(run(config, buy(50), bar(10, 10, 10, 10, 1250)).fills[0]?.qty).toBe('50');
  });

  it('works an order off over bars until filled', () => {
    const m = model(config);
    let open = d(500);
    const sizes: string[] = [];
    for (const volume of [1250, 3000, 900, 10000]) {
      const [f] = m.fill({ type: 'market', side: 'buy', qty: open }, bar(10, 10, 10, 10, volume)).fills;
      if (!f) continue; // 0.1 × 900 = 90 → 0 lots: no fill this bar
      sizes.push(f.qty.toString());
      open = open.minus(f.qty);
      if (open.isZero()) break;
    }
    // 100, then 300, then none, then the remaining 100
    expect(sizes).toEqual(['100', '300', '100']);
  });

  it('rejects bad configs and empty orders', () => {
    expect(() => parseFillConfig({ volumeLimit: { maxVolumeShare: '1.5' } })).toThrow();
    expect(() => parseFillConfig({ slippage: [], extra: true })).toThrow();
    expect(() => model().fill(buy(0), bar(1, 1, 1, 1))).toThrow(RangeError);
  });
});
