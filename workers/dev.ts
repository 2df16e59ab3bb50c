/**
 * `npm start`: everything on one machine. Starts the Temporal dev server
 * (SQLite file and UI; skipped when TEMPORAL_ADDRESS names a cluster), the
 * store, the admin key, workers for every task queue and the Gateway, prints
 * where they are, and stops them in order on Ctrl-C. With `--demo` (or
 * QMTL_DEMO=1) it then seeds the demo world and strategies (sdk/cli/demo.ts).
 */
import { readFileSync } from 'node:fs';
import { ensureAdminKey, type AdminKeySource } from '../api/auth';
import { GatewayClient } from '../sdk/cli/api';
import { demoReport, seedDemo } from '../sdk/cli/demo';
import type { QmtlConfig } from './config';
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
    if (config.demo || process.argv.slice(2).includes('--demo')) {
      const temporalUiUrl = uiUrl ?? `http://127.0.0.1:${config.temporalUiPort}`;
      await seedDemoWorld({ config, adminKey, gatewayUrl: gateway.url, temporalUiUrl, log });
    }
  });
}

/**
 * `--demo` / QMTL_DEMO=1: the same seeding as `qmtl demo`, through this
 * process's own Gateway with the admin key. A failure is reported and the
 * stack keeps running (the demo is an extra, never a reason not to start).
 */
async function seedDemoWorld(info: {
  config: QmtlConfig;
  adminKey: AdminKeySource;
  gatewayUrl: string;
  temporalUiUrl: string;
  log: ReturnType<typeof processLogger>;
}): Promise<void> {
  const { config } = info;
  try {
    const apiKey = config.adminKey ?? readFileSync(info.adminKey.file!, 'utf8').trim();
    const seed = await seedDemo(new GatewayClient({ url: info.gatewayUrl, apiKey }));
    const links = {
      gatewayUrl: info.gatewayUrl,
      temporalUiUrl: info.temporalUiUrl,
      namespace: config.temporalNamespace,
    };
    process.stdout.write(`\n${demoReport(seed, links)}`);
  } catch (err) {
    info.log.error(
      { err },
      'demo seeding failed; the stack keeps running (retry with: npm run qmtl -- demo)',
    );
  }
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
