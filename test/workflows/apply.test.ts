/**
 * The two-phase apply (SPEC §9) on the time-skipping server: the real world
 * workflow and apply workflow, the real activities over a SQLite store. One
 * failure is injected at the edge: the `worldApplyStep` activity of world
 * `w-fail` throws when asked to switch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import { VenueRegistry } from '../../activities/venues/registry';
import { createWorldApplyActivities, type WorldApplyStepInput } from '../../activities/world-apply';
import { currentDecision } from '../../domain/world/activation';
import { newWorld } from '../../domain/world/world';
import { workflowBundle } from '../../workers/worker';
import { applyStatusQuery, applyAckSignal, type ApplyStatus } from '../../workflows/apply-messages';
import { applyStartOptions } from '../../workflows/apply-start';
import { CONTROL_QUEUE } from '../../workflows/task-queues';
import {
  applyStepUpdate,
  beginApplyUpdate,
  worldSnapshotQuery,
  worldWorkflowId,
  writeActivationUpdate,
  type ApplyPlan,
} from '../../workflows/world-messages';
import { eventually } from '../support/eventually';
import { recordHistoryFromEnv } from '../support/histories';
import { createTimeSkippingEnv } from '../support/time-skipping';

/** `old` trades both sides at 0.5; the plan swaps it for `new` at 0.6. */
const PLAN: ApplyPlan = { activate: [{ strategy_id: 'new', weight: 0.6 }], deactivate: ['old'] };
const HAPPY_PHASES = ['requested', 'freezing', 'awaiting_acks', 'switching', 'unfreezing', 'completed'];
/** Freeze order: the plan's activated keys, then the deactivated ones. */
const FROZEN = ['new/long', 'new/short', 'old/long', 'old/short'];

