/**
 * Where risk snapshots are kept (SPEC §11): one row per (world, version),
 * written once. The store knows the columns it indexes and keeps the body as
 * opaque JSON text; validating it is the domain's job (domain/risk).
 */

export interface RiskSnapshotRecord {
  worldId: string;
  version: number;
  /** sha256 of the snapshot's canonical JSON: what tells a retry from a conflicting write. */
  hash: string;
  /** As sent (ISO-8601 with its zone). */
  asOf: string;
  ttlSec: number;
  /** as_of + ttl_sec, ISO-8601 UTC. */
  expiresAt: string;
  /** The snapshot's JSON text, byte for byte as stored. */
  body: string;
  /** From the X-Actor / X-Stage headers of the write. */
  actor: string;
  stage: string;
  createdAt: string;
}

export type RiskSnapshotPutOutcome = 'created' | 'duplicate' | 'conflict';

export interface RiskSnapshotRepo {
  /**
   * Inserts unless (world, version) exists. Returns the stored record: this one
   * ('created'), the earlier one with the same hash ('duplicate') or with
   * another hash ('conflict'). Atomic: of concurrent puts exactly one creates.
   */
  put(record: RiskSnapshotRecord): Promise<{ outcome: RiskSnapshotPutOutcome; record: RiskSnapshotRecord }>;
  get(worldId: string, version: number): Promise<RiskSnapshotRecord | undefined>;
  /** The highest version, expired or not. */
  latest(worldId: string): Promise<RiskSnapshotRecord | undefined>;
  /** Highest version first. */
  list(worldId: string, limit: number): Promise<RiskSnapshotRecord[]>;
}
