/**
 * The store port: everything the Gateway and the activities persist outside
 * Temporal's own history. SQLite (embedded default) and PostgreSQL implement
 * it; one contract suite (test/integration/store.contract.test.ts) runs
 * against both. Later issues add bar, artifact, node-registry and event repos
 * here, each with its own migration.
 */
import type { SimOrder, SimOrderStatus, SimTrade } from '../../domain/execution/sim-matching';
import type { AllocationRepo } from './allocation-port';
import type { PaperEquityRepo } from './paper-equity-port';
import type { RiskSnapshotRepo } from './risk-port';

export type * from './allocation-port';
export type * from './paper-equity-port';
export type * from './risk-port';

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
  readonly nodes: NodeRepo;
  readonly bars: BarStore;
  readonly artifacts: ArtifactStore;
  readonly runs: RunRepo;
  readonly simBook: SimBook;
  readonly killSwitches: KillSwitchRepo;
  readonly audit: AuditRepo;
  readonly events: EventRepo;
  readonly riskSnapshots: RiskSnapshotRepo;
  readonly allocations: AllocationRepo;
  readonly paperEquity: PaperEquityRepo;
}

export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}

// ---------------------------------------------------------------------------
// Data plane (SPEC §7) and DAG Manager (SPEC §6) repos.
// ---------------------------------------------------------------------------

/** A node as the registry knows it: enough to find its data source and queue. */
export interface NodeRecord {
  nodeId: string;
  nodeType: string;
  /** Seconds, as in the DAG. */
  interval: number | null;
  period: number | null;
  /** Canonical JSON text of the node's params (lossless literals kept). */
  paramsJson: string;
  dependencies: string[];
  schemaCompatId: string;
  codeHash: string;
  tags: string[];
  firstStrategyId: string;
  createdAt: string;
}

export interface NodeRepo {
  /** Records nodes not seen before; existing ids are left as they are. Returns the ids that were new. */
  registerAll(nodes: NodeRecord[]): Promise<string[]>;
  get(nodeId: string): Promise<NodeRecord | undefined>;
  /** Ids among `nodeIds` already registered. */
  known(nodeIds: string[]): Promise<Set<string>>;
  /**
   * Registered nodes carrying at least one of `tags` (`any`) or every one of them (`all`), with this
   * interval (seconds) when given, ordered by node id. Tags match exactly (case-sensitive); no tags
   * match nothing.
   */
  findByTags(tags: string[], matchMode: TagMatchMode, interval?: number): Promise<NodeRecord[]>;
}

export type TagMatchMode = 'any' | 'all';

export interface BarRow {
  ts: number;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number | null;
  volume: number | null;
}

export interface BarStore {
  /**
   * Inserts or replaces by (seriesId, ts): a revised candle replaces the old one. Returns the bars
   * inserted or changed; bars identical to the stored ones are left alone and not counted. Within one
   * call the last bar of a ts wins. The first upsert of a series fixes its interval; another interval
   * is refused with StoreConflictError. ts must be integer epoch ms, values finite or null (RangeError).
   * All or nothing: a failed call writes no bar.
   */
  upsertBars(seriesId: string, intervalMs: number, bars: BarRow[]): Promise<number>;
  /** Bars with start ≤ ts < end (half-open), ascending. */
  readBars(seriesId: string, start: number, end: number): Promise<BarRow[]>;
  countBars(seriesId: string, start: number, end: number): Promise<number>;
  /**
   * Islands of stored bars as inclusive bar-open ranges, ascending: a bar at most one series interval
   * after the previous one (next.start ≤ prev.end + interval, as in the coverage algebra) joins its island.
   */
  coverage(seriesId: string): Promise<Array<{ start: number; end: number }>>;
  /**
   * Records that the venue has no bars in [start, end] (inclusive), so they are not refetched. Merges
   * with stored ranges it overlaps or touches within the series' interval (1 ms while the series has
   * never been upserted, as no interval is known yet).
   */
  addKnownEmpty(seriesId: string, start: number, end: number): Promise<void>;
  /** Ascending and disjoint, merged as addKnownEmpty describes. */
  knownEmpty(seriesId: string): Promise<Array<{ start: number; end: number }>>;
}

export interface ArtifactStore {
  /** Stores the body under its fingerprint unless present; the first body wins. */
  putIfAbsent(fingerprint: string, kind: string, body: string): Promise<{ created: boolean }>;
  get(fingerprint: string): Promise<{ kind: string; body: string; createdAt: string } | undefined>;
}

// ---------------------------------------------------------------------------
// DAG runs (SPEC §4, §5): what a run did, for the API; node outputs and the
// simulation result themselves are artifacts, named here by fingerprint.
// ---------------------------------------------------------------------------

export type RunStatus = 'running' | 'completed' | 'failed' | 'stopped';

/** One node of a run: the output it used, and whether an earlier run had already computed it. */
export interface RunNodeRecord {
  nodeId: string;
  fingerprint: string;
  reused: boolean;
}

export interface RunRecord {
  /** The run's workflow id, `run:{strategyId}:{worldId}:{mode}:{n}`. */
  runId: string;
  strategyId: string;
  worldId: string;
  mode: string;
  status: RunStatus;
  /** Inclusive bar opens (epoch ms) and the bar interval; null until the run is planned. */
  window: { start: number; end: number; intervalMs: number } | null;
  /** Metric name → finite number; empty until simulated, and for runs with nothing to trade. */
  metrics: Record<string, number>;
  /** The artifact holding trades and the equity curve; absent until simulated. */
  resultFingerprint?: string;
  nodes: RunNodeRecord[];
  error?: string;
  startedAt: string;
  updatedAt: string;
}

