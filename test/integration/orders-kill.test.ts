/**
 * ACCEPTANCE (SPEC §8): killing the worker with open orders and restarting,
 * reconciliation brings every order to the venue's state. A worker process
 * (orders-kill.worker.ts) places three resting limit orders on the sim venue
 * and is SIGKILLed. While it is dead the venue moves on: half an hour of bars
 * fills one order, another is canceled by hand, and an order nobody tracks
 * appears. A restarted worker reconciles at start; every order workflow then
 * holds the venue's fills and terminal state, the stranger is adopted, and no
 * order exists twice. The orders poll only every ten days, so nothing but
 * reconciliation can have told them. Finally a kill switch on the account
 * cancels what still works; both runs are recorded as replay histories.
 */
import path from 'node:path';
import Decimal from 'decimal.js';
import { startOrderWorkflow } from '../../activities/order-start';
import { openStore } from '../../activities/store';
import { OrderVenueRegistry } from '../../activities/venues/order-registry';
import type { OrderVenue } from '../../activities/venues/order-port';
import { simBar } from '../../activities/venues/sim';
import { temporalKillSwitchControl } from '../../api/routes/kill-switch';
import { clientOrderId } from '../../domain/execution/order';
import { orderQuery, orderWorkflowId, type OrderView } from '../../workflows/order-messages';
import { reconcileQuery, reconcileWorkflowId, stopReconcileSignal } from '../../workflows/reconcile';
import { eventually } from '../support/eventually';
import { recordHistory } from '../support/histories';
import { exited, startWorkerProcess, workerProcessScope } from '../support/worker-process';
import type { OrdersWorkerOptions } from './orders-kill.worker';

jest.setTimeout(180_000);

const MINUTE = 60_000;
/** A stretch where BTC dips 0.6 % within half an hour of the kill (the sim's prices are deterministic). */
const T0 = Date.UTC(2026, 0, 10, 12);
const T1 = T0 + 30 * MINUTE;
const ACCOUNT = 'acct1';
const SYMBOL = 'BTC/USDT';
const FAR_BELOW = '10000';
const WORKER_ENTRY = path.join(__dirname, 'orders-kill.worker.ts');

/** Below the price at T0 (so it rests) and above the lowest low before T1 (so it fills while nobody watches). */
function limitThatFillsWhileDead(): string {
  const before = simBar(SYMBOL, '1m', T0 - MINUTE).close!;
  let low = Infinity;
  for (let ts = T0; ts < T1; ts += MINUTE) low = Math.min(low, simBar(SYMBOL, '1m', ts).low!);
  const limit = new Decimal(before).plus(low).div(2).toDecimalPlaces(2);
  expect(limit.lt(before) && limit.gt(low)).toBe(true);
  return limit.toFixed();
}

interface VenueTruth {
  status: string;
  filledQty: string;
  tradeIds: string[];
}

async function truthOf(venue: OrderVenue, id: string): Promise<VenueTruth> {
  const order = (await venue.findOrder(SYMBOL, id))!;
  const trades = await venue.fetchOrderTrades(SYMBOL, id);
  return { status: order.status, filledQty: order.filledQty, tradeIds: trades.map((t) => t.tradeId) };
}

const STATE_OF_STATUS: Record<string, string> = { open: 'NEW', filled: 'FILLED', canceled: 'CANCELED' };

const agrees = (view: OrderView | undefined, truth: VenueTruth) =>
  view !== undefined &&
  view.state === STATE_OF_STATUS[truth.status] &&
  new Decimal(view.filledQty).eq(truth.filledQty) &&
  JSON.stringify(view.fills.map((f) => f.tradeId)) === JSON.stringify(truth.tradeIds);

