/**
 * Strategy selection (SPEC §9), pure: thresholds → top-k → greedy correlation
 * filter → hysteresis, in QMTL's order. Differences from QMTL's engine, on
 * purpose: ties are broken by strategy id (QMTL kept dict insertion order),
 * non-finite metric values count as missing (NaN passed every QMTL bound),
 * duplicate correlation pairs that disagree are refused, and a stage with no
 * validation profile fails closed instead of borrowing another stage's limits.
 * Like QMTL, slots freed by the correlation or hysteresis step are not refilled.
 */
import { PolicyError, profileThresholds, type PolicyDocument, type Threshold } from './policy';

export type ReasonCode =
  | 'SELECTED'
  | 'HYSTERESIS_KEEP'
  | 'HYSTERESIS_BLOCK'
  | 'HYSTERESIS_EXIT'
  | 'NOT_IN_TOP_K'
  | `THRESHOLD_${string}`
  | `CORRELATED_WITH:${string}`;

export interface StrategyResult {
  strategy_id: string;
  selected: boolean;
  reasons: ReasonCode[];
  /** Missing threshold metrics tolerated by `validation.on_missing_metric: warn`. */
  warnings: string[];
}

export interface PolicyEvaluation {
  /** Validation profile whose limits were applied, or null when the policy has none. */
  profile: string | null;
  /** Selected strategy ids in rank order. */
  selected: string[];
  /** One result per strategy, sorted by strategy id. */
  results: StrategyResult[];
}

export interface CorrelationEntry {
  a: string;
  b: string;
  rho: number;
}

