/**
 * Isolated databases for the store contract suite: a temp SQLite folder or a
 * fresh PostgreSQL schema, each dropped afterwards, plus record builders.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import {
  type ApiKeyRecord,
  type BarRow,
  type NodeRecord,
  PostgresStore,
  SqliteStore,
  type Store,
  type StrategyRecord,
  openStore,
} from '../../activities/store';

const databaseUrl = process.env.QMTL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One isolated database: a temp SQLite folder or a fresh PostgreSQL schema. */
export interface Harness {
  /** A migrated store, opened the way the application opens it. */
  open(): Promise<Store>;
  /** Another store on the same database, not migrated yet. */
  create(): Store;
  /** Runs SQL beside the store (to inspect or tamper with the schema); returns rows. */
  sql(text: string): Promise<unknown[]>;
  destroy(): Promise<void>;
}

export function sqliteHarness(): Harness {
  const root = mkdtempSync(path.join(os.tmpdir(), 'qmtl-store-'));
  // Not created here: openStore must create the home folder itself.
  const home = path.join(root, 'home');
  const file = path.join(home, 'qmtl.db');
  return {
    open: () => openStore({ home }),
    create: () => {
      mkdirSync(home, { recursive: true });
      return new SqliteStore(file);
    },
    sql: async (text) => {
      const db = new Database(file);
      try {
        const statement = db.prepare(text);
        return statement.reader ? statement.all() : (statement.run(), []);
      } finally {
        db.close();
      }
    },
    destroy: async () => rmSync(root, { recursive: true, force: true }),
  };
}

export function postgresHarness(): Harness {
  const schema = `qmtl_test_${randomBytes(6).toString('hex')}`;
  const sql = async (text: string, searchPath = schema): Promise<unknown[]> => {
    const client = new Client({ connectionString: databaseUrl, options: `-c search_path=${searchPath}` });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  };
  // A home that must stay untouched: a PostgreSQL store writes no SQLite file.
  const home = path.join(os.tmpdir(), `qmtl-unused-${schema}`);
  return {
    open: async () => {
      const store = await openStore({ databaseUrl, home, schema });
      expect(existsSync(home)).toBe(false);
      return store;
    },
    create: () => new PostgresStore({ connectionString: databaseUrl, schema }),
    sql: (text) => sql(text),
    destroy: async () => void (await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`, 'public')),
  };
}

/** Opens a fresh store before each test (handing it to `use`) and closes and destroys it after. */
export function freshStorePerTest(
  makeHarness: () => Harness,
  use: (store: Store, harness: Harness) => void,
): void {
  let harness: Harness | undefined;
  let store: Store | undefined;
  beforeEach(async () => {
    harness = makeHarness();
    store = await harness.open();
    use(store, harness);
  });
  afterEach(async () => {
    try {
      await store?.close();
    } finally {
      await harness?.destroy();
    }
  });
}

export async function requirePostgres(): Promise<void> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL at ${databaseUrl} is unreachable; the store contract needs it`, {
      cause: error,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const at = (second: number): string => new Date(Date.UTC(2025, 0, 1, 0, 0, second)).toISOString();

export function apiKey(id: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return { id, name: `key ${id}`, role: 'author', keyHash: `hash-${id}`, createdAt: at(0), ...overrides };
}

export function strategy(strategyId: string, overrides: Partial<StrategyRecord> = {}): StrategyRecord {
  return {
    strategyId,
    dagJson: `{"nodes":[],"id":"${strategyId}"}`,
    worldIds: ['crypto-majors'],
    nodeCount: 3,
    owner: 'alice',
    meta: { name: strategyId },
    createdAt: at(0),
    ...overrides,
  };
}

export function node(nodeId: string, overrides: Partial<NodeRecord> = {}): NodeRecord {
  return {
    nodeId,
    nodeType: 'sma',
    interval: 60,
    period: 20,
    paramsJson: '{"window":20}',
    dependencies: [],
    schemaCompatId: 'v1',
    codeHash: 'builtin:sma',
    tags: [],
    firstStrategyId: 's1',
    createdAt: at(0),
    ...overrides,
  };
}

export const MINUTE = 60_000;

/** A one-minute bar opening at minute `m` of 2025-01-01, its close `close` (other values derived). */
export function bar(m: number, close = 100 + m, overrides: Partial<BarRow> = {}): BarRow {
  return {
    ts: Date.UTC(2025, 0, 1) + m * MINUTE,
    open: close - 1,
    high: close + 2,
    low: close - 2,
    close,
    volume: 10 * m + 0.5,
    ...overrides,
  };
}

/** One-minute bars at each listed minute. */
export const bars = (minutes: readonly number[]): BarRow[] => minutes.map((m) => bar(m));

/** The inclusive range of bar opens from minute `first` to minute `last`. */
export const minutes = (first: number, last: number): { start: number; end: number } => ({
  start: bar(first).ts,
  end: bar(last).ts,
});
