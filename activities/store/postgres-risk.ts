/**
 * Risk snapshots on PostgreSQL (SPEC §11). INSERT … ON CONFLICT DO NOTHING
 * waits for a concurrent writer of the same key to commit, so exactly one
 * creates; the losers then read the committed row (a new statement sees it).
 */
import type { Pool } from 'pg';
import type { RiskSnapshotRecord, RiskSnapshotRepo } from './risk-port';
import {
  type RiskSnapshotRow,
  assertLimit,
  putOutcome,
  riskSnapshotFromRow,
  riskSnapshotValues,
} from './sqlite-risk';

export class PostgresRiskSnapshots implements RiskSnapshotRepo {
  constructor(private readonly pool: Pool) {}

  async put(record: RiskSnapshotRecord) {
    const v = riskSnapshotValues(record);
    const inserted = await this.pool.query<RiskSnapshotRow>(
      `INSERT INTO risk_snapshots
         (world_id, version, hash, as_of, ttl_sec, expires_at, body, actor, stage, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (world_id, version) DO NOTHING RETURNING *`,
      [
        v.world_id,
        v.version,
        v.hash,
        v.as_of,
        v.ttl_sec,
        v.expires_at,
        v.body,
        v.actor,
        v.stage,
        v.created_at,
      ],
    );
    const row = inserted.rows[0] ?? (await this.selectOne(record.worldId, record.version));
    if (row === undefined) throw new Error(`risk snapshot ${record.worldId}/${record.version} vanished`);
    const stored = riskSnapshotFromRow(row);
    return { outcome: putOutcome(inserted.rows.length === 1, stored, record), record: stored };
  }

  async get(worldId: string, version: number): Promise<RiskSnapshotRecord | undefined> {
    const row = await this.selectOne(worldId, version);
    return row && riskSnapshotFromRow(row);
  }

  async latest(worldId: string): Promise<RiskSnapshotRecord | undefined> {
    return (await this.list(worldId, 1))[0];
  }

  async list(worldId: string, limit: number): Promise<RiskSnapshotRecord[]> {
    assertLimit(limit);
    const { rows } = await this.pool.query<RiskSnapshotRow>(
      'SELECT * FROM risk_snapshots WHERE world_id = $1 ORDER BY version DESC LIMIT $2',
      [worldId, limit],
    );
    return rows.map(riskSnapshotFromRow);
  }

  private async selectOne(worldId: string, version: number): Promise<RiskSnapshotRow | undefined> {
    const { rows } = await this.pool.query<RiskSnapshotRow>(
      'SELECT * FROM risk_snapshots WHERE world_id = $1 AND version = $2',
      [worldId, version],
    );
    return rows[0];
  }
}
