/**
 * Records the v2 world workflow's history (test/histories/worldWorkflow/)
 * from a run on the dev server that exercised several updates and ended by a
 * forced delete; test/replay replays it. The behaviour itself is tested in
 * test/workflows/world.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { openStore } from '../../activities/store';
import { createWorldActivities } from '../../activities/world';
import { newWorld } from '../../domain/world/world';
import { installTemporalRuntime, workflowBundle } from '../../workers/worker';
import { createLogger } from '../../workers/logger';
import { addPolicyUpdate, worldWorkflow } from '../../workflows/world';
import * as m from '../../workflows/world-messages';
import { recordHistory } from '../support/histories';
import { registerNamespace } from '../support/namespace';

jest.setTimeout(120_000);

const QUEUE = 'world-history';
const input = (id: string): m.WorldWorkflowInput => ({
  world: newWorld({ id, allow_live: false, labels: {} }, 'key_owner', '2026-01-05T00:00:00.000Z'),
});
const paperWrite = (strategy_id: string) => ({
  strategy_id,
  active: true,
  weight: 0.5,
  freeze: false,
  drain: false,
  effective_mode: 'paper' as const,
});
const evaluation = (id: string): Omit<m.EvaluationRun, 'at'> => ({
  evaluation_run_id: id,
  stage: 'backtest',
  policy_version: 1,
  profile: null,
  active: ['s1'],
  results: { s1: { status: 'active', reason_code: 'SELECTED', reasons: ['SELECTED'] } },
  source: { kind: 'api' },
});

describe('worldWorkflow v2 history (dev server)', () => {
  it('records a run that exercised several updates and completed by delete', async () => {
    const address = process.env.QMTL_TEST_TEMPORAL_ADDRESS;
    if (!address) throw new Error('QMTL_TEST_TEMPORAL_ADDRESS is unset: run through jest');
    const namespace = `qmtl-world-${randomBytes(4).toString('hex')}`;
    const connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace });
    await registerNamespace(client, namespace);
    const home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-world-hist-'));
    const store = await openStore({ home });
    installTemporalRuntime(createLogger(process.env.QMTL_TEST_LOG_LEVEL ?? 'silent', 'qmtl-world-history'));
    const workerConnection = await NativeConnection.connect({ address });
    const worker = await Worker.create({
      connection: workerConnection,
      namespace,
      taskQueue: QUEUE,
      workflowBundle: await workflowBundle(),
      activities: createWorldActivities({ store }),
    });
    try {
      await worker.runUntil(async () => {
        const h = await client.workflow.start(worldWorkflow, {
          workflowId: m.worldWorkflowId('w-history'),
          taskQueue: QUEUE,
          args: [input('w-history')],
        });
        await h.executeUpdate(m.updateWorldUpdate, { args: [{ actor: 'op', patch: { name: 'History' } }] });
        await h.executeUpdate(addPolicyUpdate, { args: [{ actor: 'op', policy: { selection: {} } }] });
        await h.executeUpdate(m.bindStrategiesUpdate, { args: [{ actor: 'op', strategy_ids: ['s1'] }] });
        await h.executeUpdate(m.recordEvaluationUpdate, {
          args: [{ actor: 'op', evaluation: evaluation('ev-1') }],
        });
        await h.executeUpdate(m.writeActivationUpdate, { args: [{ actor: 'op', write: paperWrite('s1') }] });
        await h.executeUpdate(m.deleteWorldUpdate, {
          args: [{ actor: 'op', force: true, reason: 'recorded' }],
        });
        expect(await h.result()).toEqual({ retired: 'recorded' });
        expect(
          (await store.audit.list({ subject: 'world:w-history', limit: 50 })).map((r) => r.action),
        ).toEqual([
          'world.created',
          'world.updated',
          'policy.added',
          'world.bound',
          'evaluation.recorded',
          'activation.written',
          'activation.closed',
          'world.deleted',
        ]);
      });
      await recordHistory(client, m.worldWorkflowId('w-history'), 'v2-updates-deleted');
    } finally {
      await workerConnection.close();
      await connection.close();
      await store.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
