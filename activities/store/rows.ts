/**
 * Table rows as both drivers return them, and their mapping to the port's
 * records. Both stores select the same column names (PostgreSQL casts its
 * jsonb column to text), so the mapping is written once here.
 */
import type { ApiKeyRecord, BarRow, IdempotencyEntry, NodeRecord, Role, StrategyRecord } from './port';

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

/** PostgreSQL returns bigint columns as text (they may exceed 2^53); values here never do. */
type BigintColumn = number | string;

export interface NodeRow {
  node_id: string;
  node_type: string;
  interval: BigintColumn | null;
  period: BigintColumn | null;
  params_json: string;
  dependencies: string;
  schema_compat_id: string;
  code_hash: string;
  tags: string;
  first_strategy_id: string;
  created_at: string;
}

export interface StoredBarRow {
  ts: BigintColumn;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number | null;
  volume: number | null;
}

export interface RangeRow {
  start_ts: BigintColumn;
  end_ts: BigintColumn;
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

export function nodeFromRow(row: NodeRow): NodeRecord {
  return {
    nodeId: row.node_id,
    nodeType: row.node_type,
    interval: row.interval === null ? null : Number(row.interval),
    period: row.period === null ? null : Number(row.period),
    paramsJson: row.params_json,
    dependencies: JSON.parse(row.dependencies) as string[],
    schemaCompatId: row.schema_compat_id,
    codeHash: row.code_hash,
    tags: JSON.parse(row.tags) as string[],
    firstStrategyId: row.first_strategy_id,
    createdAt: row.created_at,
  };
}

export function barFromRow(row: StoredBarRow): BarRow {
  return {
    ts: Number(row.ts),
    open: row.open,
    high: row.high,
    low: row.low,
    close: row.close,
    volume: row.volume,
  };
}

export function rangeFromRow(row: RangeRow): { start: number; end: number } {
  return { start: Number(row.start_ts), end: Number(row.end_ts) };
}

/** Registering the same id twice in one call keeps the first, as a second call would. */
export function distinctNodes(nodes: readonly NodeRecord[]): NodeRecord[] {
  const byId = new Map<string, NodeRecord>();
  for (const node of nodes) if (!byId.has(node.nodeId)) byId.set(node.nodeId, node);
  return [...byId.values()];
}

const BAR_VALUES = ['open', 'high', 'low', 'close', 'volume'] as const;

/**
 * Bars as both stores write them: one per ts (the last given wins, as
 * conformance keeps the last), ascending. Ascending order also makes
 * concurrent PostgreSQL upserts lock rows in the same order, so they cannot
 * deadlock. Non-finite values are refused rather than stored, because SQLite
 * would turn NaN into NULL while PostgreSQL keeps it.
 */
export function barsToWrite(bars: readonly BarRow[]): BarRow[] {
  const byTs = new Map<number, BarRow>();
  for (const bar of bars) {
    assertTimestamp('bar ts', bar.ts);
    for (const field of BAR_VALUES) {
      const value = bar[field];
      if (value !== null && !Number.isFinite(value)) {
        throw new RangeError(
          `bar ${bar.ts} has non-finite ${field} ${String(value)}; conform it to null first`,
        );
      }
    }
    byTs.set(bar.ts, bar);
  }
  return [...byTs.values()].sort((a, b) => a.ts - b.ts);
}

export function assertInterval(intervalMs: number): void {
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) {
    throw new RangeError(`bar interval must be a positive integer of ms, got ${intervalMs}`);
  }
}

/** Epoch ms; anything else would be silently truncated by one store and refused by the other. */
export function assertTimestamp(name: string, value: number): void {
  if (!Number.isSafeInteger(value))
    throw new RangeError(`${name} must be an integer of epoch ms, got ${value}`);
}

/** Half-open read bounds. */
export function assertBounds(start: number, end: number): void {
  assertTimestamp('range start', start);
  assertTimestamp('range end', end);
}

/** Inclusive bar-open range. */
export function assertKnownEmptyRange(start: number, end: number): void {
  assertBounds(start, end);
  if (start > end) throw new RangeError(`known-empty range must have start <= end, got ${start}..${end}`);
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
