/**
 * The embedded store: one SQLite file under QMTL_HOME, opened with
 * better-sqlite3. Calls are synchronous inside one process; WAL, a busy
 * timeout and IMMEDIATE transactions make several processes (Gateway,
 * workers) sharing the file safe.
 */
import Database from 'better-sqlite3';
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
import { SqliteArtifacts } from './sqlite-artifacts';
import { SqliteBars } from './sqlite-bars';
import { SqliteEvents } from './sqlite-events';
import { SqliteRiskSnapshots } from './sqlite-risk';
import { SqliteAllocations } from './sqlite-allocations';
import { SqlitePaperEquity } from './sqlite-paper-equity';
import { SqliteAudit, SqliteKillSwitches, SqliteSimBook } from './sqlite-execution';
import { SqliteNodes } from './sqlite-nodes';
import { SqliteRuns } from './sqlite-runs';

/** How long a writer waits for another process's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/** The store's statement cache, shared with the repos in the sqlite-*.ts files. */
export type Prepare = (sql: string) => Database.Statement;

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
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
  readonly events: SqliteEvents;
  readonly riskSnapshots: SqliteRiskSnapshots;
  readonly allocations: SqliteAllocations;
  readonly paperEquity: SqlitePaperEquity;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly file: string) {
    this.db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    const prepare: Prepare = (sql) => this.prepare(sql);
    this.apiKeys = new SqliteApiKeys(prepare);
    this.idempotency = new SqliteIdempotency(this.db, prepare);
    this.strategies = new SqliteStrategies(this.db, prepare);
    this.nodes = new SqliteNodes(this.db, prepare);
    this.bars = new SqliteBars(this.db, prepare);
    this.artifacts = new SqliteArtifacts(prepare);
    this.runs = new SqliteRuns(prepare);
    this.simBook = new SqliteSimBook(this.db, prepare);
    this.killSwitches = new SqliteKillSwitches(prepare);
    this.audit = new SqliteAudit(this.db, prepare);
    this.events = new SqliteEvents(this.db, prepare);
    this.riskSnapshots = new SqliteRiskSnapshots(this.db, prepare);
    this.allocations = new SqliteAllocations(prepare);
    this.paperEquity = new SqlitePaperEquity(prepare);
  }

  async migrate(): Promise<void> {
    // IMMEDIATE takes the write lock up front, so two processes migrating the
    // same file run one after the other and the second finds nothing pending.
    const apply = this.db.transaction(() => {
      this.db.exec(migrationsTable.sqlite);
      const applied = this.db.prepare('SELECT id FROM schema_migrations').pluck().all() as number[];
      const record = this.db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)');
      for (const migration of pendingMigrations(applied)) {
        this.db.exec(migration.sqlite);
        record.run(migration.id, migration.name, new Date().toISOString());
      }
    });
    apply.immediate();
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Statements are prepared on first use (tables exist only after migrate) and reused. */
  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/**
 * By code, not `instanceof Database.SqliteError`: the native addon keeps the
 * error class of the first module instance that loaded it, so in a process
 * with several module registries (jest in band) instanceof lies.
 */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

class SqliteApiKeys implements ApiKeyRepo {
  constructor(private readonly prepare: Prepare) {}

  async create(record: ApiKeyRecord): Promise<void> {
    try {
      this.prepare(
        `INSERT INTO api_keys (id, name, role, key_hash, created_at, revoked_at)
         VALUES (@id, @name, @role, @keyHash, @createdAt, @revokedAt)`,
      ).run({ ...record, revokedAt: record.revokedAt ?? null });
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError(`api key ${record.id} already exists`);
      throw error;
    }
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const row = this.prepare('SELECT * FROM api_keys WHERE key_hash = ?').get(keyHash) as
      ApiKeyRow | undefined;
    return row && apiKeyFromRow(row);
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows = this.prepare('SELECT * FROM api_keys ORDER BY created_at, id').all() as ApiKeyRow[];
    return rows.map(apiKeyFromRow);
  }

