import {
  backtestMetrics,
  cagr,
  CAGR_CAP,
  deflatedSharpeRatio,
  effectiveHistoryYears,
  erf,
  expectedMaxSharpe,
  exposure,
  gainToPainRatio,
  inverseNormalCdf,
  maxDrawdown,
  normalCdf,
  probabilisticSharpeRatio,
  returnMoments,
  sharpe,
  sortino,
  timeUnderWaterRatio,
  totalReturn,
  winRate,
} from '../../domain/backtest/metrics';
import { simulate } from '../../domain/backtest/simulate';
import { createBrokerageModel, parseBrokerageConfig } from '../../domain/brokerage/model';
import { feeRateBrokerage } from '../../domain/run/window';

const DAY = 86_400_000;

// Reference values below were computed with exact fractions and 40-digit mpmath.
describe('metrics of the 6-bar backtest (see simulate.test.ts for the fills)', () => {
  // equity (initial first): 10000, 10000, 9990, 10990, 11978, 11966.022, 10755.0462
  // returns r = [0, −1/1000, 100/999, 494/5495, −1/1000, −337/3330]
  const result = simulate({
    timestamps: Array.from({ length: 6 }, (_, t) => t * DAY),
    closes: [100, 100, 110, 120, 100, 110],
    targets: [0, 1, 1, 0, -1, 0],
    initialCash: 10_000,
    brokerage: createBrokerageModel(parseBrokerageConfig(feeRateBrokerage(0.001))),
  });
  const metrics = backtestMetrics(result, { intervalMs: DAY });

  it('sharpe: mean/std(ddof 1)·√periodsPerYear with daily bars → 365.25 periods a year', () => {
    // Σr = 0.0867988079070881619; mean = Σr/6 = 0.0144664679845146936
    // Σ(r − mean)² = 0.0270900346286148448; var = /5 = 0.0054180069257229690; std = 0.0736071119235292980
    // mean/std = 0.1965362803467137926; × √365.25 (= 19.1115148536163925) = 3.7561060411207361247
    expect(metrics.sharpe).toBeCloseTo(3.756106041120736, 9);
  });

  it('sortino: downside deviation over all 6 returns, target 0', () => {
    // Σ min(r,0)² = 1e-6 + 1e-6 + (337/3330)² = 0.0102436831245660; /6 = 0.0017072805207610
    // DD = √ = 0.0413192512124917535; mean/DD·√365.25 = 6.691218007402649103
    expect(metrics.sortino).toBeCloseTo(6.691218007402649, 9);
  });

  it('drawdown, gain-to-pain, returns and sample size', () => {
    // peak 11978 (bar 3) → trough 10755.0462 (bar 5): 1 − 10755.0462/11978 = 1222.9538/11978 = 0.1021
    expect(metrics.max_drawdown).toBeCloseTo(0.1021, 15);
    // under water at 9990, 11966.022, 10755.0462 → 3 of 6 bars
    expect(metrics.time_under_water_ratio).toBe(0.5);
    // Σr = 0.0867988079…, pain = 0.001 + 0.001 + 337/3330 = 0.1032012012… → 47648249/56652351
    expect(metrics.gain_to_pain_ratio).toBeCloseTo(47648249 / 56652351, 14);
    // 10755.0462/10000 − 1
    expect(metrics.total_return).toBeCloseTo(0.07550462, 14);
    // 6 bars · 1 day / 365.25 days
    expect(metrics.effective_history_years).toBeCloseTo(6 / 365.25, 15);
    // 1.07550462^(365.25/6 = 60.875) − 1 = 83.0228800489902694
    expect(metrics.cagr).toBeCloseTo(83.02288004899027, 9);
    expect(metrics.n_trades_total).toBe(4);
    // 4 / (6/365.25) = 243.5
    expect(metrics.n_trades_per_year).toBeCloseTo(243.5, 10);
  });

  it('win rate over closed round trips and exposure over held bars', () => {
    // round trips: long +1978 (win), short −1222.9538 (loss) → 1/2
    expect(metrics.win_rate).toBe(0.5);
    // position held into each bar: [0, 0, 100, 100, 0, −119.78] → 3 of 6
    expect(metrics.exposure).toBe(0.5);
  });

  it('sharpe of each half', () => {
    // first [0, −0.001, 100/999]: mean 0.0330333667, std 0.0580836469818891 → ·√365.25 = 10.8691122399647824
    // second [494/5495, −0.001, −337/3330]: mean −0.0041004307, std 0.0955882737779782 → −0.8198227640748718
    expect(metrics.sharpe_first_half).toBeCloseTo(10.869112239964782, 9);
    expect(metrics.sharpe_second_half).toBeCloseTo(-0.8198227640748718, 9);
  });

  it('deflated Sharpe: N = 1 is the PSR against 0; N = 10 deflates against the expected max', () => {
    // per-period SR = 0.19653628034671379; population moments m2 = 0.0045150057714358,
    //   m3 = −8.3458771498729e−5, m4 = 4.4218199627401e−5 → skew = m3/m2^1.5 = −0.2750961566739289,
    //   kurtosis = m4/m2² = 2.169124283941251
    // spread = 1 − skew·SR + (kurt − 1)/4·SR² = 1.0653561729332695
    // N = 1: z = SR·√5/√spread = 0.4257751603476530 → Φ(z) = 0.6648641557106907
    expect(metrics.deflated_sharpe_ratio).toBeCloseTo(0.6648641557106907, 9);
    // N = 10, V = 1/(T − 1) = 0.2: SR0 = √0.2·1.5745983013457500 = 0.7041817678129591
    //   z = (SR − SR0)·√5/√spread = −1.0997605044951544 → Φ(z) = 0.1357182424361799
    const deflated = backtestMetrics(result, { intervalMs: DAY, trials: 10 });
    expect(deflated.deflated_sharpe_ratio).toBeCloseTo(0.1357182424361799, 9);
  });
});

