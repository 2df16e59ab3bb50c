/**
 * Promotion governance over HTTP (SPEC §9): propose moving a strategy up a
 * stage, approve or reject it. The Gateway gathers the facts (world snapshot,
 * last evaluation, live slots, risk-hub freshness) and names the blockers with
 * the pure promotionBlockers (activities/promotion-plan.ts, shared with the
 * strategy workflow's automatic promotion); the world records the request. An
 * approved (or unblocked) promotion becomes an apply run, started exactly as
 * POST apply does.
 */
import { z } from 'zod';
import {
  promotionApplyRequest,
  promotionBlockersFor,
  promotionActivations,
  type PromotionStage,
} from '../../activities/promotion-plan';
import type { Store } from '../../activities/store/port';
import { promotionVerdict } from '../../domain/world/promotion';
import { WORLD_REFUSALS, type WorldSnapshot } from '../../workflows/world-messages';
import { ProblemError, notFound } from '../errors';
import { LIVE_HEADER } from '../order-request';
import { defineRoute, type RouteSpec } from '../route';
import type { WorldServiceControl } from '../temporal-worlds';
import { startApplyRun } from './world-apply';
import { actorOf, requireLive, requireSnapshot, strategyIdSchema, worldParams } from './world-guards';

type ToStage = PromotionStage;

const applyOptions = {
  require_acks: z.boolean().default(true),
  ack_timeout_sec: z.number().int().min(1).max(3600).optional(),
};

const proposeBody = z
  .object({ strategy_id: strategyIdSchema, to_stage: z.enum(['paper', 'live']), ...applyOptions })
  .meta({ id: 'ProposePromotion' });
const approveBody = z
  .object({ strategy_id: strategyIdSchema, ...applyOptions })
  .meta({ id: 'ApprovePromotion' });
const rejectBody = z
  .object({ strategy_id: strategyIdSchema, reason: z.string().trim().min(1).max(500) })
  .meta({ id: 'RejectPromotion' });

const promotionSchema = z
  .object({
    strategy_id: z.string(),
    stage: z.string(),
    since: z.string(),
    pending: z
      .object({
        to_stage: z.string(),
        requested_at: z.string(),
        blockers: z.array(z.string()),
        status: z.enum(['pending', 'approved', 'rejected']),
        decided_by: z.string().optional(),
        reason: z.string().optional(),
      })
      .optional(),
  })
  .meta({ id: 'Promotion' });

const answerSchema = z
  .object({
    promotion: promotionSchema,
    blockers: z.array(z.string()),
    apply: z.object({ run_id: z.string(), phase: z.string(), status_url: z.string() }).optional(),
  })
  .meta({ id: 'PromotionAnswer' });

export function worldPromotionRoutes({
  store,
  temporal,
}: {
  store: Store;
  temporal: WorldServiceControl;
}): RouteSpec[] {
  const blockersFor = (snapshot: WorldSnapshot, strategyId: string, to: ToStage, approved: boolean) =>
    promotionBlockersFor(store, snapshot, strategyId, to, approved, Date.now());

  const applyPromotion = async (
    snapshot: WorldSnapshot,
    body: { strategy_id: string; require_acks: boolean; ack_timeout_sec?: number },
    to: ToStage,
    requestedAt: string,
    actor: string,
  ) => {
    const activate = await promotionActivations(store, snapshot, body.strategy_id, to);
    const request = promotionApplyRequest(body.strategy_id, to, requestedAt, activate, body);
    return startApplyRun(temporal, snapshot, request, actor);
  };

  const responses = {
    200: { description: 'The promotion as the world recorded it', schema: answerSchema },
    202: { description: 'Promoted: the apply run started (follow apply.status_url)', schema: answerSchema },
    403: { description: `A live promotion without ${LIVE_HEADER}: true or allow_live (E_LIVE_NOT_ALLOWED)` },
  };

  return [
    defineRoute({
      method: 'post',
      path: '/v1/worlds/:id/promotions',
      operationId: 'proposePromotion',
      summary: 'Propose promoting a strategy a stage up; with no blocker it is applied at once',
      tags: ['worlds'],
      access: 'operator',
      params: worldParams,
      body: proposeBody,
      responses,
      async handler({ params, body, req, principal }) {
        const snapshot = await requireSnapshot(temporal, params.id);
        const blockers = await blockersFor(snapshot, body.strategy_id, body.to_stage, false);
        // Checked only when it would go ahead: a blocked live proposal is just recorded.
        if (body.to_stage === 'live' && blockers.length === 0) requireLive(req, snapshot.world);
        const actor = actorOf(principal);
        const { promotion } = await temporal.worldWrite(params.id, 'requestPromotion', {
          actor,
          strategy_id: body.strategy_id,
          to_stage: body.to_stage,
          blockers,
        });
        if (promotionVerdict(blockers) !== 'auto') return { status: 200, body: { promotion, blockers } };
        const apply = await applyPromotion(
          snapshot,
          body,
          body.to_stage,
          promotion.pending!.requested_at,
          actor,
        );
        return { status: 202, body: { promotion, blockers, apply } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/worlds/:id/promotions/approve',
      operationId: 'approvePromotion',
      summary: 'Approve a pending promotion; refused with the blockers when more than approval is missing',
      tags: ['worlds'],
      access: 'operator',
      params: worldParams,
      body: approveBody,
      responses: {
        ...responses,
        404: { description: 'No pending promotion for the strategy (E_NOT_FOUND)' },
        409: { description: 'Blocked by governance; `blockers` names why (E_CONFLICT)' },
      },
      async handler({ params, body, req, principal }) {
        const snapshot = await requireSnapshot(temporal, params.id);
        const pending = snapshot.promotions[body.strategy_id]?.pending;
        if (pending?.status !== 'pending') throw notFound('pending promotion', body.strategy_id);
        const to = pending.to_stage;
        // Facts may have changed since the request (a risk snapshot expired): both count.
        const now = await blockersFor(snapshot, body.strategy_id, to, true);
        const blockers = [...new Set([...pending.blockers, ...now])].filter((b) => b !== 'APPROVAL_REQUIRED');
        if (blockers.length > 0) {
          throw new ProblemError(
            409,
            'E_CONFLICT',
            'Blocked by governance',
            `promotion of '${body.strategy_id}' is blocked`,
            {
              world_id: params.id,
              reason: WORLD_REFUSALS.governance,
              blockers,
            },
          );
        }
        if (to === 'live') requireLive(req, snapshot.world);
        const actor = actorOf(principal);
        const { promotion } = await temporal.worldWrite(params.id, 'decidePromotion', {
          actor,
          strategy_id: body.strategy_id,
          approve: true,
        });
        const apply = await applyPromotion(snapshot, body, to, pending.requested_at, actor);
        return { status: 202, body: { promotion, blockers: [], apply } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/worlds/:id/promotions/reject',
      operationId: 'rejectPromotion',
      summary: 'Reject a pending promotion, with the reason',
      tags: ['worlds'],
      access: 'operator',
      params: worldParams,
      body: rejectBody,
      responses: {
        200: responses[200],
        404: { description: 'No pending promotion for the strategy (E_NOT_FOUND)' },
      },
      async handler({ params, body, principal }) {
        const { promotion } = await temporal.worldWrite(params.id, 'decidePromotion', {
          actor: actorOf(principal),
          strategy_id: body.strategy_id,
          approve: false,
          reason: body.reason,
        });
        return { status: 200, body: { promotion, blockers: promotion.pending?.blockers ?? [] } };
      },
    }),
  ];
}
