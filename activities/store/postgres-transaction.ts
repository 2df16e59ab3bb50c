/**
 * One PostgreSQL transaction on a pooled connection, shared by the store and
 * its repos: commit on success, roll back on failure, and never return a
 * connection in an unknown state to the pool.
 */
import type { Pool, PoolClient } from 'pg';

export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    // A connection whose rollback failed is in an unknown state: destroy it instead of pooling it.
    const rollbackError = await client.query('ROLLBACK').then(
      () => undefined,
      (rollbackFailure: Error) => rollbackFailure,
    );
    client.release(rollbackError);
    throw error;
  }
}
