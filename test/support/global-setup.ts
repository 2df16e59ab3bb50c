/**
 * Jest global setup: resolves (and if needed installs) the Temporal binaries
 * and starts ONE in-memory Temporal dev server with every Qmtl* search
 * attribute for the integration tests. Tests read:
 *   QMTL_TEST_TEMPORAL_ADDRESS  host:port of that server (preset: use it, start none)
 *   QMTL_TEST_SERVER_PATH       time-skipping test server (test/support/time-skipping.ts)
 *   QMTL_TEST_DATABASE_URL      PostgreSQL for store contract tests
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../workers/config';
import { freePort, startDevServer, type DevServer } from '../../workers/dev-server';
import { createLogger } from '../../workers/logger';
import { resolveTemporalCli, resolveTestServer } from '../../workers/temporal-binaries';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

declare global {
  var __qmtlTestDevServer: DevServer | undefined;
}

interface JestGlobalConfig {
  testPathPatterns?: { patterns?: string[] };
}

/** Tiers that never talk to the shared dev server. */
const SERVERLESS_TIERS = /test[\\/](unit|workflows|replay)\b/;

export default async function globalSetup(globalConfig?: JestGlobalConfig): Promise<void> {
  process.env.QMTL_TEST_DATABASE_URL ??= DEFAULT_TEST_DATABASE_URL;
  const config = loadConfig(process.env);
  const log = createLogger(process.env.QMTL_TEST_LOG_LEVEL ?? 'warn', 'qmtl-test');
  const needsServer =
    process.env.QMTL_TEST_TEMPORAL_ADDRESS === undefined && !onlyServerlessTiers(globalConfig);

  const started = Date.now();
  const [cli, testServer] = await Promise.all([
    needsServer ? resolveTemporalCli(config) : undefined,
    resolveTestServer(config),
  ]);
  if (testServer.type === 'existing-path') process.env.QMTL_TEST_SERVER_PATH = testServer.path;
  if (!needsServer || cli === undefined) return;

  const home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-test-'));
  const server = await startDevServer({ ...config, home, temporalDevPort: await freePort() }, log, {
    inMemory: true,
    headless: true,
    binary: cli,
  });
  globalThis.__qmtlTestDevServer = server;
  process.env.QMTL_TEST_TEMPORAL_ADDRESS = server.address;
  log.info({ address: server.address, ms: Date.now() - started }, 'test Temporal dev server ready');
}

function onlyServerlessTiers(globalConfig: JestGlobalConfig | undefined): boolean {
  const patterns = globalConfig?.testPathPatterns?.patterns ?? [];
  return patterns.length > 0 && patterns.every((pattern) => SERVERLESS_TIERS.test(pattern));
}
