/**
 * The risk hub's inputs from realised equity (domain/risk/realized-covariance.ts):
 * per-bar returns, pairwise sample covariance over shared bars, and weights
 * scaled to sum exactly 1. Numbers worked by hand in the comments.
 */
import {
  barReturns,
  covarianceOf,
  decimalReturns,
  normalisedWeights,
  realizedCovariance,
} from '../../domain/risk/realized-covariance';

describe('realised covariance', () => {
  // a: 100 → 110 → 99 → 99: returns +0.1, −0.1, 0 (mean 0, var (0.01+0.01+0)/2 = 0.01)
  const a = { ts: [1, 2, 3, 4], equity: [100, 110, 99, 99] };
  // b: 50 → 55 → 55 → 49.5 over bars 1..4: returns +0.1, 0, −0.1
  const b = { ts: [1, 2, 3, 4], equity: [50, 55, 55, 49.5] };

  it('returns per bar, keyed by the later bar; a zero equity yields none', () => {
    expect([...barReturns(a)].map(([t, r]) => [t, Number(r.toFixed(12))])).toEqual([
      [2, 0.1],
      [3, -0.1],
      [4, 0],
    ]);
    expect([...barReturns({ ts: [1, 2, 3], equity: [0, 10, 11] }).keys()]).toEqual([3]);
  });

  it('covariance over the bars both have, undefined below two', () => {
    // cov(a, b) = (0.1·0.1 + (−0.1)·0 + 0·(−0.1)) / 2 = 0.005
    expect(covarianceOf(barReturns(a), barReturns(b))).toBeCloseTo(0.005, 15);
    const late = barReturns({ ts: [4, 5], equity: [1, 2] });
    expect(covarianceOf(barReturns(a), late)).toBeUndefined();
  });

  it('keys every pair once, ids in order, variances included', () => {
    const cov = realizedCovariance({ z: a, m: b });
    expect(Object.keys(cov)).toEqual(['m,m', 'm,z', 'z,z']);
    expect(cov['z,z']).toBeCloseTo(0.01, 15);
    expect(cov['m,m']).toBeCloseTo(0.01, 15);
    expect(cov['m,z']).toBeCloseTo(0.005, 15);
  });

  it('scales weights to sum exactly 1, dropping zeros', () => {
    expect(normalisedWeights({ b: 0.5, a: 1, c: 0 })).toEqual({ a: 0.666666667, b: 0.333333333 });
    expect(normalisedWeights({ x: 0.2 })).toEqual({ x: 1 });
    expect(normalisedWeights({ x: 0 })).toEqual({});
    const three = normalisedWeights({ a: 1, b: 1, c: 1 });
    expect(three).toEqual({ a: 0.333333333, b: 0.333333333, c: 0.333333334 });
  });

  it('decimal returns are exact where float division is not, and skip a step from zero', () => {
    // 99.99 / 101 − 1 in floats is −0.010000000000000009; in decimals it is −0.01.
    expect(99.99 / 101 - 1).not.toBe(-0.01);
    expect(decimalReturns(['100', '101', '99.99'])).toEqual([0.01, -0.01]);
    expect(decimalReturns(['0', '10', '11'])).toEqual([0.1]);
    expect(decimalReturns(['100'])).toEqual([]);
  });
});
