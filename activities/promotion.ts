/**
 * Automatic promotion (SPEC §9): after a world selected a strategy's backtest,
 * the strategy workflow proposes it a stage up exactly as POST …/promotions
 * would (promotion-plan.ts holds the shared facts and plan): the world records
 * the request with its blockers, and an unblocked one becomes an apply run
 * (no acks: nothing consumes this strategy's gate yet) whose outcome this
 * activity waits for. Live goes ahead only when governance.live is `auto`,
 * the world allows live and nothing else blocks it; otherwise the request
 * waits for an operator like any other.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { ApplyPhase } from '../domain/world/apply-phases';
import { promotionVerdict } from '../domain/world/promotion';
import type { ApplyStatus } from '../workflows/apply-messages';
import { applyStartOptions } from '../workflows/apply-start';
import {
  WORLD_REFUSALS,
  applyWorkflowId,
  beginApplyUpdate,
  requestPromotionUpdate,
  worldSnapshotQuery,
  worldWorkflowId,
  type WorldSnapshot,
} from '../workflows/world-messages';
import {
  applyPlanHash,
  promotionApplyRequest,
  promotionBlockersFor,
  promotionActivations,
  type PromotionStage,
} from './promotion-plan';
import type { Store } from './store/port';

export interface PromotionProposal {
  world_id: string;
  strategy_id: string;
  to_stage: PromotionStage;
  /** The backtest run whose evaluation selected the strategy (names the request). */
  run_id: string;
}

export interface PromotionOutcome {
  to_stage: PromotionStage;
  verdict: 'auto' | 'needs_approval' | 'blocked';
  /** Named blockers (WORLD_NOT_FOUND / WORLD_DELETED when there is no world to ask). */
  blockers: string[];
  /** The apply run an unblocked promotion became, as it ended. */
  apply?: { run_id: string; phase: ApplyPhase; error?: string };
}

export interface PromotionDeps {
  store: Store;
  client?: Client;
  now?: () => number;
}

/** The world's refusal inside a failed update, if that is what failed. */
const refusalOf = (err: unknown): ApplicationFailure | undefined =>
  err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure ? err.cause : undefined;

export function createPromotionActivities(deps: PromotionDeps) {
  const now = deps.now ?? Date.now;
  const clientOf = () => deps.client ?? Context.current().client;
  const actorOf = (p: PromotionProposal) => `strategy:${p.strategy_id}`;

  /**
   * When the request was recorded: the retry of an activity whose update went
   * through finds the strategy already approved into the stage and reuses it
   * (so the same apply run id), instead of asking twice.
   */
  const recordRequest = async (
    world: WorkflowHandle,
    snapshot: WorldSnapshot,
    p: PromotionProposal,
  ): Promise<{ requestedAt?: string; blockers: string[] }> => {
    const state = snapshot.promotions[p.strategy_id];
    if (
      state?.stage === p.to_stage &&
      state.pending?.to_stage === p.to_stage &&
      state.pending.status === 'approved'
    )
      return { requestedAt: state.pending.requested_at, blockers: [] };
    const blockers = await promotionBlockersFor(
      deps.store,
      snapshot,
      p.strategy_id,
      p.to_stage,
      false,
      now(),
    );
    const { promotion } = await world.executeUpdate(requestPromotionUpdate, {
      args: [{ actor: actorOf(p), strategy_id: p.strategy_id, to_stage: p.to_stage, blockers }],
      updateId: `promotion:${p.strategy_id}:${p.to_stage}:${p.run_id}`,
    });
    const approved = promotion.pending?.status === 'approved';
    return { ...(approved && { requestedAt: promotion.pending!.requested_at }), blockers };
  };

  /** Registers the run with the world and starts it, unless it exists already; then waits for its end. */
  const applyAndWait = async (
    world: WorkflowHandle,
    snapshot: WorldSnapshot,
    p: PromotionProposal,
    requestedAt: string,
  ) => {
    const activate = await promotionActivations(deps.store, snapshot, p.strategy_id, p.to_stage);
    const request = promotionApplyRequest(p.strategy_id, p.to_stage, requestedAt, activate, {
      require_acks: false,
    });
    const handle = clientOf().workflow.getHandle(applyWorkflowId(p.world_id, request.run_id));
    const exists = await handle.describe().then(
      () => true,
      (err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      },
    );
    if (!exists) {
      try {
        await world.executeUpdate(beginApplyUpdate, {
          args: [
            {
              actor: actorOf(p),
              run_id: request.run_id,
              mode: request.mode,
              plan: request.plan,
              plan_hash: applyPlanHash(request.mode, request.plan),
            },
          ],
        });
      } catch (err) {
        const refusal = refusalOf(err);
        // Another apply is running: retried with backoff until the world is free.
        if (refusal?.type === WORLD_REFUSALS.applyInProgress)
          throw ApplicationFailure.retryable(refusal.message, 'ApplyInProgress');
        if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type ?? 'WORLD_REFUSED');
        throw err;
      }
      await clientOf()
        .workflow.start(
          'applyWorkflow',
          applyStartOptions({
            world_id: p.world_id,
            run_id: request.run_id,
            require_acks: false,
            ack_timeout_ms: snapshot.settings.ack_timeout_sec * 1000,
          }),
        )
        .catch((err: unknown) => {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        });
    }
    const status = await resultWithHeartbeats<ApplyStatus>(handle);
    return {
      run_id: request.run_id,
      phase: status.phase,
      ...(status.error !== undefined && { error: status.error }),
    };
  };

  return {
    async proposePromotion(p: PromotionProposal): Promise<PromotionOutcome> {
      const world = clientOf().workflow.getHandle(worldWorkflowId(p.world_id));
      let snapshot: WorldSnapshot;
      try {
        snapshot = await world.query(worldSnapshotQuery);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        return { to_stage: p.to_stage, verdict: 'blocked', blockers: ['WORLD_NOT_FOUND'] };
      }
      if (snapshot.deleted) return { to_stage: p.to_stage, verdict: 'blocked', blockers: ['WORLD_DELETED'] };
      const { requestedAt, blockers } = await recordRequest(world, snapshot, p);
      const verdict = promotionVerdict(blockers);
      if (requestedAt === undefined || verdict !== 'auto') return { to_stage: p.to_stage, verdict, blockers };
      const apply = await applyAndWait(world, snapshot, p, requestedAt);
      return { to_stage: p.to_stage, verdict, blockers, apply };
    },
  };
}

export type PromotionActivities = ReturnType<typeof createPromotionActivities>;

const HEARTBEAT_EVERY_MS = 5_000;

/**
 * The workflow's result, heartbeating every few seconds while it runs so a dead
 * worker is noticed. The wait is the activity's cancellable sleep: a worker
 * shutting down cancels it at once instead of waiting out the timeout.
 */
export async function resultWithHeartbeats<T>(handle: Pick<WorkflowHandle, 'result'>): Promise<T> {
  const result = handle.result() as Promise<T>;
  result.catch(() => undefined); // canceled first: its later failure is nobody's
  // The Gateway's promotion endpoint runs this code outside any activity: it just waits.
  const activity = activityContext();
  if (activity === undefined) return result;
  for (;;) {
    const done = await Promise.race([
      result.then(() => true),
      activity.sleep(HEARTBEAT_EVERY_MS).then(() => false),
    ]);
    if (done) return result;
    activity.heartbeat();
  }
}

/** The running activity's context; undefined when called from elsewhere. */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
