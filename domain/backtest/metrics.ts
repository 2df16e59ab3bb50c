/**
 * Performance metrics of a run under the names WorldService policies read
 * (SPEC §9: sharpe, max_drawdown, gain_to_pain_ratio, n_trades_total,
 * effective_history_years, deflated_sharpe_ratio, …). Pure numbers in, plain
 * finite numbers out, so a metrics record is always valid JSON.
 *
 * Undefined cases (zero variance, no losses, no closed trades, fewer than two
 * returns) give 0, never NaN/Infinity: "no evidence" then fails any positive
 * policy minimum, which is the default-safe reading. Non-finite returns are
 * skipped.
 */
import { mean, sampleStd } from '../nodes/indicators';
import { roundTrips, type SimulationResult } from './simulate';

export const DAY_MS = 86_400_000;
/** A Julian year: calendar-neutral and what effective_history_years counts in. */
export const YEAR_MS = 365.25 * DAY_MS;
export const EULER_MASCHERONI = 0.5772156649015329;

function finite(values: ArrayLike<number>): number[] {
  return Array.from(values).filter((v) => Number.isFinite(v));
}

/** Exactly equal values: a float std would be ~1e-17, not 0, and blow ratios up. */
function constant(values: readonly number[]): boolean {
  return values.every((v) => v === values[0]);
}

/** Annualised Sharpe, risk-free 0: mean(r) / std(r, ddof = 1) · sqrt(periodsPerYear). */
export function sharpe(returns: ArrayLike<number>, periodsPerYear: number): number {
  const r = finite(returns);
  if (r.length < 2 || constant(r)) return 0;
  return (mean(r) / sampleStd(r)) * Math.sqrt(periodsPerYear);
}

/**
 * Annualised Sortino with target 0: mean(r) / DD · sqrt(periodsPerYear), where
 * the downside deviation DD = sqrt(Σ min(r, 0)² / n) runs over ALL n returns
 * (Sortino & Price), not just the losing ones.
 */
export function sortino(returns: ArrayLike<number>, periodsPerYear: number): number {
  const r = finite(returns);
  if (r.length < 2) return 0;
  let downside = 0;
  for (const v of r) if (v < 0) downside += v * v;
  if (downside === 0) return 0;
  return (mean(r) / Math.sqrt(downside / r.length)) * Math.sqrt(periodsPerYear);
}

/** Largest fall from a running peak, as a positive fraction of that peak: max_t (1 − E_t / max_{s≤t} E_s). */
export function maxDrawdown(equity: ArrayLike<number>): number {
  let peak = -Infinity;
  let worst = 0;
  for (const e of finite(equity)) {
    peak = Math.max(peak, e);
    if (peak > 0) worst = Math.max(worst, 1 - e / peak);
  }
  return worst;
}

/** Fraction of points after the first (the starting capital) that sit strictly below the running peak. */
export function timeUnderWaterRatio(equity: ArrayLike<number>): number {
  const e = finite(equity);
  let peak = e[0] ?? 0;
  let under = 0;
  for (const v of e.slice(1)) {
    if (v < peak) under++;
    peak = Math.max(peak, v);
  }
  return e.length < 2 ? 0 : under / (e.length - 1);
}

/** Schwager's gain-to-pain: Σ r / |Σ r<0|; 0 when there is no losing period. */
export function gainToPainRatio(returns: ArrayLike<number>): number {
  let total = 0;
  let pain = 0;
  for (const v of finite(returns)) {
    total += v;
    if (v < 0) pain -= v;
  }
  return pain === 0 ? 0 : total / pain;
}

/** Last / first − 1 of an equity curve that starts with the initial capital. */
export function totalReturn(equity: ArrayLike<number>): number {
  const e = finite(equity);
  return e.length < 2 || e[0]! <= 0 ? 0 : e[e.length - 1]! / e[0]! - 1;
}

/** (last / first)^(1 / years) − 1; −1 once equity is gone; 0 over no time. */
/**
 * Annualising a short window can overflow (a 5% week compounds to ~1e1 per
 * year, a 50% hour to Infinity); metrics stay finite, so CAGR is capped.
 */
export const CAGR_CAP = 1e6;

export function cagr(equity: ArrayLike<number>, years: number): number {
  const e = finite(equity);
  if (e.length < 2 || e[0]! <= 0 || !(years > 0)) return 0;
  const growth = e[e.length - 1]! / e[0]!;
  if (growth <= 0) return -1;
  const annual = Math.pow(growth, 1 / years) - 1;
  return Number.isFinite(annual) ? Math.min(annual, CAGR_CAP) : CAGR_CAP;
}

