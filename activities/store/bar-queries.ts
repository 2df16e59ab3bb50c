/**
 * SQL text the SQLite and PostgreSQL bar stores share, written once so the
 * two cannot drift apart; each store passes its own placeholder.
 */

/**
 * Coverage as gaps and islands: a bar opens a new island unless it follows
 * the previous bar by at most the series' interval (SPEC §7's adjacency, so
 * the result is already merged as the coverage algebra would merge it), and
 * the running count of openings numbers the islands. Comparing neighbours
 * rather than `ts - row_number() * interval` keeps off-grid bars from
 * joining islands they do not touch.
 */
export function coverageQuery(seriesIdParam: string): string {
  return `SELECT MIN(ts) AS start_ts, MAX(ts) AS end_ts FROM (
      SELECT ts, SUM(opens_island) OVER (ORDER BY ts ROWS UNBOUNDED PRECEDING) AS island FROM (
        SELECT b.ts,
          CASE WHEN b.ts - LAG(b.ts) OVER (ORDER BY b.ts) <= s.interval_ms THEN 0 ELSE 1 END AS opens_island
        FROM bars b JOIN series s ON s.series_id = b.series_id
        WHERE b.series_id = ${seriesIdParam}
      ) AS marked
    ) AS numbered
    GROUP BY island ORDER BY start_ts`;
}
