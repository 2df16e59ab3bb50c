/**
 * Allocation and rebalancing end to end (SPEC §9): QMTL's plan and execute
 * shapes through the Gateway with exact numbers, orders sent through
 * `rebalance:{run_id}` filling on the sim venue, and run-id keyed
 * allocations that replay without trading again and refuse another body.
 */
import { runBadInputTable } from '../support/bad-input';
import { recordHistory } from '../support/histories';
import { eventually } from '../support/eventually';
import { bootStack, type ApiAnswer, type Stack } from '../support/stack';

jest.setTimeout(180_000);

const BTC = 'BTC/USDT';
const pos = (strategy_id: string, qty: string, over: Record<string, unknown> = {}) => ({
  world_id: 'a',
  strategy_id,
  symbol: BTC,
  qty,
  mark: '60000',
  venue: 'binance',
  ...over,
});
/** SPEC §9: world a 0.3 → 0.2 holding 0.6 + 0.9 BTC; fractions as JSON numbers on purpose. */
const SHRINK = {
  total_equity: '100000',
  world_alloc_before: { a: 0.3 },
  world_alloc_after: { a: 0.2 },
  positions: [pos('s1', '0.6'), pos('s2', '0.9')],
  min_trade_notional: '10',
  lot_size_by_symbol: { [BTC]: '0.001' },
};
const order = (quantity: string, reduce_only: boolean, venue = 'binance') => ({
  symbol: BTC,
  venue,
  quantity,
  side: quantity.startsWith('-') ? 'sell' : 'buy',
  reduce_only,
  time_in_force: 'GTC',
});

