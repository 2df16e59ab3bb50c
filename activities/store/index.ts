/**
 * Opens the configured store: PostgreSQL when a database URL is given (the
 * scaled deployment), otherwise the embedded SQLite file in the QMTL home
 * folder. Callers get a migrated store and never see which one it is.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Store } from './port';
import { PostgresStore } from './postgres';
import { SqliteStore } from './sqlite';

export * from './port';
export { PostgresStore } from './postgres';
export { SqliteStore } from './sqlite';

export interface OpenStoreOptions {
  /** `postgres://…` (QMTL_DATABASE_URL); absent means the embedded SQLite store. */
  databaseUrl?: string;
  /** QMTL_HOME; the SQLite file lives at `<home>/qmtl.db`. */
  home: string;
  /** PostgreSQL schema to use instead of the connection's default (tests isolate in one). */
  schema?: string;
}

export const SQLITE_FILE_NAME = 'qmtl.db';

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const store = options.databaseUrl
    ? new PostgresStore({ connectionString: options.databaseUrl, schema: options.schema })
    : openSqlite(options.home);
  try {
    await store.migrate();
  } catch (error) {
    // Do not leak a pool or file handle when start-up fails.
    await store.close();
    throw error;
  }
  return store;
}

function openSqlite(home: string): SqliteStore {
  mkdirSync(home, { recursive: true });
  return new SqliteStore(path.join(home, SQLITE_FILE_NAME));
}
