import Decimal from 'decimal.js';
import { percentFee, roundTrips, simulate, type SimulationInput } from '../../domain/backtest/simulate';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const days = (n: number) => Array.from({ length: n }, (_, t) => T0 + t * DAY);
const text = (xs: readonly Decimal[]) => xs.map((x) => x.toString());

function run(closes: number[], targets: number[], extra: Partial<SimulationInput> = {}) {
  return simulate({
    timestamps: days(closes.length),
    closes,
    targets,
    initialCash: 10_000,
    feeModel: percentFee('0.001'),
    ...extra,
  });
}

describe('simulate: 6 bars, targets [0, 1, 1, 0, −1, 0], fee 0.1%, 10 000 cash', () => {
  // bar 0  close 100: target 0, no trade.                         cash 10000, qty 0      → equity 10000
  // bar 1  close 100: target 1 → qty 10000/100 = 100, buy 100.
  //        notional 10000, fee 10 → cash 10000 − 10000 − 10 = −10, qty 100     → equity −10 + 100·100 = 9990
  // bar 2  close 110: target unchanged, hold.                                    → equity −10 + 100·110 = 10990
  // bar 3  close 120: target 0 → sell 100. notional 12000, fee 12
  //        → cash −10 + 12000 − 12 = 11978, qty 0                                → equity 11978
  // bar 4  close 100: target −1 → qty −11978/100 = −119.78, sell 119.78.
  //        notional 11978, fee 11.978 → cash 11978 + 11978 − 11.978 = 23944.022 → equity 23944.022 − 11978 = 11966.022
  // bar 5  close 110: target 0 → buy 119.78. notional 13175.8, fee 13.1758
  //        → cash 23944.022 − 13175.8 − 13.1758 = 10755.0462, qty 0              → equity 10755.0462
  const closes = [100, 100, 110, 120, 100, 110];
  const result = run(closes, [0, 1, 1, 0, -1, 0]);

  it('produces the equity curve to the cent (exactly, in decimals)', () => {
    expect(text(result.equity)).toEqual(['10000', '9990', '10990', '11978', '11966.022', '10755.0462']);
    expect(result.equity.map((e) => e.toFixed(2))).toEqual([
      '10000.00',
      '9990.00',
      '10990.00',
      '11978.00',
      '11966.02',
      '10755.05',
    ]);
    expect(text(result.positions)).toEqual(['0', '100', '100', '0', '-119.78', '0']);
    expect(Array.from(result.equityValues)).toEqual([10000, 9990, 10990, 11978, 11966.022, 10755.0462]);
  });

  it('lists each change of position as one trade with side, quantity, price and fee', () => {
    const rows = result.trades.map((t) => [
      t.index,
      t.ts,
      t.side,
      ...text([t.quantity, t.price, t.notional, t.fee]),
    ]);
    expect(rows).toEqual([
      [1, T0 + DAY, 'buy', '100', '100', '10000', '10'],
      [3, T0 + 3 * DAY, 'sell', '100', '120', '12000', '12'],
      [4, T0 + 4 * DAY, 'sell', '119.78', '100', '11978', '11.978'],
      [5, T0 + 5 * DAY, 'buy', '119.78', '110', '13175.8', '13.1758'],
    ]);
  });

  it('reports per-bar returns r[t] = equity[t]/equity[t−1] − 1 from the initial cash', () => {
    // r0 = 10000/10000 − 1 = 0;  r1 = 9990/10000 − 1 = −0.001;  r2 = 10990/9990 − 1 = 100/999
    // r3 = 11978/10990 − 1 = 494/5495;  r4 = 11966.022/11978 − 1 = −0.001
    // r5 = 10755.0462/11966.022 − 1 = −337/3330
    const expected = [0, -0.001, 100 / 999, 494 / 5495, -0.001, -337 / 3330];
    expected.forEach((r, t) => expect(result.returns[t]).toBeCloseTo(r, 15));
  });

  it('closes a long (bars 1→3) for +1978 and a short (bars 4→5) for −1222.9538', () => {
    // long:  −10000 − 10 + 12000 − 12 = 1978
    // short: +11978 − 11.978 − 13175.8 − 13.1758 = −1222.9538
    const trips = roundTrips(result.trades);
    expect(trips.map((t) => [t.side, t.openIndex, t.closeIndex, t.pnl.toString()])).toEqual([
      ['long', 1, 3, '1978'],
      ['short', 4, 5, '-1222.9538'],
    ]);
  });
});

