/**
 * Strategy bindings of a world (SPEC §9): which strategies the world governs.
 * Binding is a world Update (audited there); reads come from the snapshot.
 */
import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../route';
import type { WorldServiceControl } from '../temporal-worlds';
import { actorOf, requireSnapshot, strategyIdSchema, worldParams } from './world-guards';

const bindingsSchema = z.object({ bindings: z.array(z.string()) }).meta({ id: 'WorldBindings' });

export function worldBindingRoutes({ temporal }: { temporal: WorldServiceControl }): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/worlds/:id/bindings',
      operationId: 'bindWorldStrategies',
      summary: 'Bind strategies to a world (already bound ones are kept)',
      tags: ['worlds'],
      access: 'operator',
      params: worldParams,
      body: z
        .object({ strategy_ids: z.array(strategyIdSchema).min(1).max(500) })
        .meta({ id: 'BindWorldStrategies' }),
      responses: {
        200: { description: 'Every binding after the write', schema: bindingsSchema },
        404: { description: 'No such world (E_NOT_FOUND)' },
        409: { description: 'The world is deleted (E_CONFLICT)' },
      },
      async handler({ params, body, principal }) {
        const result = await temporal.worldWrite(params.id, 'bindStrategies', {
          actor: actorOf(principal),
          strategy_ids: body.strategy_ids,
        });
        return { status: 200, body: { bindings: result.bindings } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/worlds/:id/bindings',
      operationId: 'listWorldBindings',
      summary: "A world's bound strategies",
      tags: ['worlds'],
      access: 'reader',
      params: worldParams,
      responses: { 200: { description: 'Bindings', schema: bindingsSchema } },
      async handler({ params }) {
        const snapshot = await requireSnapshot(temporal, params.id);
        return { status: 200, body: { bindings: snapshot.bindings } };
      },
    }),
  ];
}
