/**
 * The pure edge of the order API: request → order workflow input (client
 * order id, TIF incl. DAY and GTD), the request schema's cross-field rules,
 * the live guard, the Temporal summary, and that the new routes document.
 */
import { clientOrderId } from '../../domain/execution/order';
import { buildOpenApiDocument } from '../../api/openapi';
import {
  cutoffMinute,
  liveGuard,
  orderWorkflowInput,
  placeOrderSchema,
  tifWire,
} from '../../api/order-request';
import { brokerageRoutes } from '../../api/routes/brokerage';
import { orderRoutes } from '../../api/routes/orders';
import { orderSummary } from '../../api/temporal-orders';
import type { Store } from '../../activities/store/port';

const base = {
  world_id: 'crypto-majors',
  intent_id: 'rebalance-2026-03-10-btc',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  qty: '0.5',
  limit_price: '60000',
  tif: 'GTC',
};
const NOW = Date.UTC(2026, 2, 10, 15, 30); // 2026-03-10 15:30 UTC

describe('POST /v1/orders body → OrderWorkflowInput', () => {
  it('fills the defaults and derives the deterministic client order id from the intent', () => {
    const input = orderWorkflowInput(placeOrderSchema.parse(base), { now: NOW, dayCutoffMinute: 0 });
    expect(input).toEqual({
      clientOrderId: clientOrderId('crypto-majors', 'manual', 'rebalance-2026-03-10-btc', 0),
      worldId: 'crypto-majors',
      strategyId: 'manual',
      intentId: 'rebalance-2026-03-10-btc',
      replaceSeq: 0,
      venue: 'sim',
      account: 'default',
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      qty: '0.5',
      limitPrice: '60000',
      tif: { kind: 'GTC' },
      mode: 'paper',
    });
    expect(input.clientOrderId).toMatch(/^qmtl[0-9a-f]{32}$/);
  });

  it('a different intent (or strategy) is a different order; the same intent the same id', () => {
    const id = (over: object) =>
      orderWorkflowInput(placeOrderSchema.parse({ ...base, ...over }), { now: NOW, dayCutoffMinute: 0 })
        .clientOrderId;
    expect(id({})).toBe(id({ qty: '0.7' }));
    expect(id({ intent_id: 'other' })).not.toBe(id({}));
    expect(id({ strategy_id: 's1' })).not.toBe(id({}));
  });

  it('DAY closes at the next UTC cutoff after now; an order placed at the cutoff lives a full day', () => {
    // 15:30 with a 16:00 cutoff → today 16:00; with 00:00 → tomorrow 00:00
    expect(tifWire({ tif: 'DAY' }, NOW, cutoffMinute('16:00'))).toEqual({
      kind: 'DAY',
      closeAt: Date.UTC(2026, 2, 10, 16),
    });
    expect(tifWire({ tif: 'DAY' }, NOW, cutoffMinute('00:00'))).toEqual({
      kind: 'DAY',
      closeAt: Date.UTC(2026, 2, 11),
    });
    const atCutoff = Date.UTC(2026, 2, 11);
    expect(tifWire({ tif: 'DAY' }, atCutoff, 0)).toEqual({ kind: 'DAY', closeAt: Date.UTC(2026, 2, 12) });
  });

  it('GTD carries expire_at, given as ISO or epoch ms', () => {
    const iso = placeOrderSchema.parse({ ...base, tif: 'GTD', expire_at: '2026-03-11T00:00:00+01:00' });
    expect(orderWorkflowInput(iso, { now: NOW, dayCutoffMinute: 0 }).tif).toEqual({
      kind: 'GTD',
      expireAt: Date.UTC(2026, 2, 10, 23),
    });
    const ms = placeOrderSchema.parse({ ...base, tif: 'GTD', expire_at: 1_773_187_200_000 });
    expect(tifWire(ms, NOW, 0)).toEqual({ kind: 'GTD', expireAt: 1_773_187_200_000 });
  });

  const issues = (body: object) => {
    const result = placeOrderSchema.safeParse(body);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('refuses prices that do not match the type, and expire_at without GTD (or GTD without it)', () => {
    expect(issues({ ...base, type: 'market' })).toEqual(['limit_price: a market order takes no limit_price']);
    expect(issues({ ...base, type: 'stop_limit' })).toEqual([
      'stop_price: a stop_limit order needs stop_price',
    ]);
    expect(issues({ ...base, tif: 'GTD' })).toEqual(['expire_at: GTD needs expire_at']);
    expect(issues({ ...base, expire_at: NOW })).toEqual(['expire_at: expire_at is only for GTD']);
  });

  it('refuses float-ish, zero and negative quantities', () => {
    expect(issues({ ...base, qty: 0.5 })).toHaveLength(1);
    expect(issues({ ...base, qty: '0.000' })).toEqual(['qty: must be > 0']);
    expect(issues({ ...base, qty: '-1' })).toHaveLength(1);
    expect(issues({ ...base, qty: '1e3' })).toHaveLength(1);
  });
});

describe('live guard', () => {
  const world = (allow: boolean) => ({ id: 'w', allow_live: allow });

  it('lets paper orders on sim through without anything', () => {
    expect(liveGuard({ mode: 'paper', venue: 'sim', header: undefined, world: world(false) })).toEqual({
      ok: true,
    });
  });

  it.each([
    ['live on sim, no header', 'live', 'sim', undefined, true, 'header X-Allow-Live: true'],
    ['live, header false', 'live', 'sim', 'false', true, 'header X-Allow-Live: true'],
    ['paper on binance, no header', 'paper', 'binance', undefined, true, "venue 'binance'"],
    ['live with header, world without allow_live', 'live', 'binance', 'true', false, 'allow_live'],
  ] as const)('refuses %s', (_label, mode, venue, header, allow, says) => {
    const decision = liveGuard({ mode, venue, header, world: world(allow) });
    expect(decision.ok).toBe(false);
    expect(!decision.ok && decision.detail).toContain(says);
  });

  it('allows live with the header and a world that allows it', () => {
    expect(liveGuard({ mode: 'live', venue: 'binance', header: 'true', world: world(true) })).toEqual({
      ok: true,
    });
  });
});

describe('order workflow summary and OpenAPI', () => {
  it('reads like the order', () => {
    const input = orderWorkflowInput(placeOrderSchema.parse(base), { now: NOW, dayCutoffMinute: 0 });
    expect(orderSummary(input)).toBe('buy 0.5 BTC/USDT limit 60000 GTC on sim');
    const stop = {
      ...input,
      type: 'stop' as const,
      limitPrice: undefined,
      stopPrice: '58000',
      mode: 'live' as const,
    };
    expect(orderSummary(stop)).toBe('buy 0.5 BTC/USDT stop stop 58000 GTC on sim (live)');
  });

  it('documents every order and brokerage route with named schemas', () => {
    const routes = [...brokerageRoutes(), ...orderRoutes({ store: {} as Store, temporal: {} as never })];
    const doc = buildOpenApiDocument(routes) as unknown as {
      paths: Record<string, Record<string, { operationId: string }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/v1/accounts/{venue}/{account}',
      '/v1/brokerage/simulate',
      '/v1/fills',
      '/v1/orders',
      '/v1/orders/{id}',
      '/v1/orders/{id}/cancel',
      '/v1/orders/{id}/replace',
    ]);
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'PlaceOrder',
        'OrderAccepted',
        'Order',
        'ReplaceOrder',
        'OrderReplaced',
        'ReportFill',
        'Account',
        'BrokerageSimulation',
        'BrokerageSimulationResult',
        'BrokerageConfig',
      ]),
    );
  });
});
