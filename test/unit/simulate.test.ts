import Decimal from 'decimal.js';
import { roundTrips, simulate, type SimulationInput } from '../../domain/backtest/simulate';
import {
  createBrokerageModel,
  parseBrokerageConfig,
  type BrokerageConfigInput,
} from '../../domain/brokerage/model';
import { feeRateBrokerage } from '../../domain/run/window';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const days = (n: number) => Array.from({ length: n }, (_, t) => T0 + t * DAY);
const text = (xs: readonly Decimal[]) => xs.map((x) => x.toString());
const brokerage = (config: BrokerageConfigInput) => createBrokerageModel(parseBrokerageConfig(config));
/** What runs configured by fee_rate 0.001 (and runs with no setting) are priced by. */
const PERCENT = brokerage(feeRateBrokerage(0.001));
const FREE = brokerage(feeRateBrokerage(0));

function run(closes: number[], targets: number[], extra: Partial<SimulationInput> = {}) {
  return simulate({
    timestamps: days(closes.length),
    closes,
    targets,
    initialCash: 10_000,
    brokerage: PERCENT,
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
    const result = run([30, 30, 30], [1, -1, 0], { quantityDecimals: 0, brokerage: FREE });
    expect(text(result.positions)).toEqual(['333', '-333', '0']);
  });

  it('holds the position on a NaN target (no decision → no order) and trades only on changes', () => {
    const result = run([10, 10, 12, 10, 10], [NaN, 0.5, NaN, 0.5, 0], { brokerage: FREE });
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

describe('simulate: fills priced by the brokerage models', () => {
  const bar = (close: number, volume: number) => {
    const c = new Decimal(close);
    return { open: c, high: c, low: c, close: c, volume: new Decimal(volume) };
  };
  const rows = (result: ReturnType<typeof simulate>) =>
    result.trades.map((t) => [
      t.index,
      t.side,
      ...text([t.quantity, t.price, t.notional, t.fee]),
      t.liquidity,
    ]);

  it('slips a market buy above the close and a sell below it by exactly the bps, and pays the taker rate', () => {
    // 2 bp constant slippage, maker −0.01 % (a rebate) / taker 0.2 %.
    // bar 0 close 100: buy 100 @ 100·1.0002 = 100.02, notional 10002, fee 0.002·10002 = 20.004
    //   cash 10000 − 10002 − 20.004 = −22.004 → equity −22.004 + 100·100 = 9977.996
    // bar 1 close 110: sell 100 @ 110·0.9998 = 109.978, notional 10997.8, fee 21.9956
    //   cash −22.004 + 10997.8 − 21.9956 = 10953.8004
    const result = run([100, 110], [1, 0], {
      brokerage: brokerage({
        fee: { commission: { kind: 'maker_taker', makerRate: '-0.0001', takerRate: '0.002' } },
        fill: { slippage: [{ kind: 'constant', bps: '2' }] },
      }),
    });
    expect(rows(result)).toEqual([
      [0, 'buy', '100', '100.02', '10002', '20.004', 'taker'],
      [1, 'sell', '100', '109.978', '10997.8', '21.9956', 'taker'],
    ]);
    expect(text(result.equity)).toEqual(['9977.996', '10953.8004']);
  });

  it('charges the fee per fill on the FILLED quantity; a volume-limited order fills over several bars', () => {
    // 0.1 % with a 5 minimum per order; at most 10 % of a 300 volume = 30 per bar; the order is 100.
    // bar 0 @100: 30 filled, notional 3000, fee max(3, 5) = 5           cash 6995,    equity 9995
    // bar 1 @110: 30, notional 3300, fee 0.001·6300 − 5 = 1.3           cash 3693.7,  equity 10293.7
    // bar 2 @120: 30, notional 3600, fee 0.001·9900 − 6.3 = 3.6         cash 90.1,    equity 10890.1
    // bar 3 @120: the last 10, notional 1200, fee 0.001·11100 − 9.9 = 1.2 cash −1111.1, equity 10888.9
    // The fees add up to 0.1 % of the 11100 filled, the minimum paid once.
    const closes = [100, 110, 120, 120];
    const result = run(closes, [1, NaN, NaN, NaN], {
      brokerage: brokerage({
        fee: { commission: { kind: 'percent', rate: '0.001', minimum: '5' } },
        fill: { volumeLimit: { maxVolumeShare: '0.1' } },
      }),
      bars: closes.map((c) => bar(c, 300)),
    });
    expect(rows(result)).toEqual([
      [0, 'buy', '30', '100', '3000', '5', 'taker'],
      [1, 'buy', '30', '110', '3300', '1.3', 'taker'],
      [2, 'buy', '30', '120', '3600', '3.6', 'taker'],
      [3, 'buy', '10', '120', '1200', '1.2', 'taker'],
    ]);
    expect(text(result.equity)).toEqual(['9995', '10293.7', '10890.1', '10888.9']);
    expect(text(result.positions)).toEqual(['30', '60', '90', '100']);
  });

  it('a new target replaces what the last order left open', () => {
    // bar 0: 30 of 100 bought (fee 5); bar 1 target 0: sell the 30 held (fee max(3.3, 5) = 5), the 70 are dropped
    const result = run([100, 110, 120], [1, 0, NaN], {
      brokerage: brokerage({
        fee: { commission: { kind: 'percent', rate: '0.001', minimum: '5' } },
        fill: { volumeLimit: { maxVolumeShare: '0.1' } },
      }),
      bars: [bar(100, 300), bar(110, 300), bar(120, 300)],
    });
    expect(rows(result)).toEqual([
      [0, 'buy', '30', '100', '3000', '5', 'taker'],
      [1, 'sell', '30', '110', '3300', '5', 'taker'],
    ]);
    expect(text(result.positions)).toEqual(['30', '0', '0']);
  });

  it('gives monthly fee tiers the volume of the UTC month the order was placed in', () => {
    // 0.2 % below 15000 traded this month, 0.1 % from there; every trade is ~10000 at 100.
    // fees 20 (0 before), 20 (10000 before), then 9.96 (20000 before) for the 99.6 bought and sold again
    const tiered = brokerage({
      fee: {
        commission: {
          kind: 'tiered_notional',
          basis: 'month',
          tiers: [
            { fromNotional: '0', rate: '0.002' },
            { fromNotional: '15000', rate: '0.001' },
          ],
        },
      },
    });
    const fees = (timestamps: number[]) =>
      run([100, 100, 100, 100], [1, 0, 1, 0], { brokerage: tiered, timestamps }).trades.map((t) =>
        t.fee.toString(),
      );
    expect(fees(days(4))).toEqual(['20', '20', '9.96', '9.96']);
    // Bars 2 and 3 in February: a new month starts at the lowest tier again.
    const jan30 = Date.UTC(2024, 0, 30);
    expect(fees([0, 1, 2, 3].map((d) => jan30 + d * DAY))).toEqual(['20', '20', '19.92', '19.92']);
  });
});
