/**
 * The strategy workflow's questions to its world (SPEC §9), after a backtest:
 *
 * - evaluateBacktest: scores the run against the world's default policy and
 *   records the result in the world as evaluation run `backtest:{run_id}`
 *   (the world's update is idempotent per id, and the update id is the same,
 *   so a retried activity records once). The field it is scored in: the
 *   candidate plus every strategy bound to the world or active in it, each
 *   by its newest completed backtest in this world from the store (a peer
 *   without one is left out rather than failed for missing metrics). No
 *   correlations are known at this point, so every pair counts as
 *   uncorrelated, as in QMTL. Recording never changes activation.
 * - worldDecision: the mode the strategy may run in now, read off the world's
 *   snapshot. Default-safe: an unknown world or any failure is compute-only
 *   with a reason; it never throws.
 */
import { ApplicationFailure, CancelledFailure, Context, log } from '@temporalio/activity';
import {
  QueryNotRegisteredError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { backtestPolicyMetrics } from '../domain/world/backtest-metrics';
import {
  activeStrategies,
  backtestEvaluation,
  backtestEvaluationId,
  strategyDecision,
  type StrategyDecision,
} from '../domain/world/backtest-evaluation';
import { PolicyError } from '../domain/world/policy';
import { recordEvaluationUpdate, worldSnapshotQuery, worldWorkflowId } from '../workflows/world-messages';
import { worldPoliciesQuery } from '../workflows/world-policies';
import type { RunRecord, Store } from './store/port';

export interface BacktestRef {
  world_id: string;
  strategy_id: string;
  run_id: string;
}

export type NotEvaluatedReason =
  | 'WORLD_NOT_FOUND'
  | 'WORLD_UNAVAILABLE'
  | 'WORLD_DELETED'
  | 'POLICY_MISSING'
  | 'POLICY_NOT_APPLICABLE'
  | 'RUN_NOT_COMPLETED'
  | 'EVALUATION_REFUSED';

export type BacktestEvaluationOutcome =
  | {
      evaluated: true;
      evaluation_run_id: string;
      policy_version: number;
      /** The candidate's own result. */
      selected: boolean;
      reason_code: string;
    }
  | { evaluated: false; reason: NotEvaluatedReason; detail?: string };

/** How far back a peer's runs are searched for its newest completed backtest in the world. */
const PEER_RUN_PAGE = 50;

export interface WorldEvaluationDeps {
  store: Store;
  /** Default: the worker's client from the activity context. */
  client?: Client;
  now?: () => number;
}

/** A missing world, or one whose workflow predates the query: not an error to retry. */
function unreachable(err: unknown): NotEvaluatedReason | undefined {
  if (err instanceof WorkflowNotFoundError) return 'WORLD_NOT_FOUND';
  if (err instanceof QueryNotRegisteredError) return 'WORLD_UNAVAILABLE';
  return undefined;
}

export function createWorldEvaluationActivities(deps: WorldEvaluationDeps) {
  const now = deps.now ?? Date.now;
  const worldHandle = (worldId: string): WorkflowHandle =>
    (deps.client ?? Context.current().client).workflow.getHandle(worldWorkflowId(worldId));

  const newestBacktest = async (strategyId: string, worldId: string): Promise<RunRecord | undefined> => {
    const runs = await deps.store.runs.listByStrategy(strategyId, { limit: PEER_RUN_PAGE, offset: 0 });
    return runs.find((r) => r.worldId === worldId && r.mode === 'backtest' && r.status === 'completed');
  };

  return {
    async evaluateBacktest(ref: BacktestRef): Promise<BacktestEvaluationOutcome> {
      const notEvaluated = (reason: NotEvaluatedReason, detail?: string): BacktestEvaluationOutcome => ({
        evaluated: false,
        reason,
        ...(detail !== undefined ? { detail } : {}),
      });
      const world = worldHandle(ref.world_id);
      let policies, snapshot;
      try {
        // Policies first: a world without a default policy needs nothing else.
        policies = await world.query(worldPoliciesQuery);
        if (policies.default_version === null) return notEvaluated('POLICY_MISSING');
        snapshot = await world.query(worldSnapshotQuery);
      } catch (err) {
        const reason = unreachable(err);
        if (reason === undefined) throw err;
        return notEvaluated(reason);
      }
      if (snapshot.deleted) return notEvaluated('WORLD_DELETED');
      const version = policies.versions.find((v) => v.version === policies.default_version);
      if (!version) return notEvaluated('POLICY_MISSING');

      const run = await deps.store.runs.get(ref.run_id);
      if (!run || run.status !== 'completed' || run.worldId !== ref.world_id)
        return notEvaluated(
          'RUN_NOT_COMPLETED',
          run ? `run is ${run.status} in ${run.worldId}` : 'no run record',
        );

      const previous = activeStrategies(snapshot.activation);
      const peers = [...new Set([...snapshot.bindings, ...previous])].filter((id) => id !== ref.strategy_id);
      const metrics: Record<string, Record<string, number>> = {
        [ref.strategy_id]: backtestPolicyMetrics(run.metrics),
      };
      for (const peer of peers.sort()) {
        const peerRun = await newestBacktest(peer, ref.world_id);
        if (peerRun) metrics[peer] = backtestPolicyMetrics(peerRun.metrics);
      }

      let evaluation;
      try {
        evaluation = backtestEvaluation({
          policy: version.policy,
          policyVersion: version.version,
          runId: ref.run_id,
          metrics,
          previous,
        });
      } catch (err) {
        // A policy without a profile for stage backtest, or contradictory data: retrying changes nothing.
        if (!(err instanceof PolicyError || err instanceof RangeError)) throw err;
        return notEvaluated('POLICY_NOT_APPLICABLE', err.message);
      }

      try {
        const recorded = await world.executeUpdate(recordEvaluationUpdate, {
          args: [{ actor: `strategy:${ref.strategy_id}`, evaluation }],
          updateId: backtestEvaluationId(ref.run_id),
        });
        const own = recorded.evaluation.results[ref.strategy_id];
        return {
          evaluated: true,
          evaluation_run_id: recorded.evaluation.evaluation_run_id,
          policy_version: version.version,
          selected: own?.status === 'active',
          reason_code: own?.reason_code ?? 'UNKNOWN',
        };
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure)
          return notEvaluated('EVALUATION_REFUSED', err.cause.type ?? err.cause.message);
        const reason = unreachable(err);
        if (reason === undefined) throw err;
        return notEvaluated(reason);
      }
    },

    async worldDecision(ref: Omit<BacktestRef, 'run_id'>): Promise<StrategyDecision> {
      try {
        const snapshot = await worldHandle(ref.world_id).query(worldSnapshotQuery);
        return strategyDecision(snapshot, ref.strategy_id, now());
      } catch (err) {
        if (err instanceof CancelledFailure) throw err;
        const reason = unreachable(err);
        if (reason === undefined)
          log.warn('world decision unavailable; compute-only', { worldId: ref.world_id, error: String(err) });
        return { effective_mode: 'compute-only', reason: reason ?? 'DECISION_UNAVAILABLE' };
      }
    },
  };
}

export type WorldEvaluationActivities = ReturnType<typeof createWorldEvaluationActivities>;