/** bars × interval / 365.25 days. */
export function effectiveHistoryYears(bars: number, intervalMs: number): number {
  return (bars * intervalMs) / YEAR_MS;
}

/** Fraction of bars held with a non-zero position. */
export function exposure(positions: ArrayLike<number>): number {
  const p = Array.from(positions);
  return p.length === 0 ? 0 : p.filter((q) => q !== 0).length / p.length;
}

/** Winning (pnl > 0) closed round trips / closed round trips; 0 with none closed. */
export function winRate(pnls: readonly number[]): number {
  return pnls.length === 0 ? 0 : pnls.filter((p) => p > 0).length / pnls.length;
}

/**
 * erf by Abramowitz & Stegun 7.1.6, erf z = 2/√π · e^(−z²) · Σ 2ⁿ z^(2n+1) / (1·3·…·(2n+1)):
 * every term is positive, so there is no cancellation and the absolute error
 * stays near 1e-16 (far inside the 1e-7 the metrics need). |z| > 6 is ±1 to 2e-17.
 */
export function erf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const a = Math.abs(z);
  if (a > 6) return Math.sign(z);
  let term = a;
  let sum = a;
  for (let n = 1; term > sum * 1e-17; n++) {
    term *= (2 * a * a) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(z) * (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum;
}

/**
 * erfc for z ≥ 0. Below 3, 1 − erf(z) keeps ≥ 11 significant digits; beyond,
 * Laplace's continued fraction (A&S 7.1.14) keeps the tail's relative accuracy:
 * erfc z = e^(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + …))))).
 */
function erfcPositive(z: number): number {
  if (z < 3) return 1 - erf(z);
  let fraction = z;
  for (let k = 80; k >= 1; k--) fraction = z + k / 2 / fraction;
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * fraction);
}

/** Standard normal CDF Φ(x), through erfc so that both tails keep their relative accuracy. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  return x < 0 ? 0.5 * erfcPositive(-x / Math.SQRT2) : 1 - 0.5 * erfcPositive(x / Math.SQRT2);
}

/** Φ⁻¹ by bisection on [−40, 40]: ~60 halvings reach double resolution; it runs a few times per evaluation. */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0)) return p === 0 ? -Infinity : NaN;
  if (!(p < 1)) return p === 1 ? Infinity : NaN;
  let lo = -40;
  let hi = 40;
  for (;;) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) return mid;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
}

export interface ReturnMoments {
  count: number;
  mean: number;
  /** Sample std, ddof = 1 (as in sharpe). */
  std: number;
  /** Population skewness m3 / m2^1.5 and (non-excess) kurtosis m4 / m2²; 0 and 3 when flat. */
  skewness: number;
  kurtosis: number;
}

export function returnMoments(returns: ArrayLike<number>): ReturnMoments {
  const r = finite(returns);
  const count = r.length;
  if (count < 2 || constant(r)) return { count, mean: count ? r[0]! : 0, std: 0, skewness: 0, kurtosis: 3 };
  const m = mean(r);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const v of r) {
    const d = v - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  [m2, m3, m4] = [m2 / count, m3 / count, m4 / count];
  return { count, mean: m, std: sampleStd(r), skewness: m3 / Math.pow(m2, 1.5), kurtosis: m4 / (m2 * m2) };
}

/** Per-period (not annualised) Sharpe and the moments the PSR corrects for. */
export interface SharpeStats {
  sharpe: number;
  observations: number;
  skewness: number;
  kurtosis: number;
}

/**
 * Probabilistic Sharpe ratio (Bailey & López de Prado): P[true SR > benchmark] =
 * Φ((SR − SR*)·√(T − 1) / √(1 − γ3·SR + (γ4 − 1)/4 · SR²)), all per period.
 */
export function probabilisticSharpeRatio(stats: SharpeStats, benchmark: number): number {
  const { sharpe: sr, observations: t, skewness, kurtosis } = stats;
  const spread = 1 - skewness * sr + ((kurtosis - 1) / 4) * sr * sr;
  if (t < 2 || !(spread > 0)) return 0;
  return normalCdf(((sr - benchmark) * Math.sqrt(t - 1)) / Math.sqrt(spread));
}

