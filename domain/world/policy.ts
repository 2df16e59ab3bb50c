/**
 * World policy (SPEC §9) in QMTL's format: per-stage `validation_profiles`,
 * `default_profile_by_stage` and a `selection` block (thresholds, top_k,
 * correlation, hysteresis). QMTL's parser ignored unknown keys (SPEC §12); every
 * object here is strict, so a typo is refused with its path instead of silently
 * dropping a limit. Values are metric scores, so plain numbers are fine.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const metricName = z.string().min(1).max(128);
const finite = z.number().finite();
const meta = { severity: z.string().min(1).optional(), owner: z.string().min(1).optional() };

export const thresholdRuleSchema = z
  .strictObject({ metric: metricName, min: finite.optional(), max: finite.optional() })
  // A rule without bounds would look like a limit while checking nothing.
  .refine((r) => r.min !== undefined || r.max !== undefined, 'needs min or max')
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, 'min > max');

export const topKRuleSchema = z.strictObject({ metric: metricName, k: z.number().int().positive() });

// |ρ| is compared against max, so a negative max would block every pair.
export const correlationRuleSchema = z.strictObject({ max: finite.min(0).max(1) });

export const hysteresisRuleSchema = z
  .strictObject({ metric: metricName, enter: finite, exit: finite })
  .refine((r) => r.exit <= r.enter, { message: 'exit must be <= enter', path: ['exit'] });

const sampleProfile = z.strictObject({
  min_effective_years: finite.nonnegative().optional(),
  min_trades_total: z.number().int().nonnegative().optional(),
  ...meta,
});
const performanceProfile = z.strictObject({
  sharpe_min: finite.optional(),
  max_dd_max: finite.nonnegative().optional(),
  gain_to_pain_min: finite.optional(),
  ...meta,
});
const robustnessProfile = z.strictObject({
  dsr_min: finite.optional(),
  cv_sharpe_gap_max: finite.optional(),
  ...meta,
});
const riskProfile = z.strictObject({
  adv_utilization_p95_max: finite.nonnegative().optional(),
  participation_rate_p95_max: finite.nonnegative().optional(),
  ...meta,
});

export const validationProfileSchema = z.strictObject({
  sample: sampleProfile.optional(),
  performance: performanceProfile.optional(),
  robustness: robustnessProfile.optional(),
  risk: riskProfile.optional(),
});
export type ValidationProfile = z.infer<typeof validationProfileSchema>;

const thresholdMap = z.record(z.string().min(1), thresholdRuleSchema);

export const selectionSchema = z.strictObject({
  thresholds: thresholdMap.optional(),
  top_k: topKRuleSchema.optional(),
  correlation: correlationRuleSchema.optional(),
  hysteresis: hysteresisRuleSchema.optional(),
});

/*
 * QMTL's campaign-level blocks. They are parsed strictly so QMTL policies load,
 * but the selection engine does not evaluate them (see policy-engine.ts).
 */
const cohortSchema = z.strictObject({
  sharpe_median_min: finite.optional(),
  dsr_median_min: finite.optional(),
  top_k: z.number().int().positive().optional(),
  ...meta,
});
const portfolioSchema = z.strictObject({
  max_incremental_var_99: finite.optional(),
  max_incremental_es_99: finite.optional(),
  min_portfolio_sharpe_uplift: finite.optional(),
  ...meta,
});
const stressSchema = z.strictObject({
  scenarios: z
    .record(
      z.string().min(1),
      z.strictObject({ dd_max: finite.optional(), es_99: finite.optional(), var_99: finite.optional() }),
    )
    .optional(),
  ...meta,
});
const liveMonitoringSchema = z.strictObject({
  lookback_days: z.number().int().positive().optional(),
  decay_threshold: finite.optional(),
  sharpe_min: finite.optional(),
  dd_max: finite.optional(),
  ...meta,
});

