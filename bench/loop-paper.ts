/**
 * Paper bars per second across 20 strategies (issue #7): 20 paper DAG runs on
 * the sim venue, each its own SMA crossover (the fast window differs, so the
 * strategy ids do), each in a world of its own with an open paper activation
 * and an account of its own. They run on the time-skipping test server, which
 * moves its clock to the next bar close as soon as every workflow is idle, so
 * the figure is the system's throughput, not the wall clock's minute. The
 * baseline drives the same `paperStep` activity directly, 20 strategies at a
 * time, bar after bar, on the same store and server: the decision without
 * the workflow around it and without the orders it starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createPaperRunActivities, type PaperStepRequest } from '../activities/paper-run';
import { openStore } from '../activities/store';
import type { Store } from '../activities/store/port';
import { OrderVenueRegistry } from '../activities/venues/order-registry';
import { VenueRegistry } from '../activities/venues/registry';
import { SIM_PATH_END_MS } from '../activities/venues/sim';
import { runIdOf } from '../domain/run/run-id';
import { newWorld } from '../domain/world/world';
import { loadConfig } from '../workers/config';
import { resolveTestServer } from '../workers/temporal-binaries';
import { workflowBundle } from '../workers/worker';
import { dagRunProgressQuery, dagRunWorkflow, stopRunSignal, type DagRunInput } from '../workflows/dag-run';
import type { PaperRunProgress } from '../workflows/paper-run-messages';
import { CONTROL_QUEUE, EXEC_QUEUE } from '../workflows/task-queues';
import { worldWorkflow } from '../workflows/world';
import { worldWorkflowId, writeActivationUpdate } from '../workflows/world-messages';
import { createTimeSkippingEnv } from '../test/support/time-skipping';
import { MIN, putStrategy, smaCrossDag } from '../test/support/run-fixtures';
import { median } from './harness';

export const STRATEGIES = 20;
const TEN_DAYS_MS = 10 * 86_400_000;

export interface PaperRound {
  bars: number;
  orders: number;
  ms: number;
  barsPerSecond: number;
}

export interface PaperResults {
  workflow: PaperRound[];
  activity: PaperRound[];
}

/** 20 SMA crossovers, fast window 3…22 against a slow 30: distinct ids, the same shape of work. */
async function putStrategies(
  store: Store,
): Promise<Array<{ strategyId: string; plan: PaperStepRequest['plan'] }>> {
  const strategies = [];
  for (let i = 0; i < STRATEGIES; i++) {
    const dag = smaCrossDag({ fast: 3 + i, slow: 30, size: 0.5 });
    const strategyId = await putStrategy(store, dag.nodes, {}, []);
    strategies.push({ strategyId, dag });
  }
  return strategies.map(({ strategyId, dag }) => ({
    strategyId,
    plan: {
      intervalMs: MIN,
      inputs: [{ nodeId: dag.input.node_id as string, seriesId: 'ohlcv:sim:BTC/USDT:1m' }],
      steps: dag.nodes.map((n) => ({
        nodeId: n.node_id as string,
        input: n.node_type === 'StreamInput',
        dependencies: n.dependencies as string[],
      })),
      target: { nodeId: dag.target.node_id as string, priceNodeId: dag.input.node_id as string },
    },
  }));
}

/** A world with the strategy's paper activation open, as a promotion leaves it. */
async function openWorld(env: TestWorkflowEnvironment, worldId: string, strategyId: string): Promise<void> {
  const handle = await env.client.workflow.start(worldWorkflow, {
    workflowId: worldWorkflowId(worldId),
    taskQueue: CONTROL_QUEUE,
    args: [
      {
        world: newWorld(
          { id: worldId, allow_live: false, labels: {} },
          'key_bench',
          new Date().toISOString(),
        ),
      },
    ],
  });
  await handle.executeUpdate(writeActivationUpdate, {
    args: [
      {
        actor: 'bench',
        write: {
          strategy_id: strategyId,
          active: true,
          weight: 0.5,
          freeze: false,
          drain: false,
          effective_mode: 'paper',
        },
      },
    ],
  });
}

