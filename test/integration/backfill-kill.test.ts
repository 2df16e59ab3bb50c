/**
 * A backfill survives a worker killed mid-chunk (SIGKILL, a real process):
 * a second worker process resumes each chunk from its last heartbeated cursor,
 * the stored bars equal those of an uninterrupted run (same fingerprint), and
 * no page was fetched more than twice — at most one refetch per chunk.
 *
 * The page count comes from the child workers' fetch log: each appends
 * `pid since limit` before requesting a page (backfill-kill.worker.ts).
 */
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createBackfillActivities } from '../../activities/backfill';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import { VenueRegistry } from '../../activities/venues/registry';
import { fingerprintBars } from '../../domain/data/fingerprint';
import { backfillWorkflow, backfillWorkflowId, type BackfillInput } from '../../workflows/backfill';
import { DATA_QUEUE } from '../../workflows/task-queues';
import {
  exited,
  readLogLines,
  startWorkerProcess,
  until,
  workerProcessScope,
} from '../support/worker-process';
import type { KillWorkerOptions } from './backfill-kill.worker';
import { inputNodeRecord } from '../fixtures/node-records';

jest.setTimeout(120_000);

const MINUTE = 60_000;
const D0 = Date.UTC(2025, 5, 1);
const NOW = Date.UTC(2026, 0, 1);
const SERIES = 'ohlcv:sim:SOL/USDT:1m';
const NODE_ID = 'blake3:' + '5'.repeat(64);
const PAGE_LIMIT = 60;
/** One day: chunks of 900 and 540 bars, 15 and 9 pages of 60. */
const WINDOW = { start: D0, end: D0 + 1440 * MINUTE - MINUTE };
const CHUNKS = [
  { start: D0, end: D0 + 899 * MINUTE },
  { start: D0 + 900 * MINUTE, end: WINDOW.end },
];
const WORKER_ENTRY = path.join(__dirname, 'backfill-kill.worker.ts');

const node = inputNodeRecord(NODE_ID, SERIES);

interface Fetch {
  pid: number;
  since: number;
}

function readFetchLog(file: string): Fetch[] {
  return readLogLines(file).map(([pid, since]) => ({ pid: Number(pid), since: Number(since) }));
}

async function storedFingerprint(store: Store): Promise<string> {
  const bars = await store.bars.readBars(SERIES, WINDOW.start, WINDOW.end + MINUTE);
  return fingerprintBars({ nodeId: NODE_ID, intervalMs: MINUTE, coverage: WINDOW, bars });
}

/** The same plan and chunks, run straight through in this process with nothing killed. */
async function uninterruptedFingerprint(home: string): Promise<string> {
  const store = await openStore({ home });
  try {
    await store.nodes.registerAll([node]);
    const activities = createBackfillActivities({ store, venues: new VenueRegistry({ now: () => NOW }) });
    const plan = await activities.planBackfill({ nodeId: NODE_ID, window: WINDOW, chunkBars: 900 });
    for (const range of plan.chunks) {
      await new MockActivityEnvironment().run(activities.fetchChunk, {
        nodeId: NODE_ID,
        seriesId: SERIES,
        range,
      });
    }
    return await storedFingerprint(store);
  } finally {
    await store.close();
  }
}

describe('a backfill whose worker is killed mid-chunk', () => {
  const scope = workerProcessScope('qmtl-kill');

  it('resumes from heartbeated cursors on another worker and stores exactly the uninterrupted bars', async () => {
    const { temporal, root, children } = scope;
    const home = path.join(root, 'killed');
    const store = await openStore({ home });
    await store.nodes.registerAll([node]);
    await store.close();
    const options: KillWorkerOptions = {
      address: process.env.QMTL_TEST_TEMPORAL_ADDRESS!,
      namespace: temporal.client.options.namespace,
      home,
      nowMs: NOW,
      pageLimit: PAGE_LIMIT,
      pageDelayMs: 200,
      fetchLog: path.join(root, 'fetches.log'),
    };

    const first = await startWorkerProcess(WORKER_ENTRY, options);
    children.push(first);
    const input: BackfillInput = {
      nodeId: NODE_ID,
      ...WINDOW,
      tuning: { chunkHeartbeatTimeout: '3 seconds' },
    };
    const handle = await temporal.client.workflow.start(backfillWorkflow, {
      workflowId: backfillWorkflowId(NODE_ID, WINDOW),
      taskQueue: DATA_QUEUE,
      args: [input],
    });

    // Kill once both chunks have stored (and heartbeated) a few pages.
    const pagesIn = (chunk: { start: number; end: number }) =>
      readFetchLog(options.fetchLog).filter((f) => f.since >= chunk.start && f.since <= chunk.end).length;
    await until(() => CHUNKS.every((chunk) => pagesIn(chunk) >= 4), 60_000);
    first.kill('SIGKILL');
    await exited(first);
    const killedAfter = readFetchLog(options.fetchLog).length;

    const second = await startWorkerProcess(WORKER_ENTRY, options);
    children.push(second);
    const result = await handle.result();
    second.kill('SIGTERM');
    await exited(second);

    expect(result).toMatchObject({ status: 'completed', done_bars: 1440, total_bars: 1440, chunks_done: 2 });

    const fetches = readFetchLog(options.fetchLog);
    expect(killedAfter).toBeLessThan(24); // the kill landed before the first worker was done
    expect(new Set(fetches.map((f) => f.pid))).toEqual(new Set([first.pid, second.pid]));
    for (const chunk of CHUNKS) {
      const inChunk = fetches.filter((f) => f.since >= chunk.start && f.since <= chunk.end);
      const counts = new Map<number, number>();
      for (const f of inChunk) counts.set(f.since, (counts.get(f.since) ?? 0) + 1);
      const refetched = [...counts.values()].filter((n) => n > 1);
      expect(refetched.length).toBeLessThanOrEqual(1);
      expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
      // Every page of the chunk was fetched, and the second worker did not start it over.
      const pages = Math.round((chunk.end - chunk.start) / MINUTE + 1) / PAGE_LIMIT;
      expect(counts.size).toBe(pages);
      const resumedAt = inChunk.find((f) => f.pid === second.pid)?.since;
      expect(resumedAt).toBeGreaterThan(chunk.start);
    }

    const killed = await openStore({ home });
    try {
      expect(await killed.bars.countBars(SERIES, 0, NOW)).toBe(1440);
      expect(await killed.bars.coverage(SERIES)).toEqual([WINDOW]);
      expect(await storedFingerprint(killed)).toBe(
        await uninterruptedFingerprint(path.join(root, 'uninterrupted')),
      );
    } finally {
      await killed.close();
    }
  });
});
