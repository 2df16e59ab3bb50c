/**
 * Orders end to end (SPEC §8): Gateway → order workflow on qmtl-exec → the
 * simulated venue → account workflow, and back by query. Paper orders on
 * `sim` fill against its deterministic bars; a limit far below the market
 * rests, is replaced and canceled; guards answer 403/404/409.
 */
import { Dec } from '../../domain/execution/symbol';
import { eventually } from '../support/eventually';
import { bootStack, type ApiAnswer, type Stack } from '../support/stack';

jest.setTimeout(180_000);

const WORLD = 'orders-paper';
const order = (over: Record<string, unknown> = {}) => ({
  world_id: WORLD,
  intent_id: 'intent-1',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'market',
  qty: '0.01',
  tif: 'GTC',
  ...over,
});
/** Far below any sim BTC price (reference 60000, within about ±0.7 in log price). */
const RESTING = { type: 'limit', limit_price: '1000' };

describe('orders through the Gateway', () => {
  let stack: Stack;
  const status = (id: string) => stack.api('GET', `/v1/orders/${id}`);
  const until = (id: string, done: (body: ApiAnswer['body']) => boolean) =>
    eventually(
      () => status(id),
      (r) => r.status === 200 && done(r.body),
      60_000,
    );

  beforeAll(async () => {
    stack = await bootStack();
    expect((await stack.api('POST', '/v1/worlds', { id: WORLD })).status).toBe(201);
  });
  afterAll(() => stack.close());

  it('fills a paper market order on sim; the same intent is the same order', async () => {
    const placed = await stack.api('POST', '/v1/orders', order({ intent_id: 'market-1' }));
    expect(placed.status).toBe(202);
    const id: string = placed.body.order_id;
    expect(id).toMatch(/^qmtl[0-9a-f]{32}$/);
    expect(placed.body).toEqual({ order_id: id, status_url: `/v1/orders/${id}`, created: true });

    const filled = await until(id, (b) => b.status === 'FILLED');
    expect(filled.body).toMatchObject({ status: 'FILLED', filled_qty: '0.01', mode: 'paper', venue: 'sim' });
    expect(filled.body.fills.length).toBeGreaterThan(0);
    const sum = filled.body.fills.reduce((s: number, f: { qty: string }) => s + Number(f.qty), 0);
    expect(sum).toBeCloseTo(0.01, 10);

    const again = await stack.api('POST', '/v1/orders', order({ intent_id: 'market-1' }));
    expect(again.body).toEqual({ order_id: id, status_url: `/v1/orders/${id}`, created: false });
    const other = await stack.api('POST', '/v1/orders', order({ intent_id: 'market-1', qty: '0.02' }));
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('E_CONFLICT');

    const account = await eventually(
      () => stack.api('GET', '/v1/accounts/sim/default'),
      (r) => r.status === 200 && r.body.positions['BTC/USDT'] !== undefined,
    );
    // Booked once: the position is the fill, cash is 100000 (sim's starting USDT) − notional − fee.
    const [fill] = filled.body.fills;
    expect(account.body.positions['BTC/USDT']).toBe('0.01');
    expect(account.body.cash.settled).toBe(
      new Dec('100000').minus(new Dec(fill.qty).times(fill.price)).minus(fill.fee).toFixed(),
    );
  });

  it('rests a limit far below the market, replaces its price, cancels the child, refuses a second cancel', async () => {
    const placed = await stack.api('POST', '/v1/orders', order({ intent_id: 'resting-1', ...RESTING }));
    expect(placed.status).toBe(202);
    const oldId: string = placed.body.order_id;
    await until(oldId, (b) => b.status === 'NEW');

    const replaced = await stack.api('POST', `/v1/orders/${oldId}/replace`, { limit_price: '1100' });
    expect(replaced.status).toBe(202);
    const newId: string = replaced.body.order_id;
    expect(replaced.body).toMatchObject({ replaced_order_id: oldId, status_url: `/v1/orders/${newId}` });
    expect(newId).not.toBe(oldId);
    const old = await until(oldId, (b) => b.status === 'CANCELED');
    expect(old.body).toMatchObject({ status: 'CANCELED', replaced_by: newId });
    const child = await until(newId, (b) => b.status === 'NEW');
    expect(child.body).toMatchObject({ limit_price: '1100', qty: '0.01', replaces: oldId, replace_seq: 1 });

    const canceled = await stack.api('POST', `/v1/orders/${newId}/cancel`, { reason: 'test' });
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('CANCELED');
    const twice = await stack.api('POST', `/v1/orders/${newId}/cancel`);
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('E_CONFLICT');
    expect((await stack.api('POST', '/v1/orders/qmtl0000000000000000/cancel')).status).toBe(404);
  });

  it('books a reported fill once: a repeated trade id changes nothing', async () => {
    const placed = await stack.api(
      'POST',
      '/v1/orders',
      order({ intent_id: 'reported-1', account: 'reported', ...RESTING }),
    );
    const id: string = placed.body.order_id;
    await until(id, (b) => b.status === 'NEW');
    const fill = {
      order_id: id,
      trade_id: 'ext-1',
      qty: '0.004',
      price: '1000',
      fee: '0.004',
      ts: Date.now(),
    };
    expect((await stack.api('POST', '/v1/fills', fill)).status).toBe(202);
    const once = await until(id, (b) => b.status === 'PARTIALLY_FILLED');
    expect(once.body).toMatchObject({ filled_qty: '0.004', fills: [{ trade_id: 'ext-1', qty: '0.004' }] });

    expect((await stack.api('POST', '/v1/fills', fill)).status).toBe(202);
    // A marker signal after the duplicate: once it is seen, the duplicate has been handled too.
    const marker = { ...fill, trade_id: 'ext-2', qty: '0.001' };
    expect((await stack.api('POST', '/v1/fills', marker)).status).toBe(202);
    const after = await until(id, (b) => b.fills.length >= 2);
    expect(after.body.filled_qty).toBe('0.005');
    expect(after.body.fills.map((f: { trade_id: string }) => f.trade_id)).toEqual(['ext-1', 'ext-2']);
    expect((await stack.api('POST', `/v1/orders/${id}/cancel`)).status).toBe(200);
    expect((await stack.api('POST', '/v1/fills', { ...fill, order_id: 'qmtl0000000000000000' })).status).toBe(
      404,
    );
  });

  it('guards live trading, unknown worlds and engaged kill switches', async () => {
    const live = await stack.api('POST', '/v1/orders', order({ intent_id: 'live-1', mode: 'live' }));
    expect(live.status).toBe(403);
    expect(live.body).toMatchObject({
      code: 'E_PERMISSION_DENIED',
      detail: expect.stringContaining('X-Allow-Live'),
    });
    const realVenue = await stack.api('POST', '/v1/orders', order({ intent_id: 'live-2', venue: 'binance' }));
    expect(realVenue.status).toBe(403);

    // Both keys turn: the header and a world with allow_live (live mode on sim moves no real money).
    expect((await stack.api('POST', '/v1/worlds', { id: 'orders-live', allow_live: true })).status).toBe(201);
    const allowed = await fetch(`${stack.url}/v1/orders`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.adminKey}`,
        'content-type': 'application/json',
        'X-Allow-Live': 'true',
      },
      body: JSON.stringify(order({ world_id: 'orders-live', intent_id: 'live-3', mode: 'live', ...RESTING })),
    });
    expect(allowed.status).toBe(202);
    const liveId = ((await allowed.json()) as { order_id: string }).order_id;
    expect((await until(liveId, (b) => b.status === 'NEW')).body.mode).toBe('live');
    expect((await stack.api('POST', `/v1/orders/${liveId}/cancel`)).status).toBe(200);

    const nowhere = await stack.api('POST', '/v1/orders', order({ world_id: 'atlantis' }));
    expect(nowhere.status).toBe(404);

    await stack.store.killSwitches.put({
      scopeKey: 'venue:sim:halted',
      scope: { kind: 'venue', venue: 'sim', account: 'halted' },
      engaged: true,
      reason: 'test halt',
      flatten: false,
      by: 'test',
      at: new Date().toISOString(),
    });
    const killed = await stack.api('POST', '/v1/orders', order({ intent_id: 'k-1', account: 'halted' }));
    expect(killed.status).toBe(409);
    expect(killed.body).toMatchObject({ code: 'E_KILL_SWITCH', scope: 'venue:sim:halted' });
  });
});
