/**
 * Parametric (normal) portfolio VaR and expected shortfall at 99 % from a
 * snapshot's weights and covariance (SPEC §11). Figures are fractions of
 * portfolio value over the covariance's horizon. A missing pair is refused,
 * never read as zero: a guessed covariance would understate risk.
 */

/** Φ⁻¹(0.99): the standard normal 99 % quantile. */
export const Z_99 = 2.3263478740408408;
const TAIL = 0.01;

/** φ(z), the standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-(z * z) / 2) / Math.sqrt(2 * Math.PI);
}

export type PortfolioRisk =
  { ok: true; sigma: number; var99: number; es99: number } | { ok: false; reason: string };

/**
 * σ = sqrt(wᵀΣw) over the strategies with a non-zero weight (a zero weight
 * adds exactly nothing, so its pairs are not needed); VaR99 = z·σ and
 * ES99 = σ·φ(z)/0.01.
 */
export function portfolioRisk(
  weights: Record<string, number>,
  covariance: Record<string, number> | undefined,
): PortfolioRisk {
  if (covariance === undefined) return { ok: false, reason: 'the snapshot has no covariance' };
  const held = Object.entries(weights).filter(([, w]) => w !== 0);
  const missing: string[] = [];
  let variance = 0;
  for (const [a, wa] of held) {
    for (const [b, wb] of held) {
      const cov = covariance[`${a},${b}`] ?? covariance[`${b},${a}`];
      if (cov === undefined) {
        if (a <= b) missing.push(`${a},${b}`);
        continue;
      }
      variance += wa * wb * cov;
    }
  }
  if (missing.length > 0) return { ok: false, reason: `covariance lacks ${missing.join('; ')}` };
  // Rounding can leave a tiny negative for a zero-risk book; more means Σ is not a covariance.
  if (variance < -1e-15) return { ok: false, reason: 'covariance is not positive semi-definite (wᵀΣw < 0)' };
  const sigma = Math.sqrt(Math.max(variance, 0));
  return { ok: true, sigma, var99: Z_99 * sigma, es99: (sigma * normalPdf(Z_99)) / TAIL };
}
