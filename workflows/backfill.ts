/**
 * backfill:{nodeId}:{start}:{end} — makes sure an input node's bars exist for
 * a window (SPEC §7). Plans the gaps (window minus coverage and known-empty
 * stretches), then fills them chunk by chunk, at most N at once, each chunk an
 * activity that pages the venue and heartbeats its cursor. Only ids, ranges
 * and counts travel through the history; bars live in the store.
 */
import {
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  ApplicationFailure,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { BarRange } from '../domain/data/bars';
import { missingBars } from '../domain/data/coverage';
import type { BackfillActivities, BackfillPlan, ChunkResult } from '../activities/backfill';
import { storeCall, venueCall } from './activity-options';
import { QmtlStatus } from './search-attributes';

export type BackfillStatus = 'planning' | 'running' | 'paused' | 'completed' | 'failed' | 'canceled';

/** Knobs with production defaults; tests shorten the heartbeat timeout so a killed worker is noticed fast. */
export interface BackfillTuning {
  /** Chunk activities in flight at once (SPEC §7 default 8). */
  maxConcurrentChunks?: number;
  /** Bars per chunk (SPEC §7 default 900). */
  chunkBars?: number;
  /** How long a silent chunk activity is trusted before it is retried elsewhere (default venueCall's 30 s). */
  chunkHeartbeatTimeout?: Duration;
}

export interface BackfillInput {
  nodeId: string;
  /** First and last bar open of the window, epoch ms, on the node's interval grid (inclusive). */
  start: number;
  end: number;
  tuning?: BackfillTuning;
  /** Progress handed over by continue-as-new; absent on the first run. */
  carried?: CarriedProgress;
}

/** What the `progress` query answers (snake_case: the API passes it on as is). */
export interface BackfillProgress {
  status: BackfillStatus;
  node_id: string;
  start: number;
  end: number;
  /** The series the node reads, e.g. `ohlcv:sim:BTC/USDT:1m`; known after planning. */
  series?: string;
  /** Bars of the planned gaps whose chunks have finished (fetched, or found empty at the venue). */
  done_bars: number;
  /** Bars missing when the backfill was planned: 0 when the window was already covered. */
  total_bars: number;
  chunks_done: number;
  chunks_total: number;
  /** Rows the chunks upserted, and bars the venue reported as not existing (recorded known-empty). */
  bars_written: number;
  empty_bars: number;
  error?: string;
}

type CarriedProgress = Pick<
  BackfillProgress,
  'done_bars' | 'total_bars' | 'chunks_done' | 'chunks_total' | 'bars_written' | 'empty_bars'
> & { paused: boolean };

export const backfillProgressQuery = defineQuery<BackfillProgress>('progress');
/** Finishes the chunks in flight, then starts no new one until resumed. */
export const pauseBackfillSignal = defineSignal('pause');
export const resumeBackfillSignal = defineSignal('resume');
/** Cancels the chunks in flight (they stop at their next page) and ends as `canceled`. */
export const cancelBackfillSignal = defineSignal<[{ reason?: string }?]>('cancel');

export const backfillWorkflowId = (nodeId: string, window: BarRange): string =>
  `backfill:${nodeId}:${window.start}:${window.end}`;

export const DEFAULT_MAX_CONCURRENT_CHUNKS = 8;
export const DEFAULT_CHUNK_BARS = 900;

export async function backfillWorkflow(input: BackfillInput): Promise<BackfillProgress> {
  const control = backfillControl(input);
  const { progress } = control;
  const { planBackfill } = proxyActivities<BackfillActivities>(storeCall);

  let handOver = false;
  try {
    await control.scope.run(async () => {
      const chunkBars = input.tuning?.chunkBars ?? DEFAULT_CHUNK_BARS;
      const window = { start: input.start, end: input.end };
      const plan = await planBackfill({ nodeId: input.nodeId, window, chunkBars });
      control.planned(plan);
      // Chunks run on their exchange's rate-limited queue (SPEC §7); runs recorded before that keep the workflow's own.
      const fetchChunk = chunkActivity(
        input.tuning,
        patched('per-exchange-queues-v1') ? plan.chunkQueue : undefined,
      );
      await runChunks(plan, input.tuning?.maxConcurrentChunks ?? DEFAULT_MAX_CONCURRENT_CHUNKS, {
        waitUntilRunnable: () => condition(() => !control.paused),
        shouldHandOver: () => (handOver ||= workflowInfo().continueAsNewSuggested),
        fetch: (range) => fetchChunk({ nodeId: input.nodeId, seriesId: plan.seriesId, range }),
        record: (range, result) => control.chunkDone(range, plan.intervalMs, result),
      });
    });
  } catch (err) {
    if (control.cancelReason !== undefined && isCancellation(err)) {
      log.info('backfill canceled', { nodeId: input.nodeId, reason: control.cancelReason });
      control.moveTo('canceled');
      progress.error = control.cancelReason;
      return { ...progress };
    }
    if (isCancellation(err)) throw err; // cancelled through Temporal itself: the execution ends as Canceled
    control.moveTo('failed');
    progress.error = errorMessage(err);
    throw ApplicationFailure.create({
      type: 'BackfillFailed',
      message: `backfill of ${progress.series ?? input.nodeId} failed: ${progress.error}`,
      details: [{ ...progress }],
      nonRetryable: true,
      cause: err instanceof Error ? err : undefined,
    });
  }
  if (handOver) {
    // History is getting long (a multi-year window): start afresh with the progress so far.
    return continueAsNew<typeof backfillWorkflow>({
      ...input,
      carried: { ...carry(progress), paused: control.paused },
    });
  }
  control.moveTo('completed');
  return { ...progress };
}

/** The workflow's state, its query and signal handlers, and the status moves they make. */
function backfillControl(input: BackfillInput) {
  const progress: BackfillProgress = {
    status: 'planning',
    node_id: input.nodeId,
    start: input.start,
    end: input.end,
    done_bars: 0,
    total_bars: 0,
    chunks_done: 0,
    chunks_total: 0,
    bars_written: 0,
    empty_bars: 0,
    ...omitPaused(input.carried),
  };
  const control = {
    progress,
    paused: input.carried?.paused ?? false,
    cancelReason: undefined as string | undefined,
    /** Planning and chunks run in it; the cancel signal cancels it. */
    scope: new CancellationScope(),
    moveTo(status: BackfillStatus): void {
      if (progress.status === status) return;
      progress.status = status;
      upsertSearchAttributes([{ key: QmtlStatus, value: status }]);
    },
    planned(plan: BackfillPlan): void {
      progress.series = plan.seriesId;
      if (input.carried === undefined) {
        progress.total_bars = plan.totalBars;
        progress.chunks_total = plan.chunks.length;
      } else {
        // The re-plan after continue-as-new sees the finished chunks as coverage.
        progress.chunks_total = progress.chunks_done + plan.chunks.length;
      }
      control.moveTo(control.paused ? 'paused' : 'running');
    },
    chunkDone(range: BarRange, intervalMs: number, result: ChunkResult): void {
      progress.done_bars += missingBars(range, intervalMs);
      progress.chunks_done += 1;
      progress.bars_written += result.barsWritten;
      progress.empty_bars += result.emptyBars;
    },
  };
  setHandler(backfillProgressQuery, () => ({ ...progress }));
  setHandler(pauseBackfillSignal, () => {
    control.paused = true;
    if (progress.status === 'running') control.moveTo('paused');
  });
  setHandler(resumeBackfillSignal, () => {
    control.paused = false;
    if (progress.status === 'paused') control.moveTo('running');
  });
  setHandler(cancelBackfillSignal, (args) => {
    control.cancelReason ??= args?.reason ?? 'cancel requested';
    control.scope.cancel();
  });
  return control;
}

function chunkActivity(tuning: BackfillTuning | undefined, taskQueue: string | undefined) {
  return proxyActivities<BackfillActivities>({
    ...venueCall,
    ...(tuning?.chunkHeartbeatTimeout ? { heartbeatTimeout: tuning.chunkHeartbeatTimeout } : {}),
    ...(taskQueue === undefined ? {} : { taskQueue }),
  }).fetchChunk;
}

interface ChunkLanes {
  waitUntilRunnable(): Promise<void>;
  shouldHandOver(): boolean;
  fetch(range: BarRange): Promise<ChunkResult>;
  record(range: BarRange, result: ChunkResult): void;
}

/**
 * Runs the plan's chunks, at most `lanes` at once. The first failed chunk
 * stops new ones from starting; chunks in flight finish (their bars are good)
 * and the failure is raised after them.
 */
async function runChunks(plan: BackfillPlan, lanes: number, run: ChunkLanes): Promise<void> {
  let next = 0;
  let failure: unknown;
  const lane = async (): Promise<void> => {
    for (;;) {
      await run.waitUntilRunnable();
      if (failure !== undefined || next >= plan.chunks.length || run.shouldHandOver()) return;
      const range = plan.chunks[next++]!;
      try {
        run.record(range, await run.fetch(range));
      } catch (err) {
        if (isCancellation(err)) throw err;
        failure ??= err;
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, plan.chunks.length)) }, lane));
  if (failure !== undefined) throw failure;
}

function omitPaused(carried: CarriedProgress | undefined): Partial<BackfillProgress> {
  if (carried === undefined) return {};
  const { paused: _paused, ...rest } = carried;
  return rest;
}

function carry(p: BackfillProgress): Omit<CarriedProgress, 'paused'> {
  return {
    done_bars: p.done_bars,
    total_bars: p.total_bars,
    chunks_done: p.chunks_done,
    chunks_total: p.chunks_total,
    bars_written: p.bars_written,
    empty_bars: p.empty_bars,
  };
}

/** The innermost message: an ActivityFailure's own message only says which activity failed. */
function errorMessage(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
