/**
 * The bar store on SQLite (SPEC §7): OHLCV bars keyed by (series, bar open),
 * the series' interval, and known-empty ranges. Each write is one IMMEDIATE
 * transaction over cached prepared statements, so a bulk upsert is a single
 * fsync and processes sharing the file never see half a batch.
 */
import type Database from 'better-sqlite3';
import type { BarRange } from '../../domain/data/bars';
import { coverageQuery } from './bar-queries';
import { type BarRow, type BarStore, StoreConflictError } from './port';
import {
  type RangeRow,
  type StoredBarRow,
  assertBounds,
  assertInterval,
  assertKnownEmptyRange,
  barFromRow,
  barsToWrite,
  rangeFromRow,
} from './rows';
import type { Prepare } from './sqlite';

// Only changed values are written: re-upserting identical bars costs no page writes and counts 0.
const UPSERT_BAR = `INSERT INTO bars (series_id, ts, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (series_id, ts) DO UPDATE SET
    open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume
  WHERE bars.open IS NOT excluded.open OR bars.high IS NOT excluded.high OR bars.low IS NOT excluded.low
     OR bars.close IS NOT excluded.close OR bars.volume IS NOT excluded.volume`;

const SERIES_INTERVAL = 'SELECT interval_ms FROM series WHERE series_id = ?';

// Stored ranges that overlap [start, end] or touch it within `gap`.
const MERGEABLE_WHERE = 'series_id = ? AND start_ts <= ? AND end_ts >= ?';

export class SqliteBars implements BarStore {
  private readonly upsertOnce: Database.Transaction<
    (seriesId: string, intervalMs: number, bars: BarRow[]) => number
  >;
  private readonly addKnownEmptyOnce: Database.Transaction<(seriesId: string, range: BarRange) => void>;

  constructor(
    db: Database.Database,
    private readonly prepare: Prepare,
  ) {
    this.upsertOnce = db.transaction((seriesId, intervalMs, bars) => {
      this.claimSeries(seriesId, intervalMs);
      const upsert = prepare(UPSERT_BAR);
      let written = 0;
      for (const bar of bars) {
        written += upsert.run(seriesId, bar.ts, bar.open, bar.high, bar.low, bar.close, bar.volume).changes;
      }
      return written;
    });

    this.addKnownEmptyOnce = db.transaction((seriesId, { start, end }) => {
      const gap = this.intervalOf(seriesId) ?? 1;
      const bounds = [seriesId, end + gap, start - gap];
      const found = prepare(
        `SELECT MIN(start_ts) AS start_ts, MAX(end_ts) AS end_ts FROM known_empty WHERE ${MERGEABLE_WHERE}`,
      ).get(...bounds) as { start_ts: number | null; end_ts: number | null };
      prepare(`DELETE FROM known_empty WHERE ${MERGEABLE_WHERE}`).run(...bounds);
      prepare('INSERT INTO known_empty (series_id, start_ts, end_ts) VALUES (?, ?, ?)').run(
        seriesId,
        Math.min(start, found.start_ts ?? start),
        Math.max(end, found.end_ts ?? end),
      );
    });
  }

  async upsertBars(seriesId: string, intervalMs: number, bars: BarRow[]): Promise<number> {
    assertInterval(intervalMs);
    return this.upsertOnce.immediate(seriesId, intervalMs, barsToWrite(bars));
  }

  async readBars(seriesId: string, start: number, end: number): Promise<BarRow[]> {
    assertBounds(start, end);
    const rows = this.prepare(
      `SELECT ts, open, high, low, close, volume FROM bars
       WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts`,
    ).all(seriesId, start, end) as StoredBarRow[];
    return rows.map(barFromRow);
  }

  async countBars(seriesId: string, start: number, end: number): Promise<number> {
    assertBounds(start, end);
    const row = this.prepare('SELECT COUNT(*) AS n FROM bars WHERE series_id = ? AND ts >= ? AND ts < ?').get(
      seriesId,
      start,
      end,
    ) as { n: number };
    return row.n;
  }

  async coverage(seriesId: string): Promise<BarRange[]> {
    return (this.prepare(coverageQuery('?')).all(seriesId) as RangeRow[]).map(rangeFromRow);
  }

  async addKnownEmpty(seriesId: string, start: number, end: number): Promise<void> {
    assertKnownEmptyRange(start, end);
    this.addKnownEmptyOnce.immediate(seriesId, { start, end });
  }

  async knownEmpty(seriesId: string): Promise<BarRange[]> {
    const rows = this.prepare(
      'SELECT start_ts, end_ts FROM known_empty WHERE series_id = ? ORDER BY start_ts',
    ).all(seriesId) as RangeRow[];
    return rows.map(rangeFromRow);
  }

  /** Records the series' interval on first use; a later upsert must use the same one. */
  private claimSeries(seriesId: string, intervalMs: number): void {
    this.prepare('INSERT INTO series (series_id, interval_ms) VALUES (?, ?) ON CONFLICT DO NOTHING').run(
      seriesId,
      intervalMs,
    );
    const stored = this.intervalOf(seriesId);
    if (stored !== intervalMs) {
      throw new StoreConflictError(
        `series ${seriesId} holds ${stored} ms bars; refusing to upsert ${intervalMs} ms bars into it`,
      );
    }
  }

  private intervalOf(seriesId: string): number | undefined {
    const row = this.prepare(SERIES_INTERVAL).get(seriesId) as { interval_ms: number } | undefined;
    return row?.interval_ms;
  }
}