describe('normal distribution', () => {
  it('Φ matches reference values to 1e-12', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 12);
    expect(normalCdf(-1.5)).toBeCloseTo(0.06680720126885807, 12);
    expect(normalCdf(3)).toBeCloseTo(0.9986501019683699, 12);
    expect(normalCdf(-6)).toBeCloseTo(9.865876450376981e-10, 15);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 12);
    expect(erf(-0.5)).toBeCloseTo(-0.5204998778130465, 14);
    expect(normalCdf(12)).toBe(1);
  });

  it('Φ⁻¹ inverts it', () => {
    expect(inverseNormalCdf(0.9)).toBeCloseTo(1.2815515655446006, 12);
    expect(inverseNormalCdf(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(inverseNormalCdf(1e-6)).toBeCloseTo(-4.753424308822899, 9);
    expect(inverseNormalCdf(0)).toBe(-Infinity);
    expect(inverseNormalCdf(1)).toBe(Infinity);
  });
});

describe('probabilistic and deflated Sharpe from statistics', () => {
  it('PSR with normal returns: SR 0.1, T 101 → Φ(0.1·10/√1.005)', () => {
    // spread = 1 − 0·0.1 + (3 − 1)/4·0.01 = 1.005; z = 1/√1.005 = 0.9975093361076329
    const stats = { sharpe: 0.1, observations: 101, skewness: 0, kurtosis: 3 };
    expect(probabilisticSharpeRatio(stats, 0)).toBeCloseTo(0.8407413278013518, 10);
    // against SR* = 0.05: z = 0.05·10/√1.005 = 0.4987546680538165 → 0.6910238866602188
    expect(probabilisticSharpeRatio(stats, 0.05)).toBeCloseTo(0.691023886660219, 10);
  });

  it('PSR penalises negative skew and fat tails', () => {
    // skew −0.5, kurtosis 5: spread = 1 + 0.05 + 1·0.01 = 1.06; z = 1/√1.06 = 0.9712858623572642
    const stats = { sharpe: 0.1, observations: 101, skewness: -0.5, kurtosis: 5 };
    expect(probabilisticSharpeRatio(stats, 0)).toBeCloseTo(0.8342970265275427, 10);
  });

  it('expected max Sharpe of N trials (Euler–Mascheroni γ = 0.5772156649)', () => {
    // N = 10, V = 1: (1 − γ)·Φ⁻¹(0.9) + γ·Φ⁻¹(1 − 1/(10e)) = 0.4227843·1.2815516 + 0.5772157·1.7892418
    expect(expectedMaxSharpe(10, 1)).toBeCloseTo(1.57459830134575, 10);
    // N = 100, V = 0.25: 0.5·(0.4227843·2.3263479 + 0.5772157·2.6802104) = 1.2653014466008410
    expect(expectedMaxSharpe(100, 0.25)).toBeCloseTo(1.265301446600841, 10);
    expect(expectedMaxSharpe(1, 4)).toBe(0);
    expect(() => expectedMaxSharpe(0, 1)).toThrow(RangeError);
  });

  it('DSR with N = 1 equals the PSR against 0, and more trials only lower it', () => {
    const r = [0.01, -0.005, 0.02, 0.003, -0.01, 0.015, 0.007, -0.002];
    const m = returnMoments(r);
    const stats = {
      sharpe: m.mean / m.std,
      observations: m.count,
      skewness: m.skewness,
      kurtosis: m.kurtosis,
    };
    expect(deflatedSharpeRatio(r)).toBe(probabilisticSharpeRatio(stats, 0));
    expect(deflatedSharpeRatio(r, { trials: 5 })).toBeLessThan(deflatedSharpeRatio(r));
    expect(deflatedSharpeRatio(r, { trials: 50 })).toBeLessThan(deflatedSharpeRatio(r, { trials: 5 }));
  });
});

