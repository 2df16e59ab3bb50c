/**
 * Gateway-only process (the scaled deployment, docker-compose `gateway`):
 * serves the HTTP API on QMTL_PORT against TEMPORAL_ADDRESS and the store in
 * QMTL_DATABASE_URL. Workflows run in the separate worker processes.
 */
import { ensureAdminKey } from './auth';
import {
  Lifecycle,
  loadConfigOrExit,
  prepareExternalTemporal,
  processLogger,
  startGatewayProcess,
  startStore,
  startTemporalClient,
} from '../workers/runtime';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = processLogger(config, 'qmtl-gateway');
  const lifecycle = new Lifecycle(log);
  lifecycle.handleSignals();

  await lifecycle.start(async () => {
    await prepareExternalTemporal(config, log);
    const store = await startStore(config, lifecycle);
    await ensureAdminKey(config, store, log);
    const temporal = await startTemporalClient(config, lifecycle);
    const gateway = await startGatewayProcess({ config, store, log, temporal, lifecycle });
    log.info({ url: gateway.url, temporal: temporal.address }, 'Gateway listening');
  });
}

void main();
