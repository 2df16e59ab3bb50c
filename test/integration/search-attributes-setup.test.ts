/** ensureSearchAttributes against a real server: a fresh namespace gets every Qmtl* attribute, once. */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { QMTL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { ensureSearchAttributes } from '../../workers/search-attributes-setup';

describe('ensureSearchAttributes', () => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.QMTL_TEST_TEMPORAL_ADDRESS });
  });
  afterAll(() => connection.close());

  it('registers the missing attributes and is idempotent', async () => {
    const namespace = `qmtl-sa-${Date.now()}`;
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    // A new namespace is served once the server's namespace cache refreshes.
    let added: string[] | undefined;
    for (let attempt = 0; added === undefined; attempt++) {
      try {
        added = await ensureSearchAttributes(connection, namespace);
      } catch (err) {
        if (attempt > 60) throw err;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    expect(added.sort()).toEqual(QMTL_SEARCH_ATTRIBUTES.map((key) => key.name).sort());
    await expect(ensureSearchAttributes(connection, namespace)).resolves.toEqual([]);
  });

  it('finds everything already registered on the shared test server', async () => {
    await expect(ensureSearchAttributes(connection, 'default')).resolves.toEqual([]);
  });
});
