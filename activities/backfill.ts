/**
 * Activities of the backfill workflow (SPEC §7): plan the gaps of a window
 * from the store's coverage, and fill one chunk by paging the venue. The
 * workflow sees ranges and counts only; bars go venue → conformance → store
 * here. A chunk heartbeats its cursor after every stored page, so a retry
 * (another worker, after a crash) resumes there and refetches at most the
 * page that was in flight.
 */
import { activityInfo, ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { parseOhlcvSource, type BarRange, type OhlcvSource } from '../domain/data/bars';
import { advancePage, pageRequest, planChunks } from '../domain/data/chunks';
import { conformBars } from '../domain/data/conformance';
import { countBars, covered, gaps, mergeCoverage, stableEnd } from '../domain/data/coverage';
import { seriesOfNode } from '../domain/data/input-node';
import type { Store } from './store/port';
import type { MarketDataVenue } from './venues/port';
import { toActivityFailure } from './venues/errors';

/** How the activities find the venue of a source's exchange. */
export interface VenueLookup {
  marketData(exchange: string): MarketDataVenue | undefined;
}

export interface BackfillActivityDeps {
  store: Store;
  venues: VenueLookup;
  /** Wall clock, for "which bars are final yet" only. */
  now?: () => number;
  /**
   * The rate-limited task queue whose workers fetch an exchange's chunks
   * (workers/venue-queues.ts); undefined: the backfill's own queue.
   */
  chunkQueueOf?: (exchange: string) => string | undefined;
}

export interface PlanRequest {
  nodeId: string;
  /** Inclusive bar opens. */
  window: BarRange;
  chunkBars: number;
}

export interface BackfillPlan {
  /** The bar store's series key: the node's source text. */
  seriesId: string;
  exchange: string;
  symbol: string;
  intervalMs: number;
  /** Missing ranges split into chunks, in time order. */
  chunks: BarRange[];
  /** Bars in the chunks: what the backfill has to fill. */
  totalBars: number;
  /** Task queue for the chunk activities (per-exchange rate limit); absent: the workflow's own. */
  chunkQueue?: string;
}

export interface ChunkRequest {
  nodeId: string;
  seriesId: string;
  range: BarRange;
}

/** Heartbeat details of a chunk: where the next page starts, and what was done so far. */
export interface ChunkCursor {
  cursor: number;
  pages: number;
  barsWritten: number;
  emptyBars: number;
}

export interface ChunkResult {
  pages: number;
  barsWritten: number;
  emptyBars: number;
  /** The cursor a retry resumed from, when this attempt was one. */
  resumedFrom?: number;
}

/** Bars younger than this many intervals may still change, so they are never recorded as known-empty. */
const STABILIZATION_BARS = 2;

export function createBackfillActivities({
  store,
  venues,
  now = Date.now,
  chunkQueueOf = () => undefined,
}: BackfillActivityDeps) {
  const resolve = async (nodeId: string): Promise<{ seriesId: string; source: OhlcvSource }> => {
    const node = await store.nodes.get(nodeId);
    if (!node) throw ApplicationFailure.nonRetryable(`node ${nodeId} is not registered`, 'NotFound');
    const series = seriesOfNode(node);
    if (!series.ok) throw ApplicationFailure.nonRetryable(`node ${nodeId}: ${series.reason}`, 'InvalidInput');
    return series;
  };
  const venueOf = (source: OhlcvSource): MarketDataVenue => {
    const venue = venues.marketData(source.exchange);
    if (!venue) throw ApplicationFailure.nonRetryable(`no venue '${source.exchange}' here`, 'InvalidInput');
    return venue;
  };

  return {
    /** Gaps = window − (coverage ∪ known-empty), split into chunks. */
    async planBackfill({ nodeId, window, chunkBars }: PlanRequest): Promise<BackfillPlan> {
      const { seriesId, source } = await resolve(nodeId);
      venueOf(source);
      const [covered, empty] = await Promise.all([
        store.bars.coverage(seriesId),
        store.bars.knownEmpty(seriesId),
      ]);
      const missing = gaps(
        window,
        mergeCoverage([...covered, ...empty], source.intervalMs),
        source.intervalMs,
      );
      const chunks = planChunks(missing, source.intervalMs, chunkBars).map(({ start, end }) => ({
        start,
        end,
      }));
      const chunkQueue = chunkQueueOf(source.exchange);
      return {
        seriesId,
        exchange: source.exchange,
        symbol: source.symbol,
        intervalMs: source.intervalMs,
        chunks,
        totalBars: countBars(missing, source.intervalMs),
        ...(chunkQueue === undefined ? {} : { chunkQueue }),
      };
    },

    /**
     * Pages one chunk into the store; a retry resumes from the last heartbeated
     * cursor, moved past whatever the store already holds from there.
     */
    async fetchChunk({ seriesId, range }: ChunkRequest): Promise<ChunkResult> {
      const source = parseOhlcvSource(seriesId);
      if (!source)
        throw ApplicationFailure.nonRetryable(`'${seriesId}' is not an OHLCV source`, 'InvalidInput');
      const venue = venueOf(source);
      const ctx = Context.current();
      const resumed = activityInfo().heartbeatDetails as ChunkCursor | undefined;
      const state: ChunkCursor = resumed ?? { cursor: range.start, pages: 0, barsWritten: 0, emptyBars: 0 };
      const finalThrough = stableEnd(range.end, now(), source.intervalMs, STABILIZATION_BARS);
      if (activityInfo().attempt > 1) await skipStored(store, seriesId, source.intervalMs, range, state);

      for (;;) {
        if (ctx.cancellationSignal.aborted) throw new CancelledFailure('backfill chunk canceled');
        const request = pageRequest(range, state.cursor, venue.pageLimit, source.intervalMs);
        if (request === undefined) break;
        const rows = await fetchPage(venue, source, request);
        const frame = conformBars(rows, {
          intervalMs: source.intervalMs,
          timestampUnit: venue.timestampUnit,
          window: { start: request.since, end: range.end },
        });
        if (!frame.ok) {
          throw ApplicationFailure.create({
            type: 'ConformanceFailed',
            message: `${seriesId}: page since ${request.since} failed conformance (${frame.failing.join(', ')})`,
            details: [frame.flags],
            nonRetryable: true,
          });
        }
        const advance = advancePage(
          range,
          request,
          frame.bars.map((b) => b.ts),
          source.intervalMs,
        );
        if (frame.bars.length > 0) {
          state.barsWritten += await store.bars.upsertBars(seriesId, source.intervalMs, frame.bars);
        }
        for (const empty of advance.empty) {
          // A stretch the venue has no bars for yet may still fill in; only final ones are remembered.
          const end = Math.min(empty.end, finalThrough);
          if (empty.start > end) continue;
          await store.bars.addKnownEmpty(seriesId, empty.start, end);
          state.emptyBars += countBars([{ start: empty.start, end }], source.intervalMs);
        }
        state.pages += 1;
        state.cursor = advance.next ?? range.end + source.intervalMs;
        ctx.heartbeat(state);
        if (advance.next === undefined) break;
      }
      return {
        pages: state.pages,
        barsWritten: state.barsWritten,
        emptyBars: state.emptyBars,
        ...(resumed ? { resumedFrom: resumed.cursor } : {}),
      };
    },
  };
}

export type BackfillActivities = ReturnType<typeof createBackfillActivities>;

/**
 * A page is stored before its cursor is heartbeated, and a crash can lose the
 * last heartbeat (they are throttled), so the store — not the heartbeat alone —
 * says where a retry resumes: past the held run (bars or known-empty) that
 * contains the cursor, counting it as this chunk's work. Only the page that was
 * in flight when the worker died is fetched again.
 */
async function skipStored(
  store: Store,
  seriesId: string,
  intervalMs: number,
  range: BarRange,
  state: ChunkCursor,
): Promise<void> {
  if (state.cursor > range.end) return;
  const [bars, empty] = await Promise.all([store.bars.coverage(seriesId), store.bars.knownEmpty(seriesId)]);
  const run = mergeCoverage([...bars, ...empty], intervalMs).find(
    (held) => held.start <= state.cursor && state.cursor <= held.end,
  );
  if (run === undefined) return;
  const skipped = { start: state.cursor, end: Math.min(run.end, range.end) };
  state.barsWritten += covered(skipped, bars, intervalMs);
  state.emptyBars += covered(skipped, empty, intervalMs);
  state.cursor = skipped.end + intervalMs;
}

async function fetchPage(
  venue: MarketDataVenue,
  source: OhlcvSource,
  request: { since: number; limit: number },
): Promise<Awaited<ReturnType<MarketDataVenue['fetchOhlcvPage']>>> {
  try {
    return await venue.fetchOhlcvPage(source.symbol, source.timeframe, request.since, request.limit);
  } catch (err) {
    throw toActivityFailure(err, { exchange: source.exchange });
  }
}
