/**
 * Time-skipping test environments on the binary global-setup resolved
 * (QMTL_TEST_SERVER_PATH), so workflow tests run offline; without it the SDK
 * downloads the test server (machines with internet only). The Qmtl* search
 * attributes are registered on it as on every other server: workflows upsert
 * them, and the test server refuses unknown ones.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { createActivities } from '../../activities';
import { createNodeComputeActivities, type NodeComputeHooks } from '../../activities/node-compute';
import type { Store } from '../../activities/store/port';
import { VenueRegistry } from '../../activities/venues/registry';
import { QMTL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { createLogger } from '../../workers/logger';
import { installTemporalRuntime, workflowBundle } from '../../workers/worker';

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  installTemporalRuntime(createLogger(process.env.QMTL_TEST_LOG_LEVEL ?? 'silent', 'qmtl-workflow-test'));
  const path = process.env.QMTL_TEST_SERVER_PATH;
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: path ? { type: 'existing-path', path } : { type: 'cached-download' } },
  });
  // The Java test server implements AddSearchAttributes but not List, so
  // workers/search-attributes-setup (which lists first) cannot be used here.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      QMTL_SEARCH_ATTRIBUTES.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
    ),
  });
  return env;
}

/** Runs `fn` while a qmtl-control worker over `store` polls the environment; `hooks` watch node computations. */
export async function withControlWorker<T>(
  env: TestWorkflowEnvironment,
  store: Store,
  fn: () => Promise<T>,
  hooks: NodeComputeHooks = {},
): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'qmtl-control',
    workflowBundle: await workflowBundle(),
    activities: {
      ...createActivities({ store, venues: new VenueRegistry() }),
      ...createNodeComputeActivities({ store, hooks }),
    },
  });
  return worker.runUntil(fn);
}
