/**
 * Paper DAG runs on the time-skipping server with real control and exec
 * workers, real world, order and account workflows, the sim venue and a
 * SQLite store. The market-data side of sim answers every bar the run asks
 * for (its clock is the one stand-in: the test server's time runs ahead of
 * the wall clock); orders fill on the sim venue at the wall clock.
 *
 * What is checked: a momentum strategy's orders are exactly what the
 * pipeline makes of the strategy's targets recomputed here from the sim bars,
 * under deterministic client order ids, and their fills land in the account;
 * the counters carry over continue-as-new; a closed activation rejects every
 * bar with the gate's reason, and so does the live guard in live mode; stop
 * cancels a resting order; an engaged kill switch ends the run and, when
 * told to, leaves the order working.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import { OrderVenueRegistry } from '../../activities/venues/order-registry';
import { VenueRegistry } from '../../activities/venues/registry';
import { SIM_PATH_END_MS, simBar } from '../../activities/venues/sim';
import { simSymbolProperties } from '../../activities/venues/sim-order-rules';
import { CRYPTO_HOURS } from '../../domain/brokerage/hours';
import type { JsonObject } from '../../domain/dag/node-id';
import { clientOrderId } from '../../domain/execution/order';
import { canShort, runPipeline } from '../../domain/execution/pipeline';
import { Dec } from '../../domain/execution/symbol';
import { computeNode } from '../../domain/nodes/library';
import { decimalReturns } from '../../domain/risk/realized-covariance';
import type { RiskSnapshot } from '../../domain/risk/snapshot';
import { paperPortfolio, targetSignal } from '../../domain/run/paper';
import { runIdOf } from '../../domain/run/run-id';
import type { ActivationWrite } from '../../domain/world/activation';
import { newWorld } from '../../domain/world/world';
import { workflowBundle } from '../../workers/worker';
import {
  dagRunProgressQuery,
  dagRunWorkflow,
  stopRunSignal,
  type DagRunInput,
} from '../../workflows/dag-run';
import { accountQuery, accountWorkflowId, orderQuery, orderWorkflowId } from '../../workflows/order-messages';
import {
  paperRunSummary,
  type PaperRunProgress,
  type PaperRunSettings,
} from '../../workflows/paper-run-messages';
import { CONTROL_QUEUE, EXEC_QUEUE } from '../../workflows/task-queues';
import { worldWorkflow } from '../../workflows/world';
import { worldWorkflowId, writeActivationUpdate } from '../../workflows/world-messages';
import { recordHistoryFromEnv, recordingEnabled } from '../support/histories';
import { MIN, SERIES, dagNode, putStrategy } from '../support/run-fixtures';
import { createTimeSkippingEnv } from '../support/time-skipping';

jest.setTimeout(120_000);

const SYMBOL = 'BTC/USDT';
const WEIGHT = 0.5;
const TEN_DAYS_MS = 10 * 86_400_000;

const input = dagNode('StreamInput', { source: SERIES }, [], 200);
/** input → returns → threshold(0, 0) → target_position(0.5, long only): long after an up bar, flat after a down bar. */
const returns = dagNode('returns', {}, [input]);
const momentum = dagNode('threshold_signal', { upper: 0, lower: 0 }, [returns]);
const momentumTarget = dagNode('target_position', { size: 0.5, long_only: true }, [momentum]);
const MOMENTUM_DAG = [input, returns, momentum, momentumTarget];
/** input → threshold(close > 0) → target_position(0.5): always long, so it always wants to trade. */
const always = dagNode('threshold_signal', { upper: 0, lower: 0 }, [input]);
const alwaysTarget = dagNode('target_position', { size: 0.5 }, [always]);
const LONG_DAG = [input, always, alwaysTarget];
/** input → threshold(close < 1e12) → target_position(0.5): always short (−0.5), which spot cannot hold. */
const never = dagNode('threshold_signal', { upper: 1e12, lower: 1e12 }, [input]);
const shortTarget = dagNode('target_position', { size: 0.5 }, [never]);
const SHORT_DAG = [input, never, shortTarget];
/** The momentum strategy without long_only: long after an up bar, short (−0.5) after a down bar. */
const swingTarget = dagNode('target_position', { size: 0.5 }, [momentum]);
const SWING_DAG = [input, returns, momentum, swingTarget];

