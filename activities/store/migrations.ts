/**
 * Schema history for both stores, applied in id order and recorded in
 * `schema_migrations`. Each entry carries the SQLite and the PostgreSQL
 * dialect side by side so the two schemas cannot drift apart unnoticed.
 * Never edit an applied migration; append a new one.
 */
import { allocationMigrations } from './migrations-allocations';
import { paperMigrations } from './migrations-paper';
import { riskMigrations } from './migrations-risk';

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
 * - `params_json` is opaque text for the same reason: node ids hash its exact
 *   bytes, so `1.0` must come back as `1.0`;
 * - bar timestamps are epoch milliseconds (bigint); a series' interval lives
 *   once in `series`, claimed in the same transaction as the series' first
 *   bars. `bars` has no foreign key to it: the check would double the cost of
 *   a PostgreSQL bulk upsert and guard only against the store itself;
 * - known-empty columns are `start_ts` / `end_ts` because `end` is reserved.
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
  {
    id: 2,
    name: 'node registry, bars, known-empty ranges, artifacts',
    sqlite: `
      CREATE TABLE nodes (
        node_id TEXT PRIMARY KEY,
        node_type TEXT NOT NULL,
        interval INTEGER,
        period INTEGER,
        params_json TEXT NOT NULL,
        dependencies TEXT NOT NULL CHECK (json_type(dependencies) = 'array'),
        schema_compat_id TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        tags TEXT NOT NULL CHECK (json_type(tags) = 'array'),
        first_strategy_id TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE series (
        series_id TEXT PRIMARY KEY,
        interval_ms INTEGER NOT NULL CHECK (interval_ms > 0)
      ) STRICT;

      CREATE TABLE bars (
        series_id TEXT NOT NULL,
        ts INTEGER NOT NULL,
        open REAL,
        high REAL,
        low REAL,
        close REAL,
        volume REAL,
        PRIMARY KEY (series_id, ts)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE known_empty (
        series_id TEXT NOT NULL,
        start_ts INTEGER NOT NULL,
        end_ts INTEGER NOT NULL,
        PRIMARY KEY (series_id, start_ts),
        CHECK (start_ts <= end_ts)
      ) STRICT;

      CREATE TABLE artifacts (
        fingerprint TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
    `,
    postgres: `
      CREATE TABLE nodes (
        node_id text PRIMARY KEY,
        node_type text NOT NULL,
        interval bigint,
        period bigint,
        params_json text NOT NULL,
        dependencies jsonb NOT NULL CHECK (jsonb_typeof(dependencies) = 'array'),
        schema_compat_id text NOT NULL,
        code_hash text NOT NULL,
        tags jsonb NOT NULL CHECK (jsonb_typeof(tags) = 'array'),
        first_strategy_id text NOT NULL,
        created_at text NOT NULL
      );

      CREATE TABLE series (
        series_id text PRIMARY KEY,
        interval_ms bigint NOT NULL CHECK (interval_ms > 0)
      );

      CREATE TABLE bars (
        series_id text NOT NULL,
        ts bigint NOT NULL,
        open double precision,
        high double precision,
        low double precision,
        close double precision,
        volume double precision,
        PRIMARY KEY (series_id, ts)
      );

      CREATE TABLE known_empty (
        series_id text NOT NULL,
        start_ts bigint NOT NULL,
        end_ts bigint NOT NULL,
        PRIMARY KEY (series_id, start_ts),
        CHECK (start_ts <= end_ts)
      );

      CREATE TABLE artifacts (
        fingerprint text PRIMARY KEY,
        kind text NOT NULL,
        body text NOT NULL,
        created_at text NOT NULL
      );
    `,
  },
  {
    id: 3,
    name: 'dag runs',
    // metrics and nodes are opaque JSON text, as meta is: written and read whole, never queried inside.
    sqlite: `
      CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        strategy_id TEXT NOT NULL,
        world_id TEXT NOT NULL,
        mode TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'stopped')),
        window_start INTEGER,
        window_end INTEGER,
        interval_ms INTEGER,
        metrics TEXT NOT NULL CHECK (json_type(metrics) = 'object'),
        result_fingerprint TEXT,
        nodes TEXT NOT NULL CHECK (json_type(nodes) = 'array'),
        error TEXT,
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK ((window_start IS NULL) = (window_end IS NULL) AND (window_end IS NULL) = (interval_ms IS NULL))
      ) STRICT;

      CREATE INDEX runs_by_strategy ON runs (strategy_id, started_at DESC, run_id DESC);
    `,
    postgres: `
      CREATE TABLE runs (
        run_id text PRIMARY KEY,
        strategy_id text NOT NULL,
        world_id text NOT NULL,
        mode text NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'stopped')),
        window_start bigint,
        window_end bigint,
        interval_ms bigint,
        metrics text NOT NULL CHECK (jsonb_typeof(metrics::jsonb) = 'object'),
        result_fingerprint text,
        nodes text NOT NULL CHECK (jsonb_typeof(nodes::jsonb) = 'array'),
        error text,
        started_at text NOT NULL,
        updated_at text NOT NULL,
        CHECK ((window_start IS NULL) = (window_end IS NULL) AND (window_end IS NULL) = (interval_ms IS NULL))
      );

      CREATE INDEX runs_by_strategy ON runs (strategy_id, started_at DESC, run_id DESC);
    `,
  },
  {
    id: 4,
    name: 'simulated venue book, kill switches, audit trail',
    // Decimals are text, written and read back byte for byte; arithmetic on
    // them happens in decimal.js, never in SQL floats. `seq` numbers orders in
    // insert order and names them (venue_order_id = 'sim-' || seq). Trades keep
    // insert order by rowid on SQLite and by seq on PostgreSQL. `by` is reserved
    // in SQL, hence kill_switches.changed_by (and changed_at beside it).
    sqlite: `
      CREATE TABLE sim_orders (
        account TEXT NOT NULL,
        client_order_id TEXT NOT NULL,
        seq INTEGER NOT NULL UNIQUE,
        venue_order_id TEXT NOT NULL UNIQUE,
        symbol TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        type TEXT NOT NULL CHECK (type IN ('market', 'limit', 'stop', 'stop_limit')),
        qty TEXT NOT NULL,
        limit_price TEXT,
        stop_price TEXT,
        tif TEXT NOT NULL CHECK (tif IN ('GTC', 'IOC', 'FOK')),
        status TEXT NOT NULL CHECK (status IN ('open', 'filled', 'canceled', 'expired', 'rejected')),
        filled_qty TEXT NOT NULL,
        triggered INTEGER NOT NULL CHECK (triggered IN (0, 1)),
        created_ts INTEGER NOT NULL,
        matched_through_ts INTEGER NOT NULL,
        updated_ts INTEGER NOT NULL,
        PRIMARY KEY (account, client_order_id)
      ) STRICT;

      CREATE INDEX sim_orders_open ON sim_orders (account, status, created_ts, seq);

      CREATE TABLE sim_trades (
        account TEXT NOT NULL,
        trade_id TEXT NOT NULL,
        venue_order_id TEXT NOT NULL,
        client_order_id TEXT NOT NULL,
        symbol TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        qty TEXT NOT NULL,
        price TEXT NOT NULL,
        fee TEXT NOT NULL,
        liquidity TEXT NOT NULL CHECK (liquidity IN ('maker', 'taker')),
        ts INTEGER NOT NULL,
        PRIMARY KEY (account, trade_id)
      ) STRICT;

      CREATE INDEX sim_trades_by_order ON sim_trades (account, client_order_id, ts);

      CREATE TABLE sim_balances (
        account TEXT NOT NULL,
        currency TEXT NOT NULL,
        total TEXT NOT NULL,
        PRIMARY KEY (account, currency)
      ) STRICT;

      CREATE TABLE kill_switches (
        scope_key TEXT PRIMARY KEY,
        scope TEXT NOT NULL CHECK (json_type(scope) = 'object'),
        engaged INTEGER NOT NULL CHECK (engaged IN (0, 1)),
        reason TEXT NOT NULL,
        flatten INTEGER NOT NULL CHECK (flatten IN (0, 1)),
        changed_by TEXT NOT NULL,
        changed_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_key TEXT NOT NULL UNIQUE,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail TEXT NOT NULL CHECK (json_type(detail) = 'object')
      ) STRICT;

      CREATE INDEX audit_events_by_subject ON audit_events (subject, seq);
    `,
    postgres: `
      CREATE SEQUENCE sim_order_seq;

      CREATE TABLE sim_orders (
        account text NOT NULL,
        client_order_id text NOT NULL,
        seq bigint NOT NULL UNIQUE,
        venue_order_id text NOT NULL UNIQUE,
        symbol text NOT NULL,
        side text NOT NULL CHECK (side IN ('buy', 'sell')),
        type text NOT NULL CHECK (type IN ('market', 'limit', 'stop', 'stop_limit')),
        qty text NOT NULL,
        limit_price text,
        stop_price text,
        tif text NOT NULL CHECK (tif IN ('GTC', 'IOC', 'FOK')),
        status text NOT NULL CHECK (status IN ('open', 'filled', 'canceled', 'expired', 'rejected')),
        filled_qty text NOT NULL,
        triggered boolean NOT NULL,
        created_ts bigint NOT NULL,
        matched_through_ts bigint NOT NULL,
        updated_ts bigint NOT NULL,
        PRIMARY KEY (account, client_order_id)
      );

      CREATE INDEX sim_orders_open ON sim_orders (account, status, created_ts, seq);

      CREATE TABLE sim_trades (
        account text NOT NULL,
        trade_id text NOT NULL,
        seq bigserial NOT NULL,
        venue_order_id text NOT NULL,
        client_order_id text NOT NULL,
        symbol text NOT NULL,
        side text NOT NULL CHECK (side IN ('buy', 'sell')),
        qty text NOT NULL,
        price text NOT NULL,
        fee text NOT NULL,
        liquidity text NOT NULL CHECK (liquidity IN ('maker', 'taker')),
        ts bigint NOT NULL,
        PRIMARY KEY (account, trade_id)
      );

      CREATE INDEX sim_trades_by_order ON sim_trades (account, client_order_id, ts, seq);

      CREATE TABLE sim_balances (
        account text NOT NULL,
        currency text NOT NULL,
        total text NOT NULL,
        PRIMARY KEY (account, currency)
      );

      CREATE TABLE kill_switches (
        scope_key text PRIMARY KEY,
        scope text NOT NULL CHECK (jsonb_typeof(scope::jsonb) = 'object'),
        engaged boolean NOT NULL,
        reason text NOT NULL,
        flatten boolean NOT NULL,
        changed_by text NOT NULL,
        changed_at text NOT NULL
      );

      CREATE TABLE audit_events (
        seq bigserial PRIMARY KEY,
        event_key text NOT NULL UNIQUE,
        at text NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        subject text NOT NULL,
        detail text NOT NULL CHECK (jsonb_typeof(detail::jsonb) = 'object')
      );

      CREATE INDEX audit_events_by_subject ON audit_events (subject, seq);
    `,
  },
  {
    id: 5,
    name: 'controlbus_events',
    // The ControlBus log (SPEC §10): seq is the SSE event id, event_key makes
    // publishing idempotent, ordering_key is the per-key order (an order id).
    // payload is opaque JSON text, like audit detail.
    sqlite: `
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_key TEXT NOT NULL UNIQUE,
        topic TEXT NOT NULL,
        world_id TEXT,
        ordering_key TEXT NOT NULL,
        payload TEXT NOT NULL CHECK (json_type(payload) = 'object'),
        at TEXT NOT NULL
      ) STRICT;

      CREATE INDEX events_by_topic ON events (topic, seq);
      CREATE INDEX events_by_world ON events (world_id, seq);
    `,
    postgres: `
      CREATE TABLE events (
        seq bigserial PRIMARY KEY,
        event_key text NOT NULL UNIQUE,
        topic text NOT NULL,
        world_id text,
        ordering_key text NOT NULL,
        payload text NOT NULL CHECK (jsonb_typeof(payload::jsonb) = 'object'),
        at text NOT NULL
      );

      CREATE INDEX events_by_topic ON events (topic, seq);
      CREATE INDEX events_by_world ON events (world_id, seq);
    `,
  },
  ...riskMigrations,
  ...allocationMigrations,
  ...paperMigrations,
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
