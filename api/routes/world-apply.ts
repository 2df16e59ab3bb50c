/**
 * Two-phase apply over HTTP (SPEC §9). The world accepts a run first
 * (`beginApply`: one run at a time, the same run id and plan is the same run),
 * then the Gateway starts `apply:{world}:{run}`, which freezes, waits for
 * acknowledgements, switches and unfreezes. Acknowledgements come back here
 * and are signalled to it. Promotions start their applies the same way.
 */
import { z } from 'zod';
import { applyPlanHash } from '../../activities/promotion-plan';
import { ACTIVATION_SIDES } from '../../domain/world/activation';
import { APPLY_PHASES } from '../../domain/world/apply-phases';
import { WORLD_REFUSALS, type ApplyPlan, type WorldSnapshot } from '../../workflows/world-messages';
import { ProblemError, conflict, notFound } from '../errors';
import { LIVE_HEADER } from '../order-request';
import { defineRoute, type RouteSpec } from '../route';
import type { WorldServiceControl } from '../temporal-worlds';
import { actorOf, requireLive, requireSnapshot, strategyIdSchema, worldParams } from './world-guards';

/** No ':' — the run id is part of the workflow id `apply:{world}:{run}`. */
const runIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'a run id: letters, digits, _ . -');

const planSchema = z
  .strictObject({
    activate: z
      .array(
        z.strictObject({
          strategy_id: strategyIdSchema,
          side: z.enum(ACTIVATION_SIDES).optional().meta({ description: 'Omitted: both sides' }),
          weight: z.number().min(0).max(1),
        }),
      )
      .max(500)
      .default([]),
    deactivate: z.array(strategyIdSchema).max(500).default([]),
  })
  .meta({ id: 'ApplyPlan' });

const applyBody = z
  .object({
    run_id: runIdSchema,
    plan: planSchema,
    mode: z.enum(['paper', 'live']).default('paper'),
    require_acks: z.boolean().default(true),
    ack_timeout_sec: z.number().int().min(1).max(3600).optional(),
  })
  .meta({ id: 'ApplyRequest' });

export interface ApplyRequest {
  run_id: string;
  plan: ApplyPlan;
  mode: 'paper' | 'live';
  require_acks: boolean;
  ack_timeout_sec?: number;
}

const acceptedSchema = z
  .object({ run_id: z.string(), phase: z.enum(APPLY_PHASES), status_url: z.string() })
  .meta({ id: 'ApplyAccepted' });

const statusSchema = z
  .object({
    world_id: z.string(),
    run_id: z.string(),
    phase: z.enum(APPLY_PHASES),
    phases: z.array(z.object({ phase: z.enum(APPLY_PHASES), at: z.string() })),
    acks: z.object({ required: z.array(z.number().int()), received: z.array(z.number().int()) }),
    error: z.string().optional(),
  })
  .meta({ id: 'ApplyStatus' });

const statusUrl = (worldId: string, runId: string) => `/v1/worlds/${worldId}/apply/${runId}`;

/** sha256 of the canonical {mode, plan}; shared with automatic promotions (one definition). */
export const planHash = applyPlanHash;

/**
 * Registers the run with the world and starts its workflow (again, harmlessly,
 * for a run the world already knows: a Gateway that died in between is healed).
 */
export async function startApplyRun(
  temporal: WorldServiceControl,
  snapshot: WorldSnapshot,
  request: ApplyRequest,
  actor: string,
): Promise<z.output<typeof acceptedSchema>> {
  const worldId = snapshot.world.id;
  const hash = planHash(request.mode, request.plan);
  let begun;
  try {
    begun = await temporal.worldWrite(worldId, 'beginApply', {
      actor,
      run_id: request.run_id,
      mode: request.mode,
      plan: request.plan,
      plan_hash: hash,
    });
  } catch (err) {
    if (err instanceof ProblemError && err.extra?.reason === WORLD_REFUSALS.applyInProgress)
      err.extra = { current_run_id: (await temporal.worldSnapshot(worldId))?.apply?.run_id, ...err.extra };
    throw err;
  }
  if (begun.apply.run_id !== request.run_id || begun.apply.plan_hash !== hash) {
    throw conflict(`apply run '${request.run_id}' was requested with another plan`, {
      world_id: worldId,
      run_id: request.run_id,
      current_run_id: begun.apply.run_id,
      reason: WORLD_REFUSALS.applyState,
    });
  }
  await temporal.startApply({
    world_id: worldId,
    run_id: request.run_id,
    require_acks: request.require_acks,
    ack_timeout_ms: (request.ack_timeout_sec ?? snapshot.settings.ack_timeout_sec) * 1000,
  });
  return { run_id: request.run_id, phase: begun.apply.phase, status_url: statusUrl(worldId, request.run_id) };
}

export function worldApplyRoutes({ temporal }: { temporal: WorldServiceControl }): RouteSpec[] {
  const runParams = worldParams.extend({ runId: runIdSchema });
  return [
    defineRoute({
      method: 'post',
      path: '/v1/worlds/:id/apply',
      operationId: 'applyWorld',
      summary: `Apply an activation plan in two phases; live mode needs ${LIVE_HEADER}: true and allow_live`,
      tags: ['worlds'],
      access: 'operator',
      params: worldParams,
      body: applyBody,
      responses: {
        202: { description: 'Accepted (or the same run again): follow status_url', schema: acceptedSchema },
        403: { description: 'Live without the header or on a world without allow_live (E_LIVE_NOT_ALLOWED)' },
        404: { description: 'No such world (E_NOT_FOUND)' },
        409: {
          description:
            'Another run in progress (APPLY_IN_PROGRESS, current_run_id), or this run id with another plan',
        },
      },
      async handler({ params, body, req, principal }) {
        const snapshot = await requireSnapshot(temporal, params.id);
        if (body.mode === 'live') requireLive(req, snapshot.world);
        const accepted = await startApplyRun(temporal, snapshot, body, actorOf(principal));
        return { status: 202, headers: { Location: accepted.status_url }, body: accepted };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/worlds/:id/apply/:runId',
      operationId: 'getWorldApply',
      summary: 'An apply run: its phase, the phases it went through and its acknowledgements',
      tags: ['worlds'],
      access: 'reader',
      params: runParams,
      responses: { 200: { description: 'The run', schema: statusSchema } },
      async handler({ params }) {
        const status = await temporal.applyStatus(params.id, params.runId);
        if (!status) throw notFound('apply run', params.runId);
        return { status: 200, body: status };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/worlds/:id/apply/:runId/acks',
      operationId: 'ackWorldApply',
      summary: 'Acknowledge a requires_ack event of an apply run by its per-run sequence',
      tags: ['worlds'],
      access: 'operator',
      params: runParams,
      body: z
        .object({
          sequence: z.number().int().min(1),
          consumer: z.string().min(1).max(128).optional(),
        })
        .meta({ id: 'ApplyAck' }),
      responses: {
        202: {
          description: 'Forwarded to the apply run',
          schema: z.object({ run_id: z.string(), sequence: z.number().int() }),
        },
        404: { description: 'No such apply run (E_NOT_FOUND)' },
        409: { description: 'The run has ended (E_CONFLICT)' },
      },
      async handler({ params, body }) {
        await temporal.ackApply(params.id, params.runId, {
          sequence: body.sequence,
          ...(body.consumer !== undefined && { consumer: body.consumer }),
        });
        return { status: 202, body: { run_id: params.runId, sequence: body.sequence } };
      },
    }),
  ];
}
