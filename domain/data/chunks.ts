/**
 * Backfill planning (SPEC §7): missing ranges become chunks of bounded size,
 * and a chunk is walked page by page with a `since` cursor. Pure, so the
 * workflow plans and the activity pages with the same arithmetic, and a retry
 * resumes from a heartbeated cursor with no drift.
 */
import type { BarRange } from './bars';
import { assertInterval, isAligned, missingBars, subtract } from './coverage';

export const DEFAULT_CHUNK_BARS = 900;

/** One unit of backfill work: an aligned inclusive range and its bar count. */
export interface BackfillChunk extends BarRange {
  bars: number;
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be an integer ≥ 1`);
}

/**
 * Splits aligned gaps into chunks of at most `chunkBars` bars, gap by gap in
 * the given order; only a gap's last chunk may be short. Throws on a
 * misaligned gap: gaps come from `gaps()`, so one off the grid is a bug.
 */
export function planChunks(
  gaps: readonly BarRange[],
  intervalMs: number,
  chunkBars = DEFAULT_CHUNK_BARS,
): BackfillChunk[] {
  assertInterval(intervalMs);
  assertCount('chunkBars', chunkBars);
  const chunks: BackfillChunk[] = [];
  for (const gap of gaps) {
    const total = missingBars(gap, intervalMs);
    for (let done = 0; done < total; done += chunkBars) {
      const bars = Math.min(chunkBars, total - done);
      const start = gap.start + done * intervalMs;
      chunks.push({ start, end: start + (bars - 1) * intervalMs, bars });
    }
  }
  return chunks;
}

/** What to ask the exchange next: `fetchOHLCV(symbol, tf, since, limit)`. */
export interface PageRequest {
  since: number;
  limit: number;
}

/**
 * The request for the page starting at `since`, or undefined once the cursor
 * is past the chunk. The limit never asks for bars beyond the chunk's end.
 */
export function pageRequest(
  chunk: BarRange,
  since: number,
  pageLimit: number,
  intervalMs: number,
): PageRequest | undefined {
  assertInterval(intervalMs);
  assertCount('pageLimit', pageLimit);
  if (!isAligned(since, intervalMs)) throw new RangeError(`since ${since} is off the grid`);
  if (since > chunk.end) return undefined;
  const from = Math.max(since, chunk.start);
  return {
    since: from,
    limit: Math.min(pageLimit, missingBars({ start: from, end: chunk.end }, intervalMs)),
  };
}

export interface PageAdvance {
  /** Cursor for the next page; undefined when the chunk is done. */
  next: number | undefined;
  /** Bars the exchange answered for and did not return (listing, outage): candidates for known-empty. */
  empty: BarRange[];
}

/**
 * Moves the cursor past a page the exchange returned for `request`. The
 * cursor always moves forward, so paging ends even on an exchange that keeps
 * answering with nothing:
 * - bars at or after `since`: next = last bar + interval; bars skipped between
 *   `since` and that last bar were answered as absent;
 * - no such bar: the requested span was answered as absent and is skipped.
 * Misaligned or earlier timestamps are ignored here; conformance flags them.
 */
export function advancePage(
  chunk: BarRange,
  request: PageRequest,
  pageTimestamps: readonly number[],
  intervalMs: number,
): PageAdvance {
  assertInterval(intervalMs);
  assertCount('limit', request.limit);
  const { since, limit } = request;
  const returned = pageTimestamps.filter((ts) => ts >= since && isAligned(ts, intervalMs));
  const last = returned.reduce<number | undefined>(
    (max, ts) => (max === undefined || ts > max ? ts : max),
    undefined,
  );
  const answeredThrough = Math.min(last ?? since + (limit - 1) * intervalMs, chunk.end);
  const next = last !== undefined ? last + intervalMs : since + limit * intervalMs;
  const present = returned.map((ts) => ({ start: ts, end: ts }));
  const empty = subtract([{ start: since, end: answeredThrough }], present, intervalMs);
  return { next: next > chunk.end ? undefined : next, empty };
}
