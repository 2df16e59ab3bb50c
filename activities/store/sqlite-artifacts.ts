/**
 * Artifacts on SQLite (SPEC §7): bodies stored once under their fingerprint.
 * A fingerprint names its content, so the first body stored is the body.
 */
import type { ArtifactStore } from './port';
import type { Prepare } from './sqlite';

export class SqliteArtifacts implements ArtifactStore {
  constructor(private readonly prepare: Prepare) {}

  async putIfAbsent(fingerprint: string, kind: string, body: string): Promise<{ created: boolean }> {
    const inserted = this.prepare(
      `INSERT INTO artifacts (fingerprint, kind, body, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (fingerprint) DO NOTHING`,
    ).run(fingerprint, kind, body, new Date().toISOString());
    return { created: inserted.changes === 1 };
  }

  async get(fingerprint: string): Promise<{ kind: string; body: string; createdAt: string } | undefined> {
    const row = this.prepare('SELECT kind, body, created_at FROM artifacts WHERE fingerprint = ?').get(
      fingerprint,
    ) as { kind: string; body: string; created_at: string } | undefined;
    return row && { kind: row.kind, body: row.body, createdAt: row.created_at };
  }
}
