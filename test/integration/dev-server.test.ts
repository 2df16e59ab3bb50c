/**
 * The embedded Temporal of `npm start`: a dev server on its own SQLite file
 * (not the shared in-memory one of global-setup), with the Qmtl* search
 * attributes, whose workflows survive a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { loadConfig, type QmtlConfig } from '../../workers/config';
import { freePort, startDevServer, type DevServer } from '../../workers/dev-server';
import { createLogger } from '../../workers/logger';
import { QMTL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

jest.setTimeout(120_000);

describe('startDevServer', () => {
  const log = createLogger('warn', 'dev-server-test');
  let home: string;
  let config: QmtlConfig;
  let server: DevServer | undefined;

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-dev-server-'));
    config = {
      ...loadConfig(process.env),
      home,
      temporalDevPort: await freePort(),
      temporalUiPort: await freePort(),
    };
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  async function withClient<T>(use: (client: Client, connection: Connection) => Promise<T>): Promise<T> {
    const connection = await Connection.connect({ address: server!.address });
    try {
      return await use(new Client({ connection, namespace: config.temporalNamespace }), connection);
    } finally {
      await connection.close();
    }
  }

  it('starts with the search attributes and the UI, and keeps workflows across a restart', async () => {
    const started = Date.now();
    server = await startDevServer(config, log);
    const startMs = Date.now() - started;
    expect(server.address).toBe(`127.0.0.1:${config.temporalDevPort}`);
    expect(server.dbFile).toBe(path.join(home, 'temporal.db'));
    expect(startMs).toBeLessThan(15_000);

    const ui = await fetch(server.uiUrl!);
    expect(ui.status).toBe(200);

    const workflowId = `dev-server-test-${Date.now()}`;
    await withClient(async (client, connection) => {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: config.temporalNamespace,
      });
      for (const key of QMTL_SEARCH_ATTRIBUTES) {
        expect(customAttributes?.[key.name]).toBe(encodeSearchAttributeIndexedValueType(key.type));
      }
      // Nobody polls this queue, so the workflow stays Running.
      await client.workflow.start('noSuchWorkflow', { workflowId, taskQueue: 'dev-server-test-unpolled' });
    });

    await expect(startDevServer(config, log)).rejects.toThrow(
      /is in use: a Temporal dev server from an earlier run/,
    );

    await server.stop();
    server = await startDevServer(config, log);
    const description = await withClient((client) => client.workflow.getHandle(workflowId).describe());
    expect(description.status.name).toBe('RUNNING');
    expect(description.type).toBe('noSuchWorkflow');
  });
});