describe('rebalancing and allocations through the Gateway', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await bootStack();
    for (const id of ['rb-sim', 'alloc-w', 'alloc-new'])
      expect((await stack.api('POST', '/v1/worlds', { id })).status).toBe(201);
  });
  afterAll(() => stack.close());

  /** A submitted run past the Gateway's bounded wait is polled until it ends. */
  const settled = async (answer: ApiAnswer, poll: string): Promise<ApiAnswer> => {
    if (answer.status !== 202) return answer;
    return eventually(
      () => stack.api('GET', poll),
      (r) => r.status !== 200 || !['running'].includes(r.body.status),
      90_000,
    );
  };

  it('plans world 0.3 → 0.2 over 0.6 + 0.9 BTC as one −0.5 BTC delta', async () => {
    const res = await stack.api('POST', '/v1/rebalancing/plan', SHRINK);
    expect(res.status).toBe(200);
    const scale = '0.6666666666666666666666666666666666666667';
    expect(res.body.per_world.a).toMatchObject({
      scale_world: scale,
      scale_by_strategy: { s1: scale, s2: scale },
      deltas: [{ symbol: BTC, venue: 'binance', delta_qty: '-0.5' }],
    });
    expect(res.body.global_deltas).toEqual([{ symbol: BTC, venue: 'binance', delta_qty: '-0.5' }]);
  });

  it('executes per strategy with the −0.2 / −0.3 attribution kept', async () => {
    const res = await stack.api('POST', '/v1/rebalancing/execute?per_strategy=true', SHRINK);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      orders_per_world: { a: [order('-0.5', true)] },
      orders_per_strategy: [
        { world_id: 'a', strategy_id: 's1', order: order('-0.2', true) },
        { world_id: 'a', strategy_id: 's2', order: order('-0.3', true) },
      ],
      submitted: false,
    });
    const plain = await stack.api('POST', '/v1/rebalancing/execute', SHRINK);
    expect(plain.body).toEqual({ orders_per_world: { a: [order('-0.5', true)] }, submitted: false });
  });

  it('keeps + and − attribution when only the strategy split moves (QMTL totals)', async () => {
    // a stays 0.3; s1 0.1 → 0.2 of total (×2), s2 0.2 → 0.1 (×0.5): +0.6 and −0.45 net to +0.15.
    const res = await stack.api('POST', '/v1/rebalancing/execute?per_strategy=true', {
      ...SHRINK,
      world_alloc_after: { a: '0.3' },
      strategy_alloc_before_total: { a: { s1: '0.1', s2: '0.2' } },
      strategy_alloc_after_total: { a: { s1: '0.2', s2: '0.1' } },
    });
    expect(res.status).toBe(200);
    expect(res.body.orders_per_world).toEqual({ a: [order('0.15', false)] });
    expect(res.body.orders_per_strategy).toEqual([
      { world_id: 'a', strategy_id: 's1', order: order('0.6', false) },
      { world_id: 'a', strategy_id: 's2', order: order('-0.45', true) },
    ]);
    const planned = await stack.api('POST', '/v1/rebalancing/plan', {
      ...SHRINK,
      world_alloc_after: { a: '0.3' },
      strategy_alloc_before_total: { a: { s1: '0.1', s2: '0.2' } },
      strategy_alloc_after_total: { a: { s1: '0.2', s2: '0.1' } },
    });
    expect(planned.body.per_world.a).toMatchObject({
      scale_world: '1',
      scale_by_strategy: { s1: '2', s2: '0.5' },
    });
  });

  it('does not mark a growing short reduce-only, and refuses a zero allocation holding positions', async () => {
    const short = await stack.api('POST', '/v1/rebalancing/execute', {
      ...SHRINK,
      world_alloc_before: { a: '0.2' },
      world_alloc_after: { a: '0.3' },
      positions: [pos('s1', '-0.4')],
    });
    expect(short.body.orders_per_world).toEqual({ a: [order('-0.2', false)] });
    const zero = await stack.api('POST', '/v1/rebalancing/plan', {
      ...SHRINK,
      world_alloc_before: { a: '0' },
    });
    expect(zero.status).toBe(422);
    expect(zero.body.code).toBe('E_REBALANCE_INVALID');
    expect(zero.body.detail).toContain('zero allocation');
  });

  it('submits on sim: the buy fills, the account holds it, the run id is kept', async () => {
    const body = {
      ...SHRINK,
      run_id: 'rb-exec-1',
      account: 'rebal',
      world_alloc_before: { 'rb-sim': '0.2' },
      world_alloc_after: { 'rb-sim': '0.3' },
      positions: [pos('s1', '0.01', { world_id: 'rb-sim', venue: 'sim' })],
      min_trade_notional: '0',
    };
    const first = await stack.api('POST', '/v1/rebalancing/execute?submit=true', body);
    expect([200, 202]).toContain(first.status);
    expect(first.body).toMatchObject({
      orders_per_world: { 'rb-sim': [order('0.005', false, 'sim')] },
      submitted: true,
      rebalance_id: 'rb-exec-1',
    });
    const outcome = await settled(first, '/v1/rebalancing/rb-exec-1');
    const done = first.status === 200 ? first.body.outcome : outcome.body;
    expect(done).toMatchObject({ rebalance_id: 'rb-exec-1', status: 'completed' });
    expect(done.orders).toHaveLength(1);
    expect(done.orders[0]).toMatchObject({ status: 'FILLED', filled_qty: '0.005', quantity: '0.005' });

    const account = await eventually(
      () => stack.api('GET', '/v1/accounts/sim/rebal'),
      (r) => r.status === 200 && r.body.positions[BTC] === '0.005',
    );
    expect(account.body.positions[BTC]).toBe('0.005');
    expect((await stack.api('GET', '/v1/rebalancing/rb-exec-1')).body).toEqual(done);

    // The same body joins the same rebalance; another body under the run id is refused.
    const again = await stack.api('POST', '/v1/rebalancing/execute?submit=true', body);
    expect(again.body.outcome).toEqual(done);
    const other = await stack.api('POST', '/v1/rebalancing/execute?submit=true', {
      ...body,
      world_alloc_after: { 'rb-sim': '0.4' },
    });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('E_CONFLICT');
    expect((await stack.api('GET', '/v1/rebalancing/never-ran')).status).toBe(404);

    const reader = await stack.api('POST', '/v1/keys', { name: 'rb-reader', role: 'reader' });
    const asReader = await stack.api('POST', '/v1/rebalancing/execute?submit=true', body, reader.body.key);
    expect(asReader.status).toBe(403);
    expect((await stack.api('POST', '/v1/rebalancing/execute', body, reader.body.key)).status).toBe(200);
  });

  it('allocates by run id: scales from the last allocation, replays without trading, refuses another body', async () => {
    const first = await stack.api('POST', '/v1/allocations', {
      run_id: 'alloc-1',
      total_equity: '100000',
      world_allocations: { 'alloc-w': '0.2' },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      run_id: 'alloc-1',
      status: 'completed',
      world_alloc_before: { 'alloc-w': '0' },
      world_alloc_after: { 'alloc-w': '0.2' },
      executed: false,
    });

    const body = {
      run_id: 'alloc-2',
      total_equity: '100000',
      world_allocations: { 'alloc-w': 0.3 },
      positions: [pos('s1', '0.01', { world_id: 'alloc-w', venue: 'sim' })],
      execute: true,
      account: 'alloc',
    };
    const posted = await stack.api('POST', '/v1/allocations', body);
    const second = posted.status === 202 ? await settled(posted, '/v1/allocations/alloc-2') : posted;
    const result = posted.status === 202 ? second.body.result : second.body;
    expect(result).toMatchObject({
      run_id: 'alloc-2',
      status: 'completed',
      world_alloc_before: { 'alloc-w': '0.2' },
      world_alloc_after: { 'alloc-w': '0.3' },
      executed: true,
    });
    expect(result.plan.per_world['alloc-w'].deltas).toEqual([
      { symbol: BTC, venue: 'sim', delta_qty: '0.005' },
    ]);
    expect(result.execution.orders).toHaveLength(1);
    expect(result.execution.orders[0]).toMatchObject({
      status: 'FILLED',
      filled_qty: '0.005',
      strategy_id: 'rebalance',
    });
    const orderId: string = result.execution.orders[0].client_order_id;

    const runsBefore = await runIds(['alloc:alloc-2', 'rebalance:alloc-2', `order:${orderId}`]);
    const replay = await stack.api('POST', '/v1/allocations', body);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(result);
    expect(await runIds(['alloc:alloc-2', 'rebalance:alloc-2', `order:${orderId}`])).toEqual(runsBefore);
    const orders = await eventually(
      () => stack.client.workflow.count(`WorkflowType = 'orderWorkflow' AND QmtlWorldId = 'alloc-w'`),
      (c) => c.count >= 1,
    );
    expect(orders.count).toBe(1);

    const changed = await stack.api('POST', '/v1/allocations', {
      ...body,
      world_allocations: { 'alloc-w': '0.4' },
    });
    expect(changed.status).toBe(409);
    expect(changed.body.code).toBe('E_CONFLICT');

    const listed = await stack.api('GET', '/v1/allocations?world_id=alloc-w');
    expect(listed.body.allocations.map((a: { run_id: string }) => a.run_id)).toEqual(['alloc-2', 'alloc-1']);
    expect(listed.body.current).toEqual({
      'alloc-w': { fraction: '0.3', run_id: 'alloc-2', at: expect.any(String) },
    });
    const events = await stack.store.events.read({
      afterSeq: 0,
      topics: ['rebalancing_planned'],
      worldId: 'alloc-w',
      limit: 10,
    });
    expect(events.map((e) => e.payload)).toEqual([
      {
        run_id: 'alloc-2',
        world_id: 'alloc-w',
        scale_world: '1.5',
        deltas: [{ symbol: BTC, venue: 'sim', delta_qty: '0.005' }],
        executed: true,
      },
    ]);

    await recordHistory(stack.client, 'alloc:alloc-2', 'allocate-and-rebalance');
    await recordHistory(stack.client, 'rebalance:alloc-2', 'one-sim-order');
  });

  it('skips a reduce-only order the venue account cannot cover instead of opening a short', async () => {
    // The books say 0.015 BTC; the account holds 0.005 (alloc-2's fill): −0.01 would cross zero there.
    const res = await stack.api('POST', '/v1/allocations', {
      run_id: 'alloc-3',
      total_equity: '100000',
      world_allocations: { 'alloc-w': '0.1' },
      positions: [pos('s1', '0.015', { world_id: 'alloc-w', venue: 'sim' })],
      execute: true,
      account: 'alloc',
    });
    expect(res.status).toBe(200);
    expect(res.body.plan.orders_per_world['alloc-w']).toEqual([
      {
        ...order('-0.01', true, 'sim'),
        attribution: [{ world_id: 'alloc-w', strategy_id: 's1', delta_qty: '-0.01' }],
      },
    ]);
    expect(res.body.execution.orders).toEqual([
      expect.objectContaining({
        status: 'SKIPPED',
        filled_qty: '0',
        reason: 'reduce-only -0.01 BTC/USDT would not reduce the account position 0.005',
      }),
    ]);
    const account = await stack.api('GET', '/v1/accounts/sim/alloc');
    expect(account.body.positions[BTC]).toBe('0.005');
    await recordHistory(stack.client, 'rebalance:alloc-3', 'reduce-only-skipped');
  });

  it('refuses positions in a world never allocated (422), and replays that answer', async () => {
    const body = {
      run_id: 'alloc-new-1',
      total_equity: '100000',
      world_allocations: { 'alloc-new': '0.1' },
      positions: [pos('s1', '0.01', { world_id: 'alloc-new', venue: 'sim' })],
    };
    const refused = await stack.api('POST', '/v1/allocations', body);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'E_REBALANCE_INVALID', run_id: 'alloc-new-1' });
    expect(refused.body.detail).toBe('position alloc-new/s1/BTC/USDT held under a zero allocation');
    const again = await stack.api('POST', '/v1/allocations', body);
    expect(again.status).toBe(422);
    expect(again.body.detail).toBe(refused.body.detail);
    expect((await stack.api('GET', '/v1/allocations?world_id=alloc-new')).body.current).toEqual({});
    expect(
      (
        await stack.api('POST', '/v1/allocations', {
          ...body,
          run_id: 'x',
          world_allocations: { ghost: '0.1' },
        })
      ).status,
    ).toBe(404);
  });

  it('refuses bad input on its endpoints with 4xx problem+json and documents them in OpenAPI', async () => {
    const mine = stack.routes.filter((r) => r.tags.includes('allocation'));
    expect(mine.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'get /v1/allocations',
      'get /v1/allocations/:run_id',
      'get /v1/rebalancing/:run_id',
      'post /v1/allocations',
      'post /v1/rebalancing/execute',
      'post /v1/rebalancing/plan',
    ]);
    const failures = await runBadInputTable(stack.url, stack.adminKey, mine, {
      maxBodyBytes: stack.config.maxBodyBytes,
    });
    expect(failures).toEqual([]);
    const doc = await stack.api('GET', '/v1/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/allocations', '/v1/rebalancing/plan', '/v1/rebalancing/execute']),
    );
  });

  async function runIds(workflowIds: string[]): Promise<string[]> {
    return Promise.all(
      workflowIds.map(async (id) => (await stack.client.workflow.getHandle(id).describe()).runId),
    );
  }
});
