/**
 * Worker-only process (the scaled deployment, docker-compose `worker`): polls
 * the task queues in QMTL_WORKER_QUEUES against TEMPORAL_ADDRESS (default the
 * local dev port) and the store in QMTL_DATABASE_URL. Run as many as needed.
 */
import {
  Lifecycle,
  loadConfigOrExit,
  prepareExternalTemporal,
  processLogger,
  startStore,
  startWorkers,
} from './runtime';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = processLogger(config, 'qmtl-worker');
  const lifecycle = new Lifecycle(log);
  lifecycle.handleSignals();

  await lifecycle.start(async () => {
    await prepareExternalTemporal(config, log);
    const store = await startStore(config, lifecycle);
    await startWorkers({ config, store, log, lifecycle });
  });
}

void main();
