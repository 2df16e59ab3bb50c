/**
 * Strategies and data for DAG run tests: real node ids (computed the way the
 * Gateway checks them), an SMA-crossover DAG builder, a fixed price series,
 * and the same backtest computed directly from the domain functions — what a
 * run through the workflow must reproduce exactly.
 */
import { backtestMetrics, type BacktestMetrics } from '../../domain/backtest/metrics';
import { simulate } from '../../domain/backtest/simulate';
import { createBrokerageModel, parseBrokerageConfig } from '../../domain/brokerage/model';
import { feeRateBrokerage } from '../../domain/run/window';
import { computeNodeId, type JsonObject } from '../../domain/dag/node-id';
import { canonicalDagText, strategyIdOf } from '../../domain/dag/strategy-id';
import { computeNode } from '../../domain/nodes/library';
import type { BarRow, Store } from '../../activities/store/port';

export const MIN = 60_000;
export const D0 = Date.UTC(2025, 0, 1);
export const SERIES = 'ohlcv:sim:BTC/USDT:1m';

/** A DAG node with its real id. */
export function dagNode(
  nodeType: string,
  params: JsonObject,
  dependencies: readonly JsonObject[],
  period = 1,
): JsonObject {
  const body: JsonObject = {
    node_type: nodeType,
    interval: 60,
    period,
    params,
    dependencies: dependencies.map((d) => d.node_id as string),
    schema_compat_id: nodeType === 'StreamInput' ? 'ohlcv-v1' : '',
    code_hash: `builtin:${nodeType}`,
  };
  return { node_id: computeNodeId(body), ...body };
}

export interface SmaCross {
  fast: number;
  slow: number;
  size: number;
  source?: string;
}

/** input → sma(fast), sma(slow) → crossover(level) → target_position(size). */
export function smaCrossDag(spec: SmaCross) {
  const input = dagNode('StreamInput', { source: spec.source ?? SERIES }, [], 200);
  const fast = dagNode('sma', { window: spec.fast }, [input], spec.fast);
  const slow = dagNode('sma', { window: spec.slow }, [input], spec.slow);
  const cross = dagNode('crossover', { mode: 'level' }, [fast, slow]);
  const target = dagNode('target_position', { size: spec.size }, [cross]);
  const nodes = [input, fast, slow, cross, target];
  return { nodes, ids: nodes.map((n) => n.node_id as string), input, fast, slow, cross, target };
}

/** Stores a strategy the way the Gateway does (canonical DAG text under its content id); returns the id. */
export async function putStrategy(
  store: Store,
  nodes: JsonObject[],
  meta: Record<string, unknown>,
  worldIds = ['w1'],
): Promise<string> {
  const strategyId = strategyIdOf({ nodes });
  await store.strategies.putIfAbsent({
    strategyId,
    dagJson: canonicalDagText({ nodes }),
    worldIds,
    nodeCount: nodes.length,
    owner: 'key_test',
    meta,
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  return strategyId;
}

/** A fixed, gently trending wave (±1 %): crossovers happen every few dozen bars. */
export function fixedCloses(n: number): number[] {
  return Array.from(
    { length: n },
    (_, i) => Math.round((100 + 0.8 * Math.sin(i / 7) + 0.3 * Math.sin(i / 23) + i * 0.002) * 100) / 100,
  );
}

export function fixedBars(n: number, start = D0): BarRow[] {
  return fixedCloses(n).map((close, i) => ({
    ts: start + i * MIN,
    open: close,
    high: close + 0.5,
    low: close - 0.5,
    close,
    volume: 10,
  }));
}

/** The same backtest straight through the domain: node library → simulate → metrics. */
export function directBacktest(
  closes: readonly number[],
  spec: SmaCross,
  options: { start?: number; feeRate?: number; initialCash?: number } = {},
): BacktestMetrics {
  const fast = computeNode('sma', [closes], { window: spec.fast });
  const slow = computeNode('sma', [closes], { window: spec.slow });
  const cross = computeNode('crossover', [fast, slow], { mode: 'level' });
  const targets = computeNode('target_position', [cross], { size: spec.size });
  const result = simulate({
    timestamps: closes.map((_, i) => (options.start ?? D0) + i * MIN),
    closes,
    targets,
    initialCash: options.initialCash ?? 10_000,
    // As a run configured by fee_rate prices its fills (ADR 005).
    brokerage: createBrokerageModel(parseBrokerageConfig(feeRateBrokerage(options.feeRate ?? 0.001))),
  });
  return backtestMetrics(result, { intervalMs: MIN });
}
