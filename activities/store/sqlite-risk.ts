/**
 * Risk snapshots on SQLite (SPEC §11). The insert and the read-back run in
 * one IMMEDIATE transaction, so of concurrent writers of a (world, version)
 * exactly one creates and every other sees its row. Row mapping is shared
 * with the PostgreSQL repo.
 */
import type Database from 'better-sqlite3';
import type { RiskSnapshotPutOutcome, RiskSnapshotRecord, RiskSnapshotRepo } from './risk-port';
import type { Prepare } from './sqlite';

/** PostgreSQL returns bigint as text, SQLite as a number. */
export interface RiskSnapshotRow {
  world_id: string;
  version: number | string;
  hash: string;
  as_of: string;
  ttl_sec: number;
  expires_at: string;
  body: string;
  actor: string;
  stage: string;
  created_at: string;
}

export function riskSnapshotFromRow(row: RiskSnapshotRow): RiskSnapshotRecord {
  return {
    worldId: row.world_id,
    version: Number(row.version),
    hash: row.hash,
    asOf: row.as_of,
    ttlSec: row.ttl_sec,
    expiresAt: row.expires_at,
    body: row.body,
    actor: row.actor,
    stage: row.stage,
    createdAt: row.created_at,
  };
}

export function riskSnapshotValues(record: RiskSnapshotRecord) {
  if (!Number.isSafeInteger(record.version) || record.version < 1)
    throw new RangeError(`risk snapshot version must be a positive integer, got ${record.version}`);
  return {
    world_id: record.worldId,
    version: record.version,
    hash: record.hash,
    as_of: record.asOf,
    ttl_sec: record.ttlSec,
    expires_at: record.expiresAt,
    body: record.body,
    actor: record.actor,
    stage: record.stage,
    created_at: record.createdAt,
  };
}

/** What a put did, judged from the row that is stored now. */
export function putOutcome(
  inserted: boolean,
  stored: RiskSnapshotRecord,
  wanted: RiskSnapshotRecord,
): RiskSnapshotPutOutcome {
  if (inserted) return 'created';
  return stored.hash === wanted.hash ? 'duplicate' : 'conflict';
}

export function assertLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`risk snapshot list needs limit >= 1, got ${limit}`);
}

export class SqliteRiskSnapshots implements RiskSnapshotRepo {
  private readonly putOnce: Database.Transaction<
    (record: RiskSnapshotRecord) => { inserted: boolean; row: RiskSnapshotRow }
  >;

  constructor(
    db: Database.Database,
    private readonly prepare: Prepare,
  ) {
    this.putOnce = db.transaction((record: RiskSnapshotRecord) => {
      const { changes } = prepare(
        `INSERT INTO risk_snapshots
           (world_id, version, hash, as_of, ttl_sec, expires_at, body, actor, stage, created_at)
         VALUES (@world_id, @version, @hash, @as_of, @ttl_sec, @expires_at, @body, @actor, @stage, @created_at)
         ON CONFLICT (world_id, version) DO NOTHING`,
      ).run(riskSnapshotValues(record));
      const row = prepare('SELECT * FROM risk_snapshots WHERE world_id = ? AND version = ?').get(
        record.worldId,
        record.version,
      ) as RiskSnapshotRow;
      return { inserted: changes === 1, row };
    });
  }

  async put(record: RiskSnapshotRecord) {
    const { inserted, row } = this.putOnce.immediate(record);
    const stored = riskSnapshotFromRow(row);
    return { outcome: putOutcome(inserted, stored, record), record: stored };
  }

  async get(worldId: string, version: number): Promise<RiskSnapshotRecord | undefined> {
    const row = this.prepare('SELECT * FROM risk_snapshots WHERE world_id = ? AND version = ?').get(
      worldId,
      version,
    ) as RiskSnapshotRow | undefined;
    return row && riskSnapshotFromRow(row);
  }

  async latest(worldId: string): Promise<RiskSnapshotRecord | undefined> {
    return (await this.list(worldId, 1))[0];
  }

  async list(worldId: string, limit: number): Promise<RiskSnapshotRecord[]> {
    assertLimit(limit);
    const rows = this.prepare(
      'SELECT * FROM risk_snapshots WHERE world_id = ? ORDER BY version DESC LIMIT ?',
    ).all(worldId, limit) as RiskSnapshotRow[];
    return rows.map(riskSnapshotFromRow);
  }
}
