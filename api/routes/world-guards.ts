/**
 * What every WorldService route shares: the `{id}` parameter, the snapshot
 * read that answers 404, the actor of a write, the live guard for world writes
 * and the `If-Match` header. No business rules: those are in domain/world and
 * the world workflow.
 */
import type express from 'express';
import { z } from 'zod';
import { worldIdSchema } from '../../domain/world/world';
import type { WorldSnapshot } from '../../workflows/world-messages';
import { ProblemError, notFound } from '../errors';
import { LIVE_HEADER } from '../order-request';
import type { Principal } from '../route';
import type { WorldServiceControl } from '../temporal-worlds';

export const worldParams = z.object({ id: worldIdSchema });

/** Strategy ids as worlds bind and activate them (the order schema's strategy_id pattern). */
export const strategyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/, 'a strategy id: 1-128 letters, digits or _ . : / -');

export const actorOf = (principal: Principal | undefined): string => principal?.keyId ?? 'anonymous';

export async function requireSnapshot(
  temporal: Pick<WorldServiceControl, 'worldSnapshot'>,
  worldId: string,
): Promise<WorldSnapshot> {
  const snapshot = await temporal.worldSnapshot(worldId);
  if (!snapshot) throw notFound('world', worldId);
  return snapshot;
}

/**
 * SPEC §5: a live write needs the caller's `X-Allow-Live: true` and a world
 * with allow_live. The world workflow refuses it as well, so this is the
 * early, explanatory answer rather than the only wall.
 */
export function requireLive(req: express.Request, world: { id: string; allow_live: boolean }): void {
  if (req.get(LIVE_HEADER)?.trim().toLowerCase() !== 'true')
    throw liveNotAllowed(world.id, `a live write needs the header ${LIVE_HEADER}: true`);
  if (!world.allow_live) throw liveNotAllowed(world.id, `world '${world.id}' has allow_live off`);
}

export const liveNotAllowed = (worldId: string, detail: string): ProblemError =>
  new ProblemError(403, 'E_LIVE_NOT_ALLOWED', 'Live not allowed', detail, {
    world_id: worldId,
    reason: 'LIVE_NOT_ALLOWED',
  });

/** The world etag a writer read, from `If-Match: "3"` (or W/"3", or 3); undefined when absent or `*`. */
export function ifMatchOf(req: express.Request): number | undefined {
  const raw = req.get('if-match')?.trim();
  if (raw === undefined || raw === '' || raw === '*') return undefined;
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(raw);
  if (!match) {
    throw new ProblemError(
      400,
      'E_VALIDATION',
      'Invalid request',
      'If-Match must be a world etag such as "3"',
      undefined,
      [{ path: 'headers.if-match', message: 'a world etag (an integer)' }],
    );
  }
  return Number(match[1]);
}

/** The `ETag` header of a world answer. */
export const etagHeader = (etag: number): Record<string, string> => ({ ETag: `"${etag}"` });
