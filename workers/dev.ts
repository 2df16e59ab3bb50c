/**
 * `npm start`: everything on one machine. Starts the Temporal dev server
 * (SQLite file and UI; skipped when TEMPORAL_ADDRESS names a cluster), the
 * store, the admin key, workers for every task queue and the Gateway, prints
 * where they are, and stops them in order on Ctrl-C.
 */
import { ensureAdminKey, type AdminKeySource } from '../api/auth';
import { startDevServer } from './dev-server';
import {
  Lifecycle,
  loadConfigOrExit,
  prepareExternalTemporal,
  processLogger,
  startGatewayProcess,
  startStore,
  startTemporalClient,
  startWorkers,
} from './runtime';
import { temporalAddress } from './temporal-connection';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = processLogger(config, 'qmtl-dev');
  const lifecycle = new Lifecycle(log);
  lifecycle.handleSignals();

  await lifecycle.start(async () => {
    let address = temporalAddress(config);
    let uiUrl: string | undefined;
    if (config.temporalAddress === undefined) {
      const server = await startDevServer(config, log);
      lifecycle.add('dev-server', server.stop);
      ({ address, uiUrl } = server);
    } else {
      await prepareExternalTemporal(config, log);
    }
    const store = await startStore(config, lifecycle);
    const adminKey = await ensureAdminKey(config, store, log);
    const temporal = await startTemporalClient(config, lifecycle, address);
    await startWorkers({ config, store, log, lifecycle, address });
    const gateway = await startGatewayProcess({ config, store, log, temporal, lifecycle });
    printBanner({ gatewayUrl: gateway.url, uiUrl, address, namespace: config.temporalNamespace, adminKey });
  });
}

function printBanner(info: {
  gatewayUrl: string;
  uiUrl: string | undefined;
  address: string;
  namespace: string;
  adminKey: AdminKeySource;
}): void {
  const key =
    info.adminKey.source === 'env'
      ? 'from QMTL_ADMIN_KEY'
      : `${info.adminKey.file}${info.adminKey.source === 'generated' ? ' (new)' : ''}`;
  const lines = [
    '',
    'QMTL is running',
    `  Gateway:          ${info.gatewayUrl}  (API docs: ${info.gatewayUrl}/docs)`,
    `  Temporal UI:      ${info.uiUrl ?? 'the UI of your Temporal cluster'}`,
    `  Temporal address: ${info.address}  (namespace ${info.namespace})`,
    `  Admin API key:    ${key}`,
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

void main();