export interface EvaluateInput {
  metrics: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Pairwise correlations; a pair not listed counts as uncorrelated (as in QMTL). */
  correlations?: readonly CorrelationEntry[];
  /** Currently active strategies (incumbents for hysteresis). */
  previous?: readonly string[];
  /** Evaluation stage; picks the validation profile. Defaults to `backtest`. */
  stage?: string;
  /** Explicit profile name, overriding the stage mapping. */
  profile?: string;
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `max_drawdown` → `MAX_DRAWDOWN`: reason codes stay one token. */
export function metricCode(metric: string): string {
  return metric.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

function metricValue(metrics: EvaluateInput['metrics'], id: string, metric: string): number | undefined {
  const value = metrics[id]?.[metric];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Profile choice: explicit name, then `default_profile_by_stage[stage | stage_only]`, then a profile named like the stage. */
export function resolveProfile(policy: PolicyDocument, stage = 'backtest', explicit?: string): string | null {
  const profiles = policy.validation_profiles ?? {};
  if (explicit !== undefined) {
    if (!(explicit in profiles)) {
      throw new PolicyError([{ path: 'validation_profiles', message: `no profile "${explicit}"` }]);
    }
    return explicit;
  }
  if (Object.keys(profiles).length === 0) return null;
  const mapping = policy.default_profile_by_stage ?? {};
  const name = mapping[stage] ?? mapping[`${stage}_only`] ?? (stage in profiles ? stage : undefined);
  if (name === undefined) {
    throw new PolicyError([
      { path: 'default_profile_by_stage', message: `no validation profile for stage "${stage}"` },
    ]);
  }
  return name;
}

/** Thresholds in force: the selection block's plus the stage profile's (both apply). */
export function effectiveThresholds(policy: PolicyDocument, profile: string | null): Threshold[] {
  const own = Object.values(policy.selection?.thresholds ?? policy.thresholds ?? {});
  const fromProfile = profile === null ? [] : profileThresholds(policy.validation_profiles?.[profile] ?? {});
  return [...own, ...fromProfile];
}

function correlationLookup(entries: readonly CorrelationEntry[] = []) {
  const key = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);
  const table = new Map<string, number>();
  for (const { a, b, rho } of entries) {
    if (!Number.isFinite(rho) || Math.abs(rho) > 1) {
      throw new RangeError(`correlation ${a},${b} must be in [-1, 1], got ${rho}`);
    }
    const k = key(a, b);
    const seen = table.get(k);
    if (seen !== undefined && seen !== rho) {
      throw new RangeError(`correlation ${a},${b} given twice: ${seen} and ${rho}`);
    }
    table.set(k, rho);
  }
  return (a: string, b: string) => (a === b ? undefined : table.get(key(a, b)));
}

export function evaluatePolicy(policy: PolicyDocument, input: EvaluateInput): PolicyEvaluation {
  const selection = policy.selection ?? policy;
  const profile = resolveProfile(policy, input.stage, input.profile);
  const thresholds = effectiveThresholds(policy, profile);
  const onMissing = policy.validation?.on_missing_metric ?? 'fail';
  const previous = new Set(input.previous ?? []);
  const correlation = correlationLookup(input.correlations);

  const ids = Object.keys(input.metrics).sort(byId);
  const results = new Map<string, StrategyResult>(
    ids.map((id) => [id, { strategy_id: id, selected: false, reasons: [], warnings: [] }]),
  );
  const reject = (id: string, reason: ReasonCode) => results.get(id)!.reasons.push(reason);

  // 1. Thresholds: every failing metric is reported, not only the first.
  let candidates = ids.filter((id) => {
    const result = results.get(id)!;
    const failed = new Set<ReasonCode>(); // a metric bounded twice is reported once
    for (const rule of thresholds) {
      const value = metricValue(input.metrics, id, rule.metric);
      const code = metricCode(rule.metric);
      if (value === undefined) {
        if (onMissing === 'fail') failed.add(`THRESHOLD_${code}_MISSING`);
        else if (onMissing === 'warn') result.warnings.push(`THRESHOLD_${code}_MISSING`);
      } else if (
        (rule.min !== undefined && value < rule.min) ||
        (rule.max !== undefined && value > rule.max)
      ) {
        failed.add(`THRESHOLD_${code}`);
      }
    }
    result.reasons.push(...failed);
    result.warnings = [...new Set(result.warnings)];
    return failed.size === 0;
  });

  // 2. Rank by the top-k metric, descending; missing ranks last; ties by id.
  const rankMetric = selection.top_k?.metric ?? selection.hysteresis?.metric;
  if (rankMetric !== undefined) {
    const score = (id: string) => metricValue(input.metrics, id, rankMetric) ?? -Infinity;
    candidates = [...candidates].sort((a, b) => score(b) - score(a) || byId(a, b));
  }
  if (selection.top_k) {
    for (const id of candidates.slice(selection.top_k.k)) reject(id, 'NOT_IN_TOP_K');
    candidates = candidates.slice(0, selection.top_k.k);
  }

  // 3. Greedy correlation filter in rank order, against kept strategies only.
  if (selection.correlation) {
    const max = selection.correlation.max;
    const kept: string[] = [];
    for (const id of candidates) {
      const clashes = kept.filter((other) => Math.abs(correlation(id, other) ?? 0) > max);
      if (clashes.length === 0) kept.push(id);
      else for (const other of clashes) reject(id, `CORRELATED_WITH:${other}`);
    }
    candidates = kept;
  }

  // 4. Hysteresis: incumbents stay while ≥ exit; newcomers need ≥ enter.
  const selected: string[] = [];
  for (const id of candidates) {
    const rule = selection.hysteresis;
    if (!rule) {
      selected.push(id);
      results.get(id)!.reasons.push('SELECTED');
      continue;
    }
    const value = metricValue(input.metrics, id, rule.metric);
    const incumbent = previous.has(id);
    if (value !== undefined && value >= rule.enter) {
      selected.push(id);
      results.get(id)!.reasons.push('SELECTED');
    } else if (incumbent && value !== undefined && value >= rule.exit) {
      selected.push(id);
      results.get(id)!.reasons.push('HYSTERESIS_KEEP');
    } else {
      reject(id, incumbent ? 'HYSTERESIS_EXIT' : 'HYSTERESIS_BLOCK');
    }
  }
  for (const id of selected) results.get(id)!.selected = true;

  return { profile, selected, results: ids.map((id) => results.get(id)!) };
}
