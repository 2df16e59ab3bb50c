/**
 * Artifacts on PostgreSQL (SPEC §7): bodies stored once under their
 * fingerprint. A fingerprint names its content, so the first body stored is
 * the body; a racing second put waits for the first and then skips.
 */
import type { Pool } from 'pg';
import type { ArtifactStore } from './port';

export class PostgresArtifacts implements ArtifactStore {
  constructor(private readonly pool: Pool) {}

  async putIfAbsent(fingerprint: string, kind: string, body: string): Promise<{ created: boolean }> {
    const inserted = await this.pool.query(
      `INSERT INTO artifacts (fingerprint, kind, body, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (fingerprint) DO NOTHING`,
      [fingerprint, kind, body, new Date().toISOString()],
    );
    return { created: inserted.rowCount === 1 };
  }

  async get(fingerprint: string): Promise<{ kind: string; body: string; createdAt: string } | undefined> {
    const { rows } = await this.pool.query<{ kind: string; body: string; created_at: string }>(
      'SELECT kind, body, created_at FROM artifacts WHERE fingerprint = $1',
      [fingerprint],
    );
    const row = rows[0];
    return row && { kind: row.kind, body: row.body, createdAt: row.created_at };
  }
}
