/**
 * The trailing bars a paper/live step computes over: read from the store, and
 * when the newly closed bar is not there yet, the bars after the newest stored
 * one are fetched from the input's venue (pages of its market-data port,
 * conformed as a backfill's are) and stored first. A bar the venue has not closed yet is a retryable
 * failure: the step tries again shortly.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { parseOhlcvSource } from '../domain/data/bars';
import { conformBars } from '../domain/data/conformance';
import type { VenueLookup } from './backfill';
import type { BarRow, Store } from './store/port';
import { toActivityFailure } from './venues/errors';

export interface TrailingWindow {
  /** First and last bar open, inclusive. */
  start: number;
  end: number;
  intervalMs: number;
}

/** The closes of `window`, one per bar (null where the venue has none), newest last. */
export async function trailingCloses(
  deps: { store: Store; venues: VenueLookup },
  seriesId: string,
  window: TrailingWindow,
): Promise<Array<number | null>> {
  let bars = await deps.store.bars.readBars(seriesId, window.start, window.end + window.intervalMs);
  if (bars.at(-1)?.ts !== window.end) {
    // Only what follows the newest stored bar: each bar after the first step is one short page.
    const newest = bars.at(-1)?.ts;
    await fetchWindow(deps, seriesId, {
      ...window,
      start: newest === undefined ? window.start : newest + window.intervalMs,
    });
    bars = await deps.store.bars.readBars(seriesId, window.start, window.end + window.intervalMs);
  }
  if (bars.at(-1)?.ts !== window.end || bars.at(-1)?.close == null) {
    throw ApplicationFailure.retryable(
      `${seriesId}: bar ${new Date(window.end).toISOString()} is not closed at the venue yet`,
      'BarNotReady',
    );
  }
  const closes: Array<number | null> = new Array((window.end - window.start) / window.intervalMs + 1).fill(
    null,
  );
  for (const bar of bars) closes[(bar.ts - window.start) / window.intervalMs] = bar.close;
  return closes;
}

async function fetchWindow(
  deps: { store: Store; venues: VenueLookup },
  seriesId: string,
  window: TrailingWindow,
): Promise<void> {
  const source = parseOhlcvSource(seriesId);
  if (!source) throw ApplicationFailure.nonRetryable(`${seriesId} is not an ohlcv source`, 'InvalidInput');
  const venue = deps.venues.marketData(source.exchange);
  if (!venue) throw ApplicationFailure.nonRetryable(`no market data for ${source.exchange}`, 'InvalidInput');
  let since = window.start;
  while (since <= window.end) {
    const limit = Math.min(venue.pageLimit, (window.end - since) / window.intervalMs + 1);
    let rows;
    try {
      rows = await venue.fetchOhlcvPage(source.symbol, source.timeframe, since, limit);
    } catch (err) {
      throw toActivityFailure(err, { exchange: source.exchange });
    }
    const frame = conformBars(rows, {
      intervalMs: window.intervalMs,
      timestampUnit: venue.timestampUnit,
      window: { start: since, end: window.end },
    });
    const kept: BarRow[] = frame.ok ? frame.bars : [];
    if (kept.length > 0) await deps.store.bars.upsertBars(seriesId, window.intervalMs, kept);
    // A short or empty page: the venue holds nothing more in the window yet.
    if (kept.length === 0) return;
    since = kept.at(-1)!.ts + window.intervalMs;
  }
}
