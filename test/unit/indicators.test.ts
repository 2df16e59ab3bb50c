import {
  ema,
  emaIncremental,
  returns,
  returnsIncremental,
  rsi,
  rsiIncremental,
  sma,
  smaIncremental,
  volatility,
  volatilityIncremental,
  zscore,
  zscoreIncremental,
  type Incremental,
} from '../../domain/nodes/indicators';

/** NaN ("no value yet") shown as null, as it is serialised. */
const shown = (xs: ArrayLike<number>) => Array.from(xs, (v) => (Number.isNaN(v) ? null : v));

/**
 * Runs the incremental form bar by bar, persisting the state through JSON
 * between bars exactly as a paper/live run would, and returns the outputs.
 */
function barByBar<S>(incremental: Incremental<S>, xs: readonly (number | null)[]): number[] {
  let state = incremental.initial;
  return xs.map((x) => {
    const next = incremental.step(JSON.parse(JSON.stringify(state)) as S, x);
    state = next.state;
    return next.output;
  });
}

/** Deterministic price path with a gap (null) at bar 40: a random walk from a fixed LCG. */
function pricePath(n: number): (number | null)[] {
  let seed = 12345;
  let price = 100;
  return Array.from({ length: n }, (_, t) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    price *= 1 + (seed / 2147483648 - 0.5) * 0.04;
    return t === 40 ? null : price;
  });
}

const CLOSES = [100, 101, 102, 101, 103];

describe('sma', () => {
  it('averages the last `window` closes, first value at index window − 1', () => {
    // (100+101+102)/3 = 101; (101+102+101)/3 = 304/3 = 101.333…; (102+101+103)/3 = 102
    expect(shown(sma(CLOSES, 3))).toEqual([null, null, 101, 304 / 3, 102]);
    expect(shown(sma(CLOSES, 1))).toEqual(CLOSES);
  });

  it('restarts its warm-up after a gap: a window never spans a missing bar', () => {
    // [1,2]→1.5; gap; [3] too short; [3,4]→3.5; [4,5]→4.5
    expect(shown(sma([1, 2, null, 3, 4, 5], 2))).toEqual([null, 1.5, null, null, 3.5, 4.5]);
    expect(shown(sma([1, 2, NaN, 3, 4, 5], 2))).toEqual([null, 1.5, null, null, 3.5, 4.5]);
  });

  it('refuses a window that is not an integer ≥ 1', () => {
    expect(() => sma(CLOSES, 0)).toThrow(RangeError);
    expect(() => sma(CLOSES, 2.5)).toThrow(RangeError);
  });
});

describe('ema', () => {
  it('is seeded with the SMA of the first window values, then alpha = 2/(window+1)', () => {
    // window 3 → alpha = 0.5. seed at t=2: (100+101+102)/3 = 101
    // t=3: 0.5·101 + 0.5·101 = 101; t=4: 0.5·103 + 0.5·101 = 102
    expect(shown(ema(CLOSES, 3))).toEqual([null, null, 101, 101, 102]);
  });

  it('uses alpha = 2/(window+1) for other windows', () => {
    // window 4 → alpha = 0.4. seed at t=3: (10+20+30+40)/4 = 25
    // t=4: 0.4·50 + 0.6·25 = 35; t=5: 0.4·10 + 0.6·35 = 25
    const out = ema([10, 20, 30, 40, 50, 10], 4);
    expect(shown(out.subarray(0, 4))).toEqual([null, null, null, 25]);
    expect(out[4]).toBeCloseTo(35, 12);
    expect(out[5]).toBeCloseTo(25, 12);
  });

  it('reseeds after a gap', () => {
    // gap at t=2; new seed (4+6)/2 = 5 at t=4; t=5: (2/3)·8 + (1/3)·5 = 7
    const out = ema([1, 3, null, 4, 6, 8], 2);
    expect(shown(out.subarray(0, 5))).toEqual([null, 2, null, null, 5]);
    expect(out[5]).toBeCloseTo(7, 12);
  });
});

describe('rsi (Wilder)', () => {
  // 15 closes → 14 changes: (+1, −1, +2) four times, then +1, −1.
  const SERIES = [44, 45, 44, 46, 47, 46, 48, 49, 48, 50, 51, 50, 52, 53, 52];

  it('first value at index `window` from the plain means of the first window gains/losses', () => {
    // gains: 4·(1+2) + 1 = 13 → avgGain = 13/14; losses: 4·1 + 1 = 5 → avgLoss = 5/14
    // RSI = 100·G/(G+L) = 100·13/18 = 72.2222…  (= 100 − 100/(1 + 13/5))
    const out = rsi(SERIES, 14);
    expect(shown(out.subarray(0, 14))).toEqual(Array(14).fill(null));
    expect(out[14]).toBeCloseTo(1300 / 18, 10);
  });

  it("then smooths with avg = (avg·13 + current)/14 (Wilder's)", () => {
    // t=15, close 55 (+3): G = (13/14·13 + 3)/14 = 211/196, L = (5/14·13 + 0)/14 = 65/196
    //   RSI = 100·211/276 = 76.4492753…
    // t=16, close 51 (−4): G = (211/196·13 + 0)/14 = 2743/2744, L = (65/196·13 + 4)/14 = 1629/2744
    //   RSI = 100·2743/4372 = 62.7401646…
    const out = rsi([...SERIES, 55, 51], 14);
    expect(out[15]).toBeCloseTo(21100 / 276, 10);
    expect(out[16]).toBeCloseTo(274300 / 4372, 10);
  });

  it('is 100 with no losses and 50 on a flat window', () => {
    expect(shown(rsi([1, 2, 3, 4], 3))).toEqual([null, null, null, 100]);
    expect(shown(rsi([5, 5, 5], 2))).toEqual([null, null, 50]);
    // only losses: G = 0 → 0
    expect(shown(rsi([3, 2, 1], 2))).toEqual([null, null, 0]);
  });
});

