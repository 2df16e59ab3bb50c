/**
 * A world's risk snapshot (SPEC §11): weights, covariance, returns and stress
 * figures as of a moment, valid for ttl_sec. Pure: validation, the content
 * hash and freshness; the store and the Gateway only carry what this accepts.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson, type JsonValue } from '../canonical-json';

export const DEFAULT_TTL_SEC = 900;
export const MAX_TTL_SEC = 86_400;
/** Weights must sum to 1 within this (QMTL's tolerance). */
export const WEIGHT_SUM_TOLERANCE = 1e-3;
/** Realized returns per strategy: enough for years of daily bars, bounded so a body stays small. */
export const MAX_RETURNS = 5_000;

// A comma would make covariance keys ("a,b") ambiguous, so ids cannot hold one.
const strategyKey = z
  .string()
  .regex(/^[^,\s][^,]{0,127}$/, 'a strategy id: 1-128 characters, no comma, not starting with a space');
const finite = z.number().finite();

/**
 * The body as sent: types, ranges and known keys only (a wrong type is a 400).
 * Covariance is a map of pairs `"a,b": cov` (either order; both orders, when
 * given, must agree; `"a,a"` is a variance) — the shape `evaluate` uses for
 * correlations.
 */
export const riskSnapshotBodySchema = z
  .strictObject({
    as_of: z.iso.datetime({ offset: true }).meta({ description: 'ISO-8601 with a zone (Z or ±hh:mm)' }),
    version: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    weights: z
      .record(strategyKey, finite.nonnegative())
      .meta({ description: 'strategy → weight; sum 1 ± 1e-3' }),
    covariance: z.record(z.string().max(257), finite).optional().meta({
      description: 'pair "a,b" → covariance of returns; "a,a" is a variance (≥ 0); symmetric',
    }),
    realized_returns: z.record(strategyKey, z.array(finite).max(MAX_RETURNS)).optional(),
    stress: z.record(z.string().min(1).max(128), z.record(z.string().min(1).max(128), finite)).optional(),
    constraints: z.record(z.string().min(1).max(128), z.unknown()).optional(),
    ttl_sec: z.number().int().positive().max(MAX_TTL_SEC).default(DEFAULT_TTL_SEC),
    hash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'sha256 as 64 lowercase hex digits')
      .optional()
      .meta({ description: 'sha256 of the canonical JSON of every other field (defaults applied)' }),
  })
  .meta({ id: 'RiskSnapshot' });

export type RiskSnapshotBody = z.output<typeof riskSnapshotBodySchema>;

/** A snapshot that passed every rule; `hash` is always the computed one. */
export type RiskSnapshot = RiskSnapshotBody & { hash: string };

export interface SnapshotIssue {
  path: string;
  message: string;
}

export class RiskSnapshotError extends Error {
  override name = 'RiskSnapshotError';
  constructor(readonly issues: SnapshotIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  }
}

/**
 * sha256 over the canonical JSON (sorted keys, Python number rendering) of
 * everything but `hash`, after defaults: a body that omits ttl_sec and one
 * that sends 900 are the same snapshot.
 */
export function snapshotHash(body: RiskSnapshotBody): string {
  const { hash: _given, ...content } = body;
  return createHash('sha256')
    .update(canonicalJson(content as unknown as JsonValue))
    .digest('hex');
}

/** Validates an untrusted body (shape, then the rules across fields); throws RiskSnapshotError. */
export function parseRiskSnapshot(input: unknown): RiskSnapshot {
  const parsed = riskSnapshotBodySchema.safeParse(input);
  if (!parsed.success)
    throw new RiskSnapshotError(
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    );
  const body = parsed.data;
  const issues = [...weightIssues(body.weights), ...covarianceIssues(body.covariance ?? {})];
  const hash = snapshotHash(body);
  if (body.hash !== undefined && body.hash !== hash)
    issues.push({ path: 'hash', message: `does not match the content; its sha256 is ${hash}` });
  if (issues.length > 0) throw new RiskSnapshotError(issues);
  return { ...body, hash };
}

function weightIssues(weights: Record<string, number>): SnapshotIssue[] {
  const values = Object.values(weights);
  if (values.length === 0) return [{ path: 'weights', message: 'needs at least one strategy' }];
  const sum = values.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE)
    return [{ path: 'weights', message: `must sum to 1 ± ${WEIGHT_SUM_TOLERANCE}, got ${sum}` }];
  return [];
}

/** Splits "a,b" into its two strategy ids, or undefined when it is no pair. */
export function covariancePair(key: string): [string, string] | undefined {
  const parts = key.split(',');
  if (parts.length !== 2 || !parts.every((p) => strategyKey.safeParse(p).success)) return undefined;
  return [parts[0]!, parts[1]!];
}

function covarianceIssues(covariance: Record<string, number>): SnapshotIssue[] {
  const issues: SnapshotIssue[] = [];
  for (const [key, value] of Object.entries(covariance)) {
    const pair = covariancePair(key);
    const path = `covariance.${key}`;
    if (!pair) issues.push({ path, message: 'must be a pair of strategy ids "a,b"' });
    else if (pair[0] === pair[1] && value < 0)
      issues.push({ path, message: 'a variance cannot be negative' });
    else if (pair[0] !== pair[1]) {
      const mirror = covariance[`${pair[1]},${pair[0]}`];
      if (mirror !== undefined && mirror !== value)
        issues.push({ path, message: `not symmetric: "${pair[1]},${pair[0]}" is ${mirror}` });
    }
  }
  return issues;
}

type Timed = Pick<RiskSnapshotBody, 'as_of' | 'ttl_sec'>;

/** Epoch ms from which the snapshot is no longer served. */
export function snapshotExpiresAt(snapshot: Timed): number {
  return Date.parse(snapshot.as_of) + snapshot.ttl_sec * 1000;
}

/** Expired once as_of + ttl_sec ≤ now (epoch ms). */
export function isExpired(snapshot: Timed, now: number): boolean {
  return snapshotExpiresAt(snapshot) <= now;
}

export type SnapshotFreshness = 'fresh' | 'stale' | 'missing';

/** What live promotion asks (SPEC §9): only 'fresh' lets it proceed. */
export function snapshotFreshness(snapshot: Timed | undefined, now: number): SnapshotFreshness {
  if (snapshot === undefined) return 'missing';
  return isExpired(snapshot, now) ? 'stale' : 'fresh';
}
