/**
 * The v2 world workflow on the time-skipping server: etags and audit
 * versions, refusals, activation windows closed by the workflow's own timer,
 * continue-as-new carrying every part of the state, idempotent evaluation
 * runs, promotions and the apply steps. (The recorded history comes from
 * test/integration/world-service-history.test.ts: recording needs the dev server.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import { createWorldActivities } from '../../activities/world';
import { newWorld } from '../../domain/world/world';
import { workflowBundle } from '../../workers/worker';
import { addPolicyUpdate, worldPoliciesQuery, worldWorkflow } from '../../workflows/world';
import * as m from '../../workflows/world-messages';
import { eventually } from '../support/eventually';
import { createTimeSkippingEnv } from '../support/time-skipping';

jest.setTimeout(120_000);

const QUEUE = 'world-test';
const DAY = 86_400_000;
type WorldHandle = WorkflowHandle<typeof worldWorkflow>;

async function refusalOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure)
      return err.cause.type ?? undefined;
    throw err;
  }
  return undefined;
}

const input = (id: string, extra: Partial<m.WorldWorkflowInput> = {}): m.WorldWorkflowInput => ({
  world: newWorld({ id, allow_live: false, labels: {} }, 'key_owner', '2026-01-05T00:00:00.000Z'),
  ...extra,
});
const paperWrite = (
  strategy_id: string,
  extra: Partial<m.WorldSnapshot['activation']['entries'][number]> = {},
) => ({
  strategy_id,
  active: true,
  weight: 0.5,
  freeze: false,
  drain: false,
  effective_mode: 'paper' as const,
  ...extra,
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

describe('worldWorkflow v2 (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let home: string;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-world-wf-'));
    store = await openStore({ home });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: QUEUE,
      workflowBundle: await workflowBundle(),
      activities: createWorldActivities({ store }),
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await store?.close();
    await env?.teardown();
    rmSync(home, { recursive: true, force: true });
  });

  const start = (id: string, extra: Partial<m.WorldWorkflowInput> = {}): Promise<WorldHandle> =>
    env.client.workflow.start(worldWorkflow, {
      workflowId: m.worldWorkflowId(id),
      taskQueue: QUEUE,
      args: [input(id, extra)],
    });
  const audit = (id: string) => store.audit.list({ subject: `world:${id}`, limit: 500 });
  const snapshot = (h: WorldHandle) => h.query(m.worldSnapshotQuery);

  it('every write bumps the etag and appends an audit record with the next version, flushed before it answers', async () => {
    const h = await start('w-etag');
    await eventually(
      () => snapshot(h),
      (s) => s.audit_version === 1,
    );
    const updated = await h.executeUpdate(m.updateWorldUpdate, {
      args: [
        {
          actor: 'op',
          patch: { allow_live: true, settings: { governance: { max_live_slots: 3 } } },
          if_match: 1,
        },
      ],
    });
    expect(updated).toMatchObject({ etag: 3, audit_version: 3, world: { allow_live: true } });
    expect(updated.settings.governance).toEqual({ ...m.DEFAULT_GOVERNANCE, max_live_slots: 3 });
    // Read your writes: the audit trail has the update the moment it answers.
    expect((await audit('w-etag')).map((r) => [r.action, r.detail.version])).toEqual([
      ['world.created', 1],
      ['world.updated', 2],
      ['world.allow_live_changed', 3],
    ]);
    expect(
      await h.executeUpdate(m.bindStrategiesUpdate, {
        args: [{ actor: 'op', strategy_ids: ['s2', 's1', 's2'] }],
      }),
    ).toEqual({ bindings: ['s1', 's2'] });
    expect(
      await h.executeUpdate(addPolicyUpdate, { args: [{ actor: 'op', policy: { selection: {} } }] }),
    ).toEqual({
      version: 1,
    });
    const written = await h.executeUpdate(m.writeActivationUpdate, {
      args: [{ actor: 'op', write: paperWrite('s1') }],
    });
    expect(written.etag).toBe(1);
    expect(written.entries.map((e) => [e.side, e.run_id])).toEqual([
      ['long', 'manual:1'],
      ['short', 'manual:1'],
    ]);
    const records = await audit('w-etag');
    expect(records.map((r) => r.action)).toEqual([
      'world.created',
      'world.updated',
      'world.allow_live_changed',
      'world.bound',
      'policy.added',
      'activation.written',
    ]);
    expect(records.map((r) => r.detail.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await snapshot(h)).toMatchObject({ etag: 6, audit_version: 6, bindings: ['s1', 's2'] });
    const events = await store.events.read({
      afterSeq: 0,
      topics: ['activation'],
      worldId: 'w-etag',
      limit: 10,
    });
    expect(events.map((e) => [e.eventKey, e.key])).toEqual([
      ['world:w-etag:activation:1:s1:long', 'world:w-etag:s1:long'],
      ['world:w-etag:activation:1:s1:short', 'world:w-etag:s1:short'],
    ]);
    expect(events[0]!.payload).toMatchObject({
      world_id: 'w-etag',
      strategy_id: 's1',
      side: 'long',
      etag: 1,
      weight: 0.5,
    });
    await h.executeUpdate(m.deleteWorldUpdate, { args: [{ actor: 'op', force: true, reason: 'done' }] });
  });

  it('refuses a stale if_match, a stale activation etag, live without allow_live, delete with active entries; force deletes', async () => {
    const h = await start('w-refuse');
    const update = (patch: m.WorldPatch, if_match: number) =>
      h.executeUpdate(m.updateWorldUpdate, { args: [{ actor: 'op', patch, if_match }] });
    const write = (w: ReturnType<typeof paperWrite> & { etag?: number }) =>
      h.executeUpdate(m.writeActivationUpdate, { args: [{ actor: 'op', write: w }] });
    await eventually(
      () => snapshot(h),
      (s) => s.etag === 1,
    );
    expect(await refusalOf(update({ name: 'x' }, 0))).toBe('ETAG_MISMATCH');
    expect(await refusalOf(write(paperWrite('s1', { effective_mode: 'live' })))).toBe('LIVE_NOT_ALLOWED');
    await write(paperWrite('s1'));
    expect(await refusalOf(write({ ...paperWrite('s1'), etag: 0 }))).toBe('ETAG_MISMATCH');
    const del = (force: boolean) =>
      h.executeUpdate(m.deleteWorldUpdate, { args: [{ actor: 'op', force, reason: 'retire' }] });
    expect(await refusalOf(del(false))).toBe('WORLD_HAS_ACTIVE_STRATEGIES');
    // Refusals wrote nothing.
    expect((await snapshot(h)).etag).toBe(2);
    expect(await del(true)).toEqual({ deleted: true });
    expect(await h.result()).toEqual({ retired: 'retire' });
    const after = await snapshot(h);
    expect(after.deleted).toMatchObject({ actor: 'op', reason: 'retire' });
    expect(after.activation.entries.map((e) => [e.active, e.weight, e.etag])).toEqual([
      [false, 0, 2],
      [false, 0, 2],
    ]);
    expect((await audit('w-refuse')).map((r) => r.action)).toEqual([
      'world.created',
      'activation.written',
      'activation.closed',
      'world.deleted',
    ]);
  });

  it('closes an activation at its valid_until by the workflow timer, without anybody reading it', async () => {
    const h = await start('w-expiry');
    const now = await env.currentTimeMs();
    const until = new Date(now + 3 * DAY).toISOString();
    await h.executeUpdate(m.writeActivationUpdate, {
      args: [{ actor: 'op', write: { ...paperWrite('s1'), side: 'long' as const, valid_until: until } }],
    });
    await env.sleep(3 * DAY + 60_000);
    const records = await eventually(
      () => audit('w-expiry'),
      (r) => r.some((x) => x.action === 'activation.expired'),
    );
    expect(records.map((r) => [r.action, r.actor, r.detail.version])).toEqual([
      ['world.created', 'key_owner', 1],
      ['activation.written', 'op', 2],
      ['activation.expired', 'system', 3],
    ]);
    expect(records[2]!.detail).toMatchObject({ activation_etag: 2, entries: ['s1:long'] });
    const events = await store.events.read({
      afterSeq: 0,
      topics: ['activation'],
      worldId: 'w-expiry',
      limit: 10,
    });
    expect(events.map((e) => [e.eventKey, e.payload.active, e.payload.weight])).toEqual([
      ['world:w-expiry:activation:1:s1:long', true, 0.5],
      ['world:w-expiry:activation:2:s1:long', false, 0],
    ]);
    const entry = (await snapshot(h)).activation.entries[0]!;
    expect(entry).toMatchObject({ active: false, weight: 0, etag: 2, valid_until: until });
    await h.executeUpdate(m.deleteWorldUpdate, { args: [{ actor: 'op', force: true, reason: 'done' }] });
  });

  it('continues as new past the history threshold and keeps every part of the state', async () => {
    const h = await start('w-can', { max_history_events: 20 });
    const firstRun = (await h.describe()).runId;
    await h.executeUpdate(addPolicyUpdate, { args: [{ actor: 'op', policy: { selection: {} } }] });
    await h.executeUpdate(m.bindStrategiesUpdate, { args: [{ actor: 'op', strategy_ids: ['s1'] }] });
    await h.executeUpdate(m.recordEvaluationUpdate, {
      args: [{ actor: 'op', evaluation: evaluation('ev-1') }],
    });
    await h.executeUpdate(m.writeActivationUpdate, { args: [{ actor: 'op', write: paperWrite('s1') }] });
    const before = await snapshot(h);
    const policies = await h.query(worldPoliciesQuery);
    const moved = await eventually(
      () => h.describe(),
      (d) => d.runId !== firstRun,
    );
    expect(moved.runId).not.toBe(firstRun);
    const after = await snapshot(h);
    expect(after).toEqual(before);
    expect(await h.query(worldPoliciesQuery)).toEqual(policies);
    // Audit versions go on from where the last run stopped.
    await h.executeUpdate(m.bindStrategiesUpdate, { args: [{ actor: 'op', strategy_ids: ['s9'] }] });
    const versions = (await audit('w-can')).map((r) => r.detail.version);
    expect(versions).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await snapshot(h)).etag).toBe(before.etag + 1);
    await h.executeUpdate(m.deleteWorldUpdate, { args: [{ actor: 'op', force: true, reason: 'done' }] });
  });

  it('records an evaluation run once per id: the same id replays the stored run', async () => {
    const h = await start('w-eval');
    const record = () =>
      h.executeUpdate(m.recordEvaluationUpdate, { args: [{ actor: 'op', evaluation: evaluation('ev-7') }] });
    const first = await record();
    const again = await record();
    expect(first.replayed).toBe(false);
    expect(again).toEqual({ evaluation: first.evaluation, replayed: true });
    expect((await snapshot(h)).evaluations).toEqual([first.evaluation]);
    expect((await audit('w-eval')).filter((r) => r.action === 'evaluation.recorded')).toHaveLength(1);
    await h.executeUpdate(m.deleteWorldUpdate, { args: [{ actor: 'op', force: true, reason: 'done' }] });
  });

  it('promotions: approval moves the stage, a hard blocker refuses approval, nothing pending is refused', async () => {
    const h = await start('w-promo');
    const request = (strategy_id: string, blockers: string[]) =>
      h.executeUpdate(m.requestPromotionUpdate, {
        args: [{ actor: 'op', strategy_id, to_stage: 'live', blockers }],
      });
    const decide = (strategy_id: string, approve: boolean) =>
      h.executeUpdate(m.decidePromotionUpdate, { args: [{ actor: 'boss', strategy_id, approve }] });
    expect((await request('s1', ['APPROVAL_REQUIRED'])).promotion).toMatchObject({
      stage: 'paper',
      pending: { to_stage: 'live', status: 'pending', blockers: ['APPROVAL_REQUIRED'] },
    });
    expect((await decide('s1', true)).promotion).toMatchObject({
      stage: 'live',
      pending: { status: 'approved', decided_by: 'boss' },
    });
    expect(await refusalOf(decide('s1', true))).toBe('NO_PENDING_PROMOTION');
    await request('s2', ['COOLDOWN_ACTIVE', 'APPROVAL_REQUIRED']);
    expect(await refusalOf(decide('s2', true))).toBe('GOVERNANCE_BLOCKED');
    expect((await decide('s2', false)).promotion).toMatchObject({
      stage: 'paper',
      pending: { status: 'rejected' },
    });
    expect((await request('s3', [])).promotion).toMatchObject({
      stage: 'live',
      pending: { decided_by: 'auto' },
    });
    await h.executeUpdate(m.deleteWorldUpdate, { args: [{ actor: 'op', force: true, reason: 'done' }] });
  });

  it('apply steps: freeze, switch, unfreeze write the table; another run meanwhile is refused', async () => {
    const h = await start('w-apply');
    const plan = { activate: [{ strategy_id: 's1', weight: 0.6 }], deactivate: [] };
    const begin = (run_id: string) =>
      h.executeUpdate(m.beginApplyUpdate, {
        args: [{ actor: 'op', run_id, mode: 'paper', plan, plan_hash: run_id }],
      });
    const step = (step: m.ApplyStep) =>
      h.executeUpdate(m.applyStepUpdate, { args: [{ run_id: 'r1', step }], updateId: `r1:${step}` });
    expect((await begin('r1')).started).toBe(true);
    expect((await begin('r1')).started).toBe(false);
    expect(await refusalOf(begin('r2'))).toBe('APPLY_IN_PROGRESS');
    expect(await refusalOf(step('switch'))).toBe('APPLY_STATE');
    expect((await step('freeze')).apply.phase).toBe('awaiting_acks');
    expect((await step('switch')).entries.map((e) => [e.side, e.active, e.weight, e.freeze])).toEqual([
      ['long', true, 0.6, true],
      ['short', true, 0.6, true],
    ]);
    const done = await step('unfreeze');
    expect(done.apply.phase).toBe('completed');
    expect(done.etag).toBe(3);
    expect((await audit('w-apply')).map((r) => r.action)).toEqual([
      'world.created',
      'apply.requested',
      'apply.freeze',
      'apply.switch',
      'apply.unfreeze',
    ]);
    await h.executeUpdate(m.deleteWorldUpdate, { args: [{ actor: 'op', force: true, reason: 'done' }] });
  });
});
