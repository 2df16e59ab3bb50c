/**
 * The world's own risk snapshot (SPEC §11), published after a promotion,
 * an allocation or a rebalance settled: weights are the world's active
 * activation weights scaled to sum 1 (a world with none publishes nothing);
 * covariance is the per-bar sample covariance of each strategy's realised
 * returns, read off the equity curve of its newest completed run in this
 * world (a strategy without one is left out of the covariance);
 * realized_returns are each strategy's bar-over-bar returns off the equity
 * its newest paper/live run in this world recorded per bar (newest
 * MAX_RETURNS kept; omitted when no strategy has any, so a world without
 * paper runs publishes what it did before). Written as actor `system`,
 * stage `paper`, ttl 900 s.
 *
 * Idempotent without a key: the version is the next after the latest, and a
 * publish whose weights, covariance and returns equal the latest still-fresh snapshot
 * writes nothing, so a retry after a write that went through finds its own
 * snapshot and stops.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { canonicalJson, type JsonValue } from '../domain/canonical-json';
import {
  decimalReturns,
  normalisedWeights,
  realizedCovariance,
  type EquityCurve,
} from '../domain/risk/realized-covariance';
import {
  DEFAULT_TTL_SEC,
  MAX_RETURNS,
  isExpired,
  parseRiskSnapshot,
  type RiskSnapshot,
} from '../domain/risk/snapshot';
import { activationView } from '../domain/world/activation';
import { worldSnapshotQuery, worldWorkflowId, type WorldSnapshot } from '../workflows/world-messages';
import type { BacktestResultBody } from './backtest';
import { recordRiskSnapshot } from './risk-hub';
import type { Store } from './store/port';

export type PortfolioSnapshotOutcome =
  | { published: true; version: number; hash: string }
  | { published: false; reason: 'WORLD_NOT_FOUND' | 'NO_WEIGHTS' | 'UNCHANGED'; version?: number };

/** How far back a strategy's runs are searched for its newest completed one in the world. */
const RUN_PAGE = 50;

export interface PortfolioSnapshotDeps {
  store: Store;
  client?: Client;
  now?: () => number;
}

/** Each strategy's largest open weight (sides summed would double a both-sides entry). */
function activeWeights(snapshot: WorldSnapshot, now: number): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const view of activationView(snapshot.activation, now)) {
    if (!view.active || view.weight <= 0) continue;
    weights[view.strategy_id] = Math.max(weights[view.strategy_id] ?? 0, view.weight);
  }
  return weights;
}

type Content = Pick<RiskSnapshot, 'weights' | 'covariance' | 'realized_returns'>;
const contentOf = (s: Content) =>
  canonicalJson({ w: s.weights, c: s.covariance ?? {}, r: s.realized_returns ?? {} } as unknown as JsonValue);
const sameContent = (a: Content, b: Content) => contentOf(a) === contentOf(b);

export function createPortfolioSnapshotActivities(deps: PortfolioSnapshotDeps) {
  const { store } = deps;
  const now = deps.now ?? Date.now;

  const equityCurve = async (strategyId: string, worldId: string): Promise<EquityCurve | undefined> => {
    const runs = await store.runs.listByStrategy(strategyId, { limit: RUN_PAGE, offset: 0 });
    const run = runs.find((r) => r.worldId === worldId && r.status === 'completed' && r.resultFingerprint);
    const artifact = run && (await store.artifacts.get(run.resultFingerprint!));
    if (!artifact) return undefined;
    const body = JSON.parse(artifact.body) as Pick<BacktestResultBody, 'ts' | 'equity'>;
    return { ts: body.ts, equity: body.equity };
  };

  /** Each strategy's returns off its paper equity in the world; only strategies with at least one. */
  const paperReturns = async (ids: string[], worldId: string) => {
    const returns: Record<string, number[]> = {};
    for (const id of ids) {
      const curve = await store.paperEquity.latestCurve(worldId, id, MAX_RETURNS + 1);
      const values = decimalReturns(curve.map((point) => point.equity)).slice(-MAX_RETURNS);
      if (values.length > 0) returns[id] = values;
    }
    return Object.keys(returns).length > 0 ? returns : undefined;
  };

  return {
    async publishPortfolioSnapshot(input: { world_id: string }): Promise<PortfolioSnapshotOutcome> {
      const client = deps.client ?? Context.current().client;
      let world: WorldSnapshot;
      try {
        world = await client.workflow.getHandle(worldWorkflowId(input.world_id)).query(worldSnapshotQuery);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { published: false, reason: 'WORLD_NOT_FOUND' };
        throw err;
      }
      const at = now();
      const weights = normalisedWeights(activeWeights(world, at));
      if (Object.keys(weights).length === 0) return { published: false, reason: 'NO_WEIGHTS' };
      const curves: Record<string, EquityCurve> = {};
      for (const id of Object.keys(weights)) {
        const curve = await equityCurve(id, input.world_id);
        if (curve) curves[id] = curve;
      }
      const covariance = realizedCovariance(curves);
      const realized_returns = await paperReturns(Object.keys(weights), input.world_id);
      const content = { weights, covariance, ...(realized_returns ? { realized_returns } : {}) };

      const latest = await store.riskSnapshots.latest(input.world_id);
      if (latest && !isExpired({ as_of: latest.asOf, ttl_sec: latest.ttlSec }, at)) {
        const stored = JSON.parse(latest.body) as RiskSnapshot;
        if (sameContent(stored, content))
          return { published: false, reason: 'UNCHANGED', version: latest.version };
      }
      const snapshot = parseRiskSnapshot({
        as_of: new Date(at).toISOString(),
        version: (latest?.version ?? 0) + 1,
        ...content,
        ttl_sec: DEFAULT_TTL_SEC,
      });
      const written = await recordRiskSnapshot(store, {
        worldId: input.world_id,
        snapshot,
        actor: 'system',
        stage: 'paper',
        now: at,
      });
      // Someone else took this version in between: the retry reads the new latest.
      if (written.outcome === 'conflict')
        throw ApplicationFailure.retryable(
          `risk snapshot version ${snapshot.version} was taken`,
          'VersionTaken',
        );
      return { published: true, version: snapshot.version, hash: snapshot.hash };
    },
  };
}

export type PortfolioSnapshotActivities = ReturnType<typeof createPortfolioSnapshotActivities>;