export const policySchema = z
  .strictObject({
    // QMTL's older flat form (docs/en/world/sample_policy.yml before profiles).
    thresholds: thresholdMap.optional(),
    top_k: topKRuleSchema.optional(),
    correlation: correlationRuleSchema.optional(),
    hysteresis: hysteresisRuleSchema.optional(),
    selection: selectionSchema.optional(),
    validation_profiles: z.record(z.string().min(1), validationProfileSchema).optional(),
    default_profile_by_stage: z.record(z.string().min(1), z.string().min(1)).optional(),
    validation: z
      .strictObject({
        on_error: z.enum(['fail', 'warn']).optional(),
        on_missing_metric: z.enum(['fail', 'warn', 'ignore']).optional(),
      })
      .optional(),
    cohort: cohortSchema.optional(),
    portfolio: portfolioSchema.optional(),
    stress: stressSchema.optional(),
    live_monitoring: liveMonitoringSchema.optional(),
  })
  .superRefine((policy, ctx) => {
    // QMTL merged both forms with ad-hoc precedence; mixing them is refused instead.
    if (policy.selection) {
      for (const key of ['thresholds', 'top_k', 'correlation', 'hysteresis'] as const) {
        if (policy[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: `duplicates selection.${key}; use one form` });
        }
      }
    }
    const profiles = policy.validation_profiles ?? {};
    for (const [stage, name] of Object.entries(policy.default_profile_by_stage ?? {})) {
      if (!(name in profiles)) {
        ctx.addIssue({
          code: 'custom',
          path: ['default_profile_by_stage', stage],
          message: `no validation profile "${name}"`,
        });
      }
    }
  });

export type PolicyDocument = z.infer<typeof policySchema>;
export type ThresholdRule = z.infer<typeof thresholdRuleSchema>;
export type TopKRule = z.infer<typeof topKRuleSchema>;
export type CorrelationRule = z.infer<typeof correlationRuleSchema>;
export type HysteresisRule = z.infer<typeof hysteresisRuleSchema>;

export interface PolicyIssue {
  path: string;
  message: string;
}

/** A refused policy; each issue names the offending path (e.g. `selection.top_k.kk`). */
export class PolicyError extends Error {
  constructor(readonly issues: PolicyIssue[]) {
    super(`invalid policy: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'PolicyError';
  }
}

function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function toIssues(error: z.ZodError): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      // One issue per key so the full path of each unknown key is named.
      for (const key of issue.keys)
        issues.push({ path: joinPath([...issue.path, key]), message: 'unknown key' });
    } else {
      issues.push({ path: joinPath(issue.path), message: issue.message });
    }
  }
  return issues;
}

/** Validate an already-decoded policy object (e.g. the `policy` field of a JSON body). */
export function parsePolicy(value: unknown): PolicyDocument {
  const result = policySchema.safeParse(value);
  if (!result.success) throw new PolicyError(toIssues(result.error));
  return result.data;
}

export type PolicyFormat = 'json' | 'yaml';

/** Parse policy text; without a format, text starting with `{` is JSON, otherwise YAML. */
export function parsePolicyText(text: string, format?: PolicyFormat): PolicyDocument {
  const resolved = format ?? (text.trimStart().startsWith('{') ? 'json' : 'yaml');
  let value: unknown;
  try {
    // yaml's defaults refuse duplicate keys, which a policy must never have.
    value = resolved === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new PolicyError([{ path: '', message: `not valid ${resolved}: ${(error as Error).message}` }]);
  }
  return parsePolicy(value);
}

/** A resolved threshold: metric, bound and direction. */
export interface Threshold {
  metric: string;
  min?: number;
  max?: number;
}

/** SPEC §9's profile-limit → metric mapping; `cv_sharpe_gap_max` is QMTL's v1.5 gap limit. */
export function profileThresholds(profile: ValidationProfile): Threshold[] {
  const out: Threshold[] = [];
  const add = (metric: string, bound: 'min' | 'max', value: number | undefined) => {
    if (value !== undefined) out.push({ metric, [bound]: value });
  };
  add('effective_history_years', 'min', profile.sample?.min_effective_years);
  add('n_trades_total', 'min', profile.sample?.min_trades_total);
  add('sharpe', 'min', profile.performance?.sharpe_min);
  add('max_drawdown', 'max', profile.performance?.max_dd_max);
  add('gain_to_pain_ratio', 'min', profile.performance?.gain_to_pain_min);
  add('deflated_sharpe_ratio', 'min', profile.robustness?.dsr_min);
  add('cv_sharpe_gap', 'max', profile.robustness?.cv_sharpe_gap_max);
  add('adv_utilization_p95', 'max', profile.risk?.adv_utilization_p95_max);
  add('participation_rate_p95', 'max', profile.risk?.participation_rate_p95_max);
  return out;
}
