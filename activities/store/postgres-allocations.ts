/**
 * Allocation runs on PostgreSQL (SPEC §9): the same contract as SQLite; the
 * claim's INSERT … ON CONFLICT DO NOTHING RETURNING tells a fresh claim from
 * an existing run id in one statement. `world_ids` is jsonb (GIN-indexed).
 */
import type { Pool } from 'pg';
import type { AllocationClaim, AllocationRecord, AllocationRepo, WorldFractions } from './allocation-port';
import {
  type AllocationDbRow,
  allocationFromRow,
  checkLimit,
  claimOutcome,
  fractionsOf,
} from './sqlite-allocations';

export class PostgresAllocations implements AllocationRepo {
  constructor(private readonly pool: Pool) {}

  async claim(input: Parameters<AllocationRepo['claim']>[0]): Promise<AllocationClaim> {
    const inserted = await this.pool.query<AllocationDbRow>(
      `INSERT INTO allocations (run_id, body_hash, world_ids, request, status, result, created_at, updated_at)
       VALUES ($1, $2, $3::jsonb, $4, 'running', NULL, $5, $5) ON CONFLICT (run_id) DO NOTHING RETURNING *`,
      [input.runId, input.bodyHash, JSON.stringify(input.worldIds), JSON.stringify(input.request), input.at],
    );
    const row = inserted.rows[0] ?? (await this.row(input.runId))!;
    return claimOutcome(row, inserted.rows.length === 1, input.bodyHash);
  }

  async finish(runId: string, end: Parameters<AllocationRepo['finish']>[1]): Promise<AllocationRecord> {
    await this.pool.query(
      `UPDATE allocations SET status = $1, result = $2, updated_at = $3 WHERE run_id = $4 AND status = 'running'`,
      [end.status, JSON.stringify(end.result), end.at, runId],
    );
    const row = await this.row(runId);
    if (!row) throw new RangeError(`no allocation ${runId}`);
    return allocationFromRow(row);
  }

  async get(runId: string): Promise<AllocationRecord | undefined> {
    const row = await this.row(runId);
    return row && allocationFromRow(row);
  }

  async list({ worldId, limit }: { worldId?: string; limit: number }): Promise<AllocationRecord[]> {
    checkLimit(limit);
    const { rows } = await this.pool.query<AllocationDbRow>(
      `SELECT * FROM allocations WHERE $1::text IS NULL OR world_ids ? $1::text
       ORDER BY created_at DESC, run_id DESC LIMIT $2`,
      [worldId ?? null, limit],
    );
    return rows.map(allocationFromRow);
  }

  async latestFractions(worldIds: readonly string[]): Promise<Record<string, WorldFractions>> {
    const latest: Record<string, WorldFractions> = {};
    for (const worldId of new Set(worldIds)) {
      const { rows } = await this.pool.query<AllocationDbRow>(
        `SELECT * FROM allocations WHERE status = 'completed' AND world_ids ? $1
         ORDER BY updated_at DESC, run_id DESC LIMIT 1`,
        [worldId],
      );
      if (rows[0]) latest[worldId] = fractionsOf(worldId, allocationFromRow(rows[0]));
    }
    return latest;
  }

  private async row(runId: string): Promise<AllocationDbRow | undefined> {
    const { rows } = await this.pool.query<AllocationDbRow>('SELECT * FROM allocations WHERE run_id = $1', [
      runId,
    ]);
    return rows[0];
  }
}
