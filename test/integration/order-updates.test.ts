/**
 * The order workflow's cancel and replace updates, on the dev server: the
 * Java time-skipping test server loses workflow updates now and then (the
 * call never returns; temporalio/sdk-java#1903), and nothing here needs
 * skipped time. Orders linger half a second for late fills instead of a
 * minute, so each ends soon after its update. Real worker, real SQLite
 * store, the scripted venue at the network edge, as in order.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import { clientOrderId } from '../../domain/execution/order';
import type { orderWorkflow } from '../../workflows/order';
import {
  cancelOrderUpdate,
  orderFillSignal,
  orderQuery,
  orderWorkflowId,
  replaceOrderUpdate,
  type OrderWorkflowInput,
} from '../../workflows/order-messages';
import {
  accountViewOf,
  devServerEnv,
  orderInput,
  replayHistoryOf,
  startOrder,
  untilOrder,
  withExecWorker,
  type OrderTestEnv,
} from '../support/order-harness';
import { SCRIPTED, ScriptedOrderVenues } from '../support/scripted-order-venue';

jest.setTimeout(60_000);

/** Late fills are still looked for, but for half a second. */
const LINGER_MS = 500;

describe('orderWorkflow cancel and replace (dev server)', () => {
  let dev: OrderTestEnv & { close(): Promise<void> };
  let store: Store;
  let home: string;
  const venues = new ScriptedOrderVenues();
  let accountSeq = 0;

  beforeAll(async () => {
    dev = await devServerEnv('qmtl-order-updates');
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-order-updates-'));
    store = await openStore({ home });
  });

  afterAll(async () => {
    await store?.close();
    await dev?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const scenario = <T>(fn: () => Promise<T>) => withExecWorker(dev, store, venues, fn);
  /** On a fresh account (100000 USDT) unless `over` names one. */
  const order = (intentId: string, over: Partial<OrderWorkflowInput> = {}) =>
    orderInput(intentId, over.account ?? `upd-${++accountSeq}`, { lateFillWindowMs: LINGER_MS, ...over });
  const start = (input: OrderWorkflowInput) => startOrder(dev, input);
  const accountOf = (input: OrderWorkflowInput) => accountViewOf(dev, input.venue, input.account);
  const until = untilOrder;

  it('GTC limit not crossed stays NEW through polls; cancel ends it CANCELED', async () => {
    const input = order('gtc-rest', { pollIntervalMs: 100 });
    const venue = venues.orderVenue(SCRIPTED, input.account);
    const [resting, canceled, ended] = await scenario(async () => {
      const handle = await start(input);
      await until(handle, (v) => v.state === 'NEW');
      await new Promise((resolve) => setTimeout(resolve, 500)); // several polls
      const resting = await handle.query(orderQuery);
      const canceled = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'test' }] });
      return [resting, canceled, await handle.result()];
    });
    expect(resting).toMatchObject({ state: 'NEW', filledQty: '0' });
    expect(resting.venueOrderId).toBeDefined();
    expect(canceled.state).toBe('CANCELED');
    expect(ended.state).toBe('CANCELED');
    expect(venue.orders.get(input.clientOrderId)?.status).toBe('canceled');
  });

  it('cancel racing a fill: the fill wins, the order ends FILLED with the fill kept', async () => {
    const input = order('race');
    const venue = venues.orderVenue(SCRIPTED, input.account);
    venue.beforeCancel = (id) => void venue.fill(id, '100', '9.99');
    const [answer, view] = await scenario(async () => {
      const handle = await start(input);
      await until(handle, (v) => v.state === 'NEW');
      const answer = await handle.executeUpdate(cancelOrderUpdate, { args: [{}] });
      return [answer, await handle.result()];
    });
    expect(answer).toMatchObject({ state: 'FILLED', filledQty: '100', avgPrice: '9.99' });
    expect(view.fills).toHaveLength(1);
    expect(view.events.map((e) => e.event)).toEqual(['ACCEPTED', 'CANCEL_REQUESTED', 'FILL']);
  });

  it('a fill after the cancel is a late fill: recorded, audited, forwarded to the account', async () => {
    const input = order('late');
    const late = { tradeId: 'late-1', qty: '5', price: '10', fee: '0', ts: 9 };
    const [view, account] = await scenario(async () => {
      const handle = await start(input);
      await until(handle, (v) => v.state === 'NEW');
      await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'done' }] });
      await handle.signal(orderFillSignal, late);
      await handle.signal(orderFillSignal, late);
      const view = await handle.result();
      await replayHistoryOf(handle);
      return [view, await accountOf(input)] as const;
    });
    expect(view).toMatchObject({ state: 'CANCELED', filledQty: '0', fills: [] });
    expect(view.lateFills).toEqual([{ state: 'CANCELED', fill: late }]);
    expect(account.positions).toEqual({ 'BTC/USDT': '5' });
    const audit = await store.audit.list({ subject: `order:${input.clientOrderId}`, limit: 10 });
    expect(audit.map((a) => a.action)).toEqual(['order.late_fill']);
  });

  it('cancel and replace validators refuse what the table and the symbol rules forbid', async () => {
    const input = order('refusals');
    const refusals = await scenario(async () => {
      const handle = await start(input);
      await until(handle, (v) => v.state === 'NEW');
      await handle.signal(orderFillSignal, { tradeId: 'f1', qty: '30', price: '10', fee: '0', ts: 1 });
      await until(handle, (v) => v.state === 'PARTIALLY_FILLED');
      const refusals: string[] = [];
      const refusalOf = (err: Error) => String((err.cause as Error | undefined)?.message);
      for (const request of [{ qty: '20' }, { limitPrice: '10.005' }, { qty: '80.5' }, {}]) {
        refusals.push(
          await handle
            .executeUpdate(replaceOrderUpdate, { args: [request] })
            .then(() => 'accepted', refusalOf),
        );
      }
      await handle.executeUpdate(cancelOrderUpdate, { args: [{}] });
      refusals.push(
        await handle.executeUpdate(cancelOrderUpdate, { args: [{}] }).then(() => 'accepted', refusalOf),
      );
      await handle.result();
      return refusals;
    });
    expect(refusals).toEqual([
      'qty 20 must exceed the filled 30',
      'limit price 10.005 not a multiple of 0.01',
      'qty 80.5 not a multiple of 1; qty 50.5 not a multiple of 1',
      'give qty, limitPrice or both',
      'order is CANCELED: nothing to cancel',
    ]);
  });

  it('replace: the old order is CANCELED and the child works the rest at the new price', async () => {
    const input = order('replace');
    const venue = venues.orderVenue(SCRIPTED, input.account);
    const [answer, old, child, childEnd, account] = await scenario(async () => {
      const handle = await start(input);
      await until(handle, (v) => v.state === 'NEW');
      await handle.signal(orderFillSignal, { tradeId: 'r1', qty: '30', price: '10', fee: '0', ts: 1 });
      await until(handle, (v) => v.state === 'PARTIALLY_FILLED');
      const answer = await handle.executeUpdate(replaceOrderUpdate, { args: [{ limitPrice: '10.5' }] });
      const childHandle = dev.client.workflow.getHandle<typeof orderWorkflow>(
        orderWorkflowId(answer.newOrderId),
      );
      const child = await until(childHandle, (v) => v.state === 'NEW');
      const old = await handle.result();
      await replayHistoryOf(handle);
      await childHandle.signal(orderFillSignal, { tradeId: 'r2', qty: '70', price: '10.5', fee: '0', ts: 2 });
      const childEnd = await until(childHandle, (v) => v.state === 'FILLED');
      for (let i = 0; i < 100 && (await accountOf(input)).reservations.length > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return [answer, old, child, childEnd, await accountOf(input)] as const;
    });
    expect(answer.newOrderId).toBe(clientOrderId('w1', 's1', 'replace', 1));
    expect(answer.old).toMatchObject({ state: 'CANCELED', replacedBy: answer.newOrderId, filledQty: '30' });
    expect(old.state).toBe('CANCELED');
    expect(child.input).toMatchObject({
      qty: '70',
      limitPrice: '10.5',
      replaceSeq: 1,
      replaces: input.clientOrderId,
    });
    expect(venue.orders.get(input.clientOrderId)?.status).toBe('canceled');
    expect(venue.orders.get(answer.newOrderId)).toMatchObject({
      status: 'open',
      qty: '70',
      limitPrice: '10.5',
    });
    expect(childEnd).toMatchObject({ state: 'FILLED', avgPrice: '10.5' });
    // Both reservations are released; 30 bought before the replace and 70 after.
    expect(account).toMatchObject({
      cash: { settled: '98965' },
      positions: { 'BTC/USDT': '100' },
      reservations: [],
    });
  });
});
