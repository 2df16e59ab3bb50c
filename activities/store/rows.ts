/**
 * Table rows as both drivers return them, and their mapping to the port's
 * records. Both stores select the same column names (PostgreSQL casts its
 * jsonb column to text), so the mapping is written once here.
 */
import type { ApiKeyRecord, IdempotencyEntry, Role, StrategyRecord } from './port';

export interface ApiKeyRow {
  id: string;
  name: string;
  role: string;
  key_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface IdempotencyRow {
  request_hash: string;
  state: string;
  status: number | null;
  body: string | null;
  content_type: string | null;
}

export interface StrategyRow {
  strategy_id: string;
  dag_json: string;
  world_ids: string;
  node_count: number;
  owner: string;
  meta: string;
  created_at: string;
}

export function apiKeyFromRow(row: ApiKeyRow): ApiKeyRecord {
  const record: ApiKeyRecord = {
    id: row.id,
    name: row.name,
    // The table's CHECK constraint admits only the four roles.
    role: row.role as Role,
    keyHash: row.key_hash,
    createdAt: row.created_at,
  };
  // Leave the property out rather than set it to undefined, so records compare strictly equal.
  if (row.revoked_at !== null) record.revokedAt = row.revoked_at;
  return record;
}

export function idempotencyFromRow(row: IdempotencyRow): IdempotencyEntry {
  if (row.state === 'pending') return { state: 'pending', requestHash: row.request_hash };
  // The table's CHECK constraint guarantees these are set once the state is done.
  return {
    state: 'done',
    requestHash: row.request_hash,
    status: row.status as number,
    body: row.body as string,
    contentType: row.content_type as string,
  };
}

export function strategyFromRow(row: StrategyRow): StrategyRecord {
  return {
    strategyId: row.strategy_id,
    dagJson: row.dag_json,
    worldIds: JSON.parse(row.world_ids) as string[],
    nodeCount: row.node_count,
    owner: row.owner,
    meta: JSON.parse(row.meta) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

/**
 * Both stores refuse a malformed page instead of letting SQLite read a
 * negative LIMIT as "no limit" while PostgreSQL rejects it.
 */
export function assertPage(options: { limit: number; offset: number }): void {
  const { limit, offset } = options;
  if (!Number.isSafeInteger(limit) || limit < 0 || !Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`page must have non-negative integer limit and offset, got ${limit}/${offset}`);
  }
}
