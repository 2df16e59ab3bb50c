/**
 * The strategy's automatic way up (SPEC §9): a world that selected its
 * backtest is asked to promote it to paper, as an operator's proposal would
 * (the world's governance decides: auto for paper by default, so the apply
 * run happens and is waited for; manual or disabled leaves a recorded
 * request). After an apply that completed, the world's risk snapshot is
 * republished with the new weights, and the world is asked again what mode
 * the strategy may run in; the answer replaces the standing's. Live is never
 * proposed from here.
 */
import { ActivityFailure, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { PromotionActivities, PromotionOutcome } from '../activities/promotion';
import { workflowMessage } from './activity-options';
import { publishPortfolioSnapshots } from './portfolio-snapshot';
import { askDecision, type WorldStanding } from './strategy-decisions';

/**
 * Proposing and waiting for the apply run it starts: the run takes seconds
 * without acks, but the world may be busy with another apply (ApplyInProgress
 * is retried with backoff until it is free).
 */
const promotionCall: ActivityOptions = {
  ...workflowMessage,
  startToCloseTimeout: '10 minutes',
  // The activity heartbeats while it waits for the apply run: a lost worker is noticed in seconds, not minutes.
  heartbeatTimeout: '30 seconds',
};

const { proposePromotion } = proxyActivities<PromotionActivities>(promotionCall);

/** One world's answer to the proposal, kept in the strategy's status. */
export interface PromotionStanding extends Partial<PromotionOutcome> {
  world_id: string;
  to_stage: 'paper';
  /** Why nothing was proposed (the activity kept failing). */
  failed?: string;
}

/** Selected by the world's evaluation and not yet trading there. */
export const promotable = (standing: WorldStanding): boolean =>
  standing.selected === true && standing.effective_mode === 'compute-only';

export async function promoteSelected(
  strategyId: string,
  standings: WorldStanding[],
  promotions: PromotionStanding[],
  stopped: () => boolean,
): Promise<void> {
  for (const standing of standings.filter(promotable)) {
    if (stopped()) return;
    const ref = { world_id: standing.world_id, strategy_id: strategyId };
    const promotion: PromotionStanding = { world_id: standing.world_id, to_stage: 'paper' };
    promotions.push(promotion);
    try {
      Object.assign(
        promotion,
        await proposePromotion({ ...ref, to_stage: 'paper', run_id: standing.run_id }),
      );
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      promotion.failed = err.cause?.message ?? err.message;
      continue;
    }
    if (promotion.apply?.phase === 'completed') await publishPortfolioSnapshots([standing.world_id]);
    await askDecision(standing, ref);
  }
}
