/**
 * The DAG run workflow on the time-skipping server with a real worker and
 * SQLite stores: a backtest's metrics equal the domain functions run
 * directly; a second strategy sharing a subgraph computes only its own nodes
 * (counted at the activity) and matches a from-scratch run; stop ends a run
 * mid-way as `stopped`; a run that cannot plan fails with its reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { BacktestResultBody } from '../../activities/backtest';
import type { NodeComputeHooks } from '../../activities/node-compute';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import { runIdOf } from '../../domain/run/run-id';
import {
  dagRunProgressQuery,
  dagRunWorkflow,
  stopRunSignal,
  type DagRunInput,
} from '../../workflows/dag-run';
import {
  D0,
  MIN,
  SERIES,
  directBacktest,
  fixedBars,
  fixedCloses,
  putStrategy,
  smaCrossDag,
} from '../support/run-fixtures';
import { createTimeSkippingEnv, withControlWorker } from '../support/time-skipping';

jest.setTimeout(60_000);

const BARS = 300;
const META = { backtest: { start: D0, end: D0 + BARS * MIN }, fee_rate: 0.001 };
const A = { fast: 5, slow: 20, size: 1 };
const B = { fast: 5, slow: 20, size: 0.5 };

describe('dagRunWorkflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let root: string;
  const stores: Store[] = [];

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    root = mkdtempSync(path.join(os.tmpdir(), 'qmtl-run-'));
  });

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await env?.teardown();
    rmSync(root, { recursive: true, force: true });
  });

  async function seededStore(name: string): Promise<Store> {
    const store = await openStore({ home: path.join(root, name) });
    stores.push(store);
    await store.bars.upsertBars(SERIES, MIN, fixedBars(BARS));
    return store;
  }

  /** A worker over `store`; hooks count computations per node id. */
  const withWorker = <T>(store: Store, fn: () => Promise<T>, hooks?: NodeComputeHooks): Promise<T> =>
    withControlWorker(env, store, fn, hooks);

  const runInput = (strategyId: string, n = 1): DagRunInput => ({
    strategyId,
    worldId: 'w1',
    mode: 'backtest',
    n,
  });
  const execute = (input: DagRunInput) =>
    env.client.workflow.execute(dagRunWorkflow, {
      workflowId: runIdOf(input),
      taskQueue: 'qmtl-control',
      args: [input],
    });

  it('computes metrics equal to backtestMetrics over the same series, and records the run', async () => {
    const store = await seededStore('metrics');
    const dag = smaCrossDag(A);
    const strategyId = await putStrategy(store, dag.nodes, META);
    const result = await withWorker(store, () => execute(runInput(strategyId)));

    const expected = directBacktest(fixedCloses(BARS), A);
    expect(expected.n_trades_total).toBeGreaterThan(4); // the series does cross: the comparison means something
    expect(result).toEqual({
      runId: runIdOf(runInput(strategyId)),
      status: 'completed',
      metrics: expected,
      simulated: true,
    });

    const record = await store.runs.get(result.runId);
    expect(record).toMatchObject({ status: 'completed', metrics: expected, mode: 'backtest', worldId: 'w1' });
    expect(record?.window).toEqual({ start: D0, end: D0 + (BARS - 1) * MIN, intervalMs: MIN });
    expect(record?.nodes.map((n) => n.nodeId)).toEqual(dag.ids);
    const body = JSON.parse(
      (await store.artifacts.get(record!.resultFingerprint!))!.body,
    ) as BacktestResultBody;
    expect(body.trades).toHaveLength(expected.n_trades_total);
    expect(body.equity).toHaveLength(BARS);
  });

  it('recomputes none of a shared subgraph for a second strategy, and matches a from-scratch run', async () => {
    const shared = await seededStore('shared');
    const computed: string[] = [];
    const count: NodeComputeHooks = { onComputed: (nodeId) => void computed.push(nodeId) };
    const a = smaCrossDag(A);
    const b = smaCrossDag(B);
    const idA = await putStrategy(shared, a.nodes, META);
    const idB = await putStrategy(shared, b.nodes, META);

    await withWorker(shared, () => execute(runInput(idA)), count);
    expect(computed).toEqual([a.fast, a.slow, a.cross, a.target].map((n) => n.node_id));
    computed.length = 0;
    const second = await withWorker(shared, () => execute(runInput(idB)), count);
    expect(computed).toEqual([b.target.node_id]);
    const nodes = (await shared.runs.get(second.runId))!.nodes;
    expect(nodes.filter((n) => n.reused).map((n) => n.nodeId)).toEqual(
      [b.input, b.fast, b.slow, b.cross].map((n) => n.node_id),
    );

    const fresh = await seededStore('fresh');
    const freshId = await putStrategy(fresh, b.nodes, META);
    computed.length = 0;
    const scratch = await withWorker(fresh, () => execute(runInput(freshId)), count);
    expect(computed).toHaveLength(4);
    expect(scratch.metrics).toEqual(second.metrics);
    expect(scratch.metrics).toEqual(directBacktest(fixedCloses(BARS), B));
    expect((await fresh.runs.get(scratch.runId))!.nodes).toEqual(nodes.map((n) => ({ ...n, reused: false })));
  });

  it('stops mid-run on the stop signal: in-flight work is canceled and the run ends as stopped', async () => {
    const store = await seededStore('stop');
    const dag = smaCrossDag({ fast: 7, slow: 30, size: 1 });
    const strategyId = await putStrategy(store, dag.nodes, META);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atCross = new Promise<void>((resolve) => (reached = resolve));
    const hooks: NodeComputeHooks = {
      beforeCompute: async (nodeId) => {
        if (nodeId !== dag.cross.node_id) return;
        reached();
        await gate;
      },
    };
    const input = runInput(strategyId);
    const result = await withWorker(
      store,
      async () => {
        const handle = await env.client.workflow.start(dagRunWorkflow, {
          workflowId: runIdOf(input),
          taskQueue: 'qmtl-control',
          args: [input],
        });
        await atCross;
        expect(await handle.query(dagRunProgressQuery)).toMatchObject({
          status: 'computing',
          nodes_done: 3,
          nodes_total: 5,
        });
        await handle.signal(stopRunSignal, { reason: 'enough' });
        try {
          return await handle.result();
        } finally {
          release();
        }
      },
      hooks,
    );
    expect(result).toEqual({
      runId: runIdOf(input),
      status: 'stopped',
      metrics: {},
      simulated: false,
      stopReason: 'enough',
    });
    const record = await store.runs.get(result.runId);
    expect(record).toMatchObject({ status: 'stopped', error: 'enough', metrics: {} });
    expect(record?.nodes).toHaveLength(3);
  });

  it('fails a run it cannot plan, with the reason, and records it', async () => {
    const store = await seededStore('bad');
    const strategyId = await putStrategy(store, smaCrossDag(A).nodes, { fee_rate: 2 });
    const err = await withWorker(store, () => execute(runInput(strategyId)).catch((e: unknown) => e));
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/meta\.fee_rate/);
    expect(await store.runs.get(runIdOf(runInput(strategyId)))).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/meta\.fee_rate/),
    });
    const paper = await withWorker(store, () =>
      execute({ ...runInput(strategyId), mode: 'paper' }).catch((e: unknown) => e),
    );
    // A paper run plans the same way (workflows/paper-run.ts) and fails with the same reason.
    expect(String((paper as WorkflowFailedError).cause?.message)).toMatch(/meta\.fee_rate/);
  });
});