describe('orders whose worker is killed', () => {
  const scope = workerProcessScope('qmtl-orders-kill');

  it("reconciliation brings every order to the venue's state after a restart, with no duplicate order", async () => {
    const { temporal, root, children } = scope;
    const { client } = temporal;
    const options: Omit<OrdersWorkerOptions, 'simNowMs'> = {
      address: process.env.QMTL_TEST_TEMPORAL_ADDRESS!,
      namespace: client.options.namespace,
      home: path.join(root, 'home'),
      orphanPolicy: 'adopt',
    };
    const worker = (simNowMs: number) => {
      const withClock: OrdersWorkerOptions = { ...options, simNowMs };
      return startWorkerProcess(WORKER_ENTRY, withClock);
    };
    const view = (id: string) =>
      client.workflow
        .getHandle(orderWorkflowId(id))
        .query(orderQuery)
        .catch(() => undefined);

    const first = await worker(T0);
    children.push(first);
    const limits = { fills: limitThatFillsWhileDead(), canceled: FAR_BELOW, untouched: FAR_BELOW };
    const ids: Record<keyof typeof limits, string> = { fills: '', canceled: '', untouched: '' };
    for (const [intent, limitPrice] of Object.entries(limits) as Array<[keyof typeof limits, string]>) {
      ids[intent] = clientOrderId('w1', 's1', intent, 0);
      await startOrderWorkflow(client, {
        clientOrderId: ids[intent],
        worldId: 'w1',
        strategyId: 's1',
        intentId: intent,
        replaceSeq: 0,
        venue: 'sim',
        account: ACCOUNT,
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        qty: '0.001',
        limitPrice,
        tif: { kind: 'GTC' },
        mode: 'paper',
        pollIntervalMs: 10 * 86_400_000,
      });
    }
    for (const id of Object.values(ids)) {
      expect(
        (
          await eventually(
            () => view(id),
            (v) => v?.state === 'NEW',
          )
        )?.state,
      ).toBe('NEW');
    }
    first.kill('SIGKILL');
    await exited(first);

    // While nobody watches: half an hour of bars, a cancel by hand, an order by hand.
    const byHand = 'manual-order-1';
    const store = await openStore({ home: options.home });
    const truth: Record<string, VenueTruth> = {};
    try {
      const venue = new OrderVenueRegistry({ store, simStartingBalances: {}, now: () => T1 }).orderVenue(
        'sim',
        ACCOUNT,
      );
      await venue.cancelOrder(SYMBOL, ids.canceled);
      const terms = { symbol: SYMBOL, side: 'buy', type: 'limit', qty: '0.001', tif: 'GTC' } as const;
      await venue.submitOrder({ ...terms, clientOrderId: byHand, limitPrice: FAR_BELOW });
      for (const id of [...Object.values(ids), byHand]) truth[id] = await truthOf(venue, id);
      expect(Object.values(truth).map((t) => t.status)).toEqual(['filled', 'canceled', 'open', 'open']);
      expect(truth[ids.fills]!.tradeIds.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }

    const second = await worker(T1);
    children.push(second);
    for (const [id, venueState] of Object.entries(truth)) {
      const seen = await eventually(
        () => view(id),
        (v) => agrees(v, venueState),
        60_000,
      );
      expect({ id, state: seen?.state, fills: seen?.fills.map((f) => f.tradeId) }).toEqual({
        id,
        state: STATE_OF_STATUS[venueState.status],
        fills: venueState.tradeIds,
      });
    }
    expect((await view(byHand))?.input.adopted).toBe(true);

    // Exactly one order workflow run per order, and nothing more at the venue than what was placed.
    const listRuns = async () => {
      const runs: string[] = [];
      for await (const run of client.workflow.list({ query: "WorkflowType='orderWorkflow'" })) {
        runs.push(run.workflowId);
      }
      return runs.sort();
    };
    const expectedRuns = Object.keys(truth).map(orderWorkflowId).sort();
    expect(await eventually(listRuns, (runs) => runs.length >= expectedRuns.length)).toEqual(expectedRuns);
    const after = await openStore({ home: options.home });
    try {
      const open = await after.simBook.openOrders(ACCOUNT);
      expect(open.map((o) => o.clientOrderId).sort()).toEqual([ids.untouched, byHand].sort());
    } finally {
      await after.close();
    }

    const reconcile = client.workflow.getHandle(reconcileWorkflowId('sim', ACCOUNT));
    // The pass after the restart made the repairs (the first worker may have run one of its own, finding nothing).
    const summary = await eventually(
      () => reconcile.query(reconcileQuery),
      (s) => s?.applied.adopt === 1,
    );
    expect(summary).toMatchObject({
      applied: { fill: truth[ids.fills]!.tradeIds.length, sync: 2, adopt: 1, cancel_orphan: 0 },
    });
    expect(summary?.error).toBeUndefined();

    // The kill switch on the account cancels what still works: the untouched order and the adopted one.
    const { workflowId: killId } = await temporalKillSwitchControl(client).startKill({
      scope: { kind: 'venue', venue: 'sim', account: ACCOUNT },
      flatten: false,
      reason: 'incident drill',
      actor: 'test',
      requestId: 'drill-1',
    });
    const killed = await client.workflow.getHandle(killId).result();
    expect(killed).toMatchObject({ canceled: 2, orders: 2, flattened: [] });
    for (const id of [ids.untouched, byHand]) expect((await view(id))?.state).toBe('CANCELED');

    await reconcile.signal(stopReconcileSignal);
    await reconcile.result();
    await recordHistory(client, reconcileWorkflowId('sim', ACCOUNT), 'worker-killed-repaired');
    await recordHistory(client, killId, 'venue-orders-canceled');
    second.kill('SIGTERM');
    await exited(second);
  });
});
