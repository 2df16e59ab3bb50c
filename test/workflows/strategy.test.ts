/**
 * The strategy workflow in the time-skipping environment with a real worker
 * and a real SQLite store: queued → processing → running, stop → stopped, and
 * a strategy missing from the store fails instead of running.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { openStore } from '../../activities/store';
import { VenueRegistry } from '../../activities/venues/registry';
import type { Store } from '../../activities/store/port';
import { workflowBundle } from '../../workers/worker';
import { strategyStatusQuery, stopStrategySignal, strategyWorkflow } from '../../workflows/strategy';
import { createTimeSkippingEnv } from '../support/time-skipping';

const STRATEGY_ID = 'a'.repeat(64);

describe('strategyWorkflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let home: string;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-wf-'));
    store = await openStore({ home });
    await store.strategies.putIfAbsent({
      strategyId: STRATEGY_ID,
      dagJson: '{"nodes":[]}',
      worldIds: ['w1', 'w2'],
      nodeCount: 3,
      owner: 'key_test',
      meta: {},
      createdAt: '2026-01-01T00:00:00.000Z',
    });
  });

  afterAll(async () => {
    await store?.close();
    await env?.teardown();
    rmSync(home, { recursive: true, force: true });
  });

  async function withWorker<T>(fn: () => Promise<T>): Promise<T> {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'qmtl-control',
      workflowBundle: await workflowBundle(),
      activities: createActivities({ store, venues: new VenueRegistry() }),
    });
    return worker.runUntil(fn);
  }

  it('runs with compute-only bindings until stopped', async () => {
    const final = await withWorker(async () => {
      const handle = await env.client.workflow.start(strategyWorkflow, {
        workflowId: `strategy:${STRATEGY_ID}`,
        taskQueue: 'qmtl-control',
        args: [{ strategyId: STRATEGY_ID, worldIds: ['w1', 'w2'], owner: 'key_test', submittedAt: 'now' }],
      });
      let state = await handle.query(strategyStatusQuery);
      for (let i = 0; i < 50 && state.status !== 'running'; i++) {
        await env.sleep('1 second');
        state = await handle.query(strategyStatusQuery);
      }
      expect(state.status).toBe('running');
      expect(state.nodeCount).toBe(3);
      expect(state.bindings).toEqual([
        { worldId: 'w1', effectiveMode: 'compute-only', reason: 'no_decision' },
        { worldId: 'w2', effectiveMode: 'compute-only', reason: 'no_decision' },
      ]);
      await handle.signal(stopStrategySignal, { reason: 'author asked' });
      return handle.result();
    });
    expect(final.status).toBe('stopped');
    expect(final.stopReason).toBe('author asked');
    expect(final.transitions.map((t) => t.status)).toEqual(['queued', 'processing', 'running', 'stopped']);
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
