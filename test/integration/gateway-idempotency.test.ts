/**
 * Idempotency-Key on POSTs (SPEC §5): replay of the first answer, 409 for a
 * different request or one still running, a fresh run after a 5xx, and
 * per-key scoping — through the real Gateway and SQLite store.
 */
import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../../api/route';
import { bootGateway, type TestGateway } from '../support/gateway';

let runs = 0;
let failNext = false;
let gate: Promise<void> | undefined;
let entered: () => void = () => undefined;

const testRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/v1/test/orders',
    operationId: 'testCreateOrder',
    summary: 'counts its runs',
    tags: ['test'],
    access: 'author',
    body: z.object({
      symbol: z.string(),
      qty: z.number(),
      meta: z.record(z.string(), z.unknown()).optional(),
    }),
    responses: { 201: { description: 'created' } },
    async handler({ body }) {
      runs += 1;
      entered();
      if (gate) await gate;
      if (failNext) {
        failNext = false;
        return { status: 503, body: { error: 'venue down' } };
      }
      return {
        status: 201,
        body: { order_id: `o-${runs}`, ...body },
        headers: { Location: `/v1/orders/o-${runs}` },
      };
    },
  }),
];

let gw: TestGateway;
let author: string;
let otherAuthor: string;

beforeAll(async () => {
  gw = await bootGateway({ routes: testRoutes });
  author = (await gw.issueKey('author')).key;
  otherAuthor = (await gw.issueKey('author')).key;
});
afterAll(() => gw.close());
beforeEach(() => {
  runs = 0;
});

const post = (key: string, idempotencyKey: string | undefined, body: unknown) =>
  fetch(`${gw.url}/v1/test/orders`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      ...(idempotencyKey !== undefined ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

it('replays the first answer for the same key and body, without running the handler again', async () => {
  const first = await post(author, 'order-1', { symbol: 'BTC/USDT', qty: 1, meta: { a: 1, b: 2 } });
  const firstText = await first.text();
  expect(first.status).toBe(201);
  expect(first.headers.get('idempotent-replayed')).toBeNull();
  // Same body with keys in another order is the same request.
  const again = await post(author, 'order-1', '{"qty":1,"meta":{"b":2,"a":1},"symbol":"BTC/USDT"}');
  expect(again.status).toBe(201);
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect(again.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await again.text()).toBe(firstText);
  expect(runs).toBe(1);
});

it('refuses the same key with a different body (409 E_IDEMPOTENCY_CONFLICT)', async () => {
  expect((await post(author, 'order-2', { symbol: 'ETH/USDT', qty: 1 })).status).toBe(201);
  const res = await post(author, 'order-2', { symbol: 'ETH/USDT', qty: 2 });
  expect(res.status).toBe(409);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(await res.json()).toMatchObject({ code: 'E_IDEMPOTENCY_CONFLICT' });
  expect(runs).toBe(1);
});

it('answers 409 E_IDEMPOTENCY_IN_PROGRESS while the first request is still running', async () => {
  let open: () => void = () => undefined;
  gate = new Promise((resolve) => (open = resolve));
  const started = new Promise<void>((resolve) => (entered = resolve));
  const first = post(author, 'order-3', { symbol: 'SOL/USDT', qty: 1 });
  await started;
  const second = await post(author, 'order-3', { symbol: 'SOL/USDT', qty: 1 });
  expect(second.status).toBe(409);
  expect(second.headers.get('retry-after')).toBe('1');
  expect(await second.json()).toMatchObject({ code: 'E_IDEMPOTENCY_IN_PROGRESS' });
  gate = undefined;
  open();
  expect((await first).status).toBe(201);
  expect(
    (await post(author, 'order-3', { symbol: 'SOL/USDT', qty: 1 })).headers.get('idempotent-replayed'),
  ).toBe('true');
  expect(runs).toBe(1);
});

it('forgets the key after a 5xx so the retry runs again', async () => {
  failNext = true;
  expect((await post(author, 'order-4', { symbol: 'XRP/USDT', qty: 1 })).status).toBe(503);
  const retry = await post(author, 'order-4', { symbol: 'XRP/USDT', qty: 1 });
  expect(retry.status).toBe(201);
  expect(retry.headers.get('idempotent-replayed')).toBeNull();
  expect(runs).toBe(2);
});

it('does not claim the key for a request that fails validation', async () => {
  expect((await post(author, 'order-5', { symbol: 'ADA/USDT' })).status).toBe(400);
  expect((await post(author, 'order-5', { symbol: 'ADA/USDT', qty: 1 })).status).toBe(201);
});

it('scopes keys to the calling API key', async () => {
  expect((await post(author, 'shared', { symbol: 'BTC/USDT', qty: 1 })).status).toBe(201);
  const other = await post(otherAuthor, 'shared', { symbol: 'BTC/USDT', qty: 5 });
  expect(other.status).toBe(201);
  expect(other.headers.get('idempotent-replayed')).toBeNull();
  expect(runs).toBe(2);
});

it('runs every request without the header, and refuses a malformed header', async () => {
  await post(author, undefined, { symbol: 'BTC/USDT', qty: 1 });
  await post(author, undefined, { symbol: 'BTC/USDT', qty: 1 });
  expect(runs).toBe(2);
  for (const bad of ['', 'x'.repeat(256), 'tab\there']) {
    const res = await post(author, bad, { symbol: 'BTC/USDT', qty: 1 });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'E_VALIDATION',
      errors: [{ path: 'headers.idempotency-key' }],
    });
  }
  expect(runs).toBe(2);
});