describe('simulate: sizing, flips and rounding', () => {
  it('rounds quantities toward zero and splits a flip into a close and an open', () => {
    // bar 1 close 100: buy 100, fee 10, cash −10.
    // bar 2 close 110: equity −10 + 11000 = 10990; target −1 → −10990/110 = −99.909090909… → −99.90909090
    //   (toward zero, 8 decimals). delta −199.9090909, notional 199.9090909·110 = 21989.999999, fee 21.989999999
    //   cash −10 + 21989.999999 − 21.989999999 = 21958.009999001; equity 21958.009999001 − 10989.999999 = 10968.010000001
    // bar 3 close 121: buy 99.9090909, notional 12088.9999989, fee 12.0889999989
    //   cash 21958.009999001 − 12088.9999989 − 12.0889999989 = 9856.9210001021
    const result = run([100, 100, 110, 121], [0, 1, -1, 0]);
    expect(text(result.positions)).toEqual(['0', '100', '-99.9090909', '0']);
    expect(text(result.equity)).toEqual(['10000', '9990', '10968.010000001', '9856.9210001021']);
    expect(result.trades[1]!.side).toBe('sell');
    expect(result.trades[1]!.quantity.toString()).toBe('199.9090909');
    // long: −10000 − 10 + 100·110 − 21.989999999·(100/199.9090909 = fee 0.11 per unit → 11) = 979
    // short: 99.9090909·110 − (21.989999999 − 11) − 12088.9999989 − 12.0889999989 = −1122.0789998979
    expect(roundTrips(result.trades).map((t) => [t.side, t.pnl.toString()])).toEqual([
      ['long', '979'],
      ['short', '-1122.0789998979'],
    ]);
  });

  it('honours quantityDecimals (whole units here)', () => {
    // 10000/30 = 333.33… → 333 long, −333 short (toward zero, never more than asked)
    const result = run([30, 30, 30], [1, -1, 0], { quantityDecimals: 0, feeModel: percentFee(0) });
    expect(text(result.positions)).toEqual(['333', '-333', '0']);
  });

  it('holds the position on a NaN target (no decision → no order) and trades only on changes', () => {
    const result = run([10, 10, 12, 10, 10], [NaN, 0.5, NaN, 0.5, 0], { feeModel: percentFee(0) });
    // bar 1: 0.5·10000/10 = 500 bought; bars 2–3 hold; bar 4: sell 500
    expect(result.trades.map((t) => [t.index, t.side, t.quantity.toString()])).toEqual([
      [1, 'buy', '500'],
      [4, 'sell', '500'],
    ]);
    // bar 2 equity 5000 + 500·12 = 11000: the weight drifted, no rebalancing trade
    expect(result.equity[2]!.toString()).toBe('11000');
  });

  it('liquidates and stays flat once equity is gone', () => {
    // bar 0: short 100 @100, fee 10 → cash 19990, equity 9990
    // bar 1 close 250: equity 19990 − 25000 = −5010 ≤ 0 → buy back 100 @250, fee 25 → cash −5035
    // bar 2: target 1 is ignored; return 0 (no equity left to earn on)
    const result = run([100, 250, 100], [-1, -1, 1]);
    expect(result.trades.map((t) => [t.index, t.side])).toEqual([
      [0, 'sell'],
      [1, 'buy'],
    ]);
    expect(text(result.equity)).toEqual(['9990', '-5035', '-5035']);
    expect(result.returns[1]).toBeCloseTo(-5035 / 9990 - 1, 15);
    expect(result.returns[2]).toBe(0);
  });

  it('refuses inputs it cannot simulate faithfully', () => {
    expect(() => run([100, 100], [0, 1.5])).toThrow(RangeError);
    expect(() => run([100, 0], [0, 1])).toThrow(RangeError);
    expect(() => run([100, NaN], [0, 1])).toThrow(RangeError);
    expect(() => run([100], [0, 1])).toThrow(RangeError);
    expect(() => run([100], [0], { initialCash: 0 })).toThrow(RangeError);
    expect(() => run([100], [0], { quantityDecimals: -1 })).toThrow(RangeError);
  });
});

describe('percentFee', () => {
  it('is rate × filled notional with a per-fill minimum, and nothing for no fill', () => {
    const fee = percentFee('0.001', '5');
    expect(fee.fee(new Decimal(1000), new Decimal(10)).toString()).toBe('5'); // 1 < 5 → minimum
    expect(fee.fee(new Decimal(12345.6), new Decimal(3)).toString()).toBe('12.3456');
    expect(fee.fee(new Decimal(0), new Decimal(0)).toString()).toBe('0');
    expect(() => percentFee(-0.001)).toThrow(RangeError);
  });
});
