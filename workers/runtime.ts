/**
 * Start-up and shutdown wiring shared by the three process entries:
 * `npm start` (workers/dev.ts: dev server + workers + Gateway), the worker-only
 * process (workers/worker-main.ts) and the Gateway-only process (api/main.ts).
 * Each part is started by one function here and registered with a Lifecycle
 * that stops everything in a fixed order on SIGINT/SIGTERM.
 */
import type { NativeConnection } from '@temporalio/worker';
import { openStore } from '../activities/store';
import type { Store } from '../activities/store/port';
import { CcxtOrderVenue } from '../activities/venues/ccxt-orders';
import { OrderVenueRegistry } from '../activities/venues/order-registry';
import { constructExchange, VenueRegistry } from '../activities/venues/registry';
import { resourceRoutes } from '../api/routes';
import type { GatewayDeps } from '../api/app';
import { startGateway } from '../api/server';
import { TemporalGateway } from '../api/temporal-client';
import { nodeTypeCatalog } from '../domain/dag/node-types';
import { ConfigError, loadConfig, type QmtlConfig } from './config';
import { createLogger, type Logger } from './logger';
import { loadPlugins, pluginCatalogEntries, type LoadedPlugin } from './plugins';
import { ensureSearchAttributes } from './search-attributes-setup';
import { connectClient, connectWorker, temporalAddress, type TemporalClient } from './temporal-connection';
import { loadVenueCredentials } from './venue-credentials';
import { installTemporalRuntime, runWorkers, type RunningWorkers } from './worker';

/** Parsed configuration, or the message naming the bad variable and exit code 1. */
export function loadConfigOrExit(): QmtlConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`qmtl: ${err.message}`);
    process.exit(1);
  }
}

export function processLogger(config: QmtlConfig, name: string): Logger {
  return createLogger(config.logLevel, name);
}

/** Parts of a process in the order they are stopped: front door first, embedded server last. */
const STOP_ORDER = [
  'gateway',
  'workers',
  'worker-connection',
  'temporal-client',
  'store',
  'dev-server',
] as const;
export type ProcessPart = (typeof STOP_ORDER)[number];

/**
 * Stops what was started, in STOP_ORDER, on the first SIGINT/SIGTERM (exit 0)
 * or on a start-up failure (exit 1); a second signal exits at once.
 */
export class Lifecycle {
  private readonly parts = new Map<ProcessPart, () => Promise<void>>();
  private stopping: Promise<never> | undefined;

  constructor(private readonly log: Logger) {}

  add(part: ProcessPart, stop: () => Promise<void>): void {
    this.parts.set(part, stop);
  }