  async revoke(id: string, at: string): Promise<boolean> {
    const result = this.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(
      at,
      id,
    );
    return result.changes === 1;
  }
}

class SqliteIdempotency implements IdempotencyRepo {
  private readonly claimOnce: Database.Transaction<
    (principal: string, key: string, requestHash: string, now: string) => IdempotencyEntry | undefined
  >;

  constructor(
    db: Database.Database,
    private readonly prepare: Prepare,
  ) {
    // Insert and read back under one write lock: nobody can release or
    // complete the entry between the two, so the answer is always consistent.
    this.claimOnce = db.transaction((principal, key, requestHash, now) => {
      const inserted = prepare(
        `INSERT INTO idempotency_keys (principal, idempotency_key, request_hash, state, created_at)
         VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (principal, idempotency_key) DO NOTHING`,
      ).run(principal, key, requestHash, now);
      if (inserted.changes === 1) return undefined;
      const row = prepare(
        `SELECT request_hash, state, status, body, content_type FROM idempotency_keys
         WHERE principal = ? AND idempotency_key = ?`,
      ).get(principal, key) as IdempotencyRow;
      return idempotencyFromRow(row);
    });
  }

  async claim(
    principal: string,
    key: string,
    requestHash: string,
    now: string,
  ): Promise<IdempotencyEntry | undefined> {
    return this.claimOnce.immediate(principal, key, requestHash, now);
  }

  async complete(
    principal: string,
    key: string,
    status: number,
    body: string,
    contentType: string,
  ): Promise<void> {
    this.prepare(
      `UPDATE idempotency_keys SET state = 'done', status = ?, body = ?, content_type = ?
       WHERE principal = ? AND idempotency_key = ? AND state = 'pending'`,
    ).run(status, body, contentType, principal, key);
  }

  async release(principal: string, key: string): Promise<void> {
    this.prepare(
      `DELETE FROM idempotency_keys WHERE principal = ? AND idempotency_key = ? AND state = 'pending'`,
    ).run(principal, key);
  }
}

class SqliteStrategies implements StrategyRepo {
  private readonly putOnce: Database.Transaction<
    (record: StrategyRecord) => { created: boolean; row: StrategyRow }
  >;

  constructor(
    db: Database.Database,
    private readonly prepare: Prepare,
  ) {
    this.putOnce = db.transaction((record) => {
      const inserted = prepare(
        `INSERT INTO strategies (strategy_id, dag_json, world_ids, node_count, owner, meta, created_at)
         VALUES (@strategyId, @dagJson, @worldIds, @nodeCount, @owner, @meta, @createdAt)
         ON CONFLICT (strategy_id) DO NOTHING`,
      ).run({ ...record, worldIds: JSON.stringify(record.worldIds), meta: JSON.stringify(record.meta) });
      const row = prepare('SELECT * FROM strategies WHERE strategy_id = ?').get(
        record.strategyId,
      ) as StrategyRow;
      return { created: inserted.changes === 1, row };
    });
  }

  async putIfAbsent(record: StrategyRecord): Promise<{ created: boolean; record: StrategyRecord }> {
    const { created, row } = this.putOnce.immediate(record);
    return { created, record: strategyFromRow(row) };
  }

  async get(strategyId: string): Promise<StrategyRecord | undefined> {
    const row = this.prepare('SELECT * FROM strategies WHERE strategy_id = ?').get(strategyId) as
      StrategyRow | undefined;
    return row && strategyFromRow(row);
  }

  async list(options: { limit: number; offset: number; worldId?: string }): Promise<StrategyRecord[]> {
    assertPage(options);
    const rows = this.prepare(
      `SELECT * FROM strategies
       WHERE @worldId IS NULL
          OR EXISTS (SELECT 1 FROM json_each(strategies.world_ids) WHERE json_each.value = @worldId)
       ORDER BY created_at DESC, strategy_id DESC
       LIMIT @limit OFFSET @offset`,
    ).all({
      worldId: options.worldId ?? null,
      limit: options.limit,
      offset: options.offset,
    }) as StrategyRow[];
    return rows.map(strategyFromRow);
  }
}
