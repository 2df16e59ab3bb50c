/**
 * The Seamless `fetchSeries` activity (SPEC §7) against the dev server and the
 * stack's workers: FAIL_FAST reads only what is stored, AUTO_BACKFILL starts or
 * joins the window's backfill and waits, PARTIAL_FILL returns what exists and
 * fills in the background; SLA failures name their phase. The activity runs in
 * a mock activity context with the stack's client, so heartbeats and
 * cancellation can be watched; the backfills it starts run on the real workers.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  backfillIdOf,
  createSeamlessActivities,
  type FetchSeriesRequest,
  type FetchSeriesResult,
} from '../../activities/seamless';
import type { Store } from '../../activities/store/port';
import { fingerprintBars } from '../../domain/data/fingerprint';
import {
  backfillProgressQuery,
  backfillWorkflowId,
  pauseBackfillSignal,
  resumeBackfillSignal,
  type backfillWorkflow,
} from '../../workflows/backfill';
import { DATA_QUEUE } from '../../workflows/task-queues';
import { bootStack, type Stack } from '../support/stack';
import { nodeRecord } from '../fixtures/node-records';

jest.setTimeout(120_000);

/** The mock context logs every failed activity; these tests provoke failures on purpose. */
const quiet = {
  client: undefined,
  logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
};

const MINUTE = 60_000;
const DAY = 86_400_000;
const D0 = Date.UTC(2025, 2, 1);
const TWO_DAYS = { start: D0, end: D0 + 2 * DAY - MINUTE }; // 2,880 bars
const FIRST_36H = { start: D0, end: D0 + 1.5 * DAY - MINUTE }; // 2,160 bars
const BTC = 'blake3:' + '3'.repeat(64);
const ETH = 'blake3:' + '4'.repeat(64);
const SOL = 'blake3:' + '5'.repeat(64);
const ADA = 'blake3:' + '6'.repeat(64);
const SMA = 'blake3:' + '2'.repeat(64);

/** The failure an activity call rejected with (the test fails if it resolved). */
async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (err: unknown) => ({ err }),
  );
  if (!('err' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.err).toBeInstanceOf(ApplicationFailure);
  return outcome.err as ApplicationFailure;
}

