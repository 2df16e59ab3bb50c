/**
 * The strategy workflow in the time-skipping environment with a real worker
 * and a real SQLite store: queued → processing → running (a backtest run per
 * world) → completed; a failing run fails the strategy; stop stops the runs
 * too; a strategy missing from the store fails instead of running.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NodeComputeHooks } from '../../activities/node-compute';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import { strategyStatusQuery, stopStrategySignal, strategyWorkflow } from '../../workflows/strategy';
import { D0, MIN, SERIES, fixedBars, putStrategy, smaCrossDag } from '../support/run-fixtures';
import { createTimeSkippingEnv, withControlWorker } from '../support/time-skipping';

jest.setTimeout(60_000);

const META = { backtest: { start: D0, end: D0 + 200 * MIN } };

describe('strategyWorkflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let home: string;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-wf-'));
    store = await openStore({ home });
    await store.bars.upsertBars(SERIES, MIN, fixedBars(200));
  });

  afterAll(async () => {
    await store?.close();
    await env?.teardown();
    rmSync(home, { recursive: true, force: true });
  });

  const withWorker = <T>(fn: () => Promise<T>, hooks?: NodeComputeHooks): Promise<T> =>
    withControlWorker(env, store, fn, hooks);

  const start = (strategyId: string, worldIds: string[]) =>
    env.client.workflow.start(strategyWorkflow, {
      workflowId: `strategy:${strategyId}`,
      taskQueue: 'qmtl-control',
      args: [{ strategyId, worldIds, owner: 'key_test', submittedAt: 'now' }],
    });

  it('binds worlds compute-only, backtests in each, and completes when every run has', async () => {
    const strategyId = await putStrategy(store, smaCrossDag({ fast: 5, slow: 20, size: 1 }).nodes, META, [
      'w1',
      'w2',
    ]);
    const final = await withWorker(async () => (await start(strategyId, ['w1', 'w2'])).result());
    expect(final.status).toBe('completed');
    expect(final.nodeCount).toBe(5);
    expect(final.bindings).toEqual([
      { worldId: 'w1', effectiveMode: 'compute-only', reason: 'no_decision' },
      { worldId: 'w2', effectiveMode: 'compute-only', reason: 'no_decision' },
    ]);
    expect(final.transitions.map((t) => t.status)).toEqual(['queued', 'processing', 'running', 'completed']);
    expect(final.runs?.map((r) => [r.runId, r.status])).toEqual([
      [`run:${strategyId}:w1:backtest:1`, 'completed'],
      [`run:${strategyId}:w2:backtest:1`, 'completed'],
    ]);
    // Another world is another compute key, so w2 recomputes rather than reading w1's outputs.
    expect(final.runs?.[0]?.metrics).toEqual(final.runs?.[1]?.metrics);
    expect(final.runs?.[0]?.metrics?.n_trades_total).toBeGreaterThan(0);
    // The two runs went side by side: whichever read the input frame second reused it, and nothing else.
    const records = await store.runs.listByStrategy(strategyId, { limit: 10, offset: 0 });
    expect(records.flatMap((r) => r.nodes.filter((n) => n.reused))).toHaveLength(1);
  });

  it('stops its runs when stopped while they compute, and ends stopped', async () => {
    const dag = smaCrossDag({ fast: 4, slow: 12, size: 1 });
    const strategyId = await putStrategy(store, dag.nodes, META);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const computing = new Promise<void>((resolve) => (reached = resolve));
    const hooks: NodeComputeHooks = {
      beforeCompute: async () => {
        reached();
        await gate;
      },
    };
    const final = await withWorker(async () => {
      const handle = await start(strategyId, ['w1']);
      await computing;
      expect((await handle.query(strategyStatusQuery)).status).toBe('running');
      await handle.signal(stopStrategySignal, { reason: 'author asked' });
      try {
        return await handle.result();
      } finally {
        release();
      }
    }, hooks);
    expect(final.status).toBe('stopped');
    expect(final.stopReason).toBe('author asked');
    expect(final.transitions.map((t) => t.status)).toEqual(['queued', 'processing', 'running', 'stopped']);
    expect(final.runs).toEqual([
      {
        runId: `run:${strategyId}:w1:backtest:1`,
        worldId: 'w1',
        mode: 'backtest',
        status: 'stopped',
        error: 'author asked',
      },
    ]);
    expect((await store.runs.get(`run:${strategyId}:w1:backtest:1`))?.status).toBe('stopped');
  });

  it('fails when a run fails, naming the run and the reason', async () => {
    const strategyId = await putStrategy(store, smaCrossDag({ fast: 3, slow: 9, size: 1 }).nodes, {
      initial_cash: -1,
    });
    const final = await withWorker(async () => (await start(strategyId, ['w1'])).result());
    expect(final.status).toBe('failed');
    expect(final.error).toMatch(new RegExp(`^run:${strategyId}:w1:backtest:1: meta\\.initial_cash`));
    expect(final.runs?.[0]?.status).toBe('failed');
  });

  it('fails a strategy whose DAG is not stored, without retrying forever', async () => {
    const missing = 'b'.repeat(64);
    const final = await withWorker(() =>
      env.client.workflow.execute(strategyWorkflow, {
        workflowId: `strategy:${missing}`,
        taskQueue: 'qmtl-control',
        args: [{ strategyId: missing, worldIds: ['w1'], owner: 'key_test', submittedAt: 'now' }],
      }),
    );
    expect(final.status).toBe('failed');
    expect(final.error).toContain('is not in the store');
  });
});
