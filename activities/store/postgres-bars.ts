/**
 * The bar store on PostgreSQL (SPEC §7): OHLCV bars keyed by (series, bar
 * open), the series' interval, and known-empty ranges. A bulk upsert is one
 * transaction of INSERT ... SELECT FROM unnest(arrays) ... ON CONFLICT
 * statements, each carrying a batch of bars in six array parameters.
 */
import type { Pool, PoolClient } from 'pg';
import type { BarRange } from '../../domain/data/bars';
import { coverageQuery } from './bar-queries';
import { type BarRow, type BarStore, StoreConflictError } from './port';
import { inTransaction } from './postgres-transaction';
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

/** Bars per statement: large enough to amortise round trips, small enough to bound one statement's memory. */
const UPSERT_BATCH = 10_000;

// Only changed values are written: re-upserting identical bars leaves no dead tuples and counts 0.
const UPSERT_BARS = `INSERT INTO bars (series_id, ts, open, high, low, close, volume)
  SELECT $1, * FROM unnest($2::bigint[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[])
  ON CONFLICT (series_id, ts) DO UPDATE SET
    open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume
  WHERE (bars.open, bars.high, bars.low, bars.close, bars.volume)
    IS DISTINCT FROM (excluded.open, excluded.high, excluded.low, excluded.close, excluded.volume)`;

// The advisory lock serialises merges per series (there may be no row to lock
// yet); the statement then swallows every stored range that overlaps or
// touches the new one within the series' interval (1 ms while none is known).
const ADD_KNOWN_EMPTY = `WITH gap AS (
    SELECT COALESCE((SELECT interval_ms FROM series WHERE series_id = $1), 1) AS ms
  ), merged AS (
    DELETE FROM known_empty k USING gap
    WHERE k.series_id = $1 AND k.start_ts <= $3::bigint + gap.ms AND k.end_ts >= $2::bigint - gap.ms
    RETURNING k.start_ts, k.end_ts
  )
  INSERT INTO known_empty (series_id, start_ts, end_ts)
  SELECT $1, LEAST($2::bigint, MIN(start_ts)), GREATEST($3::bigint, MAX(end_ts)) FROM merged`;

export class PostgresBars implements BarStore {
  constructor(private readonly pool: Pool) {}

  async upsertBars(seriesId: string, intervalMs: number, bars: BarRow[]): Promise<number> {
    assertInterval(intervalMs);
    const rows = barsToWrite(bars);
    return inTransaction(this.pool, async (client) => {
      await claimSeries(client, seriesId, intervalMs);
      let written = 0;
      for (let from = 0; from < rows.length; from += UPSERT_BATCH) {
        written += await upsertBatch(client, seriesId, rows.slice(from, from + UPSERT_BATCH));
      }
      return written;
    });
  }

  async readBars(seriesId: string, start: number, end: number): Promise<BarRow[]> {
    assertBounds(start, end);
    const { rows } = await this.pool.query<StoredBarRow>(
      `SELECT ts, open, high, low, close, volume FROM bars
       WHERE series_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts`,
      [seriesId, start, end],
    );
    return rows.map(barFromRow);
  }

  async countBars(seriesId: string, start: number, end: number): Promise<number> {
    assertBounds(start, end);
    const { rows } = await this.pool.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM bars WHERE series_id = $1 AND ts >= $2 AND ts < $3',
      [seriesId, start, end],
    );
    return Number(rows[0]?.n);
  }

  async coverage(seriesId: string): Promise<BarRange[]> {
    const { rows } = await this.pool.query<RangeRow>(coverageQuery('$1'), [seriesId]);
    return rows.map(rangeFromRow);
  }

  async addKnownEmpty(seriesId: string, start: number, end: number): Promise<void> {
    assertKnownEmptyRange(start, end);
    await inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`qmtl.known_empty:${seriesId}`]);
      await client.query(ADD_KNOWN_EMPTY, [seriesId, start, end]);
    });
  }

  async knownEmpty(seriesId: string): Promise<BarRange[]> {
    const { rows } = await this.pool.query<RangeRow>(
      'SELECT start_ts, end_ts FROM known_empty WHERE series_id = $1 ORDER BY start_ts',
      [seriesId],
    );
    return rows.map(rangeFromRow);
  }
}

/** Records the series' interval on first use; a later upsert must use the same one. */
async function claimSeries(client: PoolClient, seriesId: string, intervalMs: number): Promise<void> {
  // Two statements: after waiting on a concurrent first insert, only a new
  // statement's snapshot sees the row that insert committed.
  await client.query('INSERT INTO series (series_id, interval_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    seriesId,
    intervalMs,
  ]);
  const { rows } = await client.query<{ interval_ms: string }>(
    'SELECT interval_ms FROM series WHERE series_id = $1',
    [seriesId],
  );
  const stored = Number(rows[0]?.interval_ms);
  if (stored !== intervalMs) {
    throw new StoreConflictError(
      `series ${seriesId} holds ${stored} ms bars; refusing to upsert ${intervalMs} ms bars into it`,
    );
  }
}

async function upsertBatch(client: PoolClient, seriesId: string, bars: BarRow[]): Promise<number> {
  const result = await client.query(UPSERT_BARS, [
    seriesId,
    bars.map((bar) => bar.ts),
    bars.map((bar) => bar.open),
    bars.map((bar) => bar.high),
    bars.map((bar) => bar.low),
    bars.map((bar) => bar.close),
    bars.map((bar) => bar.volume),
  ]);
  return result.rowCount ?? 0;
}