const paperWrite = (strategy_id: string, active: boolean): ActivationWrite => ({
  strategy_id,
  active,
  weight: WEIGHT,
  freeze: false,
  drain: false,
  effective_mode: 'paper',
});

describe('dagRunWorkflow in paper mode (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let home: string;
  const workers: Array<{ worker: Worker; running: Promise<void> }> = [];

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-paper-'));
    store = await openStore({ home });
    const activities = createActivities({
      store,
      venues: new VenueRegistry({ now: () => SIM_PATH_END_MS }),
      orderVenues: new OrderVenueRegistry({ store, simStartingBalances: { USDT: '100000' } }),
    });
    const bundle = await workflowBundle();
    for (const taskQueue of [CONTROL_QUEUE, EXEC_QUEUE]) {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: bundle,
        activities,
      });
      workers.push({ worker, running: worker.run() });
    }
  });

  afterAll(async () => {
    for (const { worker, running } of workers) {
      worker.shutdown();
      await running;
    }
    await store?.close();
    await env?.teardown();
    rmSync(home, { recursive: true, force: true });
  });

  async function world(id: string, strategyId: string, active: boolean | undefined): Promise<void> {
    const handle = await env.client.workflow.start(worldWorkflow, {
      workflowId: worldWorkflowId(id),
      taskQueue: CONTROL_QUEUE,
      args: [
        { world: newWorld({ id, allow_live: false, labels: {} }, 'key_owner', '2026-01-05T00:00:00.000Z') },
      ],
    });
    if (active === undefined) return;
    await handle.executeUpdate(writeActivationUpdate, {
      args: [{ actor: 'op', write: paperWrite(strategyId, active) }],
    });
  }

  async function startRun(
    worldId: string,
    nodes: JsonObject[],
    paper: PaperRunSettings,
    active = true,
    mode: 'paper' | 'live' = 'paper',
  ) {
    const strategyId = await putStrategy(store, nodes, {}, [worldId]);
    await world(worldId, strategyId, active);
    const run: DagRunInput = {
      strategyId,
      worldId,
      mode,
      n: 1,
      paper: { account: worldId, order_poll_ms: TEN_DAYS_MS, ...paper },
    };
    const handle = await env.client.workflow.start(dagRunWorkflow, {
      workflowId: runIdOf(run),
      taskQueue: CONTROL_QUEUE,
      args: [run],
      staticSummary: paperRunSummary(run),
    });
    return { handle, strategyId, runId: runIdOf(run) };
  }

  const progressOf = async (handle: WorkflowHandle) =>
    (await handle.query(dagRunProgressQuery)) as PaperRunProgress;

  /** Lets the test server's time run a minute at a time until the run's progress satisfies `done`. */
  async function barsUntil(handle: WorkflowHandle, done: (p: PaperRunProgress) => boolean, minutes = 40) {
    let progress = await progressOf(handle);
    for (let i = 0; i < minutes && !done(progress); i++) {
      await env.sleep(MIN);
      progress = await progressOf(handle);
    }
    return progress;
  }

  const viewOf = (id: string) => env.client.workflow.getHandle(orderWorkflowId(id)).query(orderQuery);
  const orderIdOf = (worldId: string, strategyId: string, runId: string, barClose: number) =>
    clientOrderId(worldId, strategyId, `${runId}:${barClose}`, 0, 36);

  /** The targets the strategy yields at each bar close, computed here over a long run of sim bars. */
  function momentumTargets(
    barCloses: number[],
    longOnly = true,
  ): Array<{ barClose: number; target: number; close: string }> {
    const first = barCloses[0]! - MIN - 200 * MIN;
    const bars = Array.from({ length: (barCloses.at(-1)! - MIN - first) / MIN + 1 }, (_, i) =>
      simBar(SYMBOL, '1m', first + i * MIN),
    );
    const closes = bars.map((b) => b.close);
    const signal = computeNode('threshold_signal', [computeNode('returns', [closes], {})], {
      upper: 0,
      lower: 0,
    });
    const targets = computeNode('target_position', [signal], { size: 0.5, long_only: longOnly });
    return barCloses.map((barClose) => {
      const i = (barClose - MIN - first) / MIN;
      return { barClose, target: targets[i]!, close: new Dec(closes[i]!).toFixed() };
    });
  }

  it('trades the momentum targets as the pipeline sizes them, ids deterministic, fills in the account, across continue-as-new', async () => {
    const worldId = 'paper-momentum';
    const { handle, strategyId, runId } = await startRun(worldId, MOMENTUM_DAG, { bars_per_run: 4 });
    await barsUntil(handle, (p) => p.bars_processed >= 11);
    // Stop while holding a position, so the account shows a non-zero one.
    const holding = () =>
      env.client.workflow.getHandle(accountWorkflowId('sim', worldId)).query(accountQuery);
    for (let i = 0; i < 30 && new Dec((await holding()).positions[SYMBOL] ?? '0').isZero(); i++) {
      await env.sleep(MIN);
    }
    await handle.signal(stopRunSignal, { reason: 'enough' });
    expect(await handle.result()).toEqual({
      runId,
      status: 'stopped',
      metrics: {},
      simulated: false,
      stopReason: 'enough',
    });
    const progress = await progressOf(handle);
    // Continued as new at least twice (4 bars per run), the counters carried over.
    expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
    const n = progress.bars_processed;
    expect(n).toBeGreaterThanOrEqual(11);
    const barCloses = Array.from({ length: n }, (_, i) => progress.last_bar! - (n - 1 - i) * MIN);

    // Replay the run's decisions with the domain functions, booking each order's own fills.
    let cash = new Dec('100000');
    let position = new Dec(0);
    let held: number | undefined;
    const started: string[] = [];
    for (const { barClose, target, close } of momentumTargets(barCloses)) {
      if (!Number.isFinite(target) || target === held) continue;
      const outcome = runPipeline({
        signal: targetSignal(SYMBOL, target)!,
        activation: { active: true, frozen: false, draining: false, weight: String(WEIGHT) },
        killSwitchEngaged: false,
        portfolio: paperPortfolio(
          { cash: cash.toFixed(), positions: { [SYMBOL]: position.toFixed() } },
          SYMBOL,
          close,
          undefined,
        ),
        symbol: simSymbolProperties(SYMBOL),
        shortable: canShort(SYMBOL),
        limits: {},
        hours: CRYPTO_HOURS,
        ts: barClose,
      });
      if (outcome.kind === 'rejected') {
        expect(outcome.reason).toBe('NO_CHANGE');
        held = target;
        continue;
      }
      held = target;
      const id = orderIdOf(worldId, strategyId, runId, barClose);
      const view = await viewOf(id);
      expect(view.input).toMatchObject({
        side: outcome.intent.side,
        qty: outcome.intent.qty,
        type: 'market',
        intentId: `${runId}:${barClose}`,
      });
      expect(view.state).toBe('FILLED');
      for (const fill of view.fills) {
        const notional = new Dec(fill.qty).times(fill.price);
        cash =
          view.input.side === 'buy'
            ? cash.minus(notional).minus(fill.fee)
            : cash.plus(notional).minus(fill.fee);
        position = view.input.side === 'buy' ? position.plus(fill.qty) : position.minus(fill.qty);
      }
      started.push(id);
    }
    expect(started.length).toBeGreaterThan(2); // buys and sells, not one order
    expect(progress.orders_started).toBe(started.length);
    expect(progress).toMatchObject({ status: 'stopped', stop_reason: 'enough', open_orders: [] });

    const account = await env.client.workflow
      .getHandle(accountWorkflowId('sim', worldId))
      .query(accountQuery);
    expect(position.isZero()).toBe(false);
    expect(new Dec(account.positions[SYMBOL] ?? '0').toFixed()).toBe(position.toFixed());
    expect(new Dec(account.cash.settled).toFixed()).toBe(cash.toFixed());
    if (recordingEnabled()) await record(runId, 'paper-orders-continued');
  });

  it("a fill publishes the world's risk snapshot with the run's realized returns", async () => {
    const worldId = 'paper-fill-snapshot';
    const { handle, strategyId, runId } = await startRun(worldId, LONG_DAG, {});
    // Bar 1 buys; the bar after the fill sees the position changed and publishes.
    const progress = await barsUntil(handle, (p) => p.bars_processed >= 3);
    await handle.signal(stopRunSignal, {});
    expect(await handle.result()).toMatchObject({ status: 'stopped' });
    expect(progress.orders_started).toBe(1);

    const curve = await store.paperEquity.latestCurve(worldId, strategyId, 10);
    expect(curve.map((p) => p.runId)).toEqual(curve.map(() => runId));
    expect(new Dec(curve[0]!.position).isZero()).toBe(true);
    expect(new Dec(curve[1]!.position).gt(0)).toBe(true);
    const latest = await store.riskSnapshots.latest(worldId);
    expect(latest).toMatchObject({ actor: 'system', stage: 'paper' });
    const body = JSON.parse(latest!.body) as RiskSnapshot;
    expect(body.weights).toEqual({ [strategyId]: 1 });
    // Published after bar 2 (the first with the fill): the return from bar 1 to bar 2, in decimals.
    expect(body.realized_returns).toEqual({
      [strategyId]: decimalReturns([curve[0]!.equity, curve[1]!.equity]),
    });
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter((name) => name === 'publishPortfolioSnapshot');
    expect(scheduled).toHaveLength(1);
    if (recordingEnabled()) await record(runId, 'paper-fill-snapshot');
  });

  it('on spot, a short target from flat orders nothing (SHORT_NOT_ALLOWED), bar after bar', async () => {
    const worldId = 'paper-spot-short';
    const { handle } = await startRun(worldId, SHORT_DAG, {});
    const progress = await barsUntil(handle, (p) => p.bars_processed >= 3);
    await handle.signal(stopRunSignal, {});
    expect(await handle.result()).toMatchObject({ status: 'stopped' });
    expect(progress).toMatchObject({ orders_started: 0, last_reason: 'SHORT_NOT_ALLOWED', open_orders: [] });
  });

  it('on spot, a short target after a long sells exactly the position to flat, never below', async () => {
    const worldId = 'paper-spot-swing';
    const { handle, strategyId, runId } = await startRun(worldId, SWING_DAG, {});
    const account = () =>
      env.client.workflow.getHandle(accountWorkflowId('sim', worldId)).query(accountQuery);
    const progress = await barsUntil(handle, (p) => p.bars_processed >= 12);
    await handle.signal(stopRunSignal, {});
    expect(await handle.result()).toMatchObject({ status: 'stopped' });
    // Each order the run started, in bar order: the position after it never goes below zero.
    const barCloses = Array.from(
      { length: progress.bars_processed },
      (_, i) => progress.last_bar! - (progress.bars_processed - 1 - i) * MIN,
    );
    let position = new Dec(0);
    const sellsToFlat: string[] = [];
    for (const { barClose, target } of momentumTargets(barCloses, false)) {
      const id = orderIdOf(worldId, strategyId, runId, barClose);
      const view = await viewOf(id).catch(() => undefined);
      if (!view) continue;
      expect(view.state).toBe('FILLED');
      const before = position;
      position = view.input.side === 'buy' ? position.plus(view.input.qty) : position.minus(view.input.qty);
      expect(position.gte(0)).toBe(true);
      if (target < 0) {
        // A short target on spot: the whole long sold, nothing more.
        expect({ side: view.input.side, qty: view.input.qty }).toEqual({
          side: 'sell',
          qty: before.toFixed(),
        });
        sellsToFlat.push(id);
      }
    }
    expect(sellsToFlat.length).toBeGreaterThan(0);
    expect(new Dec((await account()).positions[SYMBOL] ?? '0').toFixed()).toBe(position.toFixed());
  });

  it('rejects every bar with the gate reason while the activation is closed, and starts no order', async () => {
    const worldId = 'paper-closed';
    const { handle, strategyId, runId } = await startRun(worldId, LONG_DAG, {}, false);
    const progress = await barsUntil(handle, (p) => p.bars_processed >= 3);
    await handle.signal(stopRunSignal, {});
    expect((await handle.result()).stopReason).toBe('stop requested');
    expect(progress).toMatchObject({
      orders_started: 0,
      last_reason: 'ACTIVATION_INACTIVE',
      open_orders: [],
    });
    for (let i = 0; i < progress.bars_processed; i++) {
      const id = orderIdOf(worldId, strategyId, runId, progress.last_bar! - i * MIN);
      await expect(env.client.workflow.getHandle(orderWorkflowId(id)).describe()).rejects.toBeInstanceOf(
        WorkflowNotFoundError,
      );
    }
  });

  it('in live mode, the live guard closes the gate of a world without allow_live', async () => {
    const worldId = 'live-guarded';
    const { handle } = await startRun(worldId, LONG_DAG, {}, true, 'live');
    const progress = await barsUntil(handle, (p) => p.bars_processed >= 2);
    await handle.signal(stopRunSignal, {});
    expect(await handle.result()).toMatchObject({ status: 'stopped' });
    expect(progress).toMatchObject({ mode: 'live', orders_started: 0, last_reason: 'LIVE_NOT_ALLOWED' });
  });

  it('stop cancels the resting order the run started', async () => {
    const worldId = 'paper-stop';
    const { handle, strategyId, runId } = await startRun(worldId, LONG_DAG, {
      order: { type: 'limit', offset_bps: 1000 },
    });
    const progress = await barsUntil(handle, (p) => p.bars_processed >= 2);
    expect(progress).toMatchObject({ orders_started: 1, last_reason: 'TARGET_UNCHANGED' });
    const id = orderIdOf(
      worldId,
      strategyId,
      runId,
      progress.last_bar! - (progress.bars_processed - 1) * MIN,
    );
    expect(progress.open_orders).toEqual([id]);
    expect((await viewOf(id)).state).toBe('NEW');

    await handle.signal(stopRunSignal, { reason: 'operator' });
    expect(await handle.result()).toMatchObject({ status: 'stopped', stopReason: 'operator' });
    expect((await viewOf(id)).state).toBe('CANCELED');
    expect(await progressOf(handle)).toMatchObject({ status: 'stopped', open_orders: [], orders_started: 1 });
    if (recordingEnabled()) await record(runId, 'paper-stop-cancels');
  });

  it('a target that moves on cancels the resting order before anything else is sized', async () => {
    const worldId = 'paper-retarget';
    // Limits 10 % away never fill: every order rests until the run cancels it.
    const { handle, strategyId, runId } = await startRun(worldId, MOMENTUM_DAG, {
      order: { type: 'limit', offset_bps: 1000 },
    });
    const progress = await barsUntil(handle, (p) => p.orders_started >= 2);
    await handle.signal(stopRunSignal, { reason: 'test over' });
    expect(await handle.result()).toMatchObject({ status: 'stopped' });
    expect(progress.orders_started).toBeGreaterThanOrEqual(2);
    const views = await Promise.all(progress.open_orders.map(viewOf));
    // Every buy but the newest was canceled when the target went flat; the newest by the stop.
    const cancelReasons = views.map(
      (v) => v.events.find((e) => e.event === 'CANCEL_REQUESTED')?.detail?.split(':')[0],
    );
    expect(views.map((v) => [v.input.side, v.state])).toEqual(views.map(() => ['buy', 'CANCELED']));
    expect(cancelReasons).toEqual([...views.slice(1).map(() => 'run retargeted'), 'run stopped']);
    const firstBar = Number(views[0]!.input.intentId.split(':').at(-1));
    expect(progress.open_orders[0]).toBe(orderIdOf(worldId, strategyId, runId, firstBar));
    if (recordingEnabled()) await record(runId, 'paper-cancel-on-retarget');
  });

  it('ends on an engaged kill switch and, with leave_orders_open, leaves its order working', async () => {
    const worldId = 'paper-kill';
    const { handle, strategyId, runId } = await startRun(worldId, LONG_DAG, {
      order: { type: 'limit', offset_bps: 1000 },
      leave_orders_open: true,
    });
    const progress = await barsUntil(handle, (p) => p.orders_started >= 1);
    const id = orderIdOf(
      worldId,
      strategyId,
      runId,
      progress.last_bar! - (progress.bars_processed - 1) * MIN,
    );
    await store.killSwitches.put({
      scopeKey: `world:${worldId}`,
      scope: { kind: 'world', worldId },
      engaged: true,
      reason: 'drill',
      flatten: false,
      by: 'key_op',
      at: '2026-01-05T12:00:00.000Z',
    });
    await env.sleep(2 * MIN);
    expect(await handle.result()).toMatchObject({
      status: 'stopped',
      stopReason: `kill switch world:${worldId}: drill`,
    });
    expect((await viewOf(id)).state).toBe('NEW');
    expect((await progressOf(handle)).open_orders).toEqual([id]);
  });

  /** Recorded from this test server (writes only under QMTL_RECORD_HISTORIES=1). */
  const record = (workflowId: string, caseName: string) => recordHistoryFromEnv(env, workflowId, caseName);
});
