/**
 * Collects the dashboard's data: world snapshots (by query), their
 * strategies from the store joined with stage and activation from the
 * snapshot, the standing decision (the same rules as `GET …/decide`), the
 * world's orders (visibility) and each strategy's newest run in the world
 * with its equity curve. Read-only; no business rules of its own.
 */
import type { BacktestResultBody } from '../../activities/backtest';
import type { RunRecord, Store } from '../../activities/store/port';
import { STRATEGY_ID_PATTERN } from '../../domain/dag/strategy-id';
import { activationView, currentDecision, type ActivationView } from '../../domain/world/activation';
import { decideAsOf } from '../../domain/world/decide';
import type { WorldSnapshot } from '../../workflows/world-messages';
import { equitySvg } from '../equity-chart';
import type { RunControl } from '../temporal-runs';
import type { WorldServiceControl } from '../temporal-worlds';
import type { OrderListing } from './orders';
import type { ActivationCell, DashboardView, StrategyRow, WorldPanel } from './view';

export interface DashboardSources {
  store: Store;
  temporal: Pick<WorldServiceControl, 'listWorlds'> & Pick<RunControl, 'strategyStatuses'>;
  orders: OrderListing;
}

/** Bounds that keep one page load cheap. */
export const DASHBOARD_LIMITS = { worlds: 50, strategiesPerWorld: 50, ordersPerWorld: 20 } as const;

const CHART = { width: 360, height: 120 };

export async function gatherDashboard(sources: DashboardSources, now: number): Promise<DashboardView> {
  const snapshots = await sources.temporal.listWorlds({
    limit: DASHBOARD_LIMITS.worlds,
    includeEnded: false,
  });
  const worlds = await Promise.all(
    snapshots.filter((s) => !s.deleted).map((snapshot) => worldPanel(sources, snapshot, now)),
  );
  return { generatedAt: new Date(now).toISOString(), worlds };
}

async function worldPanel(
  sources: DashboardSources,
  snapshot: WorldSnapshot,
  now: number,
): Promise<WorldPanel> {
  const { world } = snapshot;
  const [strategies, orders] = await Promise.all([
    strategyRows(sources, snapshot, now),
    sources.orders.worldOrders(world.id, DASHBOARD_LIMITS.ordersPerWorld),
  ]);
  const evaluation = snapshot.evaluations[snapshot.evaluations.length - 1];
  return {
    id: world.id,
    name: world.name,
    state: world.state,
    allowLive: world.allow_live,
    decision: standingDecision(snapshot, now),
    ...(evaluation && {
      lastEvaluation: {
        id: evaluation.evaluation_run_id,
        at: evaluation.at,
        stage: evaluation.stage,
        active: evaluation.active,
      },
    }),
    ...(snapshot.apply && {
      apply: {
        runId: snapshot.apply.run_id,
        phase: snapshot.apply.phase,
        updatedAt: snapshot.apply.updated_at,
      },
    }),
    strategies,
    orders,
  };
}

/** What `GET /v1/worlds/{id}/decide?as_of=now` answers. */
function standingDecision(snapshot: WorldSnapshot, now: number): { mode: string; reason: string } {
  const standing = currentDecision(snapshot.activation, now);
  const decided = decideAsOf({
    decision: standing && {
      mode: standing.mode,
      made_at: standing.made_at,
      ...(standing.valid_until !== undefined && { valid_until: standing.valid_until }),
    },
    as_of: new Date(now).toISOString(),
    now,
    ttl_sec: snapshot.settings.decision_ttl_sec,
    allow_live: snapshot.world.allow_live,
  });
  return { mode: decided.mode, reason: decided.reason };
}

/** Strategies the store binds to the world, plus ids only the activation table or promotions name. */
async function strategyRows(
  sources: DashboardSources,
  snapshot: WorldSnapshot,
  now: number,
): Promise<StrategyRow[]> {
  const worldId = snapshot.world.id;
  const records = await sources.store.strategies.list({
    limit: DASHBOARD_LIMITS.strategiesPerWorld,
    offset: 0,
    worldId,
  });
  const views = activationView(snapshot.activation, now);
  const ids = [
    ...new Set([
      ...records.map((r) => r.strategyId),
      ...snapshot.bindings,
      ...views.map((v) => v.strategy_id),
      ...Object.keys(snapshot.promotions),
    ]),
  ].slice(0, DASHBOARD_LIMITS.strategiesPerWorld);
  const known = ids.filter((id) => STRATEGY_ID_PATTERN.test(id));
  const statuses = await sources.temporal.strategyStatuses(known);
  return Promise.all(
    ids.map(async (strategyId) => {
      const run = STRATEGY_ID_PATTERN.test(strategyId)
        ? await latestRun(sources.store, strategyId, worldId)
        : undefined;
      const status = statuses.get(strategyId);
      // The world's own default: a strategy it has never promoted is in backtest.
      const stage = snapshot.promotions[strategyId]?.stage ?? 'backtest';
      return {
        strategyId,
        ...(status !== undefined && { status }),
        stage,
        activation: views.filter((v) => v.strategy_id === strategyId).map(activationCell),
        ...(run && { run }),
      };
    }),
  );
}

const activationCell = (view: ActivationView): ActivationCell => ({
  side: view.side,
  active: view.active,
  weight: String(view.weight),
  mode: view.effective_mode,
  gateOpen: view.gate_open,
});

async function latestRun(store: Store, strategyId: string, worldId: string): Promise<StrategyRow['run']> {
  const runs = await store.runs.listByStrategy(strategyId, { limit: 20, offset: 0 });
  const run = runs.find((r) => r.worldId === worldId);
  if (!run) return undefined;
  const chart = await equityChart(store, run);
  return { runId: run.runId, status: run.status, ...(chart !== undefined && { equitySvg: chart }) };
}

async function equityChart(store: Store, run: RunRecord): Promise<string | undefined> {
  if (run.resultFingerprint === undefined) return undefined;
  const artifact = await store.artifacts.get(run.resultFingerprint);
  if (!artifact) return undefined;
  const result = JSON.parse(artifact.body) as BacktestResultBody;
  if (result.ts.length === 0) return undefined;
  const curve = result.ts.map((ts, i) => ({ ts, equity: result.equity[i]! }));
  return equitySvg(curve, { ...CHART, title: `${run.mode} equity`, initialCash: result.initial_cash });
}
