/**
 * Allocation runs on SQLite (SPEC §9). The claim is one INSERT … ON CONFLICT
 * DO NOTHING, so two racing requests with one run id see one `created`. Row
 * mapping and the claim's verdict live here and are shared with PostgreSQL.
 */
import type {
  AllocationClaim,
  AllocationRecord,
  AllocationRepo,
  AllocationRequestRecord,
  WorldFractions,
} from './allocation-port';
import type { Prepare } from './sqlite';

export interface AllocationDbRow {
  run_id: string;
  body_hash: string;
  /** Text on SQLite, already parsed (jsonb) on PostgreSQL. */
  world_ids: string | string[];
  request: string;
  status: AllocationRecord['status'];
  result: string | null;
  created_at: string;
  updated_at: string;
}

export function allocationFromRow(row: AllocationDbRow): AllocationRecord {
  return {
    runId: row.run_id,
    bodyHash: row.body_hash,
    worldIds: typeof row.world_ids === 'string' ? (JSON.parse(row.world_ids) as string[]) : row.world_ids,
    request: JSON.parse(row.request) as AllocationRequestRecord,
    status: row.status,
    ...(row.result === null ? {} : { result: JSON.parse(row.result) as Record<string, unknown> }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The verdict on a claim, given the row that holds the run id after the insert. */
export function claimOutcome(row: AllocationDbRow, inserted: boolean, bodyHash: string): AllocationClaim {
  const record = allocationFromRow(row);
  if (inserted) return { outcome: 'created', record };
  return { outcome: record.bodyHash === bodyHash ? 'replay' : 'conflict', record };
}

/** A world's fractions read from the request of its latest completed allocation. */
export function fractionsOf(worldId: string, record: AllocationRecord): WorldFractions {
  const strategies = record.request.strategy_allocations?.[worldId];
  return {
    worldId,
    fraction: record.request.world_allocations[worldId] ?? '0',
    ...(strategies === undefined ? {} : { strategies }),
    runId: record.runId,
    at: record.updatedAt,
  };
}

export function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be >= 1, got ${limit}`);
}

export class SqliteAllocations implements AllocationRepo {
  constructor(private readonly prepare: Prepare) {}

  async claim(input: Parameters<AllocationRepo['claim']>[0]): Promise<AllocationClaim> {
    const { changes } = this.prepare(
      `INSERT INTO allocations (run_id, body_hash, world_ids, request, status, result, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'running', NULL, ?, ?) ON CONFLICT (run_id) DO NOTHING`,
    ).run(
      input.runId,
      input.bodyHash,
      JSON.stringify(input.worldIds),
      JSON.stringify(input.request),
      input.at,
      input.at,
    );
    return claimOutcome(this.row(input.runId)!, changes === 1, input.bodyHash);
  }

  async finish(runId: string, end: Parameters<AllocationRepo['finish']>[1]): Promise<AllocationRecord> {
    this.prepare(
      `UPDATE allocations SET status = ?, result = ?, updated_at = ? WHERE run_id = ? AND status = 'running'`,
    ).run(end.status, JSON.stringify(end.result), end.at, runId);
    const row = this.row(runId);
    if (!row) throw new RangeError(`no allocation ${runId}`);
    return allocationFromRow(row);
  }

  async get(runId: string): Promise<AllocationRecord | undefined> {
    const row = this.row(runId);
    return row && allocationFromRow(row);
  }

  async list({ worldId, limit }: { worldId?: string; limit: number }): Promise<AllocationRecord[]> {
    checkLimit(limit);
    const rows = this.prepare(
      `SELECT * FROM allocations
       WHERE @worldId IS NULL OR EXISTS (SELECT 1 FROM json_each(world_ids) WHERE value = @worldId)
       ORDER BY created_at DESC, run_id DESC LIMIT @limit`,
    ).all({ worldId: worldId ?? null, limit }) as AllocationDbRow[];
    return rows.map(allocationFromRow);
  }

  async latestFractions(worldIds: readonly string[]): Promise<Record<string, WorldFractions>> {
    const latest: Record<string, WorldFractions> = {};
    for (const worldId of new Set(worldIds)) {
      const row = this.prepare(
        `SELECT * FROM allocations WHERE status = 'completed'
           AND EXISTS (SELECT 1 FROM json_each(world_ids) WHERE value = ?)
         ORDER BY updated_at DESC, run_id DESC LIMIT 1`,
      ).get(worldId) as AllocationDbRow | undefined;
      if (row) latest[worldId] = fractionsOf(worldId, allocationFromRow(row));
    }
    return latest;
  }

  private row(runId: string): AllocationDbRow | undefined {
    return this.prepare('SELECT * FROM allocations WHERE run_id = ?').get(runId) as
      AllocationDbRow | undefined;
  }
}
