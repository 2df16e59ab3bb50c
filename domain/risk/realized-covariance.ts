/**
 * Risk inputs from what strategies actually did (SPEC §11), pure: per-bar
 * returns of an equity curve and the sample covariance of two strategies'
 * returns over the bars both have. Statistics, not money: plain floats.
 */
import Decimal from 'decimal.js';

export interface EquityCurve {
  /** Bar opens (epoch ms), ascending. */
  ts: readonly number[];
  equity: readonly number[];
}

/** Bar open → simple return over the previous bar (the first bar has none; a zero equity yields none). */
export function barReturns(curve: EquityCurve): Map<number, number> {
  const returns = new Map<number, number>();
  for (let i = 1; i < curve.ts.length; i++) {
    const before = curve.equity[i - 1]!;
    if (before !== 0) returns.set(curve.ts[i]!, curve.equity[i]! / before - 1);
  }
  return returns;
}

/**
 * Simple returns between consecutive equities given as decimal text, worked
 * in decimals and only then made floats, so 100 → 101 → 99.99 reads exactly
 * [0.01, −0.01]. A step from zero equity has no return and is left out.
 */
export function decimalReturns(equity: readonly string[]): number[] {
  const returns: number[] = [];
  for (let i = 1; i < equity.length; i++) {
    const before = new Decimal(equity[i - 1]!);
    if (!before.isZero()) returns.push(new Decimal(equity[i]!).div(before).minus(1).toNumber());
  }
  return returns;
}

/** Sample covariance (ddof 1) over the bars both series have; undefined with fewer than two. */
export function covarianceOf(a: Map<number, number>, b: Map<number, number>): number | undefined {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [ts, x] of a) {
    const y = b.get(ts);
    if (y !== undefined) {
      xs.push(x);
      ys.push(y);
    }
  }
  if (xs.length < 2) return undefined;
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += (xs[i]! - mx) * (ys[i]! - my);
  return sum / (xs.length - 1);
}

/**
 * The covariance map a snapshot carries: `"a,b"` with a ≤ b for every pair
 * (variances `"a,a"` included) whose returns overlap in at least two bars.
 */
export function realizedCovariance(curves: Record<string, EquityCurve>): Record<string, number> {
  const ids = Object.keys(curves).sort();
  const returns = new Map(ids.map((id) => [id, barReturns(curves[id]!)]));
  const covariance: Record<string, number> = {};
  ids.forEach((a, i) => {
    for (const b of ids.slice(i)) {
      const value = covarianceOf(returns.get(a)!, returns.get(b)!);
      if (value !== undefined && Number.isFinite(value)) covariance[`${a},${b}`] = value;
    }
  });
  return covariance;
}

/**
 * Weights scaled to sum 1 (decimal-safe; the last strategy takes the
 * rounding remainder so the sum is exact). Empty when nothing weighs.
 */
export function normalisedWeights(weights: Record<string, number>): Record<string, number> {
  const ids = Object.keys(weights)
    .filter((id) => weights[id]! > 0)
    .sort();
  if (ids.length === 0) return {};
  const total = ids.reduce((s, id) => s.plus(weights[id]!), new Decimal(0));
  const out: Record<string, number> = {};
  let rest = new Decimal(1);
  ids.forEach((id, i) => {
    const share =
      i === ids.length - 1
        ? rest
        : new Decimal(weights[id]!).div(total).toDecimalPlaces(9, Decimal.ROUND_HALF_EVEN);
    out[id] = share.toNumber();
    rest = rest.minus(share);
  });
  return out;
}
