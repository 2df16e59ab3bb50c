/**
 * Per-exchange task queues (SPEC §7): a backfill's chunks run on
 * `qmtl-data.{exchange}`, served by the activity-only worker the wiring
 * creates for each configured exchange, behind a `patched()` marker so older
 * histories replay; the queue's rate (QMTL_VENUE_RATE_LIMITS) paces chunk
 * starts across the fleet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { openStore } from '../../activities/store';
import { configSchema, type QmtlConfig } from '../../workers/config';
import { createLogger } from '../../workers/logger';
import { ensureSearchAttributes } from '../../workers/search-attributes-setup';
import { connectClient, connectWorker } from '../../workers/temporal-connection';
import { runWorkers } from '../../workers/worker';
import { backfillWorkflow, backfillWorkflowId } from '../../workflows/backfill';
import { DATA_QUEUE } from '../../workflows/task-queues';
import { recordHistory } from '../support/histories';
import { registerNamespace } from '../support/namespace';
import { bootStack, type Stack } from '../support/stack';
import { inputNodeRecord } from '../fixtures/node-records';

jest.setTimeout(120_000);

const MINUTE = 60_000;
const DAY = 86_400_000;
const D0 = Date.UTC(2025, 2, 1);
const BTC = 'blake3:' + 'a1'.repeat(32);

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

async function historyOf(handle: WorkflowHandle): Promise<HistoryEvent[]> {
  return (await handle.fetchHistory()).events ?? [];
}

/** Task queue of every scheduled activity of a type. */
function scheduledQueues(events: HistoryEvent[], activityType: string): string[] {
  return events
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a?.activityType?.name === activityType)
    .map((a) => a?.taskQueue?.name ?? '');
}

/** `patched()` markers: the patch id and the event that recorded it. */
function patchMarkers(events: HistoryEvent[]): Array<{ id: string; eventId: unknown }> {
  return events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return {
        id: (JSON.parse(Buffer.from(data ?? []).toString('utf8')) as { id: string }).id,
        eventId: e.eventId,
      };
    });
}

/** Epoch ms of each chunk activity's start. */
function chunkStarts(events: HistoryEvent[]): number[] {
  const chunkIds = new Set(
    events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'fetchChunk')
      .map((e) => Number(e.eventId)),
  );
  return events
    .filter((e) => chunkIds.has(Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1)))
    .map((e) => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6))
    .sort((a, b) => a - b);
}

describe('per-exchange chunk queues (the stack wiring)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await bootStack();
    await stack.store.nodes.registerAll([inputNodeRecord(BTC, 'ohlcv:sim:BTC/USDT:1m')]);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('runs the chunks of a sim backfill on qmtl-data.sim after a per-exchange-queues-v1 marker', async () => {
    const start = await stack.api('POST', '/v1/data/backfills', {
      node_id: BTC,
      start: D0,
      end: D0 + 3 * DAY,
    });
    expect(start.status).toBe(202);
    const handle = stack.client.workflow.getHandle<typeof backfillWorkflow>(start.body.backfill_id);
    expect(await handle.result()).toMatchObject({
      status: 'completed',
      total_bars: 4320,
      chunks_done: 5,
      bars_written: 4320,
    });
    const events = await historyOf(handle);
    expect(scheduledQueues(events, 'planBackfill')).toEqual([DATA_QUEUE]);
    expect(scheduledQueues(events, 'fetchChunk')).toEqual(Array(5).fill('qmtl-data.sim'));
    const [marker, ...others] = patchMarkers(events);
    expect(others).toEqual([]);
    expect(marker?.id).toBe('per-exchange-queues-v1');
    const firstChunk = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'fetchChunk',
    );
    expect(Number(marker?.eventId)).toBeLessThan(Number(firstChunk?.eventId));
    expect(await stack.store.bars.countBars('ohlcv:sim:BTC/USDT:1m', D0, D0 + 3 * DAY)).toBe(4320);
    await recordHistory(stack.client, handle.workflowId, 'per-exchange-queues');
  });
});

describe('per-exchange chunk queues (a 2/s limit)', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-venue-queues-'));
  const namespace = `qmtl-test-${randomBytes(4).toString('hex')}`;
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const address = process.env.QMTL_TEST_TEMPORAL_ADDRESS;
    if (!address) throw new Error('QMTL_TEST_TEMPORAL_ADDRESS is unset: run through jest');
    const config = configSchema.parse({
      home,
      logLevel: 'silent',
      temporalAddress: address,
      temporalNamespace: namespace,
      workerQueues: 'qmtl-data',
      venueRateLimits: 'sim=2',
    }) as QmtlConfig;
    const temporalClient = await connectClient(config);
    client = temporalClient.client;
    await registerNamespace(client, namespace);
    await ensureSearchAttributes(temporalClient.connection, namespace);
    const store = await openStore({ home });
    await store.nodes.registerAll([inputNodeRecord(BTC, 'ohlcv:sim:BTC/USDT:1m')]);
    const connection = await connectWorker(config);
    const workers = await runWorkers({
      config,
      connection,
      store,
      log: createLogger('silent', 'venue-queues'),
    });
    close = async () => {
      await workers.shutdown();
      await connection.close();
      await temporalClient.connection.close();
      await store.close();
    };
  });
  afterAll(async () => {
    await close?.();
    rmSync(home, { recursive: true, force: true });
  });

  it('starts at most about two chunks a second, however many lanes are free', async () => {
    const window = { start: D0, end: D0 + 8 * 60 * MINUTE - MINUTE }; // 480 bars = 8 chunks of 60
    const handle = await client.workflow.start(backfillWorkflow, {
      workflowId: backfillWorkflowId(BTC, window),
      taskQueue: DATA_QUEUE,
      args: [{ nodeId: BTC, ...window, tuning: { chunkBars: 60, maxConcurrentChunks: 8 } }],
    });
    expect(await handle.result()).toMatchObject({ status: 'completed', chunks_done: 8, bars_written: 480 });
    const events = await historyOf(handle);
    expect(scheduledQueues(events, 'fetchChunk')).toEqual(Array(8).fill('qmtl-data.sim'));
    const starts = chunkStarts(events);
    expect(starts).toHaveLength(8);
    // Unlimited, the 8 lanes start all 8 chunks within some 30 ms; at 2/s (after the server's initial
    // burst) the last one starts seconds after the first (about 7 s on the dev server).
    expect(starts[7]! - starts[0]!).toBeGreaterThanOrEqual(2_000);
  });
});
