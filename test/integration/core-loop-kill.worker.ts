/**
 * A worker process for core-loop-kill.test.ts: every task queue over a SQLite
 * store in the given home, as `npm start` runs them. Two test knobs make a
 * kill land where the test wants it, and say so in a log (`pid what detail`):
 * - `pageDelayMs`: sim pages are small and slow (`pid fetch <since>`), so a
 *   SIGKILL lands mid-backfill;
 * - `activationDelayMs`: each activation event waits after it is published
 *   (`pid publish <event key>`), so an apply run is caught between phases;
 *
 * Run: node --import tsx test/integration/core-loop-kill.worker.ts '<options JSON>'
 * It prints `ready` once polling. Options are the test's; nothing else is read.
 */
import { appendFileSync } from 'node:fs';
import { openStore } from '../../activities/store';
import type { EventRepo, Store } from '../../activities/store/port';
import { VenueRegistry } from '../../activities/venues/registry';
import { createLogger } from '../../workers/logger';
import { connectWorker } from '../../workers/temporal-connection';
import { runWorkers } from '../../workers/worker';
import { runWorkerProcess, workerProcessConfig, type WorkerProcessOptions } from '../support/worker-process';
import { pacedVenues } from './backfill-kill.worker';

export interface LoopWorkerOptions extends WorkerProcessOptions {
  log: string;
  pageDelayMs?: number;
  activationDelayMs?: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The store, but activation events are logged and followed by a pause. */
function slowActivations(store: Store, ms: number, log: (line: string) => void): Store {
  const events: EventRepo = new Proxy(store.events, {
    get(target, prop) {
      if (prop === 'publish')
        return async (event: Parameters<EventRepo['publish']>[0]) => {
          const record = await target.publish(event);
          if (event.topic === 'activation') {
            log(`publish ${event.eventKey}`);
            await pause(ms);
          }
          return record;
        };
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'events') return events;
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function main(options: LoopWorkerOptions): Promise<void> {
  const config = workerProcessConfig(options);
  const log = createLogger('silent', 'qmtl-core-loop-kill-worker');
  const write = (line: string) => appendFileSync(options.log, `${process.pid} ${line}\n`);
  const opened = await openStore({ home: options.home });
  const store = options.activationDelayMs
    ? slowActivations(opened, options.activationDelayMs, write)
    : opened;
  const venues = options.pageDelayMs
    ? pacedVenues(new VenueRegistry(), {
        pageLimit: 100,
        pageDelayMs: options.pageDelayMs,
        onFetch: (since) => write(`fetch ${since}`),
      })
    : undefined;
  const connection = await connectWorker(config);
  const workers = await runWorkers({
    config,
    connection,
    store,
    log,
    ...(venues ? { venues } : {}),
    // A dead worker's sticky queue is abandoned after a second instead of ten.
    tuning: { stickyQueueScheduleToStartTimeout: '1 second' },
  });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => void workers.shutdown().then(() => process.exit(0)));
  await workers.done;
}

if (require.main === module) runWorkerProcess(main);