export interface RunRepo {
  /** Inserts, or replaces the record with this runId: a run's record moves from running to how it ended. */
  put(record: RunRecord): Promise<void>;
  get(runId: string): Promise<RunRecord | undefined>;
  /** Newest first: startedAt descending, ties broken by runId descending. */
  listByStrategy(strategyId: string, page: { limit: number; offset: number }): Promise<RunRecord[]>;
}

// ---------------------------------------------------------------------------
// Execution (SPEC §8): the simulated venue's own book (the venue side of `sim`,
// not our view of the order, which lives in the order workflow), kill switches
// and the execution audit trail.
// ---------------------------------------------------------------------------

export type { SimOrderStatus };

/**
 * One order as the simulated exchange holds it (domain/execution/sim-matching.ts),
 * under its account. `venueOrderId` is assigned at insert ("sim-" + a per-store sequence).
 */
export interface SimOrderRow extends SimOrder {
  account: string;
}

export interface SimTradeRow extends SimTrade {
  account: string;
}

/** What one matching step changes, written atomically by `SimBook.mutateOrder`. */
export interface SimOrderStep {
  row: SimOrderRow;
  /** New trades (a trade id already stored is ignored). */
  trades: SimTradeRow[];
  /** Signed changes of the account's currency totals, e.g. {BTC: "0.1", USDT: "-6001.2"}. */
  balanceDeltas: Record<string, string>;
}

export interface SimBook {
  /** Inserts unless (account, clientOrderId) exists; the stored row either way. venueOrderId is assigned here. */
  insertOrder(row: Omit<SimOrderRow, 'venueOrderId'>): Promise<{ created: boolean; row: SimOrderRow }>;
  getOrder(account: string, clientOrderId: string): Promise<SimOrderRow | undefined>;
  /**
   * Reads the order under a lock, lets `step` compute what changes (undefined:
   * nothing), and writes row, trades and balance deltas in one transaction, so
   * two concurrent calls never match the same bar twice. Returns the row as stored.
   */
  mutateOrder(
    account: string,
    clientOrderId: string,
    step: (row: SimOrderRow) => SimOrderStep | undefined,
  ): Promise<SimOrderRow | undefined>;
  /** Trades of one order, oldest first. */
  trades(account: string, clientOrderId: string): Promise<SimTradeRow[]>;
  /** Open orders of the account, oldest first; one symbol when given. */
  openOrders(account: string, symbol?: string): Promise<SimOrderRow[]>;
  /** Sets the starting balances of an account unless it has any (idempotent seeding). */
  seedBalances(account: string, totals: Record<string, string>): Promise<void>;
  /** Currency totals of the account (empty when never seeded). */
  balances(account: string): Promise<Record<string, string>>;
}

/** Where a kill switch applies: one world, or one venue account. */
export type KillScope =
  { kind: 'world'; worldId: string } | { kind: 'venue'; venue: string; account: string };

export function killScopeKey(scope: KillScope): string {
  return scope.kind === 'world' ? `world:${scope.worldId}` : `venue:${scope.venue}:${scope.account}`;
}

export interface KillSwitchRecord {
  scopeKey: string;
  scope: KillScope;
  engaged: boolean;
  reason: string;
  /** Flatten positions after canceling open orders. */
  flatten: boolean;
  /** API key id (or "system") that last changed it. */
  by: string;
  at: string;
}

export interface KillSwitchRepo {
  /** Engages or releases (replaces the record of this scope). */
  put(record: KillSwitchRecord): Promise<void>;
  get(scopeKey: string): Promise<KillSwitchRecord | undefined>;
  /** Every scope ever switched, engaged or not, by scopeKey. */
  list(): Promise<KillSwitchRecord[]>;
}

export interface AuditRecord {
  /** Assigned by the store, ascending. */
  seq: number;
  /** Idempotency key of the write: a retried activity appends once. */
  eventKey: string;
  at: string;
  actor: string;
  /** e.g. kill_switch.engaged, order.canceled, reconcile.orphan_adopted, order.late_fill. */
  action: string;
  /** What it is about: killScopeKey, `order:{id}`, `account:{venue}:{account}`. */
  subject: string;
  detail: Record<string, unknown>;
}

export interface AuditRepo {
  /** Appends unless `eventKey` was appended before; returns the stored record either way. */
  append(record: Omit<AuditRecord, 'seq'>): Promise<AuditRecord>;
  /** Oldest first; only one subject when given; after `afterSeq` when given. */
  list(options: { subject?: string; afterSeq?: number; limit: number }): Promise<AuditRecord[]>;
}

// ---------------------------------------------------------------------------
// ControlBus (SPEC §10): the append-only event log the SSE stream tails.
// ---------------------------------------------------------------------------

export interface EventRecord {
  /** Global sequence, ascending in commit order: the SSE event id a client resumes from. */
  seq: number;
  /** Idempotency key chosen by the publisher (e.g. `${workflowId}:${what}:${n}`): published once. */
  eventKey: string;
  /** e.g. order, kill_switch, activation. */
  topic: string;
  worldId?: string;
  /** Ordering key (an order id, a scope key): events of one key are read in publish order. */
  key: string;
  payload: Record<string, unknown>;
  at: string;
}

export type EventInput = Omit<EventRecord, 'seq' | 'at'> & { at?: string };

export interface EventRepo {
  /** Appends unless `eventKey` was published before; returns the stored event either way. */
  publish(event: EventInput): Promise<EventRecord>;
  /** Events after `afterSeq`, ascending; only these topics / this world when given. */
  read(options: {
    afterSeq: number;
    topics?: readonly string[];
    worldId?: string;
    limit: number;
  }): Promise<EventRecord[]>;
}
