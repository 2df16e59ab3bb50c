/**
 * The scaled store: PostgreSQL through a pg connection pool, shared by any
 * number of Gateway and worker processes. Atomic claims rely on
 * INSERT ... ON CONFLICT DO NOTHING; migrations serialise on an advisory lock.
 */
import { DatabaseError, Pool } from 'pg';
import { migrationsTable, pendingMigrations } from './migrations';
import {
  type ApiKeyRecord,
  type ApiKeyRepo,
  type ArtifactStore,
  type AuditRepo,
  type BarStore,
  type IdempotencyEntry,
  type IdempotencyRepo,
  type KillSwitchRepo,
  type NodeRepo,
  type RunRepo,
  type SimBook,
  type Store,
  StoreConflictError,
  type StrategyRecord,
  type StrategyRepo,
} from './port';
import {
  type ApiKeyRow,
  type IdempotencyRow,
  type StrategyRow,
  apiKeyFromRow,
  assertPage,
  idempotencyFromRow,
  strategyFromRow,
} from './rows';
import { PostgresArtifacts } from './postgres-artifacts';
import { PostgresBars } from './postgres-bars';
import { PostgresEvents } from './postgres-events';
import { PostgresRiskSnapshots } from './postgres-risk';
import { PostgresAllocations } from './postgres-allocations';
import { PostgresPaperEquity } from './postgres-paper-equity';
import { PostgresAudit, PostgresKillSwitches, PostgresSimBook } from './postgres-execution';
import { PostgresNodes } from './postgres-nodes';
import { PostgresRuns } from './postgres-runs';
import { inTransaction } from './postgres-transaction';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema to create if missing and use as the only search_path entry (tests isolate in a fresh one). */
  schema?: string;
  /** Pool size per process. */
  maxConnections?: number;
  /** Told when an idle pooled connection breaks; the pool has already dropped it and reconnects on demand. */
  onIdleError?: (error: Error) => void;
}

/** Lower-case only: search_path folds unquoted names, so anything else would not match CREATE SCHEMA. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Without it pg waits forever for a connection and /v1/status would hang instead of reporting the outage. */
const CONNECT_TIMEOUT_MS = 5000;
/** A claim retries when the holder releases between our insert and read; more than a few means a bug. */
const CLAIM_ATTEMPTS = 5;
const UNIQUE_VIOLATION = '23505';
const STRATEGY_COLUMNS =
  'strategy_id, dag_json, world_ids::text AS world_ids, node_count, owner, meta, created_at';

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly apiKeys: ApiKeyRepo;
  readonly idempotency: IdempotencyRepo;
  readonly strategies: StrategyRepo;
  readonly nodes: NodeRepo;
  readonly bars: BarStore;
  readonly artifacts: ArtifactStore;
  readonly runs: RunRepo;
  readonly simBook: SimBook;
  readonly killSwitches: KillSwitchRepo;
  readonly audit: AuditRepo;
  readonly events: PostgresEvents;
  readonly riskSnapshots: PostgresRiskSnapshots;
  readonly allocations: PostgresAllocations;
  readonly paperEquity: PostgresPaperEquity;
  private readonly pool: Pool;
  private readonly schema: string | undefined;
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(options.schema)}`);
    }
    this.schema = options.schema;
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'qmtl',
      // A start-up parameter, so every pooled connection gets it before its first query.
      ...(options.schema !== undefined && { options: `-c search_path=${options.schema}` }),
    });
    // An 'error' event without a listener would crash the process.
    this.pool.on('error', options.onIdleError ?? (() => undefined));
    this.apiKeys = new PostgresApiKeys(this.pool);
    this.idempotency = new PostgresIdempotency(this.pool);
    this.strategies = new PostgresStrategies(this.pool);
    this.nodes = new PostgresNodes(this.pool);
    this.bars = new PostgresBars(this.pool);
    this.artifacts = new PostgresArtifacts(this.pool);
    this.runs = new PostgresRuns(this.pool);
    this.simBook = new PostgresSimBook(this.pool);
    this.killSwitches = new PostgresKillSwitches(this.pool);
    this.audit = new PostgresAudit(this.pool);
    this.events = new PostgresEvents(this.pool);
    this.riskSnapshots = new PostgresRiskSnapshots(this.pool);
    this.allocations = new PostgresAllocations(this.pool);
    this.paperEquity = new PostgresPaperEquity(this.pool);
  }

  async migrate(): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      // Held until commit: concurrent migrators of the same schema queue here,
      // and each later one finds the bookkeeping table already up to date.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`qmtl.migrate:${this.schema ?? ''}`]);
      if (this.schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await client.query(migrationsTable.postgres);
      const { rows } = await client.query<{ id: number }>('SELECT id FROM schema_migrations');
      for (const migration of pendingMigrations(rows.map((row) => row.id))) {
        await client.query(migration.postgres);
        await client.query('INSERT INTO schema_migrations (id, name, applied_at) VALUES ($1, $2, $3)', [
          migration.id,
          migration.name,
          new Date().toISOString(),
        ]);
      }
    });
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof DatabaseError && error.code === UNIQUE_VIOLATION;
}

class PostgresApiKeys implements ApiKeyRepo {
  constructor(private readonly pool: Pool) {}

  async create(record: ApiKeyRecord): Promise<void> {
    try {
      await this.pool.query(
        `INSERT INTO api_keys (id, name, role, key_hash, created_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [record.id, record.name, record.role, record.keyHash, record.createdAt, record.revokedAt ?? null],
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError(`api key ${record.id} already exists`);
      throw error;
    }
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.pool.query<ApiKeyRow>('SELECT * FROM api_keys WHERE key_hash = $1', [
      keyHash,
    ]);
    return rows[0] && apiKeyFromRow(rows[0]);
  }

  async list(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query<ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at, id');
    return rows.map(apiKeyFromRow);
  }

  async revoke(id: string, at: string): Promise<boolean> {
    const result = await this.pool.query(
      'UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL',
      [id, at],
    );
    return result.rowCount === 1;
  }
}

