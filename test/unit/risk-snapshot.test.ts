import { createHash } from 'node:crypto';
import { Z_99, normalPdf, portfolioRisk } from '../../domain/risk/portfolio-var';
import {
  RiskSnapshotError,
  isExpired,
  parseRiskSnapshot,
  snapshotFreshness,
  snapshotHash,
} from '../../domain/risk/snapshot';

const AS_OF = '2025-01-01T00:00:00Z';
const T0 = Date.parse(AS_OF);

function issuesOf(input: unknown): Array<{ path: string; message: string }> {
  try {
    parseRiskSnapshot(input);
  } catch (err) {
    if (err instanceof RiskSnapshotError) return err.issues;
    throw err;
  }
  throw new Error('expected the snapshot to be refused');
}

describe('parseRiskSnapshot', () => {
  const base = { as_of: AS_OF, version: 1, weights: { b: 0.4, a: 0.6 } };

  it('applies the 900 s default ttl and stamps the hash of the canonical JSON', () => {
    const snapshot = parseRiskSnapshot(base);
    expect(snapshot.ttl_sec).toBe(900);
    // Keys sorted at every level, compact, hash itself left out.
    const canonical =
      '{"as_of":"2025-01-01T00:00:00Z","ttl_sec":900,"version":1,"weights":{"a":0.6,"b":0.4}}';
    expect(snapshot.hash).toBe(createHash('sha256').update(canonical).digest('hex'));
    expect(snapshotHash({ ...snapshot, ttl_sec: 900 })).toBe(snapshot.hash);
  });

  it('accepts the right hash and refuses a different one, naming the right one', () => {
    const hash = parseRiskSnapshot(base).hash;
    expect(parseRiskSnapshot({ ...base, hash }).hash).toBe(hash);
    const issues = issuesOf({ ...base, hash: '0'.repeat(64) });
    expect(issues).toEqual([{ path: 'hash', message: `does not match the content; its sha256 is ${hash}` }]);
  });

  it('accepts weights summing to 1 within 1e-3 and refuses 0.9 with the sum', () => {
    expect(() => parseRiskSnapshot({ ...base, weights: { a: 0.6, b: 0.4009 } })).not.toThrow();
    expect(issuesOf({ ...base, weights: { a: 0.5, b: 0.4 } })).toEqual([
      { path: 'weights', message: 'must sum to 1 ± 0.001, got 0.9' },
    ]);
    expect(issuesOf({ ...base, weights: {} })[0]!.path).toBe('weights');
    expect(issuesOf({ ...base, weights: { a: 1.2, b: -0.2 } })[0]!.path).toBe('weights.b');
  });

  it('refuses unknown keys, a zone-less as_of, ttl over a day, a non-positive version', () => {
    expect(issuesOf({ ...base, extra: 1 })[0]!.message).toMatch(/extra/);
    expect(issuesOf({ ...base, as_of: '2025-01-01T00:00:00' })[0]!.path).toBe('as_of');
    expect(issuesOf({ ...base, ttl_sec: 86_401 })[0]!.path).toBe('ttl_sec');
    expect(() => parseRiskSnapshot({ ...base, ttl_sec: 86_400 })).not.toThrow();
    expect(issuesOf({ ...base, version: 0 })[0]!.path).toBe('version');
    expect(issuesOf({ ...base, realized_returns: { a: new Array(5001).fill(0) } })[0]!.path).toBe(
      'realized_returns.a',
    );
  });

  it('refuses an asymmetric covariance, a negative variance and a key that is no pair', () => {
    const issues = issuesOf({
      ...base,
      covariance: { 'a,a': -0.0004, 'a,b': 0.0003, 'b,a': 0.0002, abc: 1 },
    });
    expect(issues.map((i) => i.path)).toEqual([
      'covariance.a,a',
      'covariance.a,b',
      'covariance.b,a',
      'covariance.abc',
    ]);
    expect(issues[1]!.message).toBe('not symmetric: "b,a" is 0.0002');
    expect(() => parseRiskSnapshot({ ...base, covariance: { 'a,b': 0.0003, 'b,a': 0.0003 } })).not.toThrow();
  });
});

describe('expiry and freshness', () => {
  const snapshot = { as_of: '2025-01-01T02:00:00+02:00', ttl_sec: 60 }; // = 00:00Z

  it('expires exactly at as_of + ttl_sec, reading the zone', () => {
    expect(isExpired(snapshot, T0 + 59_999)).toBe(false);
    expect(isExpired(snapshot, T0 + 60_000)).toBe(true);
  });

  it('is fresh, stale or missing', () => {
    expect(snapshotFreshness(snapshot, T0)).toBe('fresh');
    expect(snapshotFreshness(snapshot, T0 + 60_000)).toBe('stale');
    expect(snapshotFreshness(undefined, T0)).toBe('missing');
  });
});

describe('portfolioRisk (parametric normal, 99 %)', () => {
  // w = (0.6, 0.4), σ₁ = 0.02, σ₂ = 0.03, ρ = 0.5 → cov₁₂ = 0.5·0.02·0.03 = 0.0003.
  // wᵀΣw = 0.36·0.0004 + 0.16·0.0009 + 2·0.6·0.4·0.0003 = 0.000144·3 = 0.000432,
  // σ_p = √0.000432 = 0.0207846096908265…; VaR = 2.3263478740408408·σ_p = 0.0483522325670…;
  // φ(z) = e^(−z²/2)/√(2π) = 0.0266521422034…; ES = σ_p·φ(z)/0.01 = 0.0553954373123…
  const covariance = { 'a,a': 0.0004, 'b,b': 0.0009, 'a,b': 0.0003 };

  it('computes σ, VaR99 and ES99 to 12 digits', () => {
    const risk = portfolioRisk({ a: 0.6, b: 0.4 }, covariance);
    if (!risk.ok) throw new Error(risk.reason);
    expect(risk.sigma).toBeCloseTo(0.0207846096908265, 12);
    expect(risk.var99).toBeCloseTo(0.0483522325670229, 12);
    expect(risk.es99).toBeCloseTo(0.0553954373123282, 12);
    expect(normalPdf(Z_99)).toBeCloseTo(0.0266521422034581, 12);
  });

  it('reads a pair in either order', () => {
    const risk = portfolioRisk({ a: 0.6, b: 0.4 }, { 'a,a': 0.0004, 'b,b': 0.0009, 'b,a': 0.0003 });
    expect(risk.ok && risk.sigma).toBeCloseTo(0.0207846096908265, 12);
  });

  it('refuses a missing pair instead of reading it as zero; a zero weight needs no pairs', () => {
    expect(portfolioRisk({ a: 0.6, b: 0.4 }, { 'a,a': 0.0004, 'b,b': 0.0009 })).toEqual({
      ok: false,
      reason: 'covariance lacks a,b',
    });
    expect(portfolioRisk({ a: 1 }, undefined)).toEqual({
      ok: false,
      reason: 'the snapshot has no covariance',
    });
    const single = portfolioRisk({ a: 1, c: 0 }, { 'a,a': 0.0004 });
    expect(single.ok && single.var99).toBeCloseTo(Z_99 * 0.02, 12);
  });

  it('refuses a covariance that gives a negative variance', () => {
    const risk = portfolioRisk({ a: 0.5, b: 0.5 }, { 'a,a': 0.0001, 'b,b': 0.0001, 'a,b': -0.0009 });
    expect(risk.ok).toBe(false);
  });
});
