/**
 * The history a backtest runs over, and the simulation settings an author may
 * put in a strategy's `meta`. Windows are inclusive bar opens on the inputs'
 * interval grid, like backfill windows, so a run and a backfill of the same
 * range name the same `backfill:{nodeId}:{start}:{end}` workflow.
 */
import { z } from 'zod';
import { DAY_MS } from '../backtest/metrics';

export interface RunWindow {
  /** First and last bar open, epoch ms, inclusive. */
  start: number;
  end: number;
  intervalMs: number;
}

export const DEFAULT_BACKTEST_DAYS = 7;
export const DEFAULT_FEE_RATE = 0.001;
export const DEFAULT_INITIAL_CASH = 10_000;
/** Node outputs are stored whole; beyond this a run would write artifacts of tens of MB per node. */
export const MAX_RUN_BARS = 2_000_000;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const instant = z.union([
  z.number().int().min(0).max(8.64e15),
  z
    .string()
    .regex(ISO_INSTANT, 'must be epoch ms or ISO-8601')
    .transform((text, ctx) => {
      const ms = Date.parse(text);
      if (Number.isNaN(ms)) ctx.addIssue({ code: 'custom', message: 'not a valid date' });
      return ms;
    }),
]);

/**
 * The keys of `meta` a run reads; every other key is the author's own. A
 * wrong value fails the run with the key named rather than running with a
 * default the author did not ask for.
 */
export const runMetaSchema = z.looseObject({
  /** Half-open [start, end), epoch ms or ISO-8601, as the data API takes ranges. */
  backtest: z
    .strictObject({ start: instant, end: instant })
    .refine((w) => w.start < w.end, { message: 'start must be before end', path: ['end'] })
    .optional(),
  fee_rate: z.number().min(0).max(0.1).optional(),
  initial_cash: z.number().positive().max(1e15).optional(),
});

export interface RunSettings {
  window: RunWindow;
  feeRate: number;
  initialCash: number;
}

const floorTo = (ts: number, step: number): number => Math.floor(ts / step) * step;
const ceilTo = (ts: number, step: number): number => Math.ceil(ts / step) * step;

/**
 * The default: the 7 whole UTC days before the day the run started. Whole days
 * (not "the last 7 days to the minute") so every strategy started on the same
 * day reads the same window and shares node outputs, and every bar in it is
 * final (closed well before the run).
 */
export function defaultBacktestWindow(startedAtMs: number, intervalMs: number): RunWindow {
  const dayStart = floorTo(startedAtMs, DAY_MS);
  return {
    start: ceilTo(dayStart - DEFAULT_BACKTEST_DAYS * DAY_MS, intervalMs),
    end: floorTo(dayStart - intervalMs, intervalMs),
    intervalMs,
  };
}

/**
 * [start, end) → the bar opens inside it, snapped inward to the grid, and
 * clipped to bars that had closed when the run started (later bars do not
 * exist yet; a backtest cannot wait for them).
 */
export function windowOf(
  range: { start: number; end: number },
  intervalMs: number,
  startedAtMs: number,
): RunWindow | { error: string } {
  const start = ceilTo(range.start, intervalMs);
  const lastClosed = floorTo(startedAtMs, intervalMs) - intervalMs;
  const end = Math.min(ceilTo(range.end, intervalMs) - intervalMs, lastClosed);
  if (start > end) return { error: 'meta.backtest holds no closed bar of the inputs' };
  const bars = (end - start) / intervalMs + 1;
  if (bars > MAX_RUN_BARS) {
    return { error: `meta.backtest spans ${bars} bars; a run takes at most ${MAX_RUN_BARS}` };
  }
  return { start, end, intervalMs };
}

/** The run's window and simulation settings from the strategy's meta, or why they cannot be read. */
export function runSettings(
  meta: Record<string, unknown>,
  intervalMs: number,
  startedAtMs: number,
): RunSettings | { error: string } {
  const parsed = runMetaSchema.safeParse(meta);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { error: `meta.${issue.path.join('.')}: ${issue.message}` };
  }
  const { backtest, fee_rate, initial_cash } = parsed.data;
  const window = backtest
    ? windowOf(backtest, intervalMs, startedAtMs)
    : defaultBacktestWindow(startedAtMs, intervalMs);
  if ('error' in window) return window;
  return {
    window,
    feeRate: fee_rate ?? DEFAULT_FEE_RATE,
    initialCash: initial_cash ?? DEFAULT_INITIAL_CASH,
  };
}

export const windowBars = (window: RunWindow): number => (window.end - window.start) / window.intervalMs + 1;
