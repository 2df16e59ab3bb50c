/**
 * Schema history for both stores, applied in id order and recorded in
 * `schema_migrations`. Each entry carries the SQLite and the PostgreSQL
 * dialect side by side so the two schemas cannot drift apart unnoticed.
 * Never edit an applied migration; append a new one.
 */

export interface Migration {
  id: number;
  name: string;
  sqlite: string;
  postgres: string;
}

/**
 * The bookkeeping table is created outside the numbered list: a store must be
 * able to read it before it knows which migrations are pending.
 */
export const migrationsTable = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    id integer PRIMARY KEY,
    name text NOT NULL,
    applied_at text NOT NULL
  )`,
};

/*
 * Column choices shared by both dialects:
 * - timestamps are ISO-8601 UTC text (Date#toISOString), which sorts correctly
 *   as text and round-trips byte for byte;
 * - `meta` and `dag_json` are opaque text so key order and formatting survive
 *   exactly (jsonb would reorder object keys);
 * - `world_ids` is jsonb on PostgreSQL (arrays keep their order) so the world
 *   filter can use a GIN index; SQLite filters through json_each.
 */
export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'api keys, idempotency keys, strategies',
    sqlite: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('reader', 'author', 'operator', 'admin')),
        key_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      ) STRICT;

      CREATE TABLE idempotency_keys (
        principal TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
        status INTEGER,
        body TEXT,
        content_type TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (principal, idempotency_key),
        CHECK (state = 'pending' OR (status IS NOT NULL AND body IS NOT NULL AND content_type IS NOT NULL))
      ) STRICT;

      CREATE TABLE strategies (
        strategy_id TEXT PRIMARY KEY,
        dag_json TEXT NOT NULL,
        world_ids TEXT NOT NULL CHECK (json_type(world_ids) = 'array'),
        node_count INTEGER NOT NULL,
        owner TEXT NOT NULL,
        meta TEXT NOT NULL CHECK (json_type(meta) = 'object'),
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE INDEX strategies_newest ON strategies (created_at DESC, strategy_id DESC);
    `,
    postgres: `
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('reader', 'author', 'operator', 'admin')),
        key_hash text NOT NULL UNIQUE,
        created_at text NOT NULL,
        revoked_at text
      );

      CREATE TABLE idempotency_keys (
        principal text NOT NULL,
        idempotency_key text NOT NULL,
        request_hash text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'done')),
        status integer,
        body text,
        content_type text,
        created_at text NOT NULL,
        PRIMARY KEY (principal, idempotency_key),
        CHECK (state = 'pending' OR (status IS NOT NULL AND body IS NOT NULL AND content_type IS NOT NULL))
      );

      CREATE TABLE strategies (
        strategy_id text PRIMARY KEY,
        dag_json text NOT NULL,
        world_ids jsonb NOT NULL CHECK (jsonb_typeof(world_ids) = 'array'),
        node_count integer NOT NULL,
        owner text NOT NULL,
        meta text NOT NULL CHECK (jsonb_typeof(meta::jsonb) = 'object'),
        created_at text NOT NULL
      );

      CREATE INDEX strategies_newest ON strategies (created_at DESC, strategy_id DESC);
      CREATE INDEX strategies_world_ids ON strategies USING gin (world_ids jsonb_path_ops);
    `,
  },
];

/**
 * The migrations still to apply, given the ids already recorded. A database
 * that has ids this build does not know was migrated by a newer release;
 * running old code against it could corrupt data, so it is refused.
 */
export function pendingMigrations(appliedIds: readonly number[]): Migration[] {
  const known = new Set(migrations.map((m) => m.id));
  const unknown = appliedIds.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new Error(
      `store schema has migrations ${unknown.join(', ')} that this build does not know; upgrade qmtl`,
    );
  }
  const applied = new Set(appliedIds);
  return migrations.filter((m) => !applied.has(m.id));
}
