/**
 * Where paper and live runs keep their equity, one row per (run, bar close),
 * written once: a retried bar step finds the row its first try wrote. The
 * risk hub reads a strategy's realised returns off it (SPEC §11).
 */

export interface PaperEquityRecord {
  runId: string;
  strategyId: string;
  worldId: string;
  /** Close of the bar (epoch ms). */
  barClose: number;
  /** Cash plus the traded position at the bar's close, decimal text. */
  equity: string;
  /** The traded symbol's position at the step, decimal text: a change between bars is a fill. */
  position: string;
  recordedAt: string;
}

export interface PaperEquityRepo {
  /** Inserts unless (run, bar close) exists; returns the stored row and whether this call created it. */
  putIfAbsent(record: PaperEquityRecord): Promise<{ created: boolean; record: PaperEquityRecord }>;
  /** The run's newest row before `barClose`. */
  before(runId: string, barClose: number): Promise<PaperEquityRecord | undefined>;
  /**
   * The newest `limit` rows, oldest first, of the strategy's run in the world
   * that recorded the newest bar (an earlier run's curve is not spliced in).
   */
  latestCurve(worldId: string, strategyId: string, limit: number): Promise<PaperEquityRecord[]>;
}
