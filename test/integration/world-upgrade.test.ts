/**
 * A world started by a release before WorldService (the legacy workflow, no
 * snapshot query) is read through today's Gateway: the Gateway asks it to
 * upgrade, the current worker replays its history on the legacy path and
 * continues it as the v2 workflow with its policies, and every world resource
 * answers. The world runs on its own task queue so the legacy worker and the
 * current one can take turns.
 */
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { VenueRegistry } from '../../activities/venues/registry';
import { newWorld } from '../../domain/world/world';
import { workflowBundle } from '../../workers/worker';
import { addPolicyUpdate, worldQuery } from '../../workflows/world';
import { bootStack, type Stack } from '../support/stack';

jest.setTimeout(120_000);

const QUEUE = 'legacy-control';
const WORLD = 'old-world';
const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

describe('a world started before WorldService', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await bootStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('upgrades to the v2 workflow on first read and keeps its policies', async () => {
    const native = await NativeConnection.connect({ address: process.env.QMTL_TEST_TEMPORAL_ADDRESS! });
    try {
      await upgradeThroughGateway(native);
    } finally {
      await native.close();
    }
  });

  async function upgradeThroughGateway(native: NativeConnection): Promise<void> {
    const { client } = stack;
    const namespace = stack.config.temporalNamespace;
    const handle = client.workflow.getHandle(`world:${WORLD}`);

    const legacy = await Worker.create({
      connection: native,
      namespace,
      taskQueue: QUEUE,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: require.resolve('../support/legacy-world-workflow'),
        logger: silent,
      }),
    });
    await legacy.runUntil(async () => {
      await client.workflow.start('worldWorkflow', {
        workflowId: `world:${WORLD}`,
        taskQueue: QUEUE,
        args: [
          {
            world: newWorld(
              { id: WORLD, allow_live: false, labels: {} },
              'owner-key',
              '2026-01-01T00:00:00.000Z',
            ),
          },
        ],
      });
      const added = await handle.executeUpdate(addPolicyUpdate, {
        args: [{ policy: { selection: { top_k: { metric: 'sharpe', k: 2 } } }, actor: 'owner-key' }],
      });
      expect(added).toEqual({ version: 1 });
      expect((await handle.query(worldQuery)).id).toBe(WORLD);
    });

    const current = await Worker.create({
      connection: native,
      namespace,
      taskQueue: QUEUE,
      workflowBundle: await workflowBundle(),
      activities: createActivities({ store: stack.store, venues: new VenueRegistry(), client }),
    });
    await current.runUntil(async () => {
      const world = await stack.api('GET', `/v1/worlds/${WORLD}`);
      expect(world.status).toBe(200);
      expect(world.body).toMatchObject({ id: WORLD, owner: 'owner-key', allow_live: false, etag: 1 });
      expect(world.body.deleted).toBeUndefined();

      const policies = await stack.api('GET', `/v1/worlds/${WORLD}/policies`);
      expect(policies.body).toMatchObject({
        default_version: 1,
        versions: [{ version: 1, actor: 'owner-key' }],
      });

      // The upgraded world takes writes and audits them from its first v2 record.
      const put = await stack.api('PUT', `/v1/worlds/${WORLD}`, { name: 'Old world' });
      expect(put.status).toBe(200);
      const audit = await stack.api('GET', `/v1/worlds/${WORLD}/audit`);
      expect(audit.body.records.map((r: { action: string }) => r.action)).toEqual([
        'world.upgraded',
        'world.updated',
      ]);

      const runs = await client.workflow.list({ query: `WorkflowId = 'world:${WORLD}'` });
      let executions = 0;
      for await (const _ of runs) executions++;
      expect(executions).toBe(2); // the legacy run, continued as new
    });
  }
});
