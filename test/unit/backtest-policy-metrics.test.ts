import { backtestPolicyMetrics, BACKTEST_POLICY_METRICS } from '../../domain/world/backtest-metrics';
import { profileThresholds } from '../../domain/world/policy';

describe('backtestPolicyMetrics', () => {
  it('keeps the policy metrics of a backtest under their names, with the values unchanged', () => {
    const metrics = {
      sharpe: 1.25,
      sortino: 1.9,
      max_drawdown: 0.125,
      gain_to_pain_ratio: 0.75,
      n_trades_total: 42,
      effective_history_years: 0.5,
      deflated_sharpe_ratio: 0.875,
      cagr: 0.0625,
    };
    expect(backtestPolicyMetrics(metrics)).toEqual(metrics);
  });

  it('reads a signed drawdown by magnitude, so max_dd_max bounds it as QMTL meant (a positive fraction)', () => {
    expect(backtestPolicyMetrics({ max_drawdown: -0.2 })).toEqual({ max_drawdown: 0.2 });
    expect(backtestPolicyMetrics({ max_drawdown: 0 })).toEqual({ max_drawdown: 0 });
  });

  it('drops non-finite and non-numeric values, so the policy sees them missing (fails closed)', () => {
    expect(
      backtestPolicyMetrics({
        sharpe: Number.NaN,
        sortino: Number.POSITIVE_INFINITY,
        max_drawdown: Number.NEGATIVE_INFINITY,
        gain_to_pain_ratio: '2' as unknown as number,
        cagr: 0.1,
      }),
    ).toEqual({ cagr: 0.1 });
  });

  it('drops a trade count that is not a whole non-negative number', () => {
    expect(backtestPolicyMetrics({ n_trades_total: 3.5 })).toEqual({});
    expect(backtestPolicyMetrics({ n_trades_total: -1 })).toEqual({});
    expect(backtestPolicyMetrics({ n_trades_total: 0 })).toEqual({ n_trades_total: 0 });
  });

  it('names every metric a profile limit targets that a backtest computes', () => {
    const limits = profileThresholds({
      sample: { min_effective_years: 1, min_trades_total: 1 },
      performance: { sharpe_min: 1, max_dd_max: 1, gain_to_pain_min: 1 },
      robustness: { dsr_min: 1 },
    }).map((t) => t.metric);
    expect(limits).toEqual([...BACKTEST_POLICY_METRICS]);
  });
});
