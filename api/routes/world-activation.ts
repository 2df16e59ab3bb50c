/**
 * The activation table and the decision read from it (SPEC §9). Reads are
 * default-safe views of the world snapshot (a closed window reads active=false,
 * weight 0); a write is the world's `writeActivation` Update. A live write
 * needs `X-Allow-Live: true` and a world with allow_live: refused here first,
 * and by the world workflow as well, so no caller can go around it.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  ACTIVATION_MODES,
  ACTIVATION_SIDES,
  activationView,
  activationWriteSchema,
  currentDecision,
  type ActivationTable,
} from '../../domain/world/activation';
import { decideAsOf } from '../../domain/world/decide';
import { defineRoute, type RouteSpec } from '../route';
import type { WorldPolicyControl } from '../temporal-client';
import type { WorldServiceControl } from '../temporal-worlds';
import { actorOf, requireLive, requireSnapshot, strategyIdSchema, worldParams } from './world-guards';

const entrySchema = z
  .object({
    strategy_id: z.string(),
    side: z.enum(ACTIVATION_SIDES),
    active: z.boolean(),
    weight: z.number(),
    freeze: z.boolean(),
    drain: z.boolean(),
    effective_mode: z.enum(ACTIVATION_MODES),
    etag: z.number().int(),
    run_id: z.string(),
    ts: z.string(),
    valid_until: z.string().optional(),
    session: z.unknown().optional(),
  })
  .meta({ id: 'ActivationEntry' });

const viewSchema = entrySchema
  .extend({ gate_open: z.boolean(), gate_reason: z.string() })
  .meta({ id: 'ActivationView' });

const decisionSchema = z
  .object({
    world_id: z.string(),
    strategy_id: z.string().optional(),
    policy_version: z.number().int().nullable(),
    effective_mode: z.enum(['compute-only', 'paper', 'live']),
    execution_domain: z.enum(['backtest', 'dryrun', 'live']),
    reason: z.string(),
    as_of: z.string().nullable(),
    ttl: z.number().int(),
    etag: z.string(),
    dataset_fingerprint: z.string().nullable(),
    allow_live: z.boolean(),
  })
  .meta({ id: 'WorldDecision' });

const DOMAIN = { 'compute-only': 'backtest', paper: 'dryrun', live: 'live' } as const;

/** One strategy's part of the table: its decision is made from its own entries only. */
const strategyTable = (table: ActivationTable, strategyId: string | undefined): ActivationTable =>
  strategyId === undefined
    ? table
    : { etag: table.etag, entries: table.entries.filter((e) => e.strategy_id === strategyId) };

export function worldActivationRoutes({
  temporal,
}: {
  temporal: WorldServiceControl & WorldPolicyControl;
}): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/worlds/:id/activation',
      operationId: 'getWorldActivation',
      summary: 'The activation table as of now: closed windows read active=false, weight 0',
      tags: ['worlds'],
      access: 'reader',
      params: worldParams,
      responses: {
        200: {
          description: 'Entries and the table etag',
          schema: z
            .object({ etag: z.number().int(), entries: z.array(viewSchema) })
            .meta({ id: 'Activation' }),
        },
      },
      async handler({ params }) {
        const { activation } = await requireSnapshot(temporal, params.id);
        return {
          status: 200,
          body: { etag: activation.etag, entries: activationView(activation, Date.now()) },
        };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/worlds/:id/activation',
      operationId: 'writeWorldActivation',
      summary: 'Write one activation entry (side omitted: both); live needs X-Allow-Live and allow_live',
      tags: ['worlds'],
      access: 'operator',
      params: worldParams,
      body: activationWriteSchema,
      responses: {
        200: {
          description: 'The written entries and the new table etag',
          schema: z.object({ etag: z.number().int(), entries: z.array(entrySchema) }),
        },
        403: { description: 'Live without the header or on a world without allow_live (E_LIVE_NOT_ALLOWED)' },
        409: { description: 'The world is deleted or an apply holds the entry (E_CONFLICT)' },
        412: { description: '`etag` is older than the table (E_PRECONDITION_FAILED)' },
      },
      async handler({ params, body, req, principal }) {
        if (body.effective_mode === 'live')
          requireLive(req, (await requireSnapshot(temporal, params.id)).world);
        const written = await temporal.worldWrite(params.id, 'writeActivation', {
          actor: actorOf(principal),
          write: body,
        });
        return { status: 200, body: written };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/worlds/:id/decide',
      operationId: 'decideWorld',
      summary: "The world's (or one strategy's) effective mode as of as_of, default-safe",
      tags: ['worlds'],
      access: 'reader',
      params: worldParams,
      query: z.object({
        as_of: z.iso.datetime({ offset: true }).optional(),
        strategy_id: strategyIdSchema.optional(),
      }),
      responses: { 200: { description: 'The decision', schema: decisionSchema } },
      async handler({ params, query }) {
        const snapshot = await requireSnapshot(temporal, params.id);
        const policies = await temporal.worldPolicies(params.id).catch(() => undefined);
        const now = Date.now();
        const standing = currentDecision(strategyTable(snapshot.activation, query.strategy_id), now);
        const mode = decideAsOf({
          decision: standing && {
            mode: standing.mode,
            made_at: standing.made_at,
            ...(standing.valid_until !== undefined && { valid_until: standing.valid_until }),
          },
          as_of: query.as_of,
          now,
          ttl_sec: snapshot.settings.decision_ttl_sec,
          allow_live: snapshot.world.allow_live,
        });
        const decision = {
          world_id: snapshot.world.id,
          ...(query.strategy_id !== undefined && { strategy_id: query.strategy_id }),
          policy_version: policies?.default_version ?? null,
          effective_mode: mode.mode,
          execution_domain: DOMAIN[mode.mode],
          reason: mode.reason,
          as_of: query.as_of ?? null,
          ttl: snapshot.settings.decision_ttl_sec,
          dataset_fingerprint: null,
          allow_live: snapshot.world.allow_live,
        };
        // as_of is left out so the etag changes only when the decision does.
        const { as_of: _asOf, ...content } = decision;
        const etag = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16);
        return { status: 200, headers: { ETag: `"${etag}"` }, body: { ...decision, etag } };
      },
    }),
  ];
}
