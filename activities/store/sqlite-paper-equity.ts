/**
 * Paper equity on SQLite: put-if-absent on (run, bar close). Row mapping and
 * the SQL that both dialects share live here too, as for risk snapshots.
 */
import type { PaperEquityRecord, PaperEquityRepo } from './paper-equity-port';
import type { Prepare } from './sqlite';

/** PostgreSQL returns bigint as text, SQLite as a number. */
export interface PaperEquityRow {
  run_id: string;
  bar_close: number | string;
  strategy_id: string;
  world_id: string;
  equity: string;
  position: string;
  recorded_at: string;
}

const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

export function paperEquityFromRow(row: PaperEquityRow): PaperEquityRecord {
  return {
    runId: row.run_id,
    strategyId: row.strategy_id,
    worldId: row.world_id,
    barClose: Number(row.bar_close),
    equity: row.equity,
    position: row.position,
    recordedAt: row.recorded_at,
  };
}

/** Column values in insert order; refuses what would not read back as a decimal or a bar close. */
export function paperEquityValues(record: PaperEquityRecord): unknown[] {
  if (!Number.isSafeInteger(record.barClose))
    throw new RangeError(`bar close must be an integer epoch ms, got ${record.barClose}`);
  for (const [name, text] of [
    ['equity', record.equity],
    ['position', record.position],
  ] as const) {
    if (!DECIMAL_TEXT.test(text)) throw new RangeError(`${name} must be a decimal string, got ${text}`);
  }
  return [
    record.runId,
    record.barClose,
    record.strategyId,
    record.worldId,
    record.equity,
    record.position,
    record.recordedAt,
  ];
}

export function assertCurveLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`paper equity curve needs limit >= 1, got ${limit}`);
}

const COLUMNS = 'run_id, bar_close, strategy_id, world_id, equity, position, recorded_at';

export class SqlitePaperEquity implements PaperEquityRepo {
  constructor(private readonly prepare: Prepare) {}

  async putIfAbsent(record: PaperEquityRecord) {
    const { changes } = this.prepare(
      `INSERT INTO paper_equity (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, bar_close) DO NOTHING`,
    ).run(...paperEquityValues(record));
    const row = this.prepare('SELECT * FROM paper_equity WHERE run_id = ? AND bar_close = ?').get(
      record.runId,
      record.barClose,
    ) as PaperEquityRow;
    return { created: changes === 1, record: paperEquityFromRow(row) };
  }

  async before(runId: string, barClose: number): Promise<PaperEquityRecord | undefined> {
    const row = this.prepare(
      'SELECT * FROM paper_equity WHERE run_id = ? AND bar_close < ? ORDER BY bar_close DESC LIMIT 1',
    ).get(runId, barClose) as PaperEquityRow | undefined;
    return row && paperEquityFromRow(row);
  }

  async latestCurve(worldId: string, strategyId: string, limit: number): Promise<PaperEquityRecord[]> {
    assertCurveLimit(limit);
    const rows = this.prepare(
      `SELECT * FROM paper_equity WHERE run_id = (
         SELECT run_id FROM paper_equity WHERE world_id = ? AND strategy_id = ?
         ORDER BY bar_close DESC, run_id DESC LIMIT 1)
       ORDER BY bar_close DESC LIMIT ?`,
    ).all(worldId, strategyId, limit) as PaperEquityRow[];
    return rows.map(paperEquityFromRow).reverse();
  }
}
