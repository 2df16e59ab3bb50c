/**
 * The pure half of "a finished backtest asks its world" (SPEC §9): the
 * evaluation run recorded for a backtest, and the standing a strategy reads
 * off the world's activation table. activities/world-evaluation.ts does the
 * reading and writing around them.
 */
import type { EvaluationRun, WorldSnapshot } from '../../workflows/world-messages';
import { activationView, currentDecision, type ActivationMode, type ActivationTable } from './activation';
import { evaluatePolicy, type PolicyEvaluation } from './policy-engine';
import type { PolicyDocument } from './policy';

/** A backtest is evaluated once per run: a retried or replayed request finds the same record. */
export const backtestEvaluationId = (runId: string): string => `backtest:${runId}`;

/**
 * Strategies whose last evaluation counts as "currently active": those with an
 * active activation entry (either side). An evaluation itself never activates.
 */
export function activeStrategies(table: ActivationTable): string[] {
  return [...new Set(table.entries.filter((e) => e.active).map((e) => e.strategy_id))].sort();
}

export interface BacktestEvaluationInput {
  policy: PolicyDocument;
  policyVersion: number;
  runId: string;
  /** Policy metrics per strategy: the candidate and every peer with a finished backtest. */
  metrics: Record<string, Record<string, number>>;
  /** Incumbents for hysteresis. */
  previous: string[];
}

/** Runs the policy at stage backtest and shapes the result as the world records it. */
export function backtestEvaluation(input: BacktestEvaluationInput): Omit<EvaluationRun, 'at'> {
  const evaluation: PolicyEvaluation = evaluatePolicy(input.policy, {
    metrics: input.metrics,
    previous: input.previous,
    stage: 'backtest',
  });
  return {
    evaluation_run_id: backtestEvaluationId(input.runId),
    stage: 'backtest',
    policy_version: input.policyVersion,
    profile: evaluation.profile,
    active: evaluation.selected,
    results: Object.fromEntries(
      evaluation.results.map((r) => [
        r.strategy_id,
        {
          status: r.selected ? ('active' as const) : ('inactive' as const),
          reason_code: r.reasons[0] ?? 'UNKNOWN',
          reasons: [...r.reasons],
        },
      ]),
    ),
    source: { kind: 'backtest', run_id: input.runId },
  };
}

export interface StrategyDecision {
  effective_mode: ActivationMode;
  /** OK, or the first rule that kept the strategy compute-only. */
  reason: string;
}

const MODE_RANK: Record<ActivationMode, number> = { 'compute-only': 0, paper: 1, live: 2 };

/**
 * What mode one strategy runs in now, by the order-gate rules (SPEC §9):
 * a deleted or suspended world, no open decision, no entry for the strategy,
 * or a closed gate (inactive, frozen, draining, out of window) all mean
 * compute-only with that reason; live on a world without allow_live too.
 */
export function strategyDecision(snapshot: WorldSnapshot, strategyId: string, now: number): StrategyDecision {
  const computeOnly = (reason: string): StrategyDecision => ({ effective_mode: 'compute-only', reason });
  if (snapshot.deleted) return computeOnly('WORLD_DELETED');
  if (snapshot.world.state !== 'ACTIVE') return computeOnly('WORLD_SUSPENDED');
  if (currentDecision(snapshot.activation, now) === undefined) return computeOnly('DECISION_MISSING');
  const views = activationView(snapshot.activation, now).filter((v) => v.strategy_id === strategyId);
  if (views.length === 0) return computeOnly('ACTIVATION_MISSING');
  const open = views.filter((v) => v.gate_open);
  if (open.length === 0) return computeOnly(views[0]!.gate_reason);
  const mode = open.reduce<ActivationMode>(
    (best, v) => (MODE_RANK[v.effective_mode] > MODE_RANK[best] ? v.effective_mode : best),
    'compute-only',
  );
  if (mode === 'compute-only') return computeOnly('DECISION_COMPUTE_ONLY');
  if (mode === 'live' && !snapshot.world.allow_live) return computeOnly('LIVE_NOT_ALLOWED');
  return { effective_mode: mode, reason: 'OK' };
}