describe('returns', () => {
  it('simple returns x[t]/x[t−1] − 1 from index 1', () => {
    // 101/100 − 1 = 0.01; 102/101 − 1 = 1/101; 101/102 − 1 = −1/102; 103/101 − 1 = 2/101
    const out = returns(CLOSES);
    expect(shown(out.subarray(0, 1))).toEqual([null]);
    expect(out[1]).toBeCloseTo(0.01, 15);
    expect(out[2]).toBeCloseTo(1 / 101, 15);
    expect(out[3]).toBeCloseTo(-1 / 102, 15);
    expect(out[4]).toBeCloseTo(2 / 101, 15);
  });

  it('log returns ln(x[t]/x[t−1]); undefined where a price is not positive', () => {
    const out = returns([100, 200, 100, 0, 50], { log: true });
    expect(out[1]).toBeCloseTo(Math.LN2, 15);
    expect(out[2]).toBeCloseTo(-Math.LN2, 15);
    expect(shown(out)).toEqual([null, out[1], out[2], null, null]);
    expect(shown(returns([0, 5, 10]))).toEqual([null, null, 1]);
  });
});

describe('zscore (sample std, ddof = 1)', () => {
  it('standardises the newest value against its window', () => {
    // t=2: [100,101,102] mean 101, Σd² = 1+0+1 = 2, var = 2/2 = 1 → (102−101)/1 = 1
    // t=3: [101,102,101] mean 304/3, d = −1/3, 2/3, −1/3, Σd² = 6/9, var = 1/3
    //      → (101 − 304/3)/√(1/3) = (−1/3)·√3 = −1/√3 = −0.57735…
    // t=4: [102,101,103] mean 102, Σd² = 0+1+1 = 2, var 1 → (103−102)/1 = 1
    const out = zscore(CLOSES, 3);
    expect(shown(out.subarray(0, 2))).toEqual([null, null]);
    expect(out[2]).toBeCloseTo(1, 12);
    expect(out[3]).toBeCloseTo(-1 / Math.sqrt(3), 12);
    expect(out[4]).toBeCloseTo(1, 12);
  });

  it('is 0 on a flat window and needs window ≥ 2', () => {
    expect(shown(zscore([7, 7, 7], 2))).toEqual([null, 0, 0]);
    expect(() => zscore(CLOSES, 1)).toThrow(RangeError);
  });
});

describe('volatility', () => {
  // returns: 110/100 − 1 = 0.1, 99/110 − 1 = −0.1, 108.9/99 − 1 = 0.1
  const PRICES = [100, 110, 99, 108.9];

  it('is the rolling sample std of simple returns, first value at index window', () => {
    // [0.1, −0.1]: mean 0, Σd² = 0.02, var = 0.02/1 → std = √0.02 = 0.1414213562…
    const out = volatility(PRICES, 2);
    expect(shown(out.subarray(0, 2))).toEqual([null, null]);
    expect(out[2]).toBeCloseTo(0.14142135623731, 12);
    expect(out[3]).toBeCloseTo(0.14142135623731, 12);
  });

  it('annualises by sqrt(periodsPerYear)', () => {
    // √0.02 · √365 = √7.3 = 2.7018512172…
    expect(volatility(PRICES, 2, 365)[3]).toBeCloseTo(2.70185121722126, 11);
    expect(() => volatility(PRICES, 2, 0)).toThrow(RangeError);
  });
});

describe('incremental forms', () => {
  const path = pricePath(120);
  const cases: Array<[string, Incremental<unknown>, Float64Array]> = [
    ['sma(5)', smaIncremental(5), sma(path, 5)],
    ['ema(7)', emaIncremental(7), ema(path, 7)],
    ['rsi(14)', rsiIncremental(14), rsi(path, 14)],
    ['returns', returnsIncremental(), returns(path)],
    ['log returns', returnsIncremental({ log: true }), returns(path, { log: true })],
    ['zscore(10)', zscoreIncremental(10), zscore(path, 10)],
    ['volatility(10, 365)', volatilityIncremental(10, 365), volatility(path, 10, 365)],
  ];

  it.each(cases)(
    '%s equals the array form bar by bar, with its state persisted as JSON',
    (_, incr, array) => {
      const stepped = barByBar(incr, path);
      expect(stepped).toEqual(Array.from(array));
      // the gap at bar 40 shows up as no value, and values resume after a new warm-up
      expect(Number.isNaN(stepped[40]!)).toBe(true);
      expect(Number.isFinite(stepped[119]!)).toBe(true);
    },
  );

  it('window statistics depend only on their window: a run starting later agrees exactly once warm', () => {
    // why the windows are recomputed rather than kept as running sums: a paper run
    // warming up from bar 60 must reproduce the backtest's values bit for bit
    const late = path.slice(60);
    expect(Array.from(sma(late, 5).subarray(4))).toEqual(Array.from(sma(path, 5).subarray(64)));
    expect(Array.from(zscore(late, 10).subarray(9))).toEqual(Array.from(zscore(path, 10).subarray(69)));
    expect(Array.from(volatility(late, 10).subarray(10))).toEqual(
      Array.from(volatility(path, 10).subarray(70)),
    );
  });
});
