/**
 * The whole stack for integration tests, wired by the same functions
 * `npm start` uses (workers/runtime.ts): a SQLite store in a temp home, workers
 * for every task queue and the Gateway over HTTP, against the dev server that
 * global-setup started. Each stack gets a namespace of its own, so test files
 * running in parallel never pick up each other's workflows.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import { mountedRoutes } from '../../api/app';
import { ensureAdminKey } from '../../api/auth';
import type { RouteSpec } from '../../api/route';
import { startGateway } from '../../api/server';
import { configSchema, type QmtlConfig } from '../../workers/config';
import { createLogger } from '../../workers/logger';
import { loadPlugins } from '../../workers/plugins';
import { buildGatewayDeps } from '../../workers/runtime';
import { ensureSearchAttributes } from '../../workers/search-attributes-setup';
import { connectClient, connectWorker } from '../../workers/temporal-connection';
import { registerNamespace } from './namespace';
import { installTemporalRuntime, runWorkers } from '../../workers/worker';

export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  body: any;
  headers: Headers;
}

export interface Stack {
  url: string;
  adminKey: string;
  client: Client;
  store: Store;
  config: QmtlConfig;
  routes: RouteSpec[];
  /** fetch against the Gateway with the admin key (or the given key) and a JSON body. */
  api(method: string, route: string, body?: unknown, key?: string): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Node-type plugin modules, as QMTL_PLUGINS names them (relative to the working directory). */
  plugins?: string[];
}

export async function bootStack(options: StackOptions = {}): Promise<Stack> {
  const address = process.env.QMTL_TEST_TEMPORAL_ADDRESS;
  if (!address)
    throw new Error('QMTL_TEST_TEMPORAL_ADDRESS is unset: run through jest (global-setup starts the server)');
  const home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-stack-'));
  const namespace = `qmtl-test-${randomBytes(4).toString('hex')}`;
  const config = {
    ...configSchema.parse({
      home,
      logLevel: 'silent',
      temporalAddress: address,
      temporalNamespace: namespace,
      plugins: options.plugins ?? [],
    }),
    port: 0,
  } as QmtlConfig;
  const log = createLogger(process.env.QMTL_TEST_LOG_LEVEL ?? 'silent', 'qmtl-stack-test');

  const temporal = await connectClient(config);
  await registerNamespace(temporal.client, namespace);
  await ensureSearchAttributes(temporal.connection, namespace);
  const store = await openStore({ home });
  const admin = await ensureAdminKey(config, store, log);
  const adminKey = readFileSync(admin.file!, 'utf8').trim();
  installTemporalRuntime(log);
  const workerConnection = await connectWorker(config);
  // Loaded once and handed to both sides, as workers/runtime.ts does per process.
  const plugins = loadPlugins(config.plugins);
  const workers = await runWorkers({ config, connection: workerConnection, store, log, plugins });
  const gateway = await startGateway(
    buildGatewayDeps({ config, store, log, temporal: { ...temporal, address }, plugins }),
  );

  const api: Stack['api'] = async (method, route, body, key = adminKey) => {
    const res = await fetch(`${gateway.url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };

  return {
    url: gateway.url,
    adminKey,
    client: temporal.client,
    store,
    config,
    routes: mountedRoutes(gateway.app),
    api,
    async close() {
      await gateway.close();
      await workers.shutdown();
      await workerConnection.close();
      await temporal.connection.close();
      await store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
