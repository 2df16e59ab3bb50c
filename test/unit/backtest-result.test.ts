/** Pure pieces of the backtest step: which bars are traded, what names a result, which metrics are kept. */
import { backtestResultFingerprint, finiteMetrics, tradableBars } from '../../activities/backtest';
import type { BacktestMetrics } from '../../domain/backtest/metrics';

const MIN = 60_000;

describe('backtest result pieces', () => {
  it('trades only bars that have a close, keeping their timestamps; a missing target holds', () => {
    const window = { start: 10 * MIN, end: 14 * MIN, intervalMs: MIN };
    expect(tradableBars(window, [100, null, 101, 0, 102], [1, 1, null, 0, 0.5])).toEqual({
      timestamps: [10 * MIN, 12 * MIN, 14 * MIN],
      closes: [100, 101, 102],
      targets: [1, NaN, 0.5],
    });
  });

  it('names a result by targets, prices, fee and cash', () => {
    const base = {
      targetFingerprint: 'sha256:t',
      priceFingerprint: 'sha256:p',
      feeRate: 0.001,
      initialCash: 10_000,
    };
    const fp = backtestResultFingerprint(base);
    expect(fp).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(backtestResultFingerprint({ ...base })).toBe(fp);
    for (const change of [
      { targetFingerprint: 'sha256:u' },
      { priceFingerprint: 'sha256:q' },
      { feeRate: 0.002 },
      { initialCash: 1 },
    ]) {
      expect(backtestResultFingerprint({ ...base, ...change })).not.toBe(fp);
    }
  });

  it('drops metrics JSON cannot carry (cagr overflows on short windows) and keeps the rest exactly', () => {
    const metrics = {
      sharpe: 1.5,
      cagr: Infinity,
      total_return: -0.25,
      sortino: NaN,
    } as unknown as BacktestMetrics;
    expect(finiteMetrics(metrics)).toEqual({ sharpe: 1.5, total_return: -0.25 });
  });
});
