/**
 * The backfill workflow on the time-skipping server with a real worker, a
 * real SQLite store and the simulated exchange: exact bar counts and coverage,
 * a repeat that runs no chunk, an overlap that merges, known-empty stretches
 * before a listing, and pause / resume / cancel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { VenueLookup } from '../../activities/backfill';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import { VenueRegistry } from '../../activities/venues/registry';
import { TemporalGateway } from '../../api/temporal-client';
import { workflowBundle } from '../../workers/worker';
import {
  backfillProgressQuery,
  backfillWorkflow,
  backfillWorkflowId,
  cancelBackfillSignal,
  pauseBackfillSignal,
  resumeBackfillSignal,
  type BackfillInput,
} from '../../workflows/backfill';
import { DATA_QUEUE } from '../../workflows/task-queues';
import { pacedVenues } from '../integration/backfill-kill.worker';
import { createTimeSkippingEnv } from '../support/time-skipping';
import { inputNodeRecord } from '../fixtures/node-records';

const MINUTE = 60_000;
const DAY = 86_400_000;
const D0 = Date.UTC(2025, 2, 1);
const SOURCE = 'ohlcv:sim:BTC/USDT:1m';
const NODE_ID = 'blake3:' + 'b'.repeat(64);
const NOW = Date.UTC(2026, 0, 1);

describe('backfillWorkflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let home: string;
  const registry = new VenueRegistry({ now: () => NOW });

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-backfill-wf-'));
    store = await openStore({ home });
    await store.nodes.registerAll([
      inputNodeRecord(NODE_ID, SOURCE),
      inputNodeRecord('blake3:' + 'c'.repeat(64), 'ohlcv:sim:ETH/USDT:1m'),
      inputNodeRecord('blake3:' + 'd'.repeat(64), 'ohlcv:sim:SOL/USDT:1m'),
      inputNodeRecord('blake3:' + 'e'.repeat(64), 'ohlcv:sim:ADA/USDT:1m'),
      {
        ...inputNodeRecord('blake3:' + 'a'.repeat(64), SOURCE),
        nodeType: 'sma',
        paramsJson: '{"window":20}',
      },
    ]);
  });

  afterAll(async () => {
    await store?.close();
    await env?.teardown();
    rmSync(home, { recursive: true, force: true });
  });

  /** A worker on qmtl-data counting chunk activities, for the duration of `fn`. */
  async function withWorker<T>(fn: () => Promise<T>, venues: VenueLookup = registry): Promise<[T, number]> {
    const activities = createActivities({ store, venues });
    let chunkRuns = 0;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: DATA_QUEUE,
      workflowBundle: await workflowBundle(),
      activities: {
        ...activities,
        fetchChunk: (request: Parameters<typeof activities.fetchChunk>[0]) => {
          chunkRuns++;
          return activities.fetchChunk(request);
        },
      },
      maxHeartbeatThrottleInterval: '100 ms',
    });
    const result = await worker.runUntil(fn);
    return [result, chunkRuns];
  }

  const run = (input: BackfillInput) =>
    env.client.workflow.execute(backfillWorkflow, {
      workflowId: backfillWorkflowId(input.nodeId, input),
      taskQueue: DATA_QUEUE,
      args: [input],
    });

  it('fills two days of 1m bars exactly, then finds nothing left to do, then merges an overlap', async () => {
    const twoDays = { nodeId: NODE_ID, start: D0, end: D0 + 2 * DAY - MINUTE };
    const [first, firstChunks] = await withWorker(() => run(twoDays));
    expect(first).toMatchObject({
      status: 'completed',
      series: SOURCE,
      total_bars: 2880,
      done_bars: 2880,
      chunks_total: 4, // 900 + 900 + 900 + 180
      chunks_done: 4,
      bars_written: 2880,
      empty_bars: 0,
    });
    expect(firstChunks).toBe(4);
    expect(await store.bars.countBars(SOURCE, D0, D0 + 2 * DAY)).toBe(2880);
    expect(await store.bars.coverage(SOURCE)).toEqual([{ start: D0, end: D0 + 2 * DAY - MINUTE }]);

    const [again, againChunks] = await withWorker(() => run(twoDays));
    expect(again).toMatchObject({ status: 'completed', total_bars: 0, chunks_total: 0, bars_written: 0 });
    expect(againChunks).toBe(0);

    // Day 2 noon → day 4 noon: the first 720 bars are stored already.
    const overlap = { nodeId: NODE_ID, start: D0 + 1.5 * DAY, end: D0 + 3.5 * DAY - MINUTE };
    const [merged, mergedChunks] = await withWorker(() => run(overlap));
    expect(merged).toMatchObject({
      status: 'completed',
      total_bars: 2160,
      bars_written: 2160,
      chunks_total: 3,
    });
    expect(mergedChunks).toBe(3);
    expect(await store.bars.countBars(SOURCE, 0, NOW)).toBe(2880 + 2160);
    expect(await store.bars.coverage(SOURCE)).toEqual([{ start: D0, end: D0 + 3.5 * DAY - MINUTE }]);
  });

  it('records the stretch before a listing as known-empty and does not ask for it again', async () => {
    const listing = Date.UTC(2017, 0, 1); // the sim lists every symbol here
    const nodeId = 'blake3:' + 'c'.repeat(64);
    const window = { nodeId, start: listing - 12 * 60 * MINUTE, end: listing + 12 * 60 * MINUTE - MINUTE };
    const [first] = await withWorker(() => run(window));
    expect(first).toMatchObject({
      status: 'completed',
      total_bars: 1440,
      bars_written: 720,
      empty_bars: 720,
    });
    const series = 'ohlcv:sim:ETH/USDT:1m';
    expect(await store.bars.knownEmpty(series)).toEqual([{ start: window.start, end: listing - MINUTE }]);
    expect(await store.bars.coverage(series)).toEqual([{ start: listing, end: window.end }]);

    const [again, chunks] = await withWorker(() => run(window));
    expect(again).toMatchObject({ total_bars: 0, chunks_total: 0 });
    expect(chunks).toBe(0);
  });

  it('starts through the Gateway door with search attributes, and fails typed on a node that reads no bars', async () => {
    const gateway = new TemporalGateway(env.client, 'default');
    const sma = 'blake3:' + 'a'.repeat(64);
    const [outcome] = await withWorker(async () => {
      const window = { start: D0, end: D0 + 59 * MINUTE };
      const { backfillId } = await gateway.startBackfill({
        nodeId: sma,
        window,
        source: { exchange: 'sim', symbol: 'BTC/USDT', timeframe: '1m', intervalMs: MINUTE },
      });
      await env.client.workflow
        .getHandle(backfillId)
        .result()
        .catch(() => undefined);
      return gateway.backfill(backfillId);
    });
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome?.error).toContain('reads no bar series');
  });

  it('pauses before any chunk, resumes, and completes', async () => {
    const nodeId = 'blake3:' + 'd'.repeat(64);
    const input = { nodeId, start: D0, end: D0 + DAY - MINUTE };
    const [result] = await withWorker(async () => {
      const handle = await env.client.workflow.signalWithStart(backfillWorkflow, {
        workflowId: backfillWorkflowId(nodeId, input),
        taskQueue: DATA_QUEUE,
        args: [input],
        signal: pauseBackfillSignal,
        signalArgs: [],
      });
      let progress = await handle.query(backfillProgressQuery);
      for (let i = 0; i < 50 && progress.status !== 'paused'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        progress = await handle.query(backfillProgressQuery);
      }
      expect(progress).toMatchObject({ status: 'paused', chunks_done: 0, chunks_total: 2, total_bars: 1440 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await handle.query(backfillProgressQuery)).toMatchObject({ status: 'paused', chunks_done: 0 });
      await handle.signal(resumeBackfillSignal);
      return handle.result();
    });
    expect(result).toMatchObject({ status: 'completed', done_bars: 1440, bars_written: 1440 });
  });

  it('cancels chunks in flight and ends as canceled', async () => {
    const nodeId = 'blake3:' + 'e'.repeat(64);
    const input = { nodeId, start: D0, end: D0 + 2 * DAY - MINUTE, tuning: { maxConcurrentChunks: 2 } };
    const [result] = await withWorker(
      async () => {
        const handle = await env.client.workflow.start(backfillWorkflow, {
          workflowId: backfillWorkflowId(nodeId, input),
          taskQueue: DATA_QUEUE,
          args: [input],
        });
        let progress = await handle.query(backfillProgressQuery);
        for (let i = 0; i < 100 && progress.status !== 'running'; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          progress = await handle.query(backfillProgressQuery);
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
        await handle.signal(cancelBackfillSignal, { reason: 'operator changed their mind' });
        return handle.result();
      },
      pacedVenues(registry, { pageLimit: 100, pageDelayMs: 100 }),
    );
    expect(result).toMatchObject({
      status: 'canceled',
      error: 'operator changed their mind',
      chunks_total: 4,
    });
    expect(result.chunks_done).toBeLessThan(4);
    const stored = await store.bars.countBars('ohlcv:sim:ADA/USDT:1m', 0, NOW);
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(2880);
    // Nothing is written after the workflow reported canceled: the chunks acknowledged the cancel.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await store.bars.countBars('ohlcv:sim:ADA/USDT:1m', 0, NOW)).toBe(stored);
  });
});
