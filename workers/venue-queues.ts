/**
 * Per-exchange task queues for backfill chunks (SPEC §7): exchange X's chunks
 * run on `qmtl-data.X`, polled by activity-only workers that set the queue's
 * rate (`maxTaskQueueActivitiesPerSecond`, which the server enforces across
 * every worker polling the queue, so the limit holds fleet-wide). Exchanges
 * not listed in QMTL_VENUE_RATE_LIMITS share `qmtl-data.other-venues`.
 */
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { BackfillActivities } from '../activities/backfill';
import { DATA_QUEUE } from '../workflows/task-queues';
import { OTHER_VENUES } from './config';

/** `qmtl-data.binance`; the shared queue of unlisted exchanges for `*` (exchange ids hold no `-`). */
export function venueTaskQueue(venue: string): string {
  return venue === OTHER_VENUES ? `${DATA_QUEUE}.other-venues` : `${DATA_QUEUE}.${venue}`;
}

/** Where an exchange's chunks go under these limits; undefined: the backfill's own queue. */
export function chunkQueueRouter(
  limits: Readonly<Record<string, number>>,
): (exchange: string) => string | undefined {
  return (exchange) => {
    if (exchange !== OTHER_VENUES && Object.hasOwn(limits, exchange)) return venueTaskQueue(exchange);
    return Object.hasOwn(limits, OTHER_VENUES) ? venueTaskQueue(OTHER_VENUES) : undefined;
  };
}

/** One activity-only worker per rate-limited queue, serving backfill chunks only. */
export function createVenueWorkers(options: {
  connection: NativeConnection;
  namespace: string;
  limits: Readonly<Record<string, number>>;
  fetchChunk: BackfillActivities['fetchChunk'];
  settings: Partial<WorkerOptions>;
}): Promise<Worker[]> {
  const { connection, namespace, limits, fetchChunk, settings } = options;
  return Promise.all(
    Object.entries(limits).map(([venue, perSecond]) =>
      Worker.create({
        ...settings,
        connection,
        namespace,
        taskQueue: venueTaskQueue(venue),
        activities: { fetchChunk },
        maxTaskQueueActivitiesPerSecond: perSecond,
      }),
    ),
  );
}
