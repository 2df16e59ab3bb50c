/**
 * Worlds (SPEC §9): create starts the `world:{id}` entity workflow; reads are
 * its snapshot query; change and delete are its Updates. `If-Match` carries
 * the world etag a writer read (412 when the world moved on); turning
 * allow_live on is a live write and needs `X-Allow-Live: true`.
 */
import { z } from 'zod';
import { createWorldSchema, newWorld, worldIdSchema } from '../../domain/world/world';
import type { WorldSnapshot } from '../../workflows/world-messages';
import { ProblemError } from '../errors';
import { LIVE_HEADER } from '../order-request';
import { defineRoute, type RouteSpec } from '../route';
import type { WorldControl } from '../temporal-client';
import type { WorldServiceControl } from '../temporal-worlds';
import { actorOf, etagHeader, ifMatchOf, requireLive, requireSnapshot, worldParams } from './world-guards';

const worldSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    state: z.enum(['ACTIVE', 'SUSPENDED']),
    allow_live: z.boolean(),
    labels: z.record(z.string(), z.string()),
    owner: z.string(),
    created_at: z.string(),
  })
  .meta({ id: 'World' });

const governanceSchema = z.strictObject({
  paper: z.enum(['auto', 'manual_approval', 'disabled']),
  live: z.enum(['auto', 'manual_approval', 'disabled']),
  cooldown_sec: z.number().int().min(0).max(31_536_000),
  max_live_slots: z.number().int().min(0).max(1000),
  risk_snapshot_required: z.boolean(),
});

const settingsSchema = z.strictObject({
  decision_ttl_sec: z.number().int().min(1).max(86_400),
  ack_timeout_sec: z.number().int().min(1).max(3600),
  governance: governanceSchema,
});

const worldPatchSchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    allow_live: z.boolean().optional(),
    labels: z.record(z.string().max(64), z.string().max(256)).optional(),
    state: z.enum(['ACTIVE', 'SUSPENDED']).optional(),
    settings: z
      .strictObject({
        decision_ttl_sec: settingsSchema.shape.decision_ttl_sec.optional(),
        ack_timeout_sec: settingsSchema.shape.ack_timeout_sec.optional(),
        governance: governanceSchema.partial().optional(),
      })
      .optional(),
  })
  .meta({ id: 'WorldPatch' });

const worldDetailSchema = worldSchema
  .extend({
    settings: settingsSchema,
    etag: z.number().int().meta({ description: 'Increments with every write; send it back as If-Match' }),
    deleted: z.object({ at: z.string(), actor: z.string(), reason: z.string() }).optional(),
  })
  .meta({ id: 'WorldDetail' });

const toDetail = (s: WorldSnapshot) => ({
  ...s.world,
  settings: s.settings,
  etag: s.etag,
  ...(s.deleted && { deleted: s.deleted }),
});

export function worldRoutes({ temporal }: { temporal: WorldControl & WorldServiceControl }): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/worlds',
      operationId: 'createWorld',
      summary: 'Create a world (a policy-governed portfolio)',
      tags: ['worlds'],
      access: 'operator',
      body: createWorldSchema,
      responses: {
        201: { description: 'Created', schema: worldSchema },
        409: { description: 'A world with this id exists (E_DUPLICATE)' },
      },
      async handler({ body, principal }) {
        const world = newWorld(body, actorOf(principal), new Date().toISOString());
        if ((await temporal.createWorld(world)) === 'already-started') {
          throw new ProblemError(409, 'E_DUPLICATE', 'Duplicate world', `world '${world.id}' exists`, {
            world_id: world.id,
          });
        }
        return { status: 201, headers: { Location: `/v1/worlds/${world.id}` }, body: world };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/worlds',
      operationId: 'listWorlds',
      summary: 'Worlds, by id (deleted ones only when asked)',
      tags: ['worlds'],
      access: 'reader',
      query: z.object({
        limit: z.coerce.number().int().min(1).max(500).default(100),
        include_deleted: z.enum(['true', 'false']).default('false'),
      }),
      responses: {
        200: { description: 'Worlds', schema: z.object({ worlds: z.array(worldDetailSchema) }) },
      },
      async handler({ query }) {
        const includeEnded = query.include_deleted === 'true';
        const snapshots = await temporal.listWorlds({ limit: query.limit, includeEnded });
        const shown = snapshots.filter((s) => includeEnded || !s.deleted);
        return { status: 200, body: { worlds: shown.map(toDetail) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/worlds/:id',
      operationId: 'getWorld',
      summary: 'A world with its settings and etag, read from its entity workflow',
      tags: ['worlds'],
      access: 'reader',
      params: z.object({ id: worldIdSchema }),
      responses: { 200: { description: 'The world', schema: worldDetailSchema } },
      async handler({ params }) {
        const snapshot = await requireSnapshot(temporal, params.id);
        return { status: 200, headers: etagHeader(snapshot.etag), body: toDetail(snapshot) };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/worlds/:id',
      operationId: 'updateWorld',
      summary: `Change a world; allow_live=true also needs ${LIVE_HEADER}: true`,
      tags: ['worlds'],
      access: 'operator',
      params: worldParams,
      body: worldPatchSchema,
      responses: {
        200: { description: 'The world after the change', schema: worldDetailSchema },
        403: { description: `allow_live=true without ${LIVE_HEADER}: true (E_LIVE_NOT_ALLOWED)` },
        409: { description: 'The world is deleted (E_CONFLICT)' },
        412: { description: 'If-Match is older than the world (E_PRECONDITION_FAILED)' },
      },
      async handler({ params, body, req, principal }) {
        // The header alone suffices here: this write is what makes a world allow live.
        if (body.allow_live === true) requireLive(req, { id: params.id, allow_live: true });
        const ifMatch = ifMatchOf(req);
        const snapshot = await temporal.worldWrite(params.id, 'updateWorld', {
          actor: actorOf(principal),
          patch: body,
          ...(ifMatch !== undefined && { if_match: ifMatch }),
        });
        return { status: 200, headers: etagHeader(snapshot.etag), body: toDetail(snapshot) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/worlds/:id',
      operationId: 'deleteWorld',
      summary: 'Delete a world; refused while strategies are active unless force=true (audit is kept)',
      tags: ['worlds'],
      access: 'operator',
      params: worldParams,
      query: z.object({
        force: z.enum(['true', 'false']).default('false'),
        reason: z.string().min(1).max(500).optional(),
      }),
      responses: {
        200: {
          description: 'Deleted',
          schema: z.object({ world_id: z.string(), deleted: z.literal(true) }).meta({ id: 'WorldDeleted' }),
        },
        409: { description: 'Active strategies and no force (reason WORLD_HAS_ACTIVE_STRATEGIES)' },
      },
      async handler({ params, query, principal }) {
        await temporal.worldWrite(params.id, 'deleteWorld', {
          actor: actorOf(principal),
          force: query.force === 'true',
          reason: query.reason ?? 'deleted through the API',
        });
        return { status: 200, body: { world_id: params.id, deleted: true } };
      },
    }),
  ];
}
