/**
 * The core loop's benchmarks (issue #7 acceptance 5), both in one process:
 *
 * 1. submit → first paper order on the demo (bench/loop-demo.ts): fresh
 *    stacks on one in-memory dev server, median of DEMO_RUNS runs, the total
 *    split into the system's own work and the wait for the 1-minute bar close;
 * 2. paper bars per second across 20 strategies (bench/loop-paper.ts): 20
 *    paper runs on the time-skipping server against the bare `paperStep`
 *    activity driven in a loop, rounds interleaved, median of ROUNDS.
 *
 *   npx tsx bench/loop.ts      # writes bench/results/loop.json
 */
import { median, writeReport } from './harness';
import { demoLoop, type DemoRun } from './loop-demo';
import { medianRate, paperThroughput, STRATEGIES, type PaperRound } from './loop-paper';

const DEMO_RUNS = Number(process.env.QMTL_BENCH_DEMO_RUNS ?? 3);
const ROUNDS = Number(process.env.QMTL_BENCH_ROUNDS ?? 3);
/** Bar closes per paper run and round (server minutes). */
const BARS = Number(process.env.QMTL_BENCH_BARS ?? 30);

const round1 = (value: number) => Math.round(value * 10) / 10;

/** Medians of the first-ordering strategy's times across runs. */
function demoSummary(runs: DemoRun[]) {
  const first = runs.map((r) => r.strategies.find((s) => s.to_first_order_ms === r.first_order_ms)!);
  const m = (pick: (s: (typeof first)[number]) => number) => Math.round(median(first.map(pick)));
  return {
    submit_to_first_order_ms: m((s) => s.to_first_order_ms!),
    submit_to_paper_run_ms: m((s) => s.to_paper_run_ms),
    waiting_for_bar_close_ms: m((s) => s.waiting_for_bar_ms!),
    bar_close_to_order_ms: m((s) => s.bar_close_to_order_ms!),
    system_work_ms: m((s) => s.to_paper_run_ms + s.bar_close_to_order_ms!),
  };
}

const paperRow = (rounds: PaperRound[]) => ({
  median_bars_per_s: round1(medianRate(rounds)),
  rounds: rounds.map((r) => ({ ...r, barsPerSecond: round1(r.barsPerSecond) })),
});

async function main(): Promise<void> {
  const demo = await demoLoop(DEMO_RUNS);
  const paper = await paperThroughput(ROUNDS, BARS);
  const summary = demoSummary(demo);
  const workflowRate = medianRate(paper.workflow);
  const activityRate = medianRate(paper.activity);
  console.table(summary);
  console.table({
    'paper runs (workflows, time-skipping)': { bars_per_s: round1(workflowRate) },
    'paperStep activity alone': { bars_per_s: round1(activityRate) },
  });
  console.log(`ratio workflow / activity: ${(workflowRate / activityRate).toFixed(3)}`);
  await writeReport(
    'loop',
    {
      setup: {
        demo: {
          runs: DEMO_RUNS,
          server: 'temporal dev server (in memory), a fresh namespace, store and workers per run',
          seed: 'sdk/cli/demo.ts seedDemo: world demo, examples/demo-policy.yaml, two example strategies',
        },
        paper: {
          strategies: STRATEGIES,
          bars_per_strategy_and_round: BARS,
          rounds: ROUNDS,
          server: 'temporal time-skipping test server',
          dag: 'sma(3..22) x sma(30) crossover, target_position 0.5, sim BTC/USDT 1m',
        },
        load: process.env.QMTL_BENCH_NOTE ?? null,
      },
      results: {
        submit_to_first_paper_order: { ...summary, runs: demo },
        paper_bars: {
          workflow: paperRow(paper.workflow),
          activity: paperRow(paper.activity),
          ratio_workflow_to_activity: Math.round((workflowRate / activityRate) * 1000) / 1000,
        },
      },
    },
    { prettier: true },
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
