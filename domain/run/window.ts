/**
 * The history a backtest runs over, and the simulation settings an author may
 * put in a strategy's `meta`. Windows are inclusive bar opens on the inputs'
 * interval grid, like backfill windows, so a run and a backfill of the same
 * range name the same `backfill:{nodeId}:{start}:{end}` workflow.
 */
import Decimal from 'decimal.js';
import { z } from 'zod';
import { DAY_MS } from '../backtest/metrics';
import { brokerageConfigSchema, type BrokerageConfig, type BrokerageConfigInput } from '../brokerage/model';

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
  /** Legacy shorthand for a percent commission on filled notional without slippage (feeRateBrokerage). */
  fee_rate: z.number().min(0).max(0.1).optional(),
  initial_cash: z.number().positive().max(1e15).optional(),
  /** The venue's brokerage models (domain/brokerage/model.ts); unknown keys are refused at every level. */
  brokerage: brokerageConfigSchema.optional(),
});

export interface RunSettings {
  window: RunWindow;
  /** meta.fee_rate or the default; only read where `brokerage` is not passed on (see ADR 005). */
  feeRate: number;
  initialCash: number;
  /** What prices the run's fills, resolved, as plain JSON (it travels in workflow history). */
  brokerage: BacktestPricing;
}

/**
 * The part of a brokerage a backtest applies: the fee and fill models. Buying
 * power, settlement, shortability and hours are validated but not simulated.
 */
export type BacktestPricing = Pick<BrokerageConfigInput, 'fee' | 'fill'>;

/** `fee_rate` as a brokerage: a percent commission on the filled notional, no slippage (as before ADR 005). */
export function feeRateBrokerage(rate: number): BacktestPricing {
  return { fee: { commission: { kind: 'percent', rate } }, fill: { slippage: [] } };
}

/**
 * Resolved fee and fill models as JSON the schema reads back to the same
 * models: decimals in fixed notation ("0.00000001", never "1e-8").
 */
export function pricingJson({ fee, fill }: Pick<BrokerageConfig, 'fee' | 'fill'>): BacktestPricing {
  const plain = (value: unknown): unknown => {
    if (Decimal.isDecimal(value)) return value.toFixed();
    if (Array.isArray(value)) return value.map(plain);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, plain(v)]));
    }
    return value;
  };
  return plain({ fee, fill }) as BacktestPricing;
}

/**
 * What a backtest cannot honour refuses the run rather than pricing fills too
 * kindly: a run holds closes only, so there is no bar volume to cap fills by
 * and no quote for a spread (which would then cost nothing).
 */
function backtestProblem(config: BrokerageConfig): string | undefined {
  if (config.fill.volumeLimit) return 'meta.brokerage.fill.volumeLimit: a backtest has no bar volumes yet';
  const spread = config.fill.slippage.findIndex((s) => s.kind === 'spread');
  if (spread < 0) return undefined;
  return `meta.brokerage.fill.slippage.${spread}: a backtest has no quotes to measure a spread`;
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
  const { backtest, fee_rate, initial_cash, brokerage } = parsed.data;
  if (brokerage && fee_rate !== undefined) {
    return { error: 'meta.fee_rate: give fee_rate or brokerage, not both' };
  }
  const problem = brokerage && backtestProblem(brokerage);
  if (problem) return { error: problem };
  const window = backtest
    ? windowOf(backtest, intervalMs, startedAtMs)
    : defaultBacktestWindow(startedAtMs, intervalMs);
  if ('error' in window) return window;
  const feeRate = fee_rate ?? DEFAULT_FEE_RATE;
  return {
    window,
    feeRate,
    initialCash: initial_cash ?? DEFAULT_INITIAL_CASH,
    brokerage: pricingJson(brokerage ?? brokerageConfigSchema.parse(feeRateBrokerage(feeRate))),
  };
}

export const windowBars = (window: RunWindow): number => (window.end - window.start) / window.intervalMs + 1;
