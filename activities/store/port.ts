/**
 * The store port: everything the Gateway and the activities persist outside
 * Temporal's own history. SQLite (embedded default) and PostgreSQL implement
 * it; one contract suite (test/integration/store.contract.test.ts) runs
 * against both. Later issues add bar, artifact, node-registry and event repos
 * here, each with its own migration.
 */

export type Role = 'reader' | 'author' | 'operator' | 'admin';

// Timestamps (createdAt, revokedAt, now) are ISO-8601 UTC strings as made by
// Date#toISOString(); stores keep them as text and order by comparing them.

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  /** sha256 hex of the secret; the secret itself is never stored. */
  keyHash: string;
  createdAt: string;
  revokedAt?: string;
}

export interface ApiKeyRepo {
  /** Inserts a key; a second key with the same hash or id is refused (throws StoreConflictError). */
  create(record: ApiKeyRecord): Promise<void>;
  /** Revoked keys are returned too, with revokedAt set; the caller decides. */
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** Oldest first. */
  list(): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked; false when no such active key exists. */
  revoke(id: string, at: string): Promise<boolean>;
}

/** One remembered POST, keyed by (principal, idempotency key). */
export type IdempotencyEntry =
  | { state: 'pending'; requestHash: string }
  | { state: 'done'; requestHash: string; status: number; body: string; contentType: string };

export interface IdempotencyRepo {
  /**
   * Atomically claims the key for a request with this hash. Returns
   * `undefined` when the caller won the claim (and must later `complete` or
   * `release` it), otherwise the entry someone else already holds.
   */
  claim(
    principal: string,
    key: string,
    requestHash: string,
    now: string,
  ): Promise<IdempotencyEntry | undefined>;
  /** Stores the response to replay; only a pending claim is completed, anything else is left as is. */
  complete(principal: string, key: string, status: number, body: string, contentType: string): Promise<void>;
  /** Forgets a pending claim (the request failed before a response worth replaying). */
  release(principal: string, key: string): Promise<void>;
}

export interface StrategyRecord {
  strategyId: string;
  /** Canonical DAG JSON text; workflows receive only the id and load it through an activity. */
  dagJson: string;
  worldIds: string[];
  nodeCount: number;
  owner: string;
  meta: Record<string, unknown>;
  createdAt: string;
}

export interface StrategyRepo {
  /** Inserts unless the id exists; returns the stored record and whether this call created it. */
  putIfAbsent(record: StrategyRecord): Promise<{ created: boolean; record: StrategyRecord }>;
  get(strategyId: string): Promise<StrategyRecord | undefined>;
  /** Newest first: createdAt descending, ties broken by strategyId descending. */
  list(options: { limit: number; offset: number; worldId?: string }): Promise<StrategyRecord[]>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending migrations; safe to call concurrently from several processes. */
  migrate(): Promise<void>;
  /** Throws when the store is unreachable (used by /v1/status). */
  ping(): Promise<void>;
  close(): Promise<void>;
  readonly apiKeys: ApiKeyRepo;
  readonly idempotency: IdempotencyRepo;
  readonly strategies: StrategyRepo;
}

export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}
