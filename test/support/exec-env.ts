/**
 * A qmtl-exec world on the time-skipping server for the reconcile and
 * kill-switch workflow tests: the real order and account workflows, a SQLite
 * store, the sim venue pinned at T0, and helpers that change the venue
 * behind the workflows' backs. The test server has no visibility list, so
 * the order directory is the set of orders the test started — the one
 * stand-in, at the network edge. Orders poll once in ten days, so only
 * reconciliation (or a kill switch) can tell them anything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createKillSwitchActivities } from '../../activities/kill-switch';
import type { OrderDirectory, RunningOrder } from '../../activities/order-directory';
import { startOrderWorkflow } from '../../activities/order-start';
import { createReconcileActivities } from '../../activities/reconcile';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import { OrderVenueRegistry } from '../../activities/venues/order-registry';
import { VenueRegistry } from '../../activities/venues/registry';
import { clientOrderId } from '../../domain/execution/order';
import type { OrphanPolicy } from '../../domain/execution/reconcile';
import { workflowBundle } from '../../workers/worker';
import { orderQuery, orderWorkflowId, type OrderView } from '../../workflows/order-messages';
import { reconcileWorkflow, reconcileWorkflowId, stopReconcileSignal } from '../../workflows/reconcile';
import { EXEC_QUEUE } from '../../workflows/task-queues';
import { eventually } from './eventually';
import { createTimeSkippingEnv } from './time-skipping';

export const T0 = Date.UTC(2026, 0, 5, 12);
export const SYMBOL = 'BTC/USDT';
const TEN_DAYS_MS = 10 * 86_400_000;
/** BTC trades near 70000 on sim: a buy at 10000 rests for ever. */
const FAR_BELOW = '10000';

export interface ExecEnv {
  env: TestWorkflowEnvironment;
  store: Store;
  orderVenues: OrderVenueRegistry;
  view(id: string): Promise<OrderView>;
  /** A resting buy far below the market, accepted by the venue; its client order id. */
  place(account: string, intent: string, worldId?: string): Promise<string>;
  /** The venue fills the order completely, and nobody tells the workflow. */
  fillBehindTheirBacks(account: string, id: string, tradeId: string): Promise<void>;
  /** An order placed at the venue by hand: no workflow knows it. */
  placeByHand(account: string, id: string): Promise<unknown>;
  /** One pass: started with `stop`, so it reconciles once and returns its summary. */
  reconcileOnce(
    account: string,
    orphanPolicy: OrphanPolicy,
  ): Promise<NonNullable<Awaited<ReturnType<typeof reconcileWorkflow>>>>;
  auditActions(subject: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function createExecEnv(): Promise<ExecEnv> {
  const env = await createTimeSkippingEnv();
  const home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-exec-wf-'));
  const store = await openStore({ home });
  const orderVenues = new OrderVenueRegistry({
    store,
    simStartingBalances: { USDT: '100000' },
    now: () => T0,
  });
  const tracked = new Set<string>();
  const directory: OrderDirectory = {
    async runningOrders(scope) {
      const found: RunningOrder[] = [];
      for (const workflowId of tracked) {
        const handle = env.client.workflow.getHandle(workflowId);
        const { status, startTime } = await handle.describe();
        if (status.name !== 'RUNNING') continue;
        const { input } = await handle.query(orderQuery);
        if ('venue' in scope ? input.venue === scope.venue : input.worldId === scope.worldId) {
          found.push({ workflowId, startedAt: startTime.getTime() });
        }
      }
      return found;
    },
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: EXEC_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: {
      ...createActivities({ store, venues: new VenueRegistry(), orderVenues }),
      ...createReconcileActivities({ store, orderVenues, directory, now: () => T0 }),
      ...createKillSwitchActivities({ store, orderVenues, directory, now: () => T0 }),
    },
  });
  const running = worker.run();
  const view = (id: string) => env.client.workflow.getHandle(orderWorkflowId(id)).query(orderQuery);

  return {
    env,
    store,
    orderVenues,
    view,
    async place(account, intent, worldId = 'w1') {
      const id = clientOrderId(worldId, 's1', intent, 0);
      await startOrderWorkflow(env.client, {
        clientOrderId: id,
        worldId,
        strategyId: 's1',
        intentId: intent,
        replaceSeq: 0,
        venue: 'sim',
        account,
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        qty: '0.001',
        limitPrice: FAR_BELOW,
        tif: { kind: 'GTC' },
        mode: 'paper',
        pollIntervalMs: TEN_DAYS_MS,
      });
      tracked.add(orderWorkflowId(id));
      const accepted = await eventually(
        () => view(id),
        (v) => v.state === 'NEW',
      );
      if (accepted.state !== 'NEW') throw new Error(`order ${id} is ${accepted.state}, not NEW`);
      return id;
    },
    async fillBehindTheirBacks(account, id, tradeId) {
      await store.simBook.mutateOrder(account, id, (row) => ({
        row: { ...row, status: 'filled', filledQty: row.qty, updatedTs: T0 },
        trades: [
          {
            account,
            tradeId,
            venueOrderId: row.venueOrderId,
            clientOrderId: id,
            symbol: row.symbol,
            side: row.side,
            qty: row.qty,
            price: row.limitPrice!,
            fee: '0.01',
            liquidity: 'maker',
            ts: T0,
          },
        ],
        balanceDeltas: { BTC: row.qty, USDT: '-10.01' },
      }));
    },
    placeByHand: (account, id) =>
      orderVenues.orderVenue('sim', account).submitOrder({
        clientOrderId: id,
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        qty: '0.001',
        limitPrice: FAR_BELOW,
        tif: 'GTC',
      }),
    async reconcileOnce(account, orphanPolicy) {
      const handle = await env.client.workflow.signalWithStart(reconcileWorkflow, {
        workflowId: `${reconcileWorkflowId('sim', account)}:${orphanPolicy}`,
        taskQueue: EXEC_QUEUE,
        args: [{ venue: 'sim', account, intervalMs: 60_000, orphanPolicy }],
        signal: stopReconcileSignal,
      });
      return (await handle.result())!;
    },
    auditActions: async (subject) => (await store.audit.list({ subject, limit: 100 })).map((r) => r.action),
    async close() {
      worker.shutdown();
      await running;
      await store.close();
      await env.teardown();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
