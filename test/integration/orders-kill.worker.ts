/**
 * A worker process for orders-kill.test.ts: polls qmtl-exec over a SQLite
 * store in the given home, with the sim venue's clock pinned to `simNowMs`
 * (the test restarts it with a later one, as if time had passed while it was
 * dead). Reconciliation runs at start as in production (workers/worker.ts).
 *
 * Run: node --import tsx test/integration/orders-kill.worker.ts '<options JSON>'
 * It prints `ready` once polling. Options are the test's; nothing else is read.
 */
import { openStore } from '../../activities/store';
import { OrderVenueRegistry } from '../../activities/venues/order-registry';
import { createLogger } from '../../workers/logger';
import { connectWorker } from '../../workers/temporal-connection';
import { runWorkers } from '../../workers/worker';
import { runWorkerProcess, workerProcessConfig, type WorkerProcessOptions } from '../support/worker-process';

export interface OrdersWorkerOptions extends WorkerProcessOptions {
  /** The sim venue's wall clock while this process lives. */
  simNowMs: number;
  orphanPolicy: 'adopt' | 'cancel';
}

async function main(options: OrdersWorkerOptions): Promise<void> {
  const config = workerProcessConfig(options, {
    workerQueues: 'qmtl-exec',
    orphanPolicy: options.orphanPolicy,
    reconcileIntervalMs: 60_000,
  });
  const log = createLogger('silent', 'qmtl-orders-kill-worker');
  const store = await openStore({ home: options.home });
  const connection = await connectWorker(config);
  const orderVenues = new OrderVenueRegistry({
    store,
    simStartingBalances: config.simStartingBalances,
    now: () => options.simNowMs,
  });
  const workers = await runWorkers({
    config,
    connection,
    store,
    log,
    orderVenues,
    // A dead worker's sticky queue is abandoned after a second instead of ten.
    tuning: { stickyQueueScheduleToStartTimeout: '1 second' },
  });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => void workers.shutdown().then(() => process.exit(0)));
  await workers.done;
}

if (require.main === module) runWorkerProcess(main);