  handleSignals(): void {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.stopping !== undefined) {
        this.log.warn({ signal }, 'second signal: exiting without finishing shutdown');
        process.exit(1);
      }
      this.log.info({ signal }, 'shutting down (send the signal again to force)');
      void this.shutdown(0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  /** Runs every stop step (a failing step does not skip the rest), then exits. */
  shutdown(exitCode: number): Promise<never> {
    this.stopping ??= (async () => {
      let code = exitCode;
      for (const part of STOP_ORDER) {
        const stop = this.parts.get(part);
        if (stop === undefined) continue;
        try {
          await stop();
          this.log.debug({ part }, 'stopped');
        } catch (err) {
          this.log.error({ err, part }, 'error while stopping');
          code = code || 1;
        }
      }
      process.exit(code);
    })();
    return this.stopping;
  }

  /** Runs start-up; on failure logs it, stops what already started, exits 1. */
  async start<T>(steps: () => Promise<T>): Promise<T> {
    try {
      return await steps();
    } catch (err) {
      this.log.fatal({ err }, 'start-up failed');
      // The message is written for people (several lines for missing binaries); keep it readable.
      console.error(`qmtl: start-up failed: ${(err as Error).message}`);
      return this.shutdown(1);
    }
  }
}

/** The store (SQLite under QMTL_HOME, or PostgreSQL with QMTL_DATABASE_URL), migrated. */
export async function startStore(config: QmtlConfig, lifecycle: Lifecycle): Promise<Store> {
  const store = await openStore({ databaseUrl: config.databaseUrl, home: config.home });
  lifecycle.add('store', () => store.close());
  return store;
}

/**
 * An external cluster (TEMPORAL_ADDRESS) gets the Qmtl* search attributes
 * registered on first use; the dev server registers them itself.
 */
export async function prepareExternalTemporal(config: QmtlConfig, log: Logger): Promise<void> {
  const { connection } = await connectClient(config);
  try {
    const added = await ensureSearchAttributes(connection, config.temporalNamespace);
    if (added.length > 0)
      log.info({ added, namespace: config.temporalNamespace }, 'registered search attributes');
  } finally {
    await connection.close();
  }
}

/** Workers for config.workerQueues over one NativeConnection; a fatal worker error stops the process. */
export async function startWorkers(options: {
  config: QmtlConfig;
  store: Store;
  log: Logger;
  lifecycle: Lifecycle;
  address?: string;
  /** Default: the modules in config.plugins (QMTL_PLUGINS). */
  plugins?: readonly LoadedPlugin[];
}): Promise<RunningWorkers> {
  const { config, store, log, lifecycle } = options;
  const plugins = options.plugins ?? loadPlugins(config.plugins);
  installTemporalRuntime(log);
  const connection: NativeConnection = await connectWorker(config, options.address);
  lifecycle.add('worker-connection', () => connection.close());
  // Exchange credentials are read here, once, and stay in this process (never in payloads).
  const credentials = loadVenueCredentials(process.env);
  const venues = new VenueRegistry({ credentials });
  const orderVenues = new OrderVenueRegistry({
    store,
    simStartingBalances: config.simStartingBalances,
    credentials,
    createCcxtOrderVenue: (exchange, account) =>
      new CcxtOrderVenue(
        constructExchange(exchange, { enableRateLimit: true, ...credentials.get(exchange, account) }),
        account,
      ),
  });
  const workers = await runWorkers({ config, connection, store, log, venues, orderVenues, plugins });
  if (plugins.length > 0) log.info({ plugins: pluginSummary(plugins) }, 'node-type plugins loaded');
  lifecycle.add('workers', () => workers.shutdown());
  workers.done.then(
    () => undefined,
    () => void lifecycle.shutdown(1),
  );
  return workers;
}

const pluginSummary = (plugins: readonly LoadedPlugin[]) =>
  plugins.map((p) => ({ node_type: p.plugin.nodeType, code_hash: p.codeHash, file: p.file }));

export async function startTemporalClient(
  config: QmtlConfig,
  lifecycle: Lifecycle,
  address?: string,
): Promise<TemporalClient & { address: string }> {
  const temporal = await connectClient(config, address);
  lifecycle.add('temporal-client', () => temporal.connection.close());
  return { ...temporal, address: address ?? temporalAddress(config) };
}

// ---------------------------------------------------------------------------
// Gateway wiring — the one place to edit when the Gateway gains dependencies.
// ---------------------------------------------------------------------------

export function buildGatewayDeps(options: {
  config: QmtlConfig;
  store: Store;
  log: Logger;
  temporal: TemporalClient & { address: string };
  /** Default: the modules in config.plugins (QMTL_PLUGINS); the Gateway validates DAGs against them. */
  plugins?: readonly LoadedPlugin[];
}): GatewayDeps {
  const { config, store, log } = options;
  const catalog = nodeTypeCatalog(pluginCatalogEntries(options.plugins ?? loadPlugins(config.plugins)));
  const temporal = new TemporalGateway(
    options.temporal.client,
    config.temporalNamespace,
    options.temporal.address,
  );
  return {
    config,
    store,
    log,
    temporal,
    routes: resourceRoutes({
      store,
      temporal,
      catalog,
      dayCutoffUtc: config.dayCutoffUtc,
      orderPollMs: config.orderPollMs,
    }),
  };
}

export async function startGatewayProcess(options: {
  config: QmtlConfig;
  store: Store;
  log: Logger;
  temporal: TemporalClient & { address: string };
  lifecycle: Lifecycle;
}): Promise<{ url: string }> {
  const gateway = await startGateway(buildGatewayDeps(options));
  options.lifecycle.add('gateway', () => gateway.close());
  return { url: gateway.url };
}
