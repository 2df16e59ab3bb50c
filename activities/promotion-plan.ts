/**
 * What a promotion proposal needs, shared by the Gateway's POST …/promotions
 * and the strategy workflow's automatic promotion (activities/promotion.ts):
 * the facts governance judges (world snapshot, last evaluation, live slots,
 * risk-hub freshness) turned into named blockers by the pure
 * promotionBlockers, and the apply run an unblocked promotion becomes.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, type JsonValue } from '../domain/canonical-json';
import { activationView } from '../domain/world/activation';
import { promotionBlockers, type PromotionBlocker } from '../domain/world/promotion';
import { promotionPlanWeights, type PlanWeight } from '../domain/world/promotion-weights';
import type { ApplyPlan, WorldSnapshot } from '../workflows/world-messages';
import { latestRiskFreshness } from './risk-hub';
import type { Store } from './store/port';

export type PromotionStage = 'paper' | 'live';

/** The apply request a promotion becomes (the shape POST …/apply takes). */
export interface PromotionApplyRequest {
  run_id: string;
  plan: ApplyPlan;
  mode: PromotionStage;
  require_acks: boolean;
  ack_timeout_sec?: number;
}

/** sha256 of the canonical {mode, plan}: the same run id with another plan is a different request. */
export const applyPlanHash = (mode: string, plan: ApplyPlan): string =>
  createHash('sha256')
    .update(canonicalJson({ mode, plan } as unknown as JsonValue))
    .digest('hex');

/** Selected by the newest evaluation that judged the strategy. */
export function selectedLately(snapshot: WorldSnapshot, strategyId: string): boolean {
  const run = [...snapshot.evaluations].reverse().find((e) => strategyId in e.results);
  return run?.active.includes(strategyId) ?? false;
}

/** Names what keeps `strategyId` from moving to `to` in the world now (epoch ms). */
export async function promotionBlockersFor(
  store: Pick<Store, 'riskSnapshots'>,
  snapshot: WorldSnapshot,
  strategyId: string,
  to: PromotionStage,
  approved: boolean,
  now: number,
): Promise<PromotionBlocker[]> {
  const state = snapshot.promotions[strategyId];
  const liveStrategies = new Set(
    activationView(snapshot.activation, now)
      .filter((v) => v.active && v.effective_mode === 'live' && v.strategy_id !== strategyId)
      .map((v) => v.strategy_id),
  );
  return promotionBlockers({
    from_stage: state?.stage ?? 'backtest',
    to_stage: to,
    governance: snapshot.settings.governance,
    allow_live: snapshot.world.allow_live,
    selected: selectedLately(snapshot, strategyId),
    in_stage_since: state?.since ?? snapshot.world.created_at,
    now,
    live_count: liveStrategies.size,
    risk_snapshot: await latestRiskFreshness(store, snapshot.world.id, now),
    approved,
  });
}

/**
 * The plan entries of a promotion: the strategy at its allocated fraction
 * (else an equal share), incumbents of the same mode shrunk when the world's
 * weights would pass 1 (domain/world/promotion-weights.ts).
 */
export async function promotionActivations(
  store: Pick<Store, 'allocations'>,
  snapshot: WorldSnapshot,
  strategyId: string,
  to: PromotionStage,
): Promise<PlanWeight[]> {
  const allocated = (await store.allocations.latestFractions([snapshot.world.id]))[snapshot.world.id];
  const fraction = allocated?.strategies?.[strategyId];
  return promotionPlanWeights({
    entries: snapshot.activation.entries,
    strategy_id: strategyId,
    mode: to,
    ...(fraction !== undefined && { allocated: fraction }),
  });
}

/** Run ids may not hold ':' or '/'; the rest of a strategy id is kept readable. */
export const promotionRunId = (strategyId: string, to: PromotionStage, requestedAt: string): string =>
  `promote-${strategyId.replace(/[^A-Za-z0-9_.-]/g, '_')}-${to}-${Date.parse(requestedAt)}`;

/** The apply run of a promotion recorded at `requestedAt`: the strategy (and re-weighted incumbents) in `to` mode. */
export function promotionApplyRequest(
  strategyId: string,
  to: PromotionStage,
  requestedAt: string,
  activate: PlanWeight[],
  acks: { require_acks: boolean; ack_timeout_sec?: number },
): PromotionApplyRequest {
  return {
    run_id: promotionRunId(strategyId, to, requestedAt),
    plan: { activate, deactivate: [] },
    mode: to,
    require_acks: acks.require_acks,
    ...(acks.ack_timeout_sec !== undefined && { ack_timeout_sec: acks.ack_timeout_sec }),
  };
}
