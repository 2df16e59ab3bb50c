/**
 * GET /v1/events/stream over HTTP (SPEC §5, §10): a client that disconnects
 * and reconnects with Last-Event-ID receives every event exactly once, in
 * order per key; topic and world filters; no key → 401; a kill switch
 * engaged through the API shows up as a `kill_switch` event, and an accepted
 * submit as one `order` event however often the activity is retried.
 */
import { readEventStream, type SseEvent } from '../support/sse';
import { createOrderActivities } from '../../activities/orders';
import { OrderVenueRegistry } from '../../activities/venues/order-registry';
import { bootStack, type Stack } from '../support/stack';

jest.setTimeout(120_000);

const readStream = (
  stack: Stack,
  query: string,
  enough: (events: SseEvent[]) => boolean,
  headers: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<SseEvent[]> =>
  readEventStream({ url: stack.url, key: stack.adminKey, query, enough, headers, timeoutMs });

const KEYS = ['order-a', 'order-b', 'order-c'];
const TOPICS = ['order', 'fill'];
const WORLDS = ['w1', 'w2'];

describe('event stream', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await bootStack();
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('resumes from Last-Event-ID: 300 events exactly once, in order per key', async () => {
    const publish = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        await stack.store.events.publish({
          eventKey: `test:${i}`,
          topic: TOPICS[i % 2]!,
          worldId: WORLDS[Math.floor(i / 3) % 2],
          key: KEYS[i % 3]!,
          payload: { n: i },
        });
      }
    };
    // Half before the first connection, half while it (and the second) read.
    await publish(0, 150);
    const late = publish(150, 300);
    const first = await readStream(stack, '', (e) => e.length >= 120);
    expect(first).toHaveLength(120);
    const lastId = first[first.length - 1]!.id;
    const second = await readStream(stack, '', (e) => first.length + e.length >= 300, {
      'last-event-id': lastId,
    });
    await late;

    const all = [...first, ...second];
    const ns = all.map((e) => e.data.data.n as number);
    expect(ns).toHaveLength(300);
    expect(new Set(ns).size).toBe(300);
    for (const key of KEYS) {
      const ofKey = all.filter((e) => e.data.subject === key).map((e) => e.data.data.n as number);
      expect(ofKey).toHaveLength(100);
      expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
    }
    const ids = all.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(all[0]).toMatchObject({
      event: 'order',
      data: { specversion: '1.0', id: 'test:0', type: 'qmtl.order', subject: 'order-a', worldid: 'w1' },
    });

    // The query parameter resumes too (an EventSource cannot set headers on its first request).
    const resumed = await readStream(stack, `?last_event_id=${all[297]!.id}`, (e) => e.length >= 2);
    expect(resumed.map((e) => e.data.data.n)).toEqual([298, 299]);
  });

  it('filters by topic and by world', async () => {
    const fills = await readStream(stack, '?topics=fill', (e) => e.length >= 150);
    expect(fills).toHaveLength(150);
    expect(new Set(fills.map((e) => e.event))).toEqual(new Set(['fill']));

    const w2 = await readStream(stack, '?world_id=w2&topics=order,fill', (e) => e.length >= 150);
    expect(w2).toHaveLength(150);
    expect(new Set(w2.map((e) => e.data.worldid))).toEqual(new Set(['w2']));
  });

  it('answers 401 without a key and 400 for a bad Last-Event-ID, before streaming', async () => {
    const anonymous = await fetch(`${stack.url}/v1/events/stream`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 'E_UNAUTHENTICATED' });

    const bad = await fetch(`${stack.url}/v1/events/stream`, {
      headers: { authorization: `Bearer ${stack.adminKey}`, 'last-event-id': 'yesterday' },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      code: 'E_VALIDATION',
      errors: [{ path: 'headers.last-event-id' }],
    });
    const badTopic = await stack.api('GET', '/v1/events/stream?topics=Order;drop');
    expect(badTopic.status).toBe(400);
  });

  it('publishes a kill_switch event when a kill switch is engaged through the API', async () => {
    const engaged = await stack.api('POST', '/v1/venues/sim/accounts/default/kill-switch', {
      engaged: true,
      reason: 'events stream test',
    });
    expect(engaged.status).toBe(202);
    const [event] = await readStream(stack, '?topics=kill_switch', (e) => e.length >= 1, {}, 60_000);
    expect(event).toMatchObject({
      event: 'kill_switch',
      data: {
        subject: 'venue:sim:default',
        data: { scope_key: 'venue:sim:default', step: 'engaged', reason: 'events stream test' },
      },
    });
  });

  it('publishes one order event per accepted submit, however often the activity runs', async () => {
    const orderVenues = new OrderVenueRegistry({
      store: stack.store,
      simStartingBalances: { USDT: '100000' },
    });
    const { submitVenueOrder } = createOrderActivities({ store: stack.store, orderVenues });
    const input = {
      venue: 'sim',
      account: 'events-test',
      request: {
        clientOrderId: 'events-test-1',
        symbol: 'BTC/USDT',
        side: 'buy' as const,
        type: 'limit' as const,
        qty: '0.01',
        limitPrice: '1000',
        tif: 'GTC' as const,
      },
    };
    await submitVenueOrder(input);
    await submitVenueOrder(input); // a retry after an ambiguous timeout
    const orders = await stack.store.events.read({ afterSeq: 0, topics: ['order'], limit: 1000 });
    const mine = orders.filter((e) => e.key === 'events-test-1');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      eventKey: 'order:events-test-1:accepted',
      payload: { client_order_id: 'events-test-1', venue: 'sim', account: 'events-test', qty: '0.01' },
    });
  });
});