describe('edge cases give finite numbers, never NaN or Infinity', () => {
  it('zero variance → sharpe 0 (and DSR 0), even when float rounding would leave a 1e-17 std', () => {
    expect(sharpe([0.1, 0.1, 0.1], 365)).toBe(0);
    expect(sharpe([0, 0, 0, 0], 365)).toBe(0);
    expect(deflatedSharpeRatio([0.1, 0.1, 0.1])).toBe(0);
    expect(returnMoments([0.1, 0.1]).kurtosis).toBe(3);
  });

  it('empty and single-point series', () => {
    for (const value of [
      sharpe([], 365),
      sharpe([0.05], 365),
      sortino([], 365),
      maxDrawdown([]),
      timeUnderWaterRatio([]),
      gainToPainRatio([]),
      totalReturn([]),
      totalReturn([100]),
      cagr([100], 1),
      exposure([]),
      winRate([]),
      deflatedSharpeRatio([]),
    ]) {
      expect(value).toBe(0);
    }
  });

  it('caps CAGR when annualising a short window overflows', () => {
    // 100 → 150 over one hour: 1.5^(8766) − 1 overflows to Infinity.
    expect(cagr([100, 150], 1 / 8766)).toBe(CAGR_CAP);
    // 100 → 101 over a year: plain 1%.
    expect(cagr([100, 101], 1)).toBeCloseTo(0.01, 12);
  });

  it('no losing period → sortino and gain-to-pain 0 (undefined ratios are no evidence)', () => {
    expect(sortino([0.01, 0.02], 365)).toBe(0);
    expect(gainToPainRatio([0.01, 0.02])).toBe(0);
  });

  it('simple cases by hand', () => {
    // peaks 100 → 120; worst fall 120 → 90: 1 − 90/120 = 0.25
    expect(maxDrawdown([100, 80, 120, 90, 130])).toBeCloseTo(0.25, 15);
    // (0.1 − 0.05 + 0.02)/0.05 = 1.4
    expect(gainToPainRatio([0.1, -0.05, 0.02])).toBeCloseTo(1.4, 14);
    // 200/100 over 2 years → √2 − 1; equity gone → −1
    expect(cagr([100, 200], 2)).toBeCloseTo(Math.SQRT2 - 1, 15);
    expect(cagr([100, -5], 2)).toBe(-1);
    // 365.25 daily bars = 1 year; 1 hour bars: 8766 of them
    expect(effectiveHistoryYears(365.25, DAY)).toBe(1);
    expect(effectiveHistoryYears(8766, 3_600_000)).toBeCloseTo(1, 15);
    expect(exposure([0, 1, -2, 0])).toBe(0.5);
    expect(winRate([5, -1, 0, 2])).toBe(0.5); // 0 is not a win
  });
});
