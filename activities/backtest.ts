/**
 * The backtest step of a DAG run: target positions and closes (two stored
 * node outputs) → simulate with a percent fee → metrics, trades and the equity
 * curve, stored as one artifact named by what determines it. A second run
 * trading the same targets at the same prices and fees reuses it. Only the
 * metrics (a small map) go back to the workflow.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { backtestMetrics, type BacktestMetrics } from '../domain/backtest/metrics';
import { percentFee, simulate, type SimulationResult } from '../domain/backtest/simulate';
import { canonicalJson } from '../domain/canonical-json';
import type { RunWindow } from '../domain/run/window';
import { readSeries } from './node-compute';
import type { Store } from './store/port';

export const BACKTEST_RESULT_KIND = 'backtest-result';
/** Bumped when the simulator or the stored form changes, so old results are not served for new rules. */
export const BACKTEST_RESULT_VERSION = 1;

export interface SimulateRequest {
  window: RunWindow;
  targetFingerprint: string;
  priceFingerprint: string;
  feeRate: number;
  initialCash: number;
}

export interface SimulateResult {
  resultFingerprint: string;
  metrics: Record<string, number>;
  reused: boolean;
}

export interface StoredTrade {
  ts: number;
  side: 'buy' | 'sell';
  /** Decimals as strings: the simulator's exact values. */
  quantity: string;
  price: string;
  notional: string;
  fee: string;
  position_after: string;
}

/** What GET /v1/runs/{id} reads: the simulation's whole outcome. */
export interface BacktestResultBody {
  version: number;
  initial_cash: number;
  fee_rate: number;
  /** backtestMetrics, less any value that is not finite (see finiteMetrics). */
  metrics: Record<string, number>;
  /** One point per simulated bar (bars without a close are not traded and have none). */
  ts: number[];
  equity: number[];
  trades: StoredTrade[];
}

export function backtestResultFingerprint(request: Omit<SimulateRequest, 'window'>): string {
  const text = canonicalJson({
    kind: BACKTEST_RESULT_KIND,
    version: BACKTEST_RESULT_VERSION,
    targets: request.targetFingerprint,
    prices: request.priceFingerprint,
    fee_rate: request.feeRate,
    initial_cash: request.initialCash,
  });
  return `sha256:${bytesToHex(sha256(utf8ToBytes(text)))}`;
}

/** Bars with a close are traded; a bar without one cannot be priced, so it is left out. */
export function tradableBars(
  window: RunWindow,
  closes: ReadonlyArray<number | null>,
  targets: ReadonlyArray<number | null>,
): { timestamps: number[]; closes: number[]; targets: number[] } {
  const out = { timestamps: [] as number[], closes: [] as number[], targets: [] as number[] };
  closes.forEach((close, i) => {
    if (close === null || !(close > 0)) return;
    out.timestamps.push(window.start + i * window.intervalMs);
    out.closes.push(close);
    out.targets.push(targets[i] ?? NaN);
  });
  return out;
}

/**
 * Metrics without the values JSON cannot carry. backtestMetrics promises
 * finite numbers, but cagr overflows to Infinity when a short window made a
 * large return (annualising hours). A missing metric ranks last and fails any
 * minimum (SPEC §9), the default-safe reading of "no evidence"; a stored
 * Infinity would arrive as null.
 */
export function finiteMetrics(metrics: BacktestMetrics): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([, value]) => Number.isFinite(value)));
}

export function resultBody(
  request: SimulateRequest,
  timestamps: number[],
  result: SimulationResult,
): BacktestResultBody {
  return {
    version: BACKTEST_RESULT_VERSION,
    initial_cash: request.initialCash,
    fee_rate: request.feeRate,
    metrics: finiteMetrics(backtestMetrics(result, { intervalMs: request.window.intervalMs })),
    ts: timestamps,
    equity: Array.from(result.equityValues),
    trades: result.trades.map((t) => ({
      ts: t.ts,
      side: t.side,
      quantity: t.quantity.toString(),
      price: t.price.toString(),
      notional: t.notional.toString(),
      fee: t.fee.toString(),
      position_after: t.positionAfter.toString(),
    })),
  };
}

export function createBacktestActivities({ store }: { store: Store }) {
  return {
    async simulateRun(request: SimulateRequest): Promise<SimulateResult> {
      const resultFingerprint = backtestResultFingerprint(request);
      const stored = await store.artifacts.get(resultFingerprint);
      if (stored) {
        const body = JSON.parse(stored.body) as BacktestResultBody;
        return { resultFingerprint, metrics: { ...body.metrics }, reused: true };
      }
      const [prices, targets] = await Promise.all([
        readSeries(store, request.priceFingerprint),
        readSeries(store, request.targetFingerprint),
      ]);
      const bars = tradableBars(request.window, prices.values, targets.values);
      let result: SimulationResult;
      try {
        result = simulate({
          timestamps: bars.timestamps,
          closes: bars.closes,
          targets: bars.targets,
          initialCash: request.initialCash,
          feeModel: percentFee(request.feeRate),
        });
      } catch (err) {
        // Out-of-range targets or settings stay out of range on a retry.
        if (err instanceof RangeError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidInput');
        throw err;
      }
      const body = resultBody(request, bars.timestamps, result);
      await store.artifacts.putIfAbsent(resultFingerprint, BACKTEST_RESULT_KIND, JSON.stringify(body));
      return { resultFingerprint, metrics: { ...body.metrics }, reused: false };
    },
  };
}

export type BacktestActivities = ReturnType<typeof createBacktestActivities>;