/**
 * Expected maximum per-period Sharpe of `trials` independent unskilled trials
 * whose Sharpes have variance `variance`: √V·((1 − γ)Φ⁻¹(1 − 1/N) + γΦ⁻¹(1 − 1/(N·e))),
 * γ the Euler–Mascheroni constant; 0 for a single trial.
 */
export function expectedMaxSharpe(trials: number, variance: number): number {
  if (!Number.isInteger(trials) || trials < 1)
    throw new RangeError(`trials must be an integer ≥ 1, got ${trials}`);
  if (!(variance >= 0)) throw new RangeError(`variance must be ≥ 0, got ${variance}`);
  if (trials === 1) return 0;
  const g = EULER_MASCHERONI;
  const z = (1 - g) * inverseNormalCdf(1 - 1 / trials) + g * inverseNormalCdf(1 - 1 / (trials * Math.E));
  return Math.sqrt(variance) * z;
}

export interface DeflationOptions {
  /** Strategy variants tried before this one (N); 1 makes the DSR the PSR against 0. */
  trials?: number;
  /** Variance of the trials' per-period Sharpes; default 1/(T − 1), the estimator's variance under H0. */
  trialsSharpeVariance?: number;
}

/** Deflated Sharpe ratio (Bailey & López de Prado 2014): the PSR against the expected maximum Sharpe of N trials. */
export function deflatedSharpeRatio(returns: ArrayLike<number>, options: DeflationOptions = {}): number {
  const m = returnMoments(returns);
  if (m.count < 2 || m.std === 0) return 0;
  const variance = options.trialsSharpeVariance ?? 1 / (m.count - 1);
  const benchmark = expectedMaxSharpe(options.trials ?? 1, variance);
  const stats = { sharpe: m.mean / m.std, observations: m.count, skewness: m.skewness, kurtosis: m.kurtosis };
  return probabilisticSharpeRatio(stats, benchmark);
}

export interface MetricOptions extends DeflationOptions {
  intervalMs: number;
  /** Default 365.25 days / interval: venues trading around the clock (crypto). */
  periodsPerYear?: number;
}

export interface BacktestMetrics {
  sharpe: number;
  sortino: number;
  max_drawdown: number;
  time_under_water_ratio: number;
  gain_to_pain_ratio: number;
  total_return: number;
  cagr: number;
  n_trades_total: number;
  n_trades_per_year: number;
  win_rate: number;
  exposure: number;
  effective_history_years: number;
  deflated_sharpe_ratio: number;
  /** Sharpe of the first floor(n/2) returns and of the rest: a stability check. */
  sharpe_first_half: number;
  sharpe_second_half: number;
}

/**
 * Scores a simulation. Bars = per-bar returns (one per bar, see simulate.ts);
 * the equity curve starts at the initial cash; a trade is a fill; exposure counts
 * the bars whose return was earned with a non-zero position.
 */
export function backtestMetrics(result: SimulationResult, options: MetricOptions): BacktestMetrics {
  if (!(options.intervalMs > 0))
    throw new RangeError(`intervalMs must be positive, got ${options.intervalMs}`);
  const periodsPerYear = options.periodsPerYear ?? YEAR_MS / options.intervalMs;
  const r = result.returns;
  const equity = [result.initialCash.toNumber(), ...result.equityValues];
  const years = effectiveHistoryYears(r.length, options.intervalMs);
  const held = result.positions.map((_q, t) => (t === 0 || result.positions[t - 1]!.isZero() ? 0 : 1));
  const half = Math.floor(r.length / 2);
  return {
    sharpe: sharpe(r, periodsPerYear),
    sortino: sortino(r, periodsPerYear),
    max_drawdown: maxDrawdown(equity),
    time_under_water_ratio: timeUnderWaterRatio(equity),
    gain_to_pain_ratio: gainToPainRatio(r),
    total_return: totalReturn(equity),
    cagr: cagr(equity, years),
    n_trades_total: result.trades.length,
    n_trades_per_year: years > 0 ? result.trades.length / years : 0,
    win_rate: winRate(roundTrips(result.trades).map((trip) => trip.pnl.toNumber())),
    exposure: exposure(held),
    effective_history_years: years,
    deflated_sharpe_ratio: deflatedSharpeRatio(r, options),
    sharpe_first_half: sharpe(r.subarray(0, half), periodsPerYear),
    sharpe_second_half: sharpe(r.subarray(half), periodsPerYear),
  };
}