describe('fetchSeries over the dev server', () => {
  let stack: Stack;
  let env: MockActivityEnvironment;
  let heartbeats: unknown[];
  let activities: ReturnType<typeof createSeamlessActivities>;
  const fetchSeries = (request: FetchSeriesRequest): Promise<FetchSeriesResult> =>
    env.run(activities.fetchSeries, request);
  const fingerprintOf = async (store: Store, nodeId: string, series: string, window = TWO_DAYS) =>
    fingerprintBars({
      nodeId,
      intervalMs: MINUTE,
      coverage: window,
      bars: await store.bars.readBars(series, window.start, window.end + MINUTE),
    });
  /** A backfill of the window, started paused (signal-with-start), so nothing is fetched until resumed. */
  const startPaused = (nodeId: string) =>
    stack.client.workflow.signalWithStart<typeof backfillWorkflow, []>('backfillWorkflow', {
      workflowId: backfillWorkflowId(nodeId, TWO_DAYS),
      taskQueue: DATA_QUEUE,
      args: [{ nodeId, start: TWO_DAYS.start, end: TWO_DAYS.end }],
      signal: pauseBackfillSignal,
      signalArgs: [],
    });

  beforeAll(async () => {
    stack = await bootStack();
    await stack.store.nodes.registerAll([
      nodeRecord(BTC, 'StreamInput', { source: 'ohlcv:sim:BTC/USDT:1m' }),
      nodeRecord(ETH, 'StreamInput', { source: 'ohlcv:sim:ETH/USDT:1m' }),
      nodeRecord(SOL, 'StreamInput', { source: 'ohlcv:sim:SOL/USDT:1m' }),
      nodeRecord(ADA, 'StreamInput', { source: 'ohlcv:sim:ADA/USDT:1m' }),
      nodeRecord(SMA, 'sma', { window: 20 }),
    ]);
    activities = createSeamlessActivities({ store: stack.store, client: stack.client });
  });
  beforeEach(() => {
    heartbeats = [];
    env = new MockActivityEnvironment(undefined, quiet);
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  });
  afterAll(async () => {
    await stack.close();
  });

  it('FAIL_FAST: an empty window is E_DATA_MISSING (DataMissing, not retried) and starts no backfill', async () => {
    const failure = await failureOf(fetchSeries({ nodeId: BTC, window: TWO_DAYS, strategy: 'FAIL_FAST' }));
    expect(failure).toMatchObject({
      type: 'DataMissing',
      nonRetryable: true,
      message:
        'E_DATA_MISSING in phase read: 2880 of 2880 bars of the window are neither stored nor known-empty ' +
        '(FAIL_FAST needs the whole window)',
    });
    expect(failure.details?.[0]).toMatchObject({
      code: 'E_DATA_MISSING',
      phase: 'read',
      nodeId: BTC,
      seriesId: 'ohlcv:sim:BTC/USDT:1m',
      coverageRatio: 0,
    });
    await expect(
      stack.client.workflow.getHandle(backfillIdOf(BTC, TWO_DAYS)).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('AUTO_BACKFILL: fills the window through its backfill, waits, and reads it whole; FAIL_FAST then finds it', async () => {
    const auto = await fetchSeries({ nodeId: BTC, window: TWO_DAYS, strategy: 'AUTO_BACKFILL' });
    const fingerprint = await fingerprintOf(stack.store, BTC, 'ohlcv:sim:BTC/USDT:1m');
    expect(auto).toEqual({
      seriesId: 'ohlcv:sim:BTC/USDT:1m',
      fingerprint,
      bars: 2880,
      partial: false,
      coverageRatio: 1,
      lagBars: 0,
      backfillId: backfillWorkflowId(BTC, TWO_DAYS),
      phaseMs: { plan: expect.any(Number), backfill: expect.any(Number), read: expect.any(Number) },
    });
    expect(backfillIdOf(BTC, TWO_DAYS)).toBe(backfillWorkflowId(BTC, TWO_DAYS));
    expect(heartbeats).toEqual(
      expect.arrayContaining([{ phase: 'plan' }, { phase: 'backfill' }, { phase: 'read' }]),
    );
    const done = await stack.client.workflow.getHandle(auto.backfillId!).query(backfillProgressQuery);
    expect(done).toMatchObject({ status: 'completed', bars_written: 2880 });

    // A run's window carries its interval; it is checked against the node's.
    const stored = await fetchSeries({
      nodeId: BTC,
      window: { ...TWO_DAYS, intervalMs: MINUTE },
      strategy: 'FAIL_FAST',
    });
    expect(stored).toEqual({
      seriesId: 'ohlcv:sim:BTC/USDT:1m',
      fingerprint,
      bars: 2880,
      partial: false,
      coverageRatio: 1,
      lagBars: 0,
      phaseMs: { plan: expect.any(Number), read: expect.any(Number) },
    });
  });

  it('PARTIAL_FILL: returns the stored 2,160 of 2,880 bars marked partial and joins the backfill; minCoverage 0.8 fails in phase read', async () => {
    await fetchSeries({ nodeId: ETH, window: FIRST_36H, strategy: 'AUTO_BACKFILL' });
    const backfill = await startPaused(ETH);

    // The worker's own client, from the activity context (no client in the deps).
    const contextEnv = new MockActivityEnvironment(undefined, { ...quiet, client: stack.client });
    const request: FetchSeriesRequest = { nodeId: ETH, window: TWO_DAYS, strategy: 'PARTIAL_FILL' };
    const partial = await contextEnv.run(
      createSeamlessActivities({ store: stack.store }).fetchSeries,
      request,
    );
    expect(partial).toEqual({
      seriesId: 'ohlcv:sim:ETH/USDT:1m',
      fingerprint: await fingerprintOf(stack.store, ETH, 'ohlcv:sim:ETH/USDT:1m'),
      bars: 2160,
      partial: true,
      coverageRatio: 0.75,
      lagBars: 720,
      backfillId: backfill.workflowId,
      phaseMs: { plan: expect.any(Number), backfill: expect.any(Number), read: expect.any(Number) },
    });

    const floor = await failureOf(
      fetchSeries({ nodeId: ETH, window: TWO_DAYS, strategy: 'PARTIAL_FILL', sla: { minCoverage: 0.8 } }),
    );
    expect(floor).toMatchObject({
      type: 'SlaViolated',
      nonRetryable: true,
      message: 'E_SLA_COVERAGE in phase read: coverage 0.75 (2160 of 2880 bars) is below minCoverage 0.8',
    });
    expect(floor.details?.[0]).toMatchObject({ code: 'E_SLA_COVERAGE', phase: 'read', coverageRatio: 0.75 });

    // The one backfill both fetches joined fills the rest once resumed.
    await backfill.signal(resumeBackfillSignal);
    expect(await backfill.result()).toMatchObject({
      status: 'completed',
      total_bars: 720,
      bars_written: 720,
    });
    expect(await fetchSeries({ nodeId: ETH, window: TWO_DAYS, strategy: 'PARTIAL_FILL' })).toMatchObject({
      bars: 2880,
      partial: false,
      coverageRatio: 1,
    });
  });

  it('PARTIAL_FILL on an empty series starts the backfill without waiting for it', async () => {
    const first = await fetchSeries({ nodeId: ADA, window: TWO_DAYS, strategy: 'PARTIAL_FILL' });
    expect(first.backfillId).toBe(backfillWorkflowId(ADA, TWO_DAYS));
    expect(first.bars).toBeLessThan(2880); // whatever the background backfill had written by the read
    const progress = await stack.client.workflow.getHandle(first.backfillId!).result();
    expect(progress).toMatchObject({ status: 'completed', total_bars: 2880 });
    expect(await stack.store.bars.countBars('ohlcv:sim:ADA/USDT:1m', D0, D0 + 2 * DAY)).toBe(2880);
  });

  it('AUTO_BACKFILL over its backfill deadline fails in phase backfill; the backfill goes on', async () => {
    const backfill = await startPaused(SOL);
    const failure = await failureOf(
      fetchSeries({
        nodeId: SOL,
        window: TWO_DAYS,
        strategy: 'AUTO_BACKFILL',
        sla: { phaseDeadlinesMs: { backfill: 300 } },
      }),
    );
    expect(failure.type).toBe('SlaViolated');
    expect(failure.message).toMatch(
      /^E_SLA_DEADLINE in phase backfill: phase backfill took \d+ ms, over its deadline of 300 ms; /,
    );
    expect(failure.message).toContain(`; backfill ${backfill.workflowId} goes on in the background`);
    expect(failure.details?.[0]).toMatchObject({
      code: 'E_SLA_DEADLINE',
      phase: 'backfill',
      backfillId: backfill.workflowId,
    });
    expect((await backfill.describe()).status.name).toBe('RUNNING');

    // A stopped fetch (cancelled activity) stops waiting, and leaves the backfill running too.
    const waiting = fetchSeries({ nodeId: SOL, window: TWO_DAYS, strategy: 'AUTO_BACKFILL' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    env.cancel();
    await expect(waiting).rejects.toBeInstanceOf(CancelledFailure);
    expect((await backfill.describe()).status.name).toBe('RUNNING');

    await backfill.signal(resumeBackfillSignal);
    expect(await backfill.result()).toMatchObject({ status: 'completed', bars_written: 2880 });
  });

  it('names the plan and read phases when they run over their deadlines', async () => {
    const slow = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const slowBars = (which: 'coverage' | 'readBars') =>
      ({
        ...stack.store,
        nodes: stack.store.nodes,
        bars: {
          ...stack.store.bars,
          coverage: async (series: string) => {
            if (which === 'coverage') await slow(80);
            return stack.store.bars.coverage(series);
          },
          knownEmpty: (series: string) => stack.store.bars.knownEmpty(series),
          readBars: async (series: string, start: number, end: number) => {
            if (which === 'readBars') await slow(80);
            return stack.store.bars.readBars(series, start, end);
          },
        },
      }) as unknown as Store;
    const request: FetchSeriesRequest = {
      nodeId: BTC,
      window: TWO_DAYS,
      strategy: 'FAIL_FAST',
      sla: { phaseDeadlinesMs: { plan: 40, read: 40 } },
    };
    const plan = await failureOf(
      env.run(createSeamlessActivities({ store: slowBars('coverage') }).fetchSeries, request),
    );
    expect(plan.message).toMatch(
      /^E_SLA_DEADLINE in phase plan: phase plan took \d+ ms, over its deadline of 40 ms$/,
    );
    const read = await failureOf(
      env.run(createSeamlessActivities({ store: slowBars('readBars') }).fetchSeries, request),
    );
    expect(read.details?.[0]).toMatchObject({ code: 'E_SLA_DEADLINE', phase: 'read', coverageRatio: 1 });
  });

  it('refuses bad requests as InvalidInput / NotFound', async () => {
    const cases: Array<[FetchSeriesRequest, string, RegExp]> = [
      [
        { nodeId: BTC, window: { start: D0 + 1, end: D0 + DAY }, strategy: 'FAIL_FAST' },
        'InvalidInput',
        /1m bar opens/,
      ],
      [
        { nodeId: BTC, window: { ...TWO_DAYS, intervalMs: 5 * MINUTE }, strategy: 'FAIL_FAST' },
        'InvalidInput',
        /^window interval 300000 ms is not the 1m bars of ohlcv:sim:BTC\/USDT:1m$/,
      ],
      [{ nodeId: SMA, window: TWO_DAYS, strategy: 'FAIL_FAST' }, 'InvalidInput', /reads no bar series/],
      [
        { nodeId: 'blake3:' + '0'.repeat(64), window: TWO_DAYS, strategy: 'FAIL_FAST' },
        'NotFound',
        /not registered/,
      ],
      [
        { nodeId: BTC, window: TWO_DAYS, strategy: 'FAIL_FAST', sla: { minCoverge: 1 } as never },
        'InvalidInput',
        /^fetchSeries sla: /,
      ],
      [
        { nodeId: BTC, window: TWO_DAYS, strategy: 'BEST_EFFORT' as never },
        'InvalidInput',
        /^fetchSeries strategy: /,
      ],
    ];
    for (const [request, type, message] of cases) {
      const failure = await failureOf(fetchSeries(request));
      expect({ type: failure.type, nonRetryable: failure.nonRetryable }).toEqual({
        type,
        nonRetryable: true,
      });
      expect(failure.message).toMatch(message);
    }
  });
});
