/**
 * After its backtests, a strategy asks each world it ran in: evaluate this
 * run against your default policy, then what mode may I run in. The answers
 * are kept in the strategy's status; nothing is started from them here (the
 * strategy stays compute-only until a later step acts on a paper or live
 * decision). Either question failing leaves the world's answer default-safe.
 */
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { WorldEvaluationActivities } from '../activities/world-evaluation';
import type { ActivationMode } from '../domain/world/activation';
import { workflowMessage } from './activity-options';
import type { StrategyRun } from './strategy-runs';

/** One world's answer about this strategy. */
export interface WorldStanding {
  world_id: string;
  run_id: string;
  /** `backtest:{run_id}` once the world recorded the evaluation. */
  evaluation_run_id?: string;
  /** The strategy's own result in that evaluation. */
  selected?: boolean;
  reason_code?: string;
  /** Why nothing was recorded: POLICY_MISSING, WORLD_NOT_FOUND, EVALUATION_FAILED, … */
  not_evaluated?: string;
  effective_mode: ActivationMode;
  decision_reason: string;
}

const { evaluateBacktest, worldDecision } = proxyActivities<WorldEvaluationActivities>(workflowMessage);

/**
 * Asks, world by world in run order, about every completed run; `standings`
 * is filled as answers arrive so the status query shows progress. Stops
 * asking once `stopped()` says so.
 */
export async function askWorlds(
  strategyId: string,
  runs: readonly StrategyRun[],
  standings: WorldStanding[],
  stopped: () => boolean,
): Promise<void> {
  for (const run of runs) {
    if (stopped()) return;
    if (run.status !== 'completed') continue;
    const ref = { world_id: run.worldId, strategy_id: strategyId };
    const standing: WorldStanding = {
      world_id: run.worldId,
      run_id: run.runId,
      effective_mode: 'compute-only',
      decision_reason: 'DECISION_PENDING',
    };
    standings.push(standing);
    try {
      const outcome = await evaluateBacktest({ ...ref, run_id: run.runId });
      if (outcome.evaluated) {
        standing.evaluation_run_id = outcome.evaluation_run_id;
        standing.selected = outcome.selected;
        standing.reason_code = outcome.reason_code;
      } else standing.not_evaluated = outcome.reason;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      standing.not_evaluated = 'EVALUATION_FAILED';
    }
    await askDecision(standing, ref);
  }
}

/** The world's decision for the strategy, into its standing; a failed ask leaves it compute-only. */
export async function askDecision(
  standing: WorldStanding,
  ref: { world_id: string; strategy_id: string },
): Promise<void> {
  try {
    const decision = await worldDecision(ref);
    standing.effective_mode = decision.effective_mode;
    standing.decision_reason = decision.reason;
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    standing.decision_reason = 'DECISION_UNAVAILABLE';
  }
}
