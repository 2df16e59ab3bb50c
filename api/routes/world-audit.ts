/**
 * A world's audit trail (SPEC §9): every world write and apply phase, as the
 * world workflow appended it to the store under subject `world:{id}`. Each
 * record carries the world's audit `version` (strictly increasing); `after`
 * pages by the store's sequence.
 */
import { z } from 'zod';
import type { AuditRecord, Store } from '../../activities/store/port';
import { defineRoute, type RouteSpec } from '../route';
import type { WorldServiceControl } from '../temporal-worlds';
import { requireSnapshot, worldParams } from './world-guards';

const auditRecordSchema = z
  .object({
    seq: z.number().int().meta({ description: 'Store sequence; pass the last one as `after`' }),
    version: z.number().int().nullable().meta({ description: "The world's audit version" }),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    detail: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'WorldAuditRecord' });

const toBody = (r: AuditRecord) => ({
  seq: r.seq,
  version: typeof r.detail.version === 'number' ? r.detail.version : null,
  at: r.at,
  actor: r.actor,
  action: r.action,
  detail: r.detail,
});

export function worldAuditRoutes({
  store,
  temporal,
}: {
  store: Store;
  temporal: WorldServiceControl;
}): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/worlds/:id/audit',
      operationId: 'listWorldAudit',
      summary: "A world's audit records, oldest first (kept after the world is deleted)",
      tags: ['worlds'],
      access: 'reader',
      params: worldParams,
      query: z.object({
        after: z.coerce.number().int().min(0).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      responses: {
        200: {
          description: 'Audit records',
          schema: z.object({ records: z.array(auditRecordSchema), next_after: z.number().int().nullable() }),
        },
        404: { description: 'No such world (E_NOT_FOUND)' },
      },
      async handler({ params, query }) {
        await requireSnapshot(temporal, params.id);
        const records = await store.audit.list({
          subject: `world:${params.id}`,
          limit: query.limit,
          ...(query.after !== undefined && { afterSeq: query.after }),
        });
        const last = records.at(-1);
        return {
          status: 200,
          body: { records: records.map(toBody), next_after: last ? last.seq : null },
        };
      },
    }),
  ];
}
