/**
 * What the order and account workflow tests share: a qmtl-exec worker over a
 * store and a venue lookup, order inputs, and waiting for an order by query
 * (the time-skipping server only skips time inside `result()` and `sleep`).
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { Store } from '../../activities/store/port';
import type { OrderVenueLookup } from '../../activities/venues/order-port';
import { VenueRegistry } from '../../activities/venues/registry';
import { clientOrderId } from '../../domain/execution/order';
import { workflowBundle } from '../../workers/worker';
import { orderWorkflow } from '../../workflows/order';
import {
  accountQuery,
  accountWorkflowId,
  orderQuery,
  orderWorkflowId,
  type OrderView,
  type OrderWorkflowInput,
} from '../../workflows/order-messages';
import { EXEC_QUEUE } from '../../workflows/task-queues';
import { SCRIPTED } from './scripted-order-venue';
import { connectFreshNamespace } from './worker-process';

export const HOUR = 3_600_000;

/** What a scenario needs of a server: a time-skipping environment, or the dev server's namespace. */
export interface OrderTestEnv {
  client: Client;
  nativeConnection: NativeConnection;
  namespace?: string;
}

/**
 * A fresh namespace on the shared dev server (jest's global setup), for
 * scenarios that need workflow updates: the time-skipping server loses some.
 */
export async function devServerEnv(prefix: string): Promise<OrderTestEnv & { close(): Promise<void> }> {
  const temporal = await connectFreshNamespace(prefix);
  const nativeConnection = await NativeConnection.connect({
    address: process.env.QMTL_TEST_TEMPORAL_ADDRESS!,
  });
  return {
    client: temporal.client,
    nativeConnection,
    namespace: temporal.client.options.namespace,
    async close() {
      await nativeConnection.close();
      await temporal.connection.close();
    },
  };
}

/**
 * Runs `fn` while a qmtl-exec worker with every activity (orders from
 * `orderVenues`) polls. A scenario should wait for its orders to close: the
 * Java test server moves a task off a stopped worker's sticky queue only while
 * it is skipping time, so an order still lingering from an earlier scenario
 * can stall a later one.
 */
export async function withExecWorker<T>(
  env: OrderTestEnv,
  store: Store,
  orderVenues: OrderVenueLookup,
  fn: () => Promise<T>,
): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    ...(env.namespace !== undefined && { namespace: env.namespace }),
    taskQueue: EXEC_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ store, venues: new VenueRegistry(), orderVenues, client: env.client }),
  });
  return worker.runUntil(fn);
}

/** A buy limit GTC 100 BTC/USDT @ 10 on the scripted venue, polled hourly, unless `over` says otherwise. */
export function orderInput(
  intentId: string,
  account: string,
  over: Partial<OrderWorkflowInput> = {},
): OrderWorkflowInput {
  return {
    clientOrderId: clientOrderId('w1', 's1', intentId, 0),
    worldId: 'w1',
    strategyId: 's1',
    intentId,
    replaceSeq: 0,
    venue: SCRIPTED,
    account,
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'limit',
    qty: '100',
    limitPrice: '10',
    tif: { kind: 'GTC' },
    mode: 'paper',
    pollIntervalMs: HOUR,
    ...over,
  };
}

export const startOrder = (env: Pick<OrderTestEnv, 'client'>, input: OrderWorkflowInput) =>
  env.client.workflow.start(orderWorkflow, {
    workflowId: orderWorkflowId(input.clientOrderId),
    taskQueue: EXEC_QUEUE,
    args: [input],
  });

export const accountViewOf = (env: Pick<OrderTestEnv, 'client'>, venue: string, account: string) =>
  env.client.workflow.getHandle(accountWorkflowId(venue, account)).query(accountQuery);

/** Queries the order until `ok` holds (real time: signals and updates take effect within ms). */
export async function untilOrder(
  handle: { query: (q: typeof orderQuery) => Promise<OrderView> },
  ok: (view: OrderView) => boolean,
): Promise<OrderView> {
  for (let i = 0; i < 200; i++) {
    const view = await handle.query(orderQuery);
    if (ok(view)) return view;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`order never got there: ${JSON.stringify(await handle.query(orderQuery))}`);
}

/** Replays a workflow's history against today's bundle: throws on nondeterminism. */
export async function replayHistoryOf(handle: {
  workflowId: string;
  fetchHistory: WorkflowHandle['fetchHistory'];
}) {
  await Worker.runReplayHistory(
    { workflowBundle: await workflowBundle() },
    await handle.fetchHistory(),
    handle.workflowId,
  );
}
