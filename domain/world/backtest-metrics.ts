/**
 * A finished backtest's metrics as a world policy reads them (SPEC §9), pure.
 * domain/backtest/metrics.ts already names its metrics after the policy
 * metrics (`effective_history_years`, `n_trades_total`, `sharpe`,
 * `max_drawdown`, `gain_to_pain_ratio`, `deflated_sharpe_ratio`), so the
 * mapping is mostly a guard:
 *
 * - `max_drawdown` is compared against QMTL's `max_dd_max` (e.g. 0.25) with a
 *   `≤` bound, so it must be a positive fraction. Ours already is
 *   (1 − E/peak); a signed drawdown (−0.2, as some tools report it) is read
 *   by magnitude rather than passing every limit.
 * - Non-finite values are dropped, so the policy sees the metric as missing
 *   (fails closed) instead of comparing NaN, which passes every bound.
 * - `n_trades_total` counts fills; a fractional count is not one and is dropped.
 * - Metrics we do not compute (`adv_utilization_p95`, `participation_rate_p95`,
 *   `cv_sharpe_gap`) stay absent: a policy bounding them reports
 *   `THRESHOLD_…_MISSING` (or warns, per `validation.on_missing_metric`).
 *
 * Every other finite metric passes through unchanged, so `top_k` and
 * `hysteresis` may rank by any of them (sortino, cagr, …).
 */

/** Policy metric names a backtest provides (the profile limits' targets in policy.ts). */
export const BACKTEST_POLICY_METRICS = [
  'effective_history_years',
  'n_trades_total',
  'sharpe',
  'max_drawdown',
  'gain_to_pain_ratio',
  'deflated_sharpe_ratio',
] as const;

export type PolicyMetrics = Record<string, number>;

export function backtestPolicyMetrics(metrics: Readonly<Record<string, unknown>>): PolicyMetrics {
  const out: PolicyMetrics = {};
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    if (name === 'max_drawdown') out[name] = Math.abs(value);
    else if (name === 'n_trades_total') {
      if (Number.isInteger(value) && value >= 0) out[name] = value;
    } else out[name] = value;
  }
  return out;
}
