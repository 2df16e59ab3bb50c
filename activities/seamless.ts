/**
 * Seamless fetch of an input node's window (SPEC §7) in three timed phases:
 * plan (what the store holds), backfill (FAIL_FAST: none; AUTO_BACKFILL: start
 * or join the window's backfill workflow and wait; PARTIAL_FILL: start it and
 * go on), read (count and fingerprint the stored bars). domain/data/fetch-policy
 * judges each step against the SLA. Bars stay in the store: the result carries
 * the series id, the bars' fingerprint and counts.
 */
import { performance } from 'node:perf_hooks';
import { activityInfo, ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import type { BarRange, OhlcvSource } from '../domain/data/bars';
import { countBars, gaps, isAligned, mergeCoverage } from '../domain/data/coverage';
import {
  deadlineVerdict,
  fetchStrategySchema,
  judgeFetch,
  slaPolicySchema,
  type FetchPhase,
  type FetchStrategy,
  type FetchVerdict,
  type PhaseDurations,
  type SlaPolicy,
} from '../domain/data/fetch-policy';
import { fingerprintBars } from '../domain/data/fingerprint';
import { seriesOfNode } from '../domain/data/input-node';
import { backfillIdOf, startOrJoinBackfill } from './backfill-start';
import type { BarRow, Store } from './store/port';

export { backfillIdOf };

export interface FetchSeriesRequest {
  nodeId: string;
  /**
   * First and last bar open, epoch ms, inclusive, on the node's interval grid.
   * `intervalMs`, when given (a run's window carries it), must be the node's.
   */
  window: BarRange & { intervalMs?: number };
  strategy: FetchStrategy;
  sla?: SlaPolicy;
}

export interface FetchSeriesResult {
  /** The bar store's series key, e.g. `ohlcv:sim:BTC/USDT:1m`. */
  seriesId: string;
  /** `sha256:` of the window's stored bars (domain/data/fingerprint), as node computation names them. */
  fingerprint: string;
  /** Stored bars in the window. */
  bars: number;
  /** Some bars of the window are neither stored nor known-empty. */
  partial: boolean;
  coverageRatio: number;
  lagBars: number;
  /** The backfill this fetch started or joined (AUTO_BACKFILL, PARTIAL_FILL with gaps). */
  backfillId?: string;
  /** Measured ms per phase that ran. */
  phaseMs: PhaseDurations;
}

/** ApplicationFailure types of a fetch that judged its data unusable; both are final (non-retryable). */
export const FETCH_FAILURE_TYPES = ['DataMissing', 'SlaViolated'] as const;

export interface SeamlessActivityDeps {
  store: Store;
  /** Starts and awaits backfills; default: the worker's client from the activity context. */
  client?: Client;
  /** Wall clock: which bars have closed (lag). */
  now?: () => number;
  /** Monotonic ms: phase timings. */
  elapsed?: () => number;
}

const requestSchema = z.strictObject({
  nodeId: z.string().min(1),
  window: z.strictObject({
    start: z.number().int(),
    end: z.number().int(),
    intervalMs: z.number().int().positive().optional(),
  }),
  strategy: fetchStrategySchema,
  sla: slaPolicySchema.optional(),
});

/** How often a fetch waiting for its backfill reports it is alive (and so learns of cancellation). */
const WAIT_HEARTBEAT_MS = 2_000;

interface Planned {
  seriesId: string;
  source: OhlcvSource;
  /** Stored ∪ known-empty, normalised. */
  held: BarRange[];
  missingBars: number;
}

export function createSeamlessActivities(deps: SeamlessActivityDeps) {
  const { store, now = Date.now, elapsed = () => performance.now() } = deps;

  async function plan({ nodeId, window }: FetchSeriesRequest): Promise<Planned> {
    const node = await store.nodes.get(nodeId);
    if (!node) throw ApplicationFailure.nonRetryable(`node ${nodeId} is not registered`, 'NotFound');
    const series = seriesOfNode(node);
    if (!series.ok) throw ApplicationFailure.nonRetryable(`node ${nodeId}: ${series.reason}`, 'InvalidInput');
    const { intervalMs } = series.source;
    if (window.intervalMs !== undefined && window.intervalMs !== intervalMs) {
      throw ApplicationFailure.nonRetryable(
        `window interval ${window.intervalMs} ms is not the ${series.source.timeframe} bars of ${series.seriesId}`,
        'InvalidInput',
      );
    }
    if (
      !isAligned(window.start, intervalMs) ||
      !isAligned(window.end, intervalMs) ||
      window.start > window.end
    ) {
      throw ApplicationFailure.nonRetryable(
        `window [${window.start}, ${window.end}] is not an inclusive range of ${series.source.timeframe} bar opens`,
        'InvalidInput',
      );
    }
    const [stored, empty] = await Promise.all([
      store.bars.coverage(series.seriesId),
      store.bars.knownEmpty(series.seriesId),
    ]);
    const held = mergeCoverage([...stored, ...empty], intervalMs);
    const missingBars = countBars(gaps(window, held, intervalMs), intervalMs);
    return { seriesId: series.seriesId, source: series.source, held, missingBars };
  }

  /** Starts or joins the window's backfill; AUTO_BACKFILL waits for it, up to the phase's deadline. */
  async function fill(request: FetchSeriesRequest, window: BarRange, planned: Planned, phases: PhaseClock) {
    const { nodeId, strategy, sla } = request;
    const backfillId = backfillIdOf(nodeId, window);
    const deadline = sla?.phaseDeadlinesMs?.backfill;
    const t0 = elapsed();
    const outcome = await phases.timed('backfill', async () => {
      const client = deps.client ?? Context.current().client;
      const { handle } = await startOrJoinBackfill(client, { nodeId, window, source: planned.source });
      if (strategy === 'PARTIAL_FILL') return 'started';
      return awaitBackfill(
        handle,
        backfillId,
        deadline === undefined ? undefined : deadline - (elapsed() - t0),
      );
    });
    // A wait cut at its deadline ran over by definition, whatever the clocks' rounding says.
    if (outcome === 'deadline') phases.ms.backfill = Math.max(phases.ms.backfill ?? 0, deadline! + 1);
    const context = { nodeId, seriesId: planned.seriesId, backfillId, backgroundBackfill: true };
    failOn(deadlineVerdict(sla, phases.ms), context);
    return backfillId;
  }

  return {
    /**
     * Makes an input's window available as its strategy says and judges it by
     * the SLA. Fails with `DataMissing` (E_DATA_MISSING) or `SlaViolated`
     * (E_SLA_*), non-retryable, details `{code, phase, detail, …}`; with
     * `BackfillFailed` / `BackfillCanceled` when an awaited backfill did.
     */
    async fetchSeries(raw: FetchSeriesRequest): Promise<FetchSeriesResult> {
      const request = parseRequest(raw);
      const { nodeId, strategy, sla } = request;
      const window: BarRange = { start: request.window.start, end: request.window.end };
      const phases = phaseClock(elapsed);

      const planned = await phases.timed('plan', () => plan(request));
      const context = { nodeId, seriesId: planned.seriesId };
      const judge = (held: readonly BarRange[]): FetchVerdict =>
        judgeFetch({
          window,
          coverage: held,
          intervalMs: planned.source.intervalMs,
          nowMs: now(),
          strategy,
          sla,
          phaseDurations: phases.ms,
        });
      failOn(deadlineVerdict(sla, phases.ms), context);
      // Only what is stored: judge before reading anything.
      if (strategy === 'FAIL_FAST') failOn(judge(planned.held), context);

      const backfillId =
        strategy !== 'FAIL_FAST' && planned.missingBars > 0
          ? await fill(request, window, planned, phases)
          : undefined;

      const read = await phases.timed('read', () => readWindow(store, planned, nodeId, window));
      const verdict = judge(read.held);
      failOn(verdict, { ...context, ...(backfillId ? { backfillId } : {}) });
      const { partial, coverageRatio, lagBars } = verdict as Extract<FetchVerdict, { ok: true }>;
      return {
        seriesId: planned.seriesId,
        fingerprint: read.fingerprint,
        bars: read.bars,
        partial,
        coverageRatio,
        lagBars,
        ...(backfillId ? { backfillId } : {}),
        phaseMs: phases.ms,
      };
    },
  };
}

interface PhaseClock {
  /** Measured ms per phase that ran. */
  ms: PhaseDurations;
  /** Runs a phase (after a heartbeat naming it) and records how long it took. */
  timed<T>(phase: FetchPhase, run: () => Promise<T>): Promise<T>;
}

function phaseClock(elapsed: () => number): PhaseClock {
  const ms: PhaseDurations = {};
  return {
    ms,
    async timed(phase, run) {
      Context.current().heartbeat({ phase });
      const t0 = elapsed();
      try {
        return await run();
      } finally {
        ms[phase] = Math.round(elapsed() - t0);
      }
    },
  };
}

export type SeamlessActivities = ReturnType<typeof createSeamlessActivities>;

function parseRequest(raw: FetchSeriesRequest): FetchSeriesRequest {
  const parsed = requestSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw ApplicationFailure.nonRetryable(
    `fetchSeries ${issue.path.join('.')}: ${issue.message}`,
    'InvalidInput',
  );
}

/** Throws the typed failure of a failed verdict; returns for a passing one (or none). */
function failOn(
  verdict: FetchVerdict | undefined,
  context: { nodeId: string; seriesId: string; backfillId?: string; backgroundBackfill?: boolean },
): void {
  if (verdict === undefined || verdict.ok) return;
  const { backgroundBackfill, ...about } = context;
  const goesOn = backgroundBackfill ? `; backfill ${context.backfillId} goes on in the background` : '';
  const { ok: _ok, ...failure } = verdict;
  throw ApplicationFailure.create({
    type: verdict.code === 'E_DATA_MISSING' ? 'DataMissing' : 'SlaViolated',
    message: `${verdict.code} in phase ${verdict.phase}: ${verdict.detail}${goesOn}`,
    nonRetryable: true,
    details: [{ ...failure, ...about }],
  });
}

/**
 * Waits for the backfill, heartbeating, until it ends or the deadline passes.
 * Neither a deadline nor a cancelled fetch stops the backfill: other fetches
 * may share it, and its bars are worth keeping.
 */
async function awaitBackfill(
  handle: WorkflowHandle,
  backfillId: string,
  remainingMs: number | undefined,
): Promise<'completed' | 'deadline'> {
  const ctx = Context.current();
  const heartbeatTimeout = activityInfo().heartbeatTimeoutMs || WAIT_HEARTBEAT_MS * 3;
  const beat = setInterval(
    () => ctx.heartbeat({ phase: 'backfill', backfillId }),
    Math.min(WAIT_HEARTBEAT_MS, heartbeatTimeout / 3),
  );
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    if (remainingMs !== undefined)
      timer = setTimeout(() => resolve('deadline'), Math.max(0, remainingMs) + 1);
  });
  const stopped = new Promise<never>((_, reject) =>
    ctx.cancellationSignal.addEventListener(
      'abort',
      () => reject(new CancelledFailure('fetch stopped waiting')),
      {
        once: true,
      },
    ),
  );
  stopped.catch(() => undefined); // raced below; an abort after the race must not be an unhandled rejection
  try {
    const outcome = await Promise.race([handle.result() as Promise<{ status?: string }>, deadline, stopped]);
    if (outcome === 'deadline') return 'deadline';
    if (outcome.status === 'canceled') {
      throw backfillFailure('BackfillCanceled', `backfill ${backfillId} was canceled`, backfillId);
    }
    return 'completed';
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('fetch stopped waiting');
    if (err instanceof WorkflowFailedError) {
      const why = err.cause?.message ?? err.message;
      throw backfillFailure('BackfillFailed', `backfill ${backfillId} failed: ${why}`, backfillId);
    }
    throw err;
  } finally {
    clearInterval(beat);
    clearTimeout(timer);
  }
}