/** 20 paper runs for `minutes` of server time; bars handled per wall second while the clock skips. */
async function workflowRound(
  env: TestWorkflowEnvironment,
  strategies: Array<{ strategyId: string }>,
  round: number,
  minutes: number,
): Promise<PaperRound> {
  const handles: WorkflowHandle[] = [];
  for (const [i, { strategyId }] of strategies.entries()) {
    const worldId = `bench-r${round}-${i}`;
    await openWorld(env, worldId, strategyId);
    const run: DagRunInput = {
      strategyId,
      worldId,
      mode: 'paper',
      n: 1,
      paper: { account: worldId, order_poll_ms: TEN_DAYS_MS },
    };
    handles.push(
      await env.client.workflow.start(dagRunWorkflow, {
        workflowId: runIdOf(run),
        taskQueue: CONTROL_QUEUE,
        args: [run],
      }),
    );
  }
  const progress = () =>
    Promise.all(handles.map(async (h) => (await h.query(dagRunProgressQuery)) as PaperRunProgress));
  // Planned and asleep before the clock starts: the round times bars only.
  for (let now = await progress(); now.some((p) => p.status !== 'running'); now = await progress()) {
    const failed = now.find((p) => p.status === 'failed');
    if (failed) throw new Error(`paper run ${failed.run_id} failed: ${failed.error}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const started = performance.now();
  await env.sleep(minutes * MIN);
  const ms = performance.now() - started;
  const done = await progress();
  for (const h of handles) await h.signal(stopRunSignal, { reason: 'bench round over' });
  // Not result(): the test server's time-skipping lock breaks under 20 concurrent result waits.
  for (const h of handles) {
    while ((await h.describe()).status.name === 'RUNNING') await new Promise((r) => setTimeout(r, 50));
  }
  const bars = done.reduce((sum, p) => sum + p.bars_processed, 0);
  const orders = done.reduce((sum, p) => sum + p.orders_started, 0);
  return { bars, orders, ms: Math.round(ms), barsPerSecond: (bars / ms) * 1000 };
}

/** The same decisions without the workflow: `paperStep` for every strategy, bar by bar, 20 at a time. */
async function activityRound(
  env: TestWorkflowEnvironment,
  steps: ReturnType<typeof createPaperRunActivities>,
  strategies: Array<{ strategyId: string; plan: PaperStepRequest['plan'] }>,
  round: number,
  minutes: number,
): Promise<PaperRound> {
  const worlds = strategies.map((_, i) => `bench-a${round}-${i}`);
  for (const [i, s] of strategies.entries()) await openWorld(env, worlds[i]!, s.strategyId);
  // Bars after the server's clock, so the activation is current, fetched from sim as a run fetches them.
  const first = Math.ceil((await env.currentTimeMs()) / MIN) * MIN + MIN;
  const held: Array<number | undefined> = strategies.map(() => undefined);
  let orders = 0;
  const started = performance.now();
  for (let bar = 0; bar < minutes; bar++) {
    await Promise.all(
      strategies.map(async (s, i) => {
        const step = await steps.paperStep({
          runId: `bench-a${round}-${i}`,
          strategyId: s.strategyId,
          worldId: worlds[i]!,
          mode: 'paper',
          venue: 'sim',
          account: worlds[i]!,
          barClose: first + bar * MIN,
          plan: s.plan,
          order: { type: 'market' },
          ...(held[i] !== undefined ? { heldTarget: held[i] } : {}),
        });
        if (step.kind === 'submit') orders += 1;
        if ('target' in step && step.target !== undefined) held[i] = step.target;
      }),
    );
  }
  const ms = performance.now() - started;
  const bars = minutes * strategies.length;
  return { bars, orders, ms: Math.round(ms), barsPerSecond: (bars / ms) * 1000 };
}

export async function paperThroughput(rounds: number, minutes: number): Promise<PaperResults> {
  const resolved = await resolveTestServer(loadConfig(process.env));
  if (resolved.type === 'existing-path') process.env.QMTL_TEST_SERVER_PATH = resolved.path;
  const env = await createTimeSkippingEnv();
  const home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-bench-paper-'));
  const store = await openStore({ home });
  // Sim market data answers every bar the server's clock asks for (it runs ahead of the wall clock).
  const venues = new VenueRegistry({ now: () => SIM_PATH_END_MS });
  const orderVenues = new OrderVenueRegistry({ store, simStartingBalances: { USDT: '100000' } });
  const activities = createActivities({ store, venues, orderVenues });
  const bundle = await workflowBundle();
  const workers = await Promise.all(
    [CONTROL_QUEUE, EXEC_QUEUE].map((taskQueue) =>
      Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities }),
    ),
  );
  const running = workers.map((w) => w.run());
  const results: PaperResults = { workflow: [], activity: [] };
  try {
    const strategies = await putStrategies(store);
    // Nodes are registered by the warm-up's planRun, as a run's first execution registers them.
    const steps = createPaperRunActivities({ store, venues, orderVenues, client: env.client });
    await workflowRound(env, strategies, 0, 3); // warm-up: bundle, caches, the series' first fetch
    for (let round = 1; round <= rounds; round++) {
      results.workflow.push(await workflowRound(env, strategies, round, minutes));
      results.activity.push(await activityRound(env, steps, strategies, round, minutes));
      const [w, a] = [results.workflow.at(-1)!, results.activity.at(-1)!];
      console.log(
        `paper round ${round}: workflow ${w.bars} bars ${w.barsPerSecond.toFixed(1)}/s (${w.orders} orders), ` +
          `activity ${a.bars} bars ${a.barsPerSecond.toFixed(1)}/s`,
      );
    }
  } finally {
    for (const w of workers) w.shutdown();
    await Promise.all(running);
    await store.close();
    await env.teardown();
    rmSync(home, { recursive: true, force: true });
  }
  return results;
}

export const medianRate = (rounds: PaperRound[]) => median(rounds.map((r) => r.barsPerSecond));
