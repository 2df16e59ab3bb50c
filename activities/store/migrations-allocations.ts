/**
 * Migration 7: run-id keyed allocations (SPEC §9). `request` and `result` are
 * opaque JSON text (decimal strings survive byte for byte); `world_ids` is a
 * JSON array (jsonb on PostgreSQL) so "latest allocation of a world" can
 * filter on it. `body_hash` decides replay (same) versus conflict (other).
 */
import type { Migration } from './migrations';

export const allocationMigrations: readonly Migration[] = [
  {
    id: 7,
    name: 'allocations',
    sqlite: `
      CREATE TABLE allocations (
        run_id TEXT PRIMARY KEY,
        body_hash TEXT NOT NULL,
        world_ids TEXT NOT NULL CHECK (json_type(world_ids) = 'array'),
        request TEXT NOT NULL CHECK (json_type(request) = 'object'),
        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'rejected', 'failed')),
        result TEXT CHECK (result IS NULL OR json_type(result) = 'object'),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE INDEX allocations_by_status ON allocations (status, updated_at);
      CREATE INDEX allocations_by_created ON allocations (created_at);
    `,
    postgres: `
      CREATE TABLE allocations (
        run_id text PRIMARY KEY,
        body_hash text NOT NULL,
        world_ids jsonb NOT NULL CHECK (jsonb_typeof(world_ids) = 'array'),
        request text NOT NULL CHECK (jsonb_typeof(request::jsonb) = 'object'),
        status text NOT NULL CHECK (status IN ('running', 'completed', 'rejected', 'failed')),
        result text CHECK (result IS NULL OR jsonb_typeof(result::jsonb) = 'object'),
        created_at text NOT NULL,
        updated_at text NOT NULL
      );

      CREATE INDEX allocations_by_worlds ON allocations USING gin (world_ids);
      CREATE INDEX allocations_by_status ON allocations (status, updated_at);
      CREATE INDEX allocations_by_created ON allocations (created_at);
    `,
  },
];
