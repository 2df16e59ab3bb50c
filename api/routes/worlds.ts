/**
 * Worlds (SPEC §9), minimal for now: create starts the `world:{id}` entity
 * workflow; reads are queries on it. Policies, bindings, activation and apply
 * arrive with the WorldService issue.
 */
import { z } from 'zod';
import { createWorldSchema, newWorld, worldIdSchema } from '../../domain/world/world';
import { ProblemError } from '../errors';
import { defineRoute, type RouteSpec } from '../route';
import type { WorldControl } from '../temporal-client';

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

export function worldRoutes({ temporal }: { temporal: WorldControl }): RouteSpec[] {
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
        const world = newWorld(body, principal?.keyId ?? 'anonymous', new Date().toISOString());
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
      path: '/v1/worlds/:id',
      operationId: 'getWorld',
      summary: 'A world, read from its entity workflow',
      tags: ['worlds'],
      access: 'reader',
      params: z.object({ id: worldIdSchema }),
      responses: { 200: { description: 'The world', schema: worldSchema } },
      async handler({ params }) {
        const world = await temporal.world(params.id);
        if (!world) throw new ProblemError(404, 'E_NOT_FOUND', 'World not found', `no world '${params.id}'`);
        return { status: 200, body: world };
      },
    }),
  ];
}