describe('applyWorkflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let home: string;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-apply-wf-'));
    store = await openStore({ home });
    const real = createWorldApplyActivities({ client: env.client });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: CONTROL_QUEUE,
      workflowBundle: await workflowBundle(),
      activities: {
        ...createActivities({ store, venues: new VenueRegistry(), client: env.client }),
        async worldApplyStep(input: WorldApplyStepInput) {
          if (input.world_id === 'w-fail' && input.step === 'switch') {
            throw ApplicationFailure.nonRetryable('injected switch failure', 'InjectedFailure');
          }
          return real.worldApplyStep(input);
        },
      },
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await store?.close();
    await env?.teardown();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const world = (id: string) => env.client.workflow.getHandle(worldWorkflowId(id));
  const snapshot = (id: string) => world(id).query(worldSnapshotQuery);
  const table = async (id: string) =>
    (await snapshot(id)).activation.entries.map((e) => ({
      key: `${e.strategy_id}/${e.side}`,
      active: e.active,
      weight: e.weight,
      freeze: e.freeze,
      mode: e.effective_mode,
    }));

  /** A world where `old` is active on both sides, and run `run_id` registered with it. */
  async function worldWithRun(id: string, run_id: string, mode: 'paper' | 'live' = 'paper') {
    await env.client.workflow.start('worldWorkflow', {
      workflowId: worldWorkflowId(id),
      taskQueue: CONTROL_QUEUE,
      args: [{ world: newWorld({ id, allow_live: false, labels: {} }, 'ops', '2026-01-05T12:00:00.000Z') }],
    });
    const write = { strategy_id: 'old', active: true, weight: 0.5, freeze: false, drain: false };
    await world(id).executeUpdate(writeActivationUpdate, {
      args: [{ actor: 'ops', write: { ...write, effective_mode: 'paper' } }],
    });
    return begin(id, run_id, mode);
  }
  const begin = (id: string, run_id: string, mode: 'paper' | 'live' = 'paper') =>
    world(id).executeUpdate(beginApplyUpdate, {
      args: [{ actor: 'ops', run_id, mode, plan: PLAN, plan_hash: `hash-${run_id}` }],
    });

  const startApply = (world_id: string, run_id: string, require_acks: boolean) =>
    env.client.workflow.start(
      'applyWorkflow',
      applyStartOptions({ world_id, run_id, require_acks, ack_timeout_ms: 30_000 }),
    );

  /** Every `activation` event of the run, as (phase, sequence) pairs in publish order. */
  async function runEvents(world_id: string, run_id: string) {
    const events = await store.events.read({
      afterSeq: 0,
      topics: ['activation'],
      worldId: world_id,
      limit: 1000,
    });
    return events
      .filter((e) => e.key === `apply:${world_id}:${run_id}`)
      .map((e) =>
        e.payload.requires_ack
          ? `ack ${String(e.payload.sequence)} ${String(e.payload.strategy_id)}/${String(e.payload.side)}`
          : String(e.payload.phase),
      );
  }

  const phasesOf = (status: ApplyStatus) => status.phases.map((p) => p.phase);

  /** Recorded from this test server (writes only under QMTL_RECORD_HISTORIES=1). */
  const record = (workflowId: string, caseName: string) => recordHistoryFromEnv(env, workflowId, caseName);

  it('(a) every sequence acknowledged: completed, new set active, unfrozen, world decides paper', async () => {
    await worldWithRun('w-acks', 'run-a');
    const handle = await startApply('w-acks', 'run-a', true);
    const waiting = await eventually(
      () => handle.query(applyStatusQuery),
      (s) => s.phase === 'awaiting_acks',
    );
    expect(waiting.acks).toEqual({ required: [1, 2, 3, 4], received: [] });
    await handle.signal(applyAckSignal, { sequence: 9, consumer: 'stray' }); // unknown: ignored
    for (const sequence of [2, 1, 2, 4, 3])
      await handle.signal(applyAckSignal, { sequence, consumer: `gate-${sequence}` });

    const status = await handle.result();
    expect(phasesOf(status)).toEqual(HAPPY_PHASES);
    expect(status.acks).toEqual({ required: [1, 2, 3, 4], received: [2, 1, 4, 3] });
    expect(status.error).toBeUndefined();
    expect(await table('w-acks')).toEqual([
      { key: 'old/long', active: false, weight: 0, freeze: false, mode: 'paper' },
      { key: 'old/short', active: false, weight: 0, freeze: false, mode: 'paper' },
      { key: 'new/long', active: true, weight: 0.6, freeze: false, mode: 'paper' },
      { key: 'new/short', active: true, weight: 0.6, freeze: false, mode: 'paper' },
    ]);
    const after = await snapshot('w-acks');
    expect(after.apply?.phase).toBe('completed');
    // The activated strategy is now in the paper stage, since the completion (promotion governance reads it).
    expect(after.promotions).toEqual({
      new: { strategy_id: 'new', stage: 'paper', since: after.apply?.updated_at },
    });
    expect(currentDecision(after.activation, Date.now())?.mode).toBe('paper');
    expect(await runEvents('w-acks', 'run-a')).toEqual([
      'requested',
      'freezing',
      'awaiting_acks',
      ...FROZEN.map((key, i) => `ack ${i + 1} ${key}`),
      'switching',
      'unfreezing',
      'completed',
    ]);
    const [switching] = (
      await store.events.read({ afterSeq: 0, topics: ['activation'], worldId: 'w-acks', limit: 1000 })
    ).filter((e) => e.key === 'apply:w-acks:run-a' && e.payload.phase === 'switching');
    expect(switching?.payload.acks).toEqual(
      [2, 1, 4, 3].map((n) => ({ sequence: n, consumer: `gate-${n}` })),
    );
    const audit = await store.audit.list({ subject: 'world:w-acks', limit: 100 });
    expect(audit.map((r) => r.action).filter((a) => a.startsWith('apply.'))).toEqual([
      'apply.requested',
      'apply.freeze',
      'apply.switch',
      'apply.unfreeze',
    ]);
    await record(handle.workflowId, 'acked-completed');
  });

  it('(b, e) acks never come: a second run is refused meanwhile, then the timeout rolls back and the world stays frozen', async () => {
    await worldWithRun('w-timeout', 'run-b');
    const handle = await startApply('w-timeout', 'run-b', true);
    await eventually(
      () => handle.query(applyStatusQuery),
      (s) => s.phase === 'awaiting_acks',
    );

    // (e) one apply per world: another run id is refused, the same one answers its phase.
    const refused = await begin('w-timeout', 'run-other').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((refused as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(
      'APPLY_IN_PROGRESS',
    );
    const same = await begin('w-timeout', 'run-b');
    expect(same.started).toBe(false);
    expect(same.apply.phase).toBe('awaiting_acks');

    const status = await handle.result(); // the server skips the 30 s
    expect(phasesOf(status)).toEqual([
      'requested',
      'freezing',
      'awaiting_acks',
      'rolling_back',
      'rolled_back',
    ]);
    expect(status.error).toBe('ack_timeout: 0 of 4 acknowledged');
    expect(status.acks).toEqual({ required: [1, 2, 3, 4], received: [] });
    const waited = Date.parse(status.phases[3]!.at) - Date.parse(status.phases[2]!.at);
    expect(waited).toBeGreaterThanOrEqual(30_000);
    // The previous set is back exactly, frozen; the entries the run created are gone.
    expect(await table('w-timeout')).toEqual([
      { key: 'old/long', active: true, weight: 0.5, freeze: true, mode: 'paper' },
      { key: 'old/short', active: true, weight: 0.5, freeze: true, mode: 'paper' },
    ]);
    const after = await snapshot('w-timeout');
    expect(after.apply).toMatchObject({
      run_id: 'run-b',
      phase: 'rolled_back',
      error: 'ack_timeout: 0 of 4 acknowledged',
    });
    expect(currentDecision(after.activation, Date.now())).toBeUndefined();
    expect(after.promotions).toEqual({}); // a rolled-back apply moves no stage
    expect(await runEvents('w-timeout', 'run-b')).toEqual([
      'requested',
      'freezing',
      'awaiting_acks',
      ...FROZEN.map((key, i) => `ack ${i + 1} ${key}`),
      'rolling_back',
      'rolled_back',
    ]);
    await record(handle.workflowId, 'ack-timeout-rolled-back');
  });

  it('(c) a failure in the switch phase rolls back: previous set restored, frozen', async () => {
    await worldWithRun('w-fail', 'run-c');
    const status = await (await startApply('w-fail', 'run-c', false)).result();
    expect(phasesOf(status)).toEqual([
      'requested',
      'freezing',
      'awaiting_acks',
      'switching',
      'rolling_back',
      'rolled_back',
    ]);
    expect(status.error).toBe('InjectedFailure: injected switch failure');
    expect(await table('w-fail')).toEqual([
      { key: 'old/long', active: true, weight: 0.5, freeze: true, mode: 'paper' },
      { key: 'old/short', active: true, weight: 0.5, freeze: true, mode: 'paper' },
    ]);
    expect((await snapshot('w-fail')).apply).toMatchObject({
      phase: 'rolled_back',
      error: 'InjectedFailure: injected switch failure',
    });
    const audit = await store.audit.list({ subject: 'world:w-fail', limit: 100 });
    expect(audit.map((r) => r.action).filter((a) => a.startsWith('apply.'))).toEqual([
      'apply.requested',
      'apply.freeze',
      'apply.restore',
    ]);
  });

  it('(d) require_acks=false completes without waiting', async () => {
    await worldWithRun('w-noack', 'run-d');
    const status = await (await startApply('w-noack', 'run-d', false)).result();
    expect(phasesOf(status)).toEqual(HAPPY_PHASES);
    expect(status.acks).toEqual({ required: [1, 2, 3, 4], received: [] });
    expect((await table('w-noack')).map((e) => [e.key, e.active, e.weight, e.freeze])).toEqual([
      ['old/long', false, 0, false],
      ['old/short', false, 0, false],
      ['new/long', true, 0.6, false],
      ['new/short', true, 0.6, false],
    ]);
  });

  it('(f) a refusal of the world (live on a world without allow_live) is final: rolled back with its code', async () => {
    await worldWithRun('w-live', 'run-f', 'live');
    const status = await (await startApply('w-live', 'run-f', false)).result();
    expect(phasesOf(status)).toEqual([
      'requested',
      'freezing',
      'awaiting_acks',
      'switching',
      'rolling_back',
      'rolled_back',
    ]);
    expect(status.error).toBe('LIVE_NOT_ALLOWED: live apply on a world without allow_live');
    expect((await table('w-live')).map((e) => [e.key, e.active, e.weight, e.freeze])).toEqual([
      ['old/long', true, 0.5, true],
      ['old/short', true, 0.5, true],
    ]);
  });

  it('worldApplyStep: a step already applied under another update id is answered from the world; one out of phase is refused', async () => {
    await worldWithRun('w-step', 'run-g');
    const steps = createWorldApplyActivities({ client: env.client });
    // The freeze happened, but its answer was lost and the update id's dedupe is gone.
    const first = await world('w-step').executeUpdate(applyStepUpdate, {
      args: [{ run_id: 'run-g', step: 'freeze' }],
      updateId: 'lost-answer',
    });
    const again = await steps.worldApplyStep({ world_id: 'w-step', run_id: 'run-g', step: 'freeze' });
    expect(again.apply.phase).toBe('awaiting_acks');
    expect(again.etag).toBe(first.etag);
    expect(again.entries.map((e) => `${e.strategy_id}/${e.side}`).sort()).toEqual([...FROZEN].sort());

    const refused = await steps
      .worldApplyStep({ world_id: 'w-step', run_id: 'run-g', step: 'unfreeze' })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect(refused).toMatchObject({
      type: 'APPLY_STATE',
      nonRetryable: true,
      message: 'apply run run-g: step unfreeze does not fit phase awaiting_acks',
    });
    const missing = await steps
      .worldApplyStep({ world_id: 'w-nowhere', run_id: 'run-g', step: 'freeze' })
      .catch((err: unknown) => err);
    expect(missing).toMatchObject({ type: 'NotFound', nonRetryable: true });
    expect((await snapshot('w-step')).activation.etag).toBe(first.etag);
  });
});
