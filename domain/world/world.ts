/**
 * A world: a policy-governed portfolio (SPEC §9). Live trading is off unless
 * `allow_live` is set explicitly; a new world is ACTIVE.
 */
import { z } from 'zod';

export const WORLD_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const worldIdSchema = z
  .string()
  .regex(
    WORLD_ID_PATTERN,
    'must be 1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit',
  );

export const createWorldSchema = z
  .strictObject({
    id: worldIdSchema,
    name: z.string().min(1).max(200).optional(),
    allow_live: z.boolean().default(false),
    labels: z.record(z.string().max(64), z.string().max(256)).default({}),
  })
  .meta({ id: 'CreateWorld' });

export type CreateWorld = z.infer<typeof createWorldSchema>;

export interface World {
  id: string;
  name: string;
  state: 'ACTIVE' | 'SUSPENDED';
  allow_live: boolean;
  labels: Record<string, string>;
  owner: string;
  created_at: string;
}

export function newWorld(request: CreateWorld, owner: string, createdAt: string): World {
  return {
    id: request.id,
    name: request.name ?? request.id,
    state: 'ACTIVE',
    allow_live: request.allow_live,
    labels: request.labels,
    owner,
    created_at: createdAt,
  };
}
