/**
 * Boots a real Gateway for tests: SQLite store in a temp QMTL home, the
 * bootstrap admin key, an HTTP server on a free port. Temporal is the network
 * edge here, so callers pass a TemporalPort (a small object by default).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../activities/store';
import type { Role, Store } from '../../activities/store/port';
import { mountedRoutes, type GatewayDeps } from '../../api/app';
import { ensureAdminKey } from '../../api/auth';
import type { RouteSpec } from '../../api/route';
import type { TemporalPort } from '../../api/temporal-port';
import { configSchema, type QmtlConfig } from '../../workers/config';
import { createLogger } from '../../workers/logger';
import { startGateway } from '../../api/server';

export interface TestGateway {
  url: string;
  adminKey: string;
  store: Store;
  config: QmtlConfig;
  routes: RouteSpec[];
  /** Issues a key through the API and returns its id and secret. */
  issueKey(role: Role, name?: string): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  routes?: RouteSpec[];
  temporal?: TemporalPort;
  config?: Partial<QmtlConfig>;
}

export const healthyTemporal = (): TemporalPort & { up: boolean } => {
  const port = {
    namespace: 'default',
    address: '127.0.0.1:7233',
    up: true,
    async checkHealth() {
      return port.up ? { ok: true } : { ok: false, detail: 'connection refused' };
    },
  };
  return port;
};

export async function bootGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-gw-'));
  // Port 0 (any free port) is below the config schema's minimum, so it is set after parsing.
  const config = {
    ...configSchema.parse({ home, logLevel: 'silent' }),
    port: 0,
    ...options.config,
  } as QmtlConfig;
  const log = createLogger(process.env.QMTL_TEST_LOG_LEVEL ?? 'silent', 'qmtl-gateway-test');
  const store = await openStore({ home });
  const admin = await ensureAdminKey(config, store, log);
  const adminKey = config.adminKey ?? readFileSync(admin.file!, 'utf8').trim();
  const deps: GatewayDeps = {
    config,
    store,
    log,
    temporal: options.temporal ?? healthyTemporal(),
    routes: options.routes,
  };
  const gateway = await startGateway(deps);
  const url = gateway.url;

  return {
    url,
    adminKey,
    store,
    config,
    routes: mountedRoutes(gateway.app),
    async issueKey(role, name = `${role} key`) {
      const res = await fetch(`${url}/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, role }),
      });
      if (res.status !== 201) throw new Error(`issueKey: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string; key: string };
    },
    async close() {
      await gateway.close();
      await store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
