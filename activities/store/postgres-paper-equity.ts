/**
 * Paper equity on PostgreSQL: INSERT … ON CONFLICT DO NOTHING waits for a
 * concurrent writer of the same (run, bar close), then the read sees its row.
 */
import type { Pool } from 'pg';
import type { PaperEquityRecord, PaperEquityRepo } from './paper-equity-port';
import {
  type PaperEquityRow,
  assertCurveLimit,
  paperEquityFromRow,
  paperEquityValues,
} from './sqlite-paper-equity';

export class PostgresPaperEquity implements PaperEquityRepo {
  constructor(private readonly pool: Pool) {}

  async putIfAbsent(record: PaperEquityRecord) {
    const inserted = await this.pool.query<PaperEquityRow>(
      `INSERT INTO paper_equity (run_id, bar_close, strategy_id, world_id, equity, position, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (run_id, bar_close) DO NOTHING RETURNING *`,
      paperEquityValues(record),
    );
    const row =
      inserted.rows[0] ??
      (
        await this.pool.query<PaperEquityRow>(
          'SELECT * FROM paper_equity WHERE run_id = $1 AND bar_close = $2',
          [record.runId, record.barClose],
        )
      ).rows[0];
    if (row === undefined) throw new Error(`paper equity ${record.runId}/${record.barClose} vanished`);
    return { created: inserted.rows.length === 1, record: paperEquityFromRow(row) };
  }

  async before(runId: string, barClose: number): Promise<PaperEquityRecord | undefined> {
    const { rows } = await this.pool.query<PaperEquityRow>(
      'SELECT * FROM paper_equity WHERE run_id = $1 AND bar_close < $2 ORDER BY bar_close DESC LIMIT 1',
      [runId, barClose],
    );
    return rows[0] && paperEquityFromRow(rows[0]);
  }

  async latestCurve(worldId: string, strategyId: string, limit: number): Promise<PaperEquityRecord[]> {
    assertCurveLimit(limit);
    const { rows } = await this.pool.query<PaperEquityRow>(
      `SELECT * FROM paper_equity WHERE run_id = (
         SELECT run_id FROM paper_equity WHERE world_id = $1 AND strategy_id = $2
         ORDER BY bar_close DESC, run_id DESC LIMIT 1)
       ORDER BY bar_close DESC LIMIT $3`,
      [worldId, strategyId, limit],
    );
    return rows.map(paperEquityFromRow).reverse();
  }
}
