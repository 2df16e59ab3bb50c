/**
 * The v2 world workflow's activation handlers: direct writes, the two-phase
 * apply's steps (rules in domain/world/apply-table.ts) and promotions. The
 * validators run the same pure rules as the handlers, so a refused write is
 * rejected before it reaches history.
 */
import { setHandler } from '@temporalio/workflow';
import { writeActivation } from '../domain/world/activation';
import { applyStep, beginApply } from '../domain/world/apply-table';
import { promotionVerdict } from '../domain/world/promotion';
import {
  WORLD_REFUSALS,
  applyStepUpdate,
  beginApplyUpdate,
  decidePromotionUpdate,
  requestPromotionUpdate,
  writeActivationUpdate,
  type ApplyRecord,
  type ApplyStep,
  type PromotionState,
} from './world-messages';
import { nowIso, refuse, ruled, type WorldState } from './world-state';

function runStep(state: WorldState, run_id: string, step: ApplyStep, error?: string) {
  const { apply } = state.book;
  if (apply === undefined || apply.run_id !== run_id)
    refuse(WORLD_REFUSALS.applyState, `world ${state.id} has no apply run ${run_id}`);
  const { allow_live } = state.world;
  const ctx = {
    ts: nowIso(),
    allow_live,
    governance: state.settings.governance,
    ...(error ? { error } : {}),
  };
  return ruled(() => applyStep(state.book.activation, apply, step, ctx));
}

export function registerActivationHandlers(state: WorldState): void {
  const writeContext = () => ({ ts: nowIso(), allow_live: state.world.allow_live });

  setHandler(
    writeActivationUpdate,
    async ({ actor, write }) => {
      const { table, written } = ruled(() => writeActivation(state.book.activation, write, writeContext()));
      state.book = { ...state.book, activation: table };
      const detail = {
        strategy_id: write.strategy_id,
        side: write.side ?? 'both',
        activation_etag: table.etag,
      };
      await state.flushedThrough(
        state.write(actor, 'activation.written', detail, state.activationEvents(written)),
      );
      return { etag: table.etag, entries: written };
    },
    {
      validator: ({ write }) => {
        state.refuseIfDeleted();
        ruled(() => writeActivation(state.book.activation, write, writeContext()));
      },
    },
  );

  setHandler(
    beginApplyUpdate,
    async ({ actor, run_id, mode, plan, plan_hash }) => {
      const request = { run_id, mode, plan, plan_hash, actor };
      const result = ruled(() => beginApply(state.book.apply, request, nowIso()));
      if (result.started) {
        state.book = { ...state.book, apply: result.apply };
        await state.flushedThrough(state.write(actor, 'apply.requested', { run_id, mode, plan_hash }));
      }
      return result;
    },
    {
      validator: (request) => {
        state.refuseIfDeleted();
        ruled(() => beginApply(state.book.apply, request, nowIso()));
      },
    },
  );

  setHandler(
    applyStepUpdate,
    async ({ run_id, step, error }) => {
      const result = runStep(state, run_id, step, error);
      state.book = { ...state.book, activation: result.table, apply: result.apply };
      if (result.apply.phase === 'completed')
        state.book.promotions = stagesAfter(state.book.promotions, result.apply);
      const detail = {
        run_id,
        phase: result.apply.phase,
        activation_etag: result.table.etag,
        ...(error ? { error } : {}),
      };
      const events = state.activationEvents(result.entries);
      await state.flushedThrough(state.write(result.apply.actor, `apply.${step}`, detail, events));
      return { apply: result.apply, entries: result.entries, etag: result.table.etag };
    },
    {
      validator: ({ run_id, step, error }) => {
        state.refuseIfDeleted();
        runStep(state, run_id, step, error);
      },
    },
  );

  setHandler(
    requestPromotionUpdate,
    async ({ actor, strategy_id, to_stage, blockers }) => {
      const ts = nowIso();
      const current = state.book.promotions[strategy_id] ?? {
        strategy_id,
        stage: to_stage === 'paper' ? 'backtest' : 'paper',
        since: ts,
      };
      const pending = { to_stage, requested_at: ts, blockers, status: 'pending' as const };
      // No blocker: governance lets it through now.
      const promotion: PromotionState =
        blockers.length === 0
          ? {
              strategy_id,
              stage: to_stage,
              since: ts,
              pending: { ...pending, status: 'approved', decided_by: 'auto' },
            }
          : { ...current, pending };
      state.book = { ...state.book, promotions: { ...state.book.promotions, [strategy_id]: promotion } };
      const detail = { strategy_id, to_stage, blockers, status: promotion.pending!.status };
      await state.flushedThrough(state.write(actor, 'promotion.requested', detail));
      return { promotion };
    },
    { validator: (_input) => state.refuseIfDeleted() },
  );

  setHandler(
    decidePromotionUpdate,
    async ({ actor, strategy_id, approve, reason }) => {
      const current = state.book.promotions[strategy_id]!;
      const pending = current.pending!;
      const decided = {
        ...pending,
        status: approve ? ('approved' as const) : ('rejected' as const),
        decided_by: actor,
        ...(reason !== undefined ? { reason } : {}),
      };
      const ts = nowIso();
      const promotion: PromotionState = approve
        ? { strategy_id, stage: pending.to_stage, since: ts, pending: decided }
        : { ...current, pending: decided };
      state.book = { ...state.book, promotions: { ...state.book.promotions, [strategy_id]: promotion } };
      const action = approve ? 'promotion.approved' : 'promotion.rejected';
      await state.flushedThrough(
        state.write(actor, action, { strategy_id, to_stage: pending.to_stage, reason }),
      );
      return { promotion };
    },
    {
      validator: ({ strategy_id, approve }) => {
        state.refuseIfDeleted();
        const pending = state.book.promotions[strategy_id]?.pending;
        if (pending?.status !== 'pending')
          refuse(WORLD_REFUSALS.noPromotion, `no pending promotion for strategy ${strategy_id}`);
        // An operator approves what only waits for approval, never past a hard blocker.
        if (approve && promotionVerdict(pending.blockers) === 'blocked')
          refuse(WORLD_REFUSALS.governance, `promotion of ${strategy_id} is blocked`, {
            blockers: pending.blockers,
          });
      },
    },
  );
}

/**
 * A completed apply moves the strategies it activated into its mode's stage
 * (since now), whoever started it: an operator's apply counts as much as a
 * promotion's. A strategy already in that stage (an approved promotion moves
 * it at approval) keeps its `since` and its promotion record.
 */
function stagesAfter(
  promotions: Record<string, PromotionState>,
  apply: ApplyRecord,
): Record<string, PromotionState> {
  const next = { ...promotions };
  for (const { strategy_id } of apply.plan.activate) {
    const current = next[strategy_id];
    if (current?.stage === apply.mode) continue;
    next[strategy_id] = { ...current, strategy_id, stage: apply.mode, since: apply.updated_at };
  }
  return next;
}
