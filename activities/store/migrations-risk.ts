/**
 * Migration 6: the Risk Signal Hub's snapshots (SPEC §11), kept apart from
 * migrations.ts so feature tables stay readable; migrations.ts appends it.
 * The primary key (world_id, version) is what makes a write happen once;
 * `body` is opaque JSON text so the snapshot's bytes round-trip exactly.
 */
import type { Migration } from './migrations';

export const riskMigrations: readonly Migration[] = [
  {
    id: 6,
    name: 'risk_snapshots',
    sqlite: `
      CREATE TABLE risk_snapshots (
        world_id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version > 0),
        hash TEXT NOT NULL,
        as_of TEXT NOT NULL,
        ttl_sec INTEGER NOT NULL CHECK (ttl_sec > 0),
        expires_at TEXT NOT NULL,
        body TEXT NOT NULL CHECK (json_type(body) = 'object'),
        actor TEXT NOT NULL,
        stage TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (world_id, version)
      ) STRICT;
    `,
    postgres: `
      CREATE TABLE risk_snapshots (
        world_id text NOT NULL,
        version bigint NOT NULL CHECK (version > 0),
        hash text NOT NULL,
        as_of text NOT NULL,
        ttl_sec integer NOT NULL CHECK (ttl_sec > 0),
        expires_at text NOT NULL,
        body text NOT NULL CHECK (jsonb_typeof(body::jsonb) = 'object'),
        actor text NOT NULL,
        stage text NOT NULL,
        created_at text NOT NULL,
        PRIMARY KEY (world_id, version)
      );
    `,
  },
];
