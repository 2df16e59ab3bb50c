/**
 * Liveness (/v1/health: the process answers) and readiness (/v1/status: the
 * Gateway can reach Temporal and the store). Each dependency check is bounded
 * so a hung dependency shows as "down" instead of hanging the probe.
 */
import { z } from 'zod';
import type { Store } from '../../activities/store/port';
import { defineRoute, type RouteSpec } from '../route';
import type { TemporalPort } from '../temporal-port';

const CHECK_TIMEOUT_MS = 3000;

const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
const statusSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    temporal: z.object({
      ok: z.boolean(),
      namespace: z.string(),
      address: z.string().optional(),
      detail: z.string().optional(),
    }),
    store: z.object({ ok: z.boolean(), kind: z.string(), detail: z.string().optional() }),
  })
  .meta({ id: 'Status' });

/** Resolves to the check's answer, or `{ ok: false }` on error or timeout. */
async function bounded(
  check: () => Promise<{ ok: boolean; detail?: string }>,
): Promise<{ ok: boolean; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: boolean; detail: string }>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([check(), timeout]);
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(deps: { store: Store; temporal: TemporalPort }): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/health',
      operationId: 'getHealth',
      summary: 'Liveness: 200 while the Gateway process is up',
      tags: ['operations'],
      access: 'public',
      responses: { 200: { description: 'the process is up', schema: healthSchema } },
      async handler() {
        return { status: 200, body: { status: 'ok' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/status',
      operationId: 'getStatus',
      summary: 'Readiness: Temporal and store reachability',
      tags: ['operations'],
      access: 'reader',
      responses: {
        200: { description: 'all dependencies reachable', schema: statusSchema },
        503: { description: 'a dependency is unreachable', schema: statusSchema },
      },
      async handler({ log }) {
        const [temporal, store] = await Promise.all([
          bounded(() => deps.temporal.checkHealth()),
          bounded(async () => (await deps.store.ping(), { ok: true })),
        ]);
        const ok = temporal.ok && store.ok;
        if (!ok) log.warn({ temporal, store }, 'status check found a dependency down');
        return {
          status: ok ? 200 : 503,
          body: {
            status: ok ? 'ok' : 'degraded',
            temporal: { ...temporal, namespace: deps.temporal.namespace, address: deps.temporal.address },
            store: { ...store, kind: deps.store.kind },
          },
        };
      },
    }),
  ];
}
