/** DAG run records on SQLite: one row per run id, replaced as the run moves on. */
import type { Prepare } from './sqlite';
import type { RunRecord, RunRepo } from './port';
import { RUN_COLUMNS, runFromRow, runToRow, type RunRow } from './run-rows';
import { assertPage } from './rows';

const UPSERT = `INSERT INTO runs (${RUN_COLUMNS.join(', ')})
  VALUES (${RUN_COLUMNS.map((c) => `@${c}`).join(', ')})
  ON CONFLICT (run_id) DO UPDATE SET ${RUN_COLUMNS.filter((c) => c !== 'run_id')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

export class SqliteRuns implements RunRepo {
  constructor(private readonly prepare: Prepare) {}

  async put(record: RunRecord): Promise<void> {
    this.prepare(UPSERT).run(runToRow(record));
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const row = this.prepare('SELECT * FROM runs WHERE run_id = ?').get(runId) as RunRow | undefined;
    return row && runFromRow(row);
  }

  async listByStrategy(strategyId: string, page: { limit: number; offset: number }): Promise<RunRecord[]> {
    assertPage(page);
    const rows = this.prepare(
      `SELECT * FROM runs WHERE strategy_id = ?
       ORDER BY started_at DESC, run_id DESC LIMIT ? OFFSET ?`,
    ).all(strategyId, page.limit, page.offset) as RunRow[];
    return rows.map(runFromRow);
  }
}
