/**
 * The account workflow on the time-skipping server with a real worker, a
 * real SQLite store, the simulated venue and a scripted one: balances read
 * from the venue, fills booked exactly and once, reservations held by working
 * orders and released at their end, refusals that reject the order before the
 * venue, resync, and continue-as-new that keeps the whole view.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import type { OrderVenueLookup } from '../../activities/venues/order-port';
import { OrderVenueRegistry } from '../../activities/venues/order-registry';
import { accountWorkflow } from '../../workflows/account';
import {
  accountFillSignal,
  accountQuery,
  accountResyncSignal,
  accountWorkflowId,
  cancelOrderUpdate,
  type AccountFill,
  type AccountView,
  type OrderView,
  type AccountWorkflowInput,
} from '../../workflows/order-messages';
import { EXEC_QUEUE } from '../../workflows/task-queues';
import { recordHistoryFromEnv } from '../support/histories';
import {
  accountViewOf,
  orderInput,
  replayHistoryOf,
  startOrder,
  untilOrder,
  withExecWorker,
} from '../support/order-harness';
import { SCRIPTED, ScriptedOrderVenues } from '../support/scripted-order-venue';
import { createTimeSkippingEnv } from '../support/time-skipping';

const NOW = Date.UTC(2026, 2, 2, 12);

describe('accountWorkflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let home: string;
  const scripted = new ScriptedOrderVenues();
  let venues: OrderVenueLookup;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-account-wf-'));
    store = await openStore({ home });
    const sim = new OrderVenueRegistry({
      store,
      simStartingBalances: { USDT: '5000', BTC: '0.25' },
      now: () => NOW,
    });
    venues = {
      orderVenue: (exchange, account) =>
        exchange === SCRIPTED ? scripted.orderVenue(exchange, account) : sim.orderVenue(exchange, account),
    };
  });

  afterAll(async () => {
    await store?.close();
    await env?.teardown();
    rmSync(home, { recursive: true, force: true });
  });

  const scenario = <T>(fn: () => Promise<T>) => withExecWorker(env, store, venues, fn);
  const startAccount = (input: AccountWorkflowInput) =>
    env.client.workflow.start(accountWorkflow, {
      workflowId: accountWorkflowId(input.venue, input.account),
      taskQueue: EXEC_QUEUE,
      args: [input],
    });
  const fill = (tradeId: string, over: Partial<AccountFill> = {}): AccountFill => ({
    orderId: 'o1',
    tradeId,
    symbol: 'BTC/USDT',
    side: 'buy',
    qty: '0.1',
    price: '60000.5',
    fee: '6.00005',
    ts: NOW,
    ...over,
  });

  async function untilAccount(
    query: () => Promise<AccountView>,
    ok: (view: AccountView) => boolean,
  ): Promise<AccountView> {
    for (let i = 0; i < 200; i++) {
      const view = await query();
      if (ok(view)) return view;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`account never got there: ${JSON.stringify(await query())}`);
  }

  it('loads the venue balances, books fills exactly and once, and resyncs from the venue', async () => {
    const venue = scripted.orderVenue(SCRIPTED, 'books');
    venue.balances = [
      { currency: 'USDT', free: '100000', used: '0', total: '100000' },
      { currency: 'BTC', free: '0.5', used: '0', total: '0.5' },
      { currency: 'ETH', free: '0', used: '0', total: '0' },
    ];
    const [loaded, booked, resynced] = await scenario(async () => {
      const handle = await startAccount({ venue: SCRIPTED, account: 'books', quoteCurrency: 'USDT' });
      const loaded = await untilAccount(
        () => handle.query(accountQuery),
        (v) => v.cash.settled !== '0',
      );
      await handle.signal(accountFillSignal, fill('t1'));
      await handle.signal(accountFillSignal, fill('t1'));
      await handle.signal(
        accountFillSignal,
        fill('t2', { side: 'sell', qty: '0.05', price: '61000', fee: '3.05' }),
      );
      const booked = await untilAccount(
        () => handle.query(accountQuery),
        (v) => v.bookedTradeIds.length === 2,
      );
      venue.balances = [{ currency: 'USDT', free: '1234.5', used: '0', total: '1234.5' }];
      await handle.signal(accountResyncSignal);
      const resynced = await untilAccount(
        () => handle.query(accountQuery),
        (v) => v.cash.settled === '1234.5',
      );
      return [loaded, booked, resynced];
    });
    expect(loaded).toMatchObject({
      cash: { settled: '100000', unsettled: [] },
      positions: { 'BTC/USDT': '0.5' },
    });
    // 100000 − 6000.05 − 6.00005 + 3050 − 3.05, booked at once (T+0).
    expect(booked).toMatchObject({
      cash: { settled: '97040.89995', unsettled: [] },
      positions: { 'BTC/USDT': '0.55' },
      bookedTradeIds: ['t1', 't2'],
    });
    expect(resynced).toMatchObject({ positions: {}, bookedTradeIds: ['t1', 't2'] });
  });

  it('adopts reconciliation’s balances only while it is as the decision saw it: a stale resync is ignored', async () => {
    const venue = scripted.orderVenue(SCRIPTED, 'resync');
    // What a resync without balances would read now: neither resync below may end up here.
    venue.balances = [{ currency: 'USDT', free: '1', used: '0', total: '1' }];
    const input = {
      venue: SCRIPTED,
      account: 'resync',
      quoteCurrency: 'USDT',
      openingBalances: [
        { currency: 'USDT', total: '100000' },
        { currency: 'BTC', total: '0.5' },
      ],
    };
    const [ignored, adopted] = await scenario(async () => {
      const handle = await startAccount(input);
      await handle.signal(accountFillSignal, fill('t1'));
      // Decided on the account before t1: the venue's balances may or may not hold t1.
      await handle.signal(accountResyncSignal, {
        balances: { USDT: '50', BTC: '0' },
        expected: { totals: { USDT: '100000', BTC: '0.5' } },
      });
      await handle.signal(
        accountFillSignal,
        fill('t2', { side: 'sell', qty: '0.05', price: '61000', fee: '3.05' }),
      );
      // Messages are handled in arrival order: with t2 booked, the resync before it has been handled.
      const ignored = await untilAccount(
        () => handle.query(accountQuery),
        (v) => v.bookedTradeIds.length === 2,
      );
      await handle.signal(accountResyncSignal, {
        balances: { USDT: '97040.5', BTC: '0.55', ETH: '2' },
        expected: { totals: { USDT: '97040.89995', BTC: '0.55' }, lastTradeId: 't2' },
      });
      const adopted = await untilAccount(
        () => handle.query(accountQuery),
        (v) => v.cash.settled !== ignored.cash.settled,
      );
      await recordHistoryFromEnv(env, handle.workflowId, 'resync-stale-ignored-current-adopted');
      return [ignored, adopted];
    });
    // 100000 − 6000.05 − 6.00005 + 3050 − 3.05: both fills booked, the stale balances not taken.
    expect(ignored).toMatchObject({
      cash: { settled: '97040.89995', unsettled: [] },
      positions: { 'BTC/USDT': '0.55' },
      bookedTradeIds: ['t1', 't2'],
    });
    expect(adopted).toMatchObject({
      cash: { settled: '97040.5', unsettled: [] },
      positions: { 'BTC/USDT': '0.55', 'ETH/USDT': '2' },
      bookedTradeIds: ['t1', 't2'],
    });
  });

  it('continues as new after N messages with its whole view, and still dedupes earlier trades', async () => {
    const input = { venue: SCRIPTED, account: 'long-lived', quoteCurrency: 'USDT', eventsPerRun: 2 };
    const [firstRunId, view, runId] = await scenario(async () => {
      const handle = await startAccount(input);
      const firstRunId = (await handle.describe()).runId;
      for (const tradeId of ['a', 'b', 'c']) await handle.signal(accountFillSignal, fill(tradeId));
      const latest = env.client.workflow.getHandle(accountWorkflowId(SCRIPTED, 'long-lived'));
      await untilAccount(
        () => latest.query(accountQuery),
        (v) => v.bookedTradeIds.length === 3,
      );
      await latest.signal(accountFillSignal, fill('a'));
      await latest.signal(
        accountFillSignal,
        fill('d', { side: 'sell', qty: '0.3', price: '60000', fee: '0' }),
      );
      const view = await untilAccount(
        () => latest.query(accountQuery),
        (v) => v.bookedTradeIds.length === 4,
      );
      // The first run, which ended by continuing as new, replays deterministically.
      await replayHistoryOf(env.client.workflow.getHandle(handle.workflowId, firstRunId));
      return [firstRunId, view, (await latest.describe()).runId];
    });
    expect(runId).not.toBe(firstRunId);
    // 100000 − 3 × 6006.05005 + 18000; 0.3 bought, 0.3 sold: flat.
    expect(view).toMatchObject({
      cash: { settled: '99981.84985' },
      positions: {},
      bookedTradeIds: ['a', 'b', 'c', 'd'],
    });
  });

  it('holds a working order’s reservation and releases it when the order is canceled (sim venue)', async () => {
    const input = orderInput('sim-rest', 'sim-acct', { venue: 'sim', qty: '10', limitPrice: '1' });
    const [loaded, working, after, order] = await scenario(async () => {
      const handle = await startOrder(env, input);
      const working = await untilOrder(handle, (v) => v.state === 'NEW');
      const loaded = await accountViewOf(env, 'sim', 'sim-acct');
      const order = await handle.executeUpdate(cancelOrderUpdate, { args: [{}] });
      const after = await untilAccount(
        () => accountViewOf(env, 'sim', 'sim-acct'),
        (v) => v.reservations.length === 0,
      );
      await handle.result(); // closed before the next scenario's worker (see withExecWorker)
      return [loaded, working, after, order];
    });
    expect(working.venueOrderId).toMatch(/^sim-/);
    // 10 × 1 + the sim's 0.1 % taker fee, reserved while the order rests.
    expect(loaded).toMatchObject({
      cash: { settled: '5000' },
      positions: { 'BTC/USDT': '0.25' },
      reservations: [{ orderId: input.clientOrderId, quantity: '10', cash: '10.01' }],
    });
    expect(order.state).toBe('CANCELED');
    expect(after).toMatchObject({ cash: { settled: '5000' }, reservations: [] });
  });

  it('refuses reservations beyond cash or in another quote currency: REJECTED with the reason, never at the venue', async () => {
    const broke = orderInput('broke', 'broke', { limitPrice: '2000' });
    const ethBtc = orderInput('eth-btc', 'broke', { symbol: 'ETH/BTC', qty: '1', limitPrice: '0.05' });
    const venue = scripted.orderVenue(SCRIPTED, 'broke');
    // One worker: the account workflow's next task would wait on a stopped worker's sticky queue otherwise.
    // Followed by query, not result(): while a result is awaited the test server may skip time up to
    // the idle account's default execution timeout, and a new account would start for the second order.
    const ended = (view: OrderView) => view.state === 'REJECTED';
    const [brokeView, ethBtcView] = await scenario(async () => [
      await untilOrder(await startOrder(env, broke), ended),
      await untilOrder(await startOrder(env, ethBtc), ended),
    ]);
    expect(brokeView.state).toBe('REJECTED');
    expect(brokeView.rejectReason).toEqual({
      code: 'INSUFFICIENT_BUYING_POWER',
      detail: 'cost 200000 > available cash 100000',
    });
    expect(ethBtcView).toMatchObject({
      state: 'REJECTED',
      rejectReason: { code: 'QUOTE_CURRENCY_MISMATCH' },
    });
    expect(venue.submitCalls).toBe(0);
  });
});
