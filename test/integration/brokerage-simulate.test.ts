/**
 * The cost preview through the real Gateway (SPEC §5): a worked example with
 * exact numbers on the default sim model and on a configured US-equity model,
 * a refusal as a 200, and the 4xx answers for requests that cannot be priced.
 */
import { US_SETTLEMENT_HOLIDAYS_2026 } from '../../domain/brokerage/settlement';
import { runBadInputTable } from '../support/bad-input';
import { bootStack, type Stack } from '../support/stack';

jest.setTimeout(120_000);

const BTC = { symbol: 'BTC/USDT', minQty: '0.0001', lotStep: '0.0001', tickSize: '0.01', minNotional: '5' };
const request = (over: Record<string, unknown> = {}) => ({
  symbol: BTC,
  market: { bid: '59990', ask: '60000' },
  account: { cash: '100000' },
  order: { symbol: 'BTC/USDT', side: 'buy', type: 'market', qty: '0.5', tif: 'GTC' },
  ts: '2026-03-10T12:00:00Z',
  ...over,
});

describe('POST /v1/brokerage/simulate', () => {
  let stack: Stack;
  let readerKey: string;
  const simulate = (body: unknown) => stack.api('POST', '/v1/brokerage/simulate', body, readerKey);

  beforeAll(async () => {
    stack = await bootStack();
    const issued = await stack.api('POST', '/v1/keys', { name: 'preview reader', role: 'reader' });
    readerKey = issued.body.key;
  });
  afterAll(() => stack.close());

  it('prices a market buy on the sim model, for a reader', async () => {
    // ask 60000 + 2 bp = 60012; fee 0.5 × 60012 × 0.001 = 30.006; cash 100000 − 30006 − 30.006
    const res = await simulate(request());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      accepted: true,
      fills: [{ qty: '0.5', price: '60012', fee: '30.006', liquidity: 'taker' }],
      status: 'FILLED',
      cash_after: '69963.994',
      position_after: '0.5',
      settles_on: '2026-03-10',
    });
  });

  it('prices with a given model: IBKR-style tiers, T+2 across the 3 July holiday', async () => {
    const res = await simulate({
      config: {
        fee: {
          commission: {
            kind: 'marginal_share_tiers',
            tiers: [{ upToShares: '300000', perShare: '0.0035' }, { perShare: '0.002' }],
            minimum: '0.35',
          },
        },
        settlement: {
          days: 2,
          calendar: { weekend: [0, 6], holidays: US_SETTLEMENT_HOLIDAYS_2026 },
          timeZone: 'America/New_York',
        },
      },
      symbol: { symbol: 'AAPL', minQty: '1', lotStep: '1', tickSize: '0.01', minNotional: '0' },
      market: { bid: '19.99', ask: '20' },
      account: { cash: { settled: '100000' }, month_shares: '299000' },
      order: { symbol: 'AAPL', side: 'buy', type: 'market', qty: '2000', tif: 'DAY' },
      ts: '2026-07-02T15:00:00-04:00',
    });
    // 1000 × 0.0035 + 1000 × 0.002 = 5.5; 100000 − 40000 − 5.5; Thu → (Fri holiday) Mon, Tue
    expect(res.body).toEqual({
      accepted: true,
      fills: [{ qty: '2000', price: '20', fee: '5.5', liquidity: 'taker' }],
      status: 'FILLED',
      cash_after: '59994.5',
      position_after: '2000',
      settles_on: '2026-07-07',
    });
  });

  it('answers a refused order with 200 and the reason', async () => {
    const res = await simulate(request({ account: { cash: '1000', positions: { 'BTC/USDT': '0' } } }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accepted: false,
      rejection: { reason: 'INSUFFICIENT_BUYING_POWER', detail: 'cost 30030 > available cash 1000' },
      status: 'REJECTED',
      cash_after: '1000',
      settles_on: null,
    });
  });

  it.each([
    [
      'an unknown key inside the model',
      { config: { fee: { commission: { kind: 'percent', rate: '0.001', bogus: 1 } } } },
      'body.config.fee.commission.bogus',
    ],
    ['an unknown top-level key', { leverage: 3 }, 'body.leverage'],
    ['GTD without expire_at', { order: { ...request().order, tif: 'GTD' } }, 'body.order.expire_at'],
    [
      'a limit order without its price',
      { order: { ...request().order, type: 'limit' } },
      'body.order.limit_price',
    ],
    ['a crossed quote', { market: { bid: '60001', ask: '60000' } }, 'body.market'],
    ['a float quantity', { order: { ...request().order, qty: 0.5 } }, 'body.order.qty'],
  ])('refuses %s with 400 E_VALIDATION naming the field', async (_label, over, path) => {
    const res = await simulate(request(over));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('E_VALIDATION');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('refuses a self-contradicting request with 422', async () => {
    const other = await simulate(request({ order: { ...request().order, symbol: 'ETH/USDT' } }));
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('E_SYMBOL_MISMATCH');

    const neverOpen = await simulate(
      request({
        config: {
          fee: { commission: { kind: 'percent', rate: '0.001' } },
          hours: {
            kind: 'sessions',
            timeZone: 'UTC',
            calendar: { weekend: [0, 1, 2, 3, 4, 5, 6] },
            sessions: [{ open: '09:00', close: '17:00' }],
          },
        },
      }),
    );
    expect(neverOpen.status).toBe(422);
    expect(neverOpen.body).toMatchObject({
      code: 'E_BROKERAGE_CONFIG',
      detail: expect.stringContaining('no session'),
    });
  });

  it('is in the bad-input sweep with every order route', async () => {
    const routes = stack.routes.filter((r) => r.tags.includes('brokerage') || r.tags.includes('orders'));
    expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'get /v1/accounts/:venue/:account',
      'get /v1/orders/:id',
      'post /v1/brokerage/simulate',
      'post /v1/fills',
      'post /v1/orders',
      'post /v1/orders/:id/cancel',
      'post /v1/orders/:id/replace',
    ]);
    const failures = await runBadInputTable(stack.url, stack.adminKey, routes, {
      maxBodyBytes: stack.config.maxBodyBytes,
    });
    expect(failures).toEqual([]);
  });
});
