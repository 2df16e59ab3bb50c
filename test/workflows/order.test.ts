/**
 * The order workflow on the time-skipping server with a real worker on
 * qmtl-exec, a real SQLite store and a scripted venue (the network edge):
 * IOC/FOK decided by the venue, partial fills by signal with exact averages,
 * dedup, GTD/DAY timers, a submit retried after an ambiguous failure, a fill
 * forwarded while the submit is in flight, continue-as-new, overfill — and
 * the account's cash and positions after it all. Cancel and replace (workflow
 * updates) run on the dev server: test/integration/order-updates.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import {
  orderFillSignal,
  orderQuery,
  type AccountView,
  type OrderWorkflowInput,
} from '../../workflows/order-messages';
import {
  accountViewOf,
  HOUR,
  orderInput,
  replayHistoryOf,
  startOrder,
  untilOrder,
  withExecWorker,
} from '../support/order-harness';
import { recordHistoryFromEnv } from '../support/histories';
import { SCRIPTED, ScriptedOrderVenues } from '../support/scripted-order-venue';
import { createTimeSkippingEnv } from '../support/time-skipping';

const DAY = 24 * HOUR;

describe('orderWorkflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let home: string;
  const venues = new ScriptedOrderVenues();
  let accountSeq = 0;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-order-wf-'));
    store = await openStore({ home });
  });

  afterAll(async () => {
    await store?.close();
    await env?.teardown();
    rmSync(home, { recursive: true, force: true });
  });

  const scenario = <T>(fn: () => Promise<T>) => withExecWorker(env, store, venues, fn);
  /** On a fresh account (100000 USDT) unless `over` names one. */
  const order = (intentId: string, over: Partial<OrderWorkflowInput> = {}) =>
    orderInput(intentId, over.account ?? `acct-${++accountSeq}`, over);
  const start = (input: OrderWorkflowInput) => startOrder(env, input);
  const accountOf = (input: OrderWorkflowInput) => accountViewOf(env, input.venue, input.account);
  const until = untilOrder;
  /** Queries the account until `ok` holds (real time: the submit's timeout must not be skipped to). */
  const untilAccount = async (input: OrderWorkflowInput, ok: (a: AccountView) => boolean) => {
    for (let i = 0; i < 200; i++) {
      const view = await accountOf(input).catch(() => undefined);
      if (view && ok(view)) return view;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`account never got there: ${JSON.stringify(await accountOf(input))}`);
  };

  it('IOC buy 100 with 30 available: 30 filled, the rest EXPIRED; the account books it exactly', async () => {
    const input = order('ioc', { tif: { kind: 'IOC' } });
    const venue = venues.orderVenue(SCRIPTED, input.account);
    venue.available = { qty: '30', price: '9.5' };
    const [view, account] = await scenario(async () => {
      const result = await (await start(input)).result();
      return [result, await accountOf(input)] as const;
    });
    expect(view).toMatchObject({ state: 'EXPIRED', filledQty: '30', avgPrice: '9.5' });
    expect(view.fills).toHaveLength(1);
    // 100000 − 30 × 9.5 − fee 0.285; the reservation (100 × 10) is released.
    expect(account).toMatchObject({
      cash: { settled: '99714.715', unsettled: [] },
      positions: { 'BTC/USDT': '30' },
      reservations: [],
    });
  });

  it('FOK 100 with 30 available: nothing filled, EXPIRED', async () => {
    const input = order('fok', { tif: { kind: 'FOK' } });
    venues.orderVenue(SCRIPTED, input.account).available = { qty: '30', price: '10' };
    const view = await scenario(async () => (await start(input)).result());
    expect(view).toMatchObject({ state: 'EXPIRED', filledQty: '0', fills: [] });
  });

  it('GTC partials 30/30/30/10 by signal: FILLED at the exact average; a duplicate changes nothing', async () => {
    const input = order('partials', { limitPrice: '12' });
    const fills = [
      { tradeId: 'p1', qty: '30', price: '10', fee: '0.3', ts: 1 },
      { tradeId: 'p2', qty: '30', price: '10.5', fee: '0.315', ts: 2 },
      { tradeId: 'p3', qty: '30', price: '11', fee: '0.33', ts: 3 },
      { tradeId: 'p4', qty: '10', price: '12', fee: '0.12', ts: 4 },
    ];
    const [afterDuplicate, view, account] = await scenario(async () => {
      const handle = await start(input);
      await until(handle, (v) => v.state === 'NEW');
      await handle.signal(orderFillSignal, fills[0]!);
      await handle.signal(orderFillSignal, fills[1]!);
      await handle.signal(orderFillSignal, fills[1]!);
      const afterDuplicate = await until(handle, (v) => v.fills.length === 2);
      await handle.signal(orderFillSignal, fills[2]!);
      await handle.signal(orderFillSignal, fills[3]!);
      const view = await handle.result();
      await replayHistoryOf(handle);
      return [afterDuplicate, view, await accountOf(input)] as const;
    });
    expect(afterDuplicate).toMatchObject({ state: 'PARTIALLY_FILLED', filledQty: '60', avgPrice: '10.25' });
    expect(view).toMatchObject({ state: 'FILLED', filledQty: '100', avgPrice: '10.65' });
    expect(view.fills.map((f) => f.tradeId)).toEqual(['p1', 'p2', 'p3', 'p4']);
    // 100000 − 1065 − 1.065 in fees, booked once per trade.
    expect(account).toMatchObject({ cash: { settled: '98933.935' }, positions: { 'BTC/USDT': '100' } });
    expect(account.reservations).toEqual([]);
  });

  it('GTD expires by its timer a day later; a fill stamped exactly at the expiry still counts', async () => {
    const expireAt = (await env.currentTimeMs()) + DAY;
    const input = order('gtd', { tif: { kind: 'GTD', expireAt }, pollIntervalMs: 6 * HOUR });
    const venue = venues.orderVenue(SCRIPTED, input.account);
    venue.beforeCancel = (id) => void venue.fill(id, '40', '10', expireAt);
    const started = Date.now();
    const view = await scenario(async () => (await start(input)).result());
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(view).toMatchObject({ state: 'EXPIRED', filledQty: '40' });
    expect(view.events.map((e) => e.event)).toEqual(['ACCEPTED', 'PARTIAL_FILL', 'EXPIRED']);
    expect(venue.orders.get(input.clientOrderId)?.status).toBe('canceled');
  });

  it('DAY expires at its close (env.sleep moves a day in milliseconds)', async () => {
    const closeAt = (await env.currentTimeMs()) + 8 * HOUR;
    const input = order('day', { tif: { kind: 'DAY', closeAt }, pollIntervalMs: 12 * HOUR });
    const view = await scenario(async () => {
      const handle = await start(input);
      await until(handle, (v) => v.state === 'NEW');
      await env.sleep(DAY);
      await until(handle, (v) => v.state === 'EXPIRED');
      return handle.result();
    });
    expect(view).toMatchObject({ state: 'EXPIRED', filledQty: '0' });
  });

  it('a submit that fails after the venue accepted is retried and finds the order: one venue order', async () => {
    const input = order('ambiguous', { tif: { kind: 'IOC' } });
    const venue = venues.orderVenue(SCRIPTED, input.account);
    venue.available = { qty: '100', price: '10' };
    venue.dropNextSubmitReply = true;
    const view = await scenario(async () => (await start(input)).result());
    expect(venue.accepted).toBe(1);
    expect(venue.submitCalls).toBe(1);
    expect(view).toMatchObject({ state: 'FILLED', filledQty: '100' });
    expect(view.events[0]).toMatchObject({
      event: 'ACCEPTED',
      detail: 'found at the venue by client order id',
    });
  });

  it('a fill reported while the submit is still in flight reaches the account before the submit returns', async () => {
    // A worker killed after the venue took the order: reconciliation signals its fill long before
    // the submit's retry finds the order. The account must not wait for that retry.
    const input = order('in-flight', { tif: { kind: 'IOC' } });
    const venue = venues.orderVenue(SCRIPTED, input.account);
    venue.available = { qty: '100', price: '10' };
    let answer!: () => void;
    venue.holdNextSubmitReply = new Promise((resolve) => (answer = resolve));
    const [booked, view, after] = await scenario(async () => {
      const handle = await start(input);
      await until(handle, () => venue.accepted === 1);
      const { tradeId, qty, price, fee, ts } = venue.trades.get(input.clientOrderId)![0]!;
      await handle.signal(orderFillSignal, { tradeId, qty, price, fee, ts });
      // Answered either way, so a failing run does not leave the worker waiting on the submit.
      const booked = await untilAccount(input, (a) => a.bookedTradeIds.includes(tradeId)).finally(answer);
      const view = await handle.result();
      await replayHistoryOf(handle);
      await recordHistoryFromEnv(env, handle.workflowId, 'fill-forwarded-during-submit');
      return [booked, view, await accountOf(input)] as const;
    });
    expect(booked.positions).toEqual({ 'BTC/USDT': '100' });
    expect(view).toMatchObject({ state: 'FILLED', filledQty: '100' });
    expect(view.fills).toHaveLength(1);
    // Booked once: the submit's own report of the same trade changed nothing.
    expect(after.positions).toEqual({ 'BTC/USDT': '100' });
    expect(after.bookedTradeIds).toEqual(booked.bookedTradeIds);
  });

  it('a run continued as new picks up the carried fills and finishes the order', async () => {
    const input = order('carried', {
      carried: {
        state: 'PARTIALLY_FILLED',
        fills: [{ tradeId: 'c1', qty: '40', price: '10', fee: '0', ts: 1 }],
        lateFills: [],
        events: [{ at: 1, event: 'PARTIAL_FILL', state: 'PARTIALLY_FILLED' }],
        venueOrderId: 'v-carried',
        symbol: {
          properties: { symbol: 'BTC/USDT', minQty: '1', lotStep: '1', tickSize: '0.01', minNotional: '0' },
          clientOrderIdMaxLength: 36,
        },
        reserved: false,
      },
    });
    const [resumed, view] = await scenario(async () => {
      const handle = await start(input);
      const resumed = await handle.query(orderQuery);
      await handle.signal(orderFillSignal, { tradeId: 'c1', qty: '40', price: '10', fee: '0', ts: 1 });
      await handle.signal(orderFillSignal, { tradeId: 'c2', qty: '60', price: '11', fee: '0', ts: 2 });
      return [resumed, await handle.result()];
    });
    expect(resumed).toMatchObject({ state: 'PARTIALLY_FILLED', filledQty: '40', venueOrderId: 'v-carried' });
    expect(resumed.input.carried).toBeUndefined();
    expect(view).toMatchObject({ state: 'FILLED', filledQty: '100', avgPrice: '10.6' });
    expect(view.fills.map((f) => f.tradeId)).toEqual(['c1', 'c2']);
  });

  it('an overfill fails the order workflow as a non-retryable invariant violation', async () => {
    const input = order('overfill');
    const failure = await scenario(async () => {
      const handle = await start(input);
      await until(handle, (v) => v.state === 'NEW');
      await handle.signal(orderFillSignal, { tradeId: 'o1', qty: '60', price: '10', fee: '0', ts: 1 });
      await handle.signal(orderFillSignal, { tradeId: 'o2', qty: '60', price: '10', fee: '0', ts: 2 });
      return handle.result().then(
        () => undefined,
        (err: Error) => err.cause as ApplicationFailure,
      );
    });
    expect(failure).toMatchObject({ type: 'OverfillInvariant', nonRetryable: true });
    expect(failure?.message).toContain('overfills');
  });
});