function backfillFailure(type: 'BackfillFailed' | 'BackfillCanceled', detail: string, backfillId: string) {
  return ApplicationFailure.create({
    type,
    message: `${type} in phase backfill: ${detail}`,
    nonRetryable: true,
    details: [{ phase: 'backfill', detail, backfillId }],
  });
}

/** The window's stored bars, fingerprinted, and what is held counted from the very bars read. */
async function readWindow(
  store: Store,
  planned: Planned,
  nodeId: string,
  window: BarRange,
): Promise<{ bars: number; fingerprint: string; held: BarRange[] }> {
  const { seriesId, source } = planned;
  const [bars, empty] = await Promise.all([
    store.bars.readBars(seriesId, window.start, window.end + source.intervalMs),
    store.bars.knownEmpty(seriesId),
  ]);
  const fingerprint = fingerprintBars({ nodeId, intervalMs: source.intervalMs, coverage: window, bars });
  return { bars: bars.length, fingerprint, held: [...islands(bars, source.intervalMs), ...empty] };
}

/** Runs of consecutive bars as inclusive ranges (bars ascending, as the store returns them). */
function islands(bars: readonly BarRow[], intervalMs: number): BarRange[] {
  const out: BarRange[] = [];
  for (const { ts } of bars) {
    const last = out[out.length - 1];
    if (last !== undefined && ts <= last.end + intervalMs) last.end = Math.max(last.end, ts);
    else out.push({ start: ts, end: ts });
  }
  return out;
}
