/**
 * Backtest throughput of an SMA-crossover strategy over 1,000,000 one-minute
 * bars, in process (no Temporal, no store): the node library's array forms
 * (sma fast, sma slow, crossover level, target_position), the decimal
 * simulator with a 0.1 % fee, and the metrics — what a DAG run's computeNode
 * and simulateRun activities do once their inputs are read. A last row adds
 * the JSON encoding the activities store outputs in. Median of 5 runs after
 * one untimed warm-up; the sim's bars are generated before timing.
 *
 *   npx tsx bench/backtest.ts          # writes bench/results/backtest.json
 *
 * Not a test: numbers depend on the machine, which the result file records.
 */
import { seriesBody } from '../activities/node-compute';
import { SimVenue } from '../activities/venues/sim';
import { backtestMetrics } from '../domain/backtest/metrics';
import { simulate, type SimulationResult } from '../domain/backtest/simulate';
import { createBrokerageModel, parseBrokerageConfig } from '../domain/brokerage/model';
import { feeRateBrokerage } from '../domain/run/window';
import type { Series } from '../domain/nodes/indicators';
import { computeNode } from '../domain/nodes/library';
import { median, writeReport } from './harness';

const MINUTE = 60_000;
const BARS = 1_000_000;
const RUNS = 5;
const START = Date.UTC(2023, 0, 1);
const FAST = 50;
const SLOW = 200;
const FEE_RATE = 0.001;
const BROKERAGE = createBrokerageModel(parseBrokerageConfig(feeRateBrokerage(FEE_RATE)));

interface Market {
  timestamps: number[];
  closes: number[];
}

interface CaseResult {
  name: string;
  bars_per_run: number;
  median_ms: number;
  median_bars_per_s: number;
  runs_ms: number[];
}

async function simBars(): Promise<Market> {
  const venue = new SimVenue({ now: () => START + (BARS + 10) * MINUTE });
  const market: Market = { timestamps: [], closes: [] };
  for (let since = START; market.closes.length < BARS; since += 1000 * MINUTE) {
    for (const [ts, , , , close] of await venue.fetchOhlcvPage('BTC/USDT', '1m', since, 1000)) {
      if (market.closes.length < BARS) {
        market.timestamps.push(ts as number);
        market.closes.push(close as number);
      }
    }
  }
  return market;
}

function targets(closes: Series): Float64Array {
  const fast = computeNode('sma', [closes], { window: FAST });
  const slow = computeNode('sma', [closes], { window: SLOW });
  const cross = computeNode('crossover', [fast, slow], { mode: 'level' });
  return computeNode('target_position', [cross], { size: 1 });
}

function simulated(market: Market, positions: ArrayLike<number>): SimulationResult {
  return simulate({ ...market, targets: positions, initialCash: 10_000, brokerage: BROKERAGE });
}

/** Each node's output through the stored form (JSON series body) and back, as the activities pass them. */
function targetsThroughArtifacts(market: Market): number[] {
  const window = { start: START, end: START + (BARS - 1) * MINUTE, intervalMs: MINUTE };
  const roundTrip = (values: ArrayLike<number | null>) =>
    (JSON.parse(seriesBody(window, values)) as { values: Array<number | null> }).values;
  const closes = roundTrip(market.closes);
  const fast = roundTrip(computeNode('sma', [closes], { window: FAST }));
  const slow = roundTrip(computeNode('sma', [closes], { window: SLOW }));
  const cross = roundTrip(computeNode('crossover', [fast, slow], { mode: 'level' }));
  return roundTrip(computeNode('target_position', [cross], { size: 1 })).map((v) => v ?? NaN);
}

function measure(name: string, run: () => unknown): CaseResult {
  run(); // warm-up: JIT and decimal.js caches, not timed
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    run();
    runs.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const ms = median(runs);
  const result = {
    name,
    bars_per_run: BARS,
    median_ms: Math.round(ms * 10) / 10,
    median_bars_per_s: Math.round(BARS / (ms / 1000)),
    runs_ms: runs.map((r) => Math.round(r * 10) / 10),
  };
  console.log(
    `${name.padEnd(58)} ${String(result.median_bars_per_s).padStart(11)} bars/s ${result.median_ms} ms`,
  );
  return result;
}

async function main(): Promise<void> {
  const market = await simBars();
  const positions = targets(market.closes);
  const result = simulated(market, positions);
  const trades = result.trades.length;
  const exposure = backtestMetrics(result, { intervalMs: MINUTE }).exposure;
  console.log(`${BARS} bars, ${trades} trades, exposure ${exposure.toFixed(3)}`);

  const results = [
    measure('nodes: sma ×2, crossover, target_position', () => targets(market.closes)),
    measure('simulate (decimal, 0.1 % fee)', () => simulated(market, positions)),
    measure('metrics (backtestMetrics)', () => backtestMetrics(result, { intervalMs: MINUTE })),
    measure('backtest: nodes + simulate + metrics', () =>
      backtestMetrics(simulated(market, targets(market.closes)), { intervalMs: MINUTE }),
    ),
    measure('backtest with outputs as stored artifacts (JSON bodies)', () =>
      backtestMetrics(simulated(market, targetsThroughArtifacts(market)), { intervalMs: MINUTE }),
    ),
  ];

  await writeReport('backtest', {
    setup: {
      bars_per_run: BARS,
      strategy: `sma(${FAST}) / sma(${SLOW}) crossover (level) → target_position(size 1), long and short`,
      fee_rate: FEE_RATE,
      trades,
      exposure,
      runs: RUNS,
      warmup_runs: 1,
      statistic: 'median',
    },
    results,
  });
}

void main();
