/**
 * Submit → first paper order on the demo (issue #7): a fresh stack per run
 * (SQLite store, every worker, the Gateway over HTTP, a namespace of its own
 * on one in-memory dev server), the demo seeded as `qmtl demo` seeds it, and
 * the clock read at the submit and at each step Temporal records: the paper
 * run's start, the close of the bar its first order is for, the order
 * workflow's start. The paper loop trades only at real 1-minute bar closes,
 * so the wait for the bar close is reported apart from the system's own work.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { GatewayClient } from '../sdk/cli/api';
import { DEMO_WORLD, seedDemo } from '../sdk/cli/demo';
import { nextBarClose } from '../domain/run/paper';
import { loadConfig } from '../workers/config';
import { freePort, startDevServer } from '../workers/dev-server';
import { createLogger } from '../workers/logger';
import { dagRunProgressQuery, dagRunWorkflowId } from '../workflows/dag-run';
import { orderQuery, orderWorkflowId } from '../workflows/order-messages';
import type { PaperRunProgress } from '../workflows/paper-run-messages';
import { bootStack } from '../test/support/stack';

/** Longest a run waits for the paper runs and a first order before it gives up. */
const RUN_LIMIT_MS = 240_000;
const POLL_MS = 100;
const MIN = 60_000;

export interface StrategyTimes {
  name: string;
  /** Submit → the paper run's workflow started: backfill, backtest, evaluation, promotion. */
  to_paper_run_ms: number;
  /** Submit → first order workflow started; absent when the run never ordered in the limit. */
  to_first_order_ms?: number;
  /** Paper run started → close of the bar the first order is for (+1 s settle): waiting for the clock. */
  waiting_for_bar_ms?: number;
  /** That bar's close → the order workflow started (includes the loop's 1 s settle). */
  bar_close_to_order_ms?: number;
  /** Bars the run handled before the one it ordered on (no signal, gate, no change). */
  bars_before_order?: number;
}

export interface DemoRun {
  strategies: StrategyTimes[];
  /** Submit → the first order of either strategy. */
  first_order_ms: number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startTimeOf(client: Client, workflowId: string): Promise<number | undefined> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).startTime.getTime();
  } catch {
    return undefined; // not started yet
  }
}

/** Waits, polling, until every strategy has a paper run and one of them has ordered. */
async function observe(
  client: Client,
  submittedAt: number,
  strategies: Array<{ name: string; strategy_id: string }>,
) {
  const times = new Map<string, StrategyTimes>();
  const deadline = Date.now() + RUN_LIMIT_MS;
  while (Date.now() < deadline) {
    for (const s of strategies) {
      const runId = dagRunWorkflowId({ strategyId: s.strategy_id, worldId: DEMO_WORLD, mode: 'paper', n: 1 });
      let t = times.get(s.name);
      if (t === undefined) {
        const started = await startTimeOf(client, runId);
        if (started === undefined) continue;
        t = { name: s.name, to_paper_run_ms: started - submittedAt };
        times.set(s.name, t);
      }
      if (t.to_first_order_ms !== undefined) continue;
      const progress = (await client.workflow
        .getHandle(runId)
        .query(dagRunProgressQuery)
        .catch(() => undefined)) as PaperRunProgress | undefined;
      const first = progress?.open_orders[0];
      if (first === undefined) continue;
      const order = client.workflow.getHandle(orderWorkflowId(first));
      const orderStarted = (await order.describe()).startTime.getTime();
      const barClose = Number((await order.query(orderQuery)).input.intentId.split(':').at(-1));
      t.to_first_order_ms = orderStarted - submittedAt;
      t.waiting_for_bar_ms = barClose - (submittedAt + t.to_paper_run_ms);
      t.bar_close_to_order_ms = orderStarted - barClose;
      t.bars_before_order = (barClose - nextBarClose(submittedAt + t.to_paper_run_ms, MIN)) / MIN;
    }
    const ordered = [...times.values()].filter((t) => t.to_first_order_ms !== undefined);
    if (times.size === strategies.length && ordered.length > 0) return [...times.values()];
    await pause(POLL_MS);
  }
  throw new Error(`no paper order on the demo within ${RUN_LIMIT_MS / 1000} s`);
}

/** Seconds into the minute the runs submit at, in turn: back to back they would all land just after a bar close. */
const SUBMIT_SECONDS = [10, 30, 50];

async function demoRun(run: number): Promise<DemoRun> {
  const stack = await bootStack();
  try {
    const api = new GatewayClient({ url: stack.url, apiKey: stack.adminKey });
    const at = SUBMIT_SECONDS[run % SUBMIT_SECONDS.length]! * 1_000;
    await pause((at - (Date.now() % MIN) + MIN) % MIN);
    const submittedAt = Date.now();
    const seed = await seedDemo(api);
    const strategies = await observe(stack.client, submittedAt, seed.strategies);
    for (const s of seed.strategies)
      await stack.api('POST', `/v1/strategies/${s.strategy_id}/stop`, { reason: 'bench' });
    return {
      strategies,
      first_order_ms: Math.min(...strategies.map((t) => t.to_first_order_ms ?? Infinity)),
    };
  } finally {
    await stack.close();
  }
}

/** `runs` fresh stacks on one dev server; each run's times as observed. */
export async function demoLoop(runs: number): Promise<DemoRun[]> {
  const log = createLogger('warn', 'qmtl-bench');
  const home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-bench-demo-'));
  const config = loadConfig({}, home);
  const server = await startDevServer({ ...config, home, temporalDevPort: await freePort() }, log, {
    inMemory: true,
    headless: true,
  });
  // bootStack (test/support/stack.ts) connects to the server this names.
  process.env.QMTL_TEST_TEMPORAL_ADDRESS = server.address;
  const results: DemoRun[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      results.push(await demoRun(run - 1));
      console.log(`demo run ${run}:`, JSON.stringify(results.at(-1)));
    }
  } finally {
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  }
  return results;
}
