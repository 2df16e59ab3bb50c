/**
 * A worker process for backfill-kill.test.ts: polls qmtl-data only, over a
 * SQLite store in the given home, with the sim venue paged small and slowly
 * (a per-page delay) so a SIGKILL lands in the middle of a chunk. Every page
 * request is appended to a log file (`pid since limit`) before it is made, so
 * the test can count how often each page was fetched across processes.
 *
 * Run: node --import tsx test/integration/backfill-kill.worker.ts '<options JSON>'
 * It prints `ready` once polling. Options are the test's; nothing else is read.
 */
import { appendFileSync } from 'node:fs';
import type { VenueLookup } from '../../activities/backfill';
import { openStore } from '../../activities/store';
import type { MarketDataVenue } from '../../activities/venues/port';
import { VenueRegistry } from '../../activities/venues/registry';
import { createLogger } from '../../workers/logger';
import { connectWorker } from '../../workers/temporal-connection';
import { runWorkers } from '../../workers/worker';
import { runWorkerProcess, workerProcessConfig, type WorkerProcessOptions } from '../support/worker-process';

export interface PacedVenueOptions {
  /** Rows per page (the sim's own limit is 1000). */
  pageLimit: number;
  /** Wait before each page, as a slow exchange would. */
  pageDelayMs: number;
  /** Called when a page is requested, before the delay. */
  onFetch?: (since: number, limit: number) => void;
}

/** Venues whose pages are small, slow and observed: a test knob passed to the worker, not read from env. */
export function pacedVenues(venues: VenueLookup, options: PacedVenueOptions): VenueLookup {
  return {
    marketData(exchange) {
      const venue = venues.marketData(exchange);
      if (!venue) return undefined;
      const paced: MarketDataVenue = {
        exchange: venue.exchange,
        pageLimit: options.pageLimit,
        timestampUnit: venue.timestampUnit,
        async fetchOhlcvPage(symbol, timeframe, since, limit) {
          options.onFetch?.(since, limit);
          await new Promise((resolve) => setTimeout(resolve, options.pageDelayMs));
          return venue.fetchOhlcvPage(symbol, timeframe, since, limit);
        },
      };
      return paced;
    },
  };
}

export interface KillWorkerOptions extends WorkerProcessOptions {
  /** Pinned wall clock for the sim (which bars are closed). */
  nowMs: number;
  pageLimit: number;
  pageDelayMs: number;
  fetchLog: string;
}

async function main(options: KillWorkerOptions): Promise<void> {
  const config = workerProcessConfig(options, { workerQueues: 'qmtl-data' });
  const log = createLogger('silent', 'qmtl-kill-test-worker');
  const store = await openStore({ home: options.home });
  const connection = await connectWorker(config);
  const venues = pacedVenues(new VenueRegistry({ now: () => options.nowMs }), {
    pageLimit: options.pageLimit,
    pageDelayMs: options.pageDelayMs,
    onFetch: (since, limit) => appendFileSync(options.fetchLog, `${process.pid} ${since} ${limit}\n`),
  });
  const workers = await runWorkers({
    config,
    connection,
    store,
    log,
    venues,
    // Production heartbeat throttling (a lost heartbeat is covered by the store-based resume);
    // a dead worker's sticky queue is abandoned after a second instead of ten.
    tuning: { stickyQueueScheduleToStartTimeout: '1 second' },
  });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => void workers.shutdown().then(() => process.exit(0)));
  await workers.done;
}

if (require.main === module) runWorkerProcess(main);
