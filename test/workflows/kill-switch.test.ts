/**
 * The kill-switch workflow on the time-skipping server (test/support/exec-env):
 * the gate engages, every working order in scope is canceled through its
 * workflow, flatten closes a venue account's position and is skipped for a
 * world, and every step is audited.
 */
import { clientOrderId } from '../../domain/execution/order';
import { killSwitchWorkflow, killSwitchWorkflowId } from '../../workflows/kill-switch';
import { EXEC_QUEUE } from '../../workflows/task-queues';
import { eventually } from '../support/eventually';
import { createExecEnv, SYMBOL, type ExecEnv } from '../support/exec-env';

describe('killSwitchWorkflow (time-skipping)', () => {
  let exec: ExecEnv;
  beforeAll(async () => {
    exec = await createExecEnv();
  });
  afterAll(() => exec?.close());

  it('kill switch: engages the gate, cancels every working order of the account, audits each step', async () => {
    const ids = [await exec.place('acct-kill', 'kill-1'), await exec.place('acct-kill', 'kill-2')];
    const other = await exec.place('acct-other', 'kill-other');
    const request = {
      scope: { kind: 'venue' as const, venue: 'sim', account: 'acct-kill' },
      flatten: false,
      reason: 'runaway strategy',
      actor: 'key_test',
      requestId: 'req-1',
    };

    const result = await exec.env.client.workflow.execute(killSwitchWorkflow, {
      workflowId: killSwitchWorkflowId('venue:sim:acct-kill', 'req-1'),
      taskQueue: EXEC_QUEUE,
      args: [request],
    });

    expect(result).toEqual({ canceled: 2, orders: 2, flattened: [] });
    expect(await exec.store.killSwitches.get('venue:sim:acct-kill')).toMatchObject({
      engaged: true,
      reason: 'runaway strategy',
      by: 'key_test',
    });
    for (const id of ids) expect((await exec.view(id)).state).toBe('CANCELED');
    expect(await exec.orderVenues.orderVenue('sim', 'acct-kill').fetchOpenOrders()).toEqual([]);
    expect((await exec.view(other)).state).toBe('NEW'); // another account is out of scope
    expect((await exec.auditActions('venue:sim:acct-kill')).sort()).toEqual([
      'kill_switch.completed',
      'kill_switch.engaged',
      'kill_switch.order_canceled',
      'kill_switch.order_canceled',
    ]);
  });

  it('kill switch of a world with flatten: cancels its orders and records that flatten needs a venue scope', async () => {
    const id = await exec.place('acct-world', 'world-1', 'w-kill');
    const result = await exec.env.client.workflow.execute(killSwitchWorkflow, {
      workflowId: killSwitchWorkflowId('world:w-kill', 'req-2'),
      taskQueue: EXEC_QUEUE,
      args: [
        {
          scope: { kind: 'world', worldId: 'w-kill' },
          flatten: true,
          reason: 'drawdown',
          actor: 'key_test',
          requestId: 'req-2',
        },
      ],
    });
    expect(result).toMatchObject({ canceled: 1, orders: 1, flattened: [] });
    expect(result.flattenSkipped).toMatch(/venue/);
    expect((await exec.view(id)).state).toBe('CANCELED');
    expect(await exec.auditActions('world:w-kill')).toContain('kill_switch.flatten_skipped');
  });

  it('kill switch of a venue account with flatten: a market order closes the position, then nothing is left', async () => {
    const id = await exec.place('acct-flat', 'flat-1');
    await exec.fillBehindTheirBacks('acct-flat', id, 'sim-trade-flat');
    await exec.reconcileOnce('acct-flat', 'adopt'); // the account books the 0.001 BTC bought
    await eventually(
      () => exec.view(id),
      (v) => v.state === 'FILLED',
    );
    const request = {
      scope: { kind: 'venue' as const, venue: 'sim', account: 'acct-flat' },
      flatten: true,
      reason: 'flatten test',
      actor: 'key_test',
      requestId: 'req-3',
    };
    const kill = () =>
      exec.env.client.workflow.execute(killSwitchWorkflow, {
        workflowId: killSwitchWorkflowId('venue:sim:acct-flat', 'req-3'),
        taskQueue: EXEC_QUEUE,
        args: [request],
      });

    const first = await kill();
    const flattenId = clientOrderId('kill', 'venue:sim:acct-flat', 'req-3:BTC/USDT', 0);
    expect(first).toEqual({
      canceled: 0,
      orders: 0,
      flattened: [{ symbol: SYMBOL, side: 'sell', qty: '0.001', clientOrderId: flattenId }],
    });
    expect((await exec.view(flattenId)).input).toMatchObject({ type: 'market', side: 'sell', qty: '0.001' });
    const flattened = await eventually(
      () => exec.view(flattenId),
      (v) => v.state === 'FILLED',
    );
    expect(flattened).toMatchObject({ state: 'FILLED', filledQty: '0.001' });
    // Pulled again once the account is flat: nothing left to close, no second order.
    expect((await kill()).flattened).toEqual([]);
  });
});
