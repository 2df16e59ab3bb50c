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