class PostgresIdempotency implements IdempotencyRepo {
  constructor(private readonly pool: Pool) {}

  async claim(
    principal: string,
    key: string,
    requestHash: string,
    now: string,
  ): Promise<IdempotencyEntry | undefined> {
    // Two statements, not one CTE: a CTE's read uses the snapshot taken before
    // the insert waited on a concurrent claimer, so it would not see the winner.
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const inserted = await this.pool.query(
        `INSERT INTO idempotency_keys (principal, idempotency_key, request_hash, state, created_at)
         VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT (principal, idempotency_key) DO NOTHING`,
        [principal, key, requestHash, now],
      );
      if (inserted.rowCount === 1) return undefined;
      const { rows } = await this.pool.query<IdempotencyRow>(
        `SELECT request_hash, state, status, body, content_type FROM idempotency_keys
         WHERE principal = $1 AND idempotency_key = $2`,
        [principal, key],
      );
      if (rows[0]) return idempotencyFromRow(rows[0]);
    }
    throw new Error(`idempotency key ${key} kept being released while claiming it`);
  }

  async complete(
    principal: string,
    key: string,
    status: number,
    body: string,
    contentType: string,
  ): Promise<void> {
    await this.pool.query(
      `UPDATE idempotency_keys SET state = 'done', status = $3, body = $4, content_type = $5
       WHERE principal = $1 AND idempotency_key = $2 AND state = 'pending'`,
      [principal, key, status, body, contentType],
    );
  }

  async release(principal: string, key: string): Promise<void> {
    await this.pool.query(
      `DELETE FROM idempotency_keys WHERE principal = $1 AND idempotency_key = $2 AND state = 'pending'`,
      [principal, key],
    );
  }
}

class PostgresStrategies implements StrategyRepo {
  constructor(private readonly pool: Pool) {}

  async putIfAbsent(record: StrategyRecord): Promise<{ created: boolean; record: StrategyRecord }> {
    const inserted = await this.pool.query<StrategyRow>(
      `INSERT INTO strategies (strategy_id, dag_json, world_ids, node_count, owner, meta, created_at)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
       ON CONFLICT (strategy_id) DO NOTHING
       RETURNING ${STRATEGY_COLUMNS}`,
      [
        record.strategyId,
        record.dagJson,
        JSON.stringify(record.worldIds),
        record.nodeCount,
        record.owner,
        JSON.stringify(record.meta),
        record.createdAt,
      ],
    );
    if (inserted.rows[0]) return { created: true, record: strategyFromRow(inserted.rows[0]) };
    // Strategies are never deleted, so the row that beat us is still there.
    const existing = await this.get(record.strategyId);
    if (!existing) throw new Error(`strategy ${record.strategyId} conflicted but is not stored`);
    return { created: false, record: existing };
  }

  async get(strategyId: string): Promise<StrategyRecord | undefined> {
    const { rows } = await this.pool.query<StrategyRow>(
      `SELECT ${STRATEGY_COLUMNS} FROM strategies WHERE strategy_id = $1`,
      [strategyId],
    );
    return rows[0] && strategyFromRow(rows[0]);
  }

  async list(options: { limit: number; offset: number; worldId?: string }): Promise<StrategyRecord[]> {
    assertPage(options);
    const params: unknown[] = [options.limit, options.offset];
    let where = '';
    if (options.worldId !== undefined) {
      // Containment (@>) is what the jsonb_path_ops GIN index serves.
      params.push(JSON.stringify([options.worldId]));
      where = 'WHERE world_ids @> $3::jsonb';
    }
    const { rows } = await this.pool.query<StrategyRow>(
      `SELECT ${STRATEGY_COLUMNS} FROM strategies ${where}
       ORDER BY created_at DESC, strategy_id DESC
       LIMIT $1 OFFSET $2`,
      params,
    );
    return rows.map(strategyFromRow);
  }
}
