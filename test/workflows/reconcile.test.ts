/**
 * The reconcile workflow on the time-skipping server (test/support/exec-env):
 * a fill the order never saw is signalled, an orphan is adopted under the
 * adopt policy and canceled under the cancel policy, and a balance difference
 * no fill explains is resynced with the balances two passes saw.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { accountQuery, accountWorkflowId, orderWorkflowId } from '../../workflows/order-messages';
import {
  reconcileNowSignal,
  reconcileQuery,
  reconcileWorkflow,
  reconcileWorkflowId,
  stopReconcileSignal,
} from '../../workflows/reconcile';
import { EXEC_QUEUE } from '../../workflows/task-queues';
import { eventually } from '../support/eventually';
import { recordHistoryFromEnv } from '../support/histories';
import { createExecEnv, SYMBOL, type ExecEnv } from '../support/exec-env';

describe('reconcileWorkflow (time-skipping)', () => {
  let exec: ExecEnv;
  beforeAll(async () => {
    exec = await createExecEnv();
  });
  afterAll(() => exec?.close());

  it('signals the fill an order missed and asks it to sync; the order ends FILLED with that trade', async () => {
    const id = await exec.place('acct-fill', 'fill-1');
    await exec.fillBehindTheirBacks('acct-fill', id, 'sim-trade-missed');

    const summary = await exec.reconcileOnce('acct-fill', 'adopt');

    expect(summary).toMatchObject({ pass: 1, workflows: 1, venueOrders: 1, skipped: 0 });
    expect(summary.applied).toEqual({ fill: 1, sync: 1, adopt: 0, cancel_orphan: 0, resync_account: 0 });
    const after = await eventually(
      () => exec.view(id),
      (v) => v.state === 'FILLED',
    );
    expect(after.state).toBe('FILLED');
    expect(after.fills.map((f) => f.tradeId)).toEqual(['sim-trade-missed']);
    expect(after.filledQty).toBe('0.001');
    expect(await exec.auditActions(orderWorkflowId(id))).toEqual(
      expect.arrayContaining(['reconcile.fill_signalled', 'reconcile.sync_signalled']),
    );
  });

  it('adopts an orphan under the adopt policy: an adopted order workflow follows it', async () => {
    await exec.placeByHand('acct-adopt', 'manual-adopt-1');

    const summary = await exec.reconcileOnce('acct-adopt', 'adopt');

    expect(summary.applied).toMatchObject({ adopt: 1, cancel_orphan: 0 });
    const adopted = await eventually(
      () => exec.view('manual-adopt-1'),
      (v) => v.state === 'NEW',
    );
    expect(adopted).toMatchObject({
      state: 'NEW',
      input: { adopted: true, qty: '0.001', limitPrice: '10000' },
    });
    expect(await exec.auditActions(orderWorkflowId('manual-adopt-1'))).toEqual(['reconcile.orphan_adopted']);
    // The venue still works it: adoption never touches the order itself.
    expect((await exec.orderVenues.orderVenue('sim', 'acct-adopt').fetchOpenOrders()).length).toBe(1);
  });

  it('cancels an orphan under the cancel policy and starts no workflow for it', async () => {
    await exec.placeByHand('acct-cancel', 'manual-cancel-1');

    const summary = await exec.reconcileOnce('acct-cancel', 'cancel');

    expect(summary.applied).toMatchObject({ adopt: 0, cancel_orphan: 1 });
    const venue = exec.orderVenues.orderVenue('sim', 'acct-cancel');
    expect((await venue.findOrder(SYMBOL, 'manual-cancel-1'))?.status).toBe('canceled');
    await expect(
      exec.env.client.workflow.getHandle(orderWorkflowId('manual-cancel-1')).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await exec.auditActions(orderWorkflowId('manual-cancel-1'))).toEqual([
      'reconcile.orphan_canceled',
    ]);
  });

  it('resyncs a difference no fill explains only on the second pass that sees it, with the balances seen', async () => {
    const id = await exec.place('acct-resync', 'resync-1');
    // 25 USDT credited at the venue by hand: no trade, no order.
    await exec.store.simBook.mutateOrder('acct-resync', id, (row) => ({
      row,
      trades: [],
      balanceDeltas: { USDT: '25' },
    }));
    const account = exec.env.client.workflow.getHandle(accountWorkflowId('sim', 'acct-resync'));
    const workflowId = reconcileWorkflowId('sim', 'acct-resync');
    const handle = await exec.env.client.workflow.start(reconcileWorkflow, {
      workflowId,
      taskQueue: EXEC_QUEUE,
      args: [{ venue: 'sim', account: 'acct-resync', intervalMs: 60_000, orphanPolicy: 'adopt' }],
    });
    const first = await eventually(
      () => handle.query(reconcileQuery),
      (s) => s?.pass === 1,
    );
    const untouched = await account.query(accountQuery);
    await handle.signal(reconcileNowSignal);
    const second = await eventually(
      () => handle.query(reconcileQuery),
      (s) => s?.pass === 2,
    );
    const resynced = await eventually(
      () => account.query(accountQuery),
      (v) => v.cash.settled !== '100000',
    );
    await handle.signal(stopReconcileSignal);
    await handle.result();

    expect(first?.applied.resync_account).toBe(0);
    expect(untouched.cash.settled).toBe('100000');
    expect(second).toMatchObject({ applied: { resync_account: 1 }, skipped: 0 });
    expect(resynced.cash.settled).toBe('100025');
    expect(await exec.auditActions(accountWorkflowId('sim', 'acct-resync'))).toEqual([
      'reconcile.account_resynced',
    ]);
    await recordHistoryFromEnv(exec.env, workflowId, 'resync-after-two-passes');
  });
});
