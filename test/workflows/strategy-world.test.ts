/**
 * The strategy workflow's questions to a world that does not exist
 * (time-skipping, real worker and SQLite store): the backtest still
 * completes, nothing is evaluated, and the world's answer is the
 * default-safe one, compute-only, with the reason. The evaluated paths run
 * against real world workflows in test/integration/strategy-world-evaluation.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import { strategyWorkflow } from '../../workflows/strategy';
import { D0, MIN, SERIES, fixedBars, putStrategy, smaCrossDag } from '../support/run-fixtures';
import { createTimeSkippingEnv, withControlWorker } from '../support/time-skipping';

jest.setTimeout(60_000);

describe('strategyWorkflow asking a world that does not exist (time-skipping)', () => {
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

  it('completes with the world unevaluated and compute-only, naming WORLD_NOT_FOUND', async () => {
    const meta = { backtest: { start: D0, end: D0 + 200 * MIN } };
    const strategyId = await putStrategy(store, smaCrossDag({ fast: 6, slow: 18, size: 1 }).nodes, meta, [
      'nowhere',
    ]);
    const final = await withControlWorker(env, store, () =>
      env.client.workflow.execute(strategyWorkflow, {
        workflowId: `strategy:${strategyId}`,
        taskQueue: 'qmtl-control',
        args: [{ strategyId, worldIds: ['nowhere'], owner: 'key_test', submittedAt: 'now' }],
      }),
    );
    expect(final.status).toBe('completed');
    expect(final.worlds).toEqual([
      {
        world_id: 'nowhere',
        run_id: `run:${strategyId}:nowhere:backtest:1`,
        not_evaluated: 'WORLD_NOT_FOUND',
        effective_mode: 'compute-only',
        decision_reason: 'WORLD_NOT_FOUND',
      },
    ]);
  });
});
