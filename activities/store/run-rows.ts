/**
 * The `runs` table as both drivers return it, and its mapping to RunRecord.
 * Written once here so SQLite and PostgreSQL read and write runs alike.
 */
import type { RunNodeRecord, RunRecord, RunStatus } from './port';

/** PostgreSQL returns bigint columns as text. */
type BigintColumn = number | string;

export interface RunRow {
  run_id: string;
  strategy_id: string;
  world_id: string;
  mode: string;
  status: string;
  window_start: BigintColumn | null;
  window_end: BigintColumn | null;
  interval_ms: BigintColumn | null;
  metrics: string;
  result_fingerprint: string | null;
  nodes: string;
  error: string | null;
  started_at: string;
  updated_at: string;
}

/** Column values in table order, for both dialects' INSERT ... ON CONFLICT DO UPDATE. */
export const RUN_COLUMNS = [
  'run_id',
  'strategy_id',
  'world_id',
  'mode',
  'status',
  'window_start',
  'window_end',
  'interval_ms',
  'metrics',
  'result_fingerprint',
  'nodes',
  'error',
  'started_at',
  'updated_at',
] as const;

export function runToRow(record: RunRecord): RunRow {
  for (const [name, value] of Object.entries(record.metrics)) {
    // JSON has no NaN/Infinity: SQLite would store null where PostgreSQL refuses, so refuse here for both.
    if (!Number.isFinite(value)) throw new RangeError(`metric ${name} is not finite: ${value}`);
  }
  return {
    run_id: record.runId,
    strategy_id: record.strategyId,
    world_id: record.worldId,
    mode: record.mode,
    status: record.status,
    window_start: record.window?.start ?? null,
    window_end: record.window?.end ?? null,
    interval_ms: record.window?.intervalMs ?? null,
    metrics: JSON.stringify(record.metrics),
    result_fingerprint: record.resultFingerprint ?? null,
    nodes: JSON.stringify(record.nodes),
    error: record.error ?? null,
    started_at: record.startedAt,
    updated_at: record.updatedAt,
  };
}

export function runFromRow(row: RunRow): RunRecord {
  const record: RunRecord = {
    runId: row.run_id,
    strategyId: row.strategy_id,
    worldId: row.world_id,
    mode: row.mode,
    // The table's CHECK constraint admits only the four statuses.
    status: row.status as RunStatus,
    window:
      row.window_start === null
        ? null
        : {
            start: Number(row.window_start),
            end: Number(row.window_end),
            intervalMs: Number(row.interval_ms),
          },
    metrics: JSON.parse(row.metrics) as Record<string, number>,
    nodes: JSON.parse(row.nodes) as RunNodeRecord[],
    startedAt: row.started_at,
    updatedAt: row.updated_at,
  };
  // Optional fields are left out rather than undefined, so records compare strictly equal.
  if (row.result_fingerprint !== null) record.resultFingerprint = row.result_fingerprint;
  if (row.error !== null) record.error = row.error;
  return record;
}
