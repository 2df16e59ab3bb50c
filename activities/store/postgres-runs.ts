/** DAG run records on PostgreSQL: one row per run id, replaced as the run moves on. */
import type { Pool } from 'pg';
import type { RunRecord, RunRepo } from './port';
import { RUN_COLUMNS, runFromRow, runToRow, type RunRow } from './run-rows';
import { assertPage } from './rows';

const UPSERT = `INSERT INTO runs (${RUN_COLUMNS.join(', ')})
  VALUES (${RUN_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (run_id) DO UPDATE SET ${RUN_COLUMNS.filter((c) => c !== 'run_id')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

export class PostgresRuns implements RunRepo {
  constructor(private readonly pool: Pool) {}

  async put(record: RunRecord): Promise<void> {
    const row = runToRow(record);
    await this.pool.query(
      UPSERT,
      RUN_COLUMNS.map((column) => row[column]),
    );
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const { rows } = await this.pool.query<RunRow>('SELECT * FROM runs WHERE run_id = $1', [runId]);
    return rows[0] && runFromRow(rows[0]);
  }

  async listByStrategy(strategyId: string, page: { limit: number; offset: number }): Promise<RunRecord[]> {
    assertPage(page);
    const { rows } = await this.pool.query<RunRow>(
      `SELECT * FROM runs WHERE strategy_id = $1
       ORDER BY started_at DESC, run_id DESC LIMIT $2 OFFSET $3`,
      [strategyId, page.limit, page.offset],
    );
    return rows.map(runFromRow);
  }
}
