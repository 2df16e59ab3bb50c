/**
 * The backtest step of a DAG run: target positions and closes (two stored
 * node outputs) → simulate, fills priced by the run's brokerage fee and fill
 * models → metrics, trades and the equity curve, stored as one artifact named
 * by what determines it. A second run trading the same targets at the same
 * prices under the same models reuses it. Only the metrics (a small map) go
 * back to the workflow.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type Decimal from 'decimal.js';
import { ZodError } from 'zod';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { backtestMetrics, type BacktestMetrics } from '../domain/backtest/metrics';
import { Money, simulate, type SimulationResult } from '../domain/backtest/simulate';
import { createBrokerageModel, parseBrokerageConfig, type BrokerageConfig } from '../domain/brokerage/model';
import { canonicalJson, type JsonValue } from '../domain/canonical-json';
import {
  DEFAULT_FEE_RATE,
  feeRateBrokerage,
  pricingJson,
  type BacktestPricing,
  type RunWindow,
} from '../domain/run/window';
import { readSeries } from './node-compute';
import type { Store } from './store/port';

export const BACKTEST_RESULT_KIND = 'backtest-result';
/** Bumped when the simulator or the stored form changes, so old results are not served for new rules. */
export const BACKTEST_RESULT_VERSION = 2;

export interface SimulateRequest {
  window: RunWindow;
  targetFingerprint: string;
  priceFingerprint: string;
  initialCash: number;
  /** plan.brokerage: the resolved models that price the fills. */
  brokerage?: BacktestPricing;
  /** Legacy, read only without `brokerage` (a workflow that does not pass it): a percent fee. */
  feeRate?: number;
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
  /** The fill price, after slippage. */
  price: string;
  notional: string;
  fee: string;
  liquidity: 'maker' | 'taker';
  position_after: string;
}

/** What GET /v1/runs/{id} reads: the simulation's whole outcome. */
export interface BacktestResultBody {
  version: number;
  initial_cash: number;
  /** Fees charged ÷ notional filled (0 without fills): a flat percent fee's own rate, e.g. fee_rate. */
  fee_rate: number;
  /** The fee and fill models that priced the fills, in fixed-notation JSON. */
  brokerage: BacktestPricing;
  /** backtestMetrics, less any value that is not finite (see finiteMetrics). */
  metrics: Record<string, number>;
  /** One point per simulated bar (bars without a close are not traded and have none). */
  ts: number[];
  equity: number[];
  trades: StoredTrade[];
}

/** The request's models, resolved: `brokerage`, else the legacy fee rate, else the default (ADR 005). */
export function backtestBrokerage(request: Pick<SimulateRequest, 'brokerage' | 'feeRate'>): BrokerageConfig {
  return parseBrokerageConfig(request.brokerage ?? feeRateBrokerage(request.feeRate ?? DEFAULT_FEE_RATE));
}

/** Equal models name the same result however they were written (fee_rate 0.001 or its brokerage form). */
export function backtestResultFingerprint(
  request: Omit<SimulateRequest, 'window'>,
  pricing = pricingJson(backtestBrokerage(request)),
): string {
  const text = canonicalJson({
    kind: BACKTEST_RESULT_KIND,
    version: BACKTEST_RESULT_VERSION,
    targets: request.targetFingerprint,
    prices: request.priceFingerprint,
    pricing: pricing as JsonValue,
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

/** Σ fee ÷ Σ notional over the fills; 0 when nothing filled. */
function realisedFeeRate(result: SimulationResult): number {
  const sum = (pick: (t: SimulationResult['trades'][number]) => Decimal) =>
    result.trades.reduce((total, t) => total.plus(pick(t)), new Money(0));
  const notional = sum((t) => t.notional);
  const fees = sum((t) => t.fee);
  return notional.isZero() ? 0 : fees.div(notional).toNumber();
}

export function resultBody(
  request: SimulateRequest,
  timestamps: number[],
  result: SimulationResult,
  pricing: BacktestPricing,
): BacktestResultBody {
  return {
    version: BACKTEST_RESULT_VERSION,
    initial_cash: request.initialCash,
    fee_rate: realisedFeeRate(result),
    brokerage: pricing,
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
      liquidity: t.liquidity,
      position_after: t.positionAfter.toString(),
    })),
  };
}

export function createBacktestActivities({ store }: { store: Store }) {
  return {
    async simulateRun(request: SimulateRequest): Promise<SimulateResult> {
      let brokerage: BrokerageConfig;
      try {
        brokerage = backtestBrokerage(request);
      } catch (err) {
        // A config the schema refuses is refused on every retry.
        if (!(err instanceof ZodError)) throw err;
        const issue = err.issues[0]!;
        throw ApplicationFailure.nonRetryable(
          `brokerage.${issue.path.join('.')}: ${issue.message}`,
          'InvalidInput',
        );
      }
      const pricing = pricingJson(brokerage);
      const resultFingerprint = backtestResultFingerprint(request, pricing);
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
          brokerage: createBrokerageModel(brokerage),
        });
      } catch (err) {
        // Out-of-range targets or settings stay out of range on a retry.
        if (err instanceof RangeError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidInput');
        throw err;
      }
      const body = resultBody(request, bars.timestamps, result, pricing);
      await store.artifacts.putIfAbsent(resultFingerprint, BACKTEST_RESULT_KIND, JSON.stringify(body));
      return { resultFingerprint, metrics: { ...body.metrics }, reused: false };
    },
  };
}

export type BacktestActivities = ReturnType<typeof createBacktestActivities>;
