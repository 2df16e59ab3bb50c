/**
 * The ControlBus event log's contract (SPEC §10), against SQLite (a temp file)
 * and PostgreSQL (a fresh schema per test): ascending seqs, publish once per
 * event key, and reads filtered by topic and world that page by afterSeq.
 */
import type { EventInput, Store } from '../../activities/store';
import {
  at,
  freshStorePerTest,
  type Harness,
  postgresHarness,
  requirePostgres,
  sqliteHarness,
} from './store-harness';

function event(eventKey: string, overrides: Partial<EventInput> = {}): EventInput {
  return {
    eventKey,
    topic: 'order',
    worldId: 'crypto-majors',
    key: 'c1',
    payload: { n: 1, nested: { price: '60012.50' } },
    at: at(1),
    ...overrides,
  };
}

function eventsContract(makeHarness: () => Harness): void {
  let store: Store;

  freshStorePerTest(makeHarness, (opened) => {
    store = opened;
  });

  it('publishes with ascending seqs and reads back exactly what was stored', async () => {
    const a = await store.events.publish(event('a'));
    const b = await store.events.publish(event('b', { worldId: undefined, key: 'c2', payload: {} }));
    expect(b.seq).toBeGreaterThan(a.seq);
    expect(a).toStrictEqual({ ...event('a'), seq: a.seq, at: at(1) });
    expect(b).not.toHaveProperty('worldId');
    expect(await store.events.read({ afterSeq: 0, limit: 10 })).toStrictEqual([a, b]);
  });

  it('stamps `at` when the publisher gives none', async () => {
    const stored = await store.events.publish(event('a', { at: undefined }));
    expect(Date.parse(stored.at)).not.toBeNaN();
  });

  it('is idempotent by eventKey: a second publish returns the first event and adds nothing', async () => {
    const first = await store.events.publish(event('k'));
    const again = await store.events.publish(event('k', { payload: { n: 2 }, topic: 'fill' }));
    expect(again).toStrictEqual(first);
    expect(await store.events.read({ afterSeq: 0, limit: 10 })).toHaveLength(1);
  });

  it('pages by afterSeq and limit, ascending', async () => {
    const published = [];
    for (let i = 0; i < 7; i++) published.push(await store.events.publish(event(`e${i}`)));
    const first = await store.events.read({ afterSeq: 0, limit: 3 });
    expect(first).toStrictEqual(published.slice(0, 3));
    const rest = await store.events.read({ afterSeq: first[2]!.seq, limit: 10 });
    expect(rest).toStrictEqual(published.slice(3));
    expect(await store.events.read({ afterSeq: published[6]!.seq, limit: 10 })).toEqual([]);
  });

  it('filters by topics and by world', async () => {
    const order = await store.events.publish(event('o', { topic: 'order', worldId: 'w1' }));
    const fill = await store.events.publish(event('f', { topic: 'fill', worldId: 'w2' }));
    const kill = await store.events.publish(event('k', { topic: 'kill_switch', worldId: undefined }));
    const read = (o: { topics?: string[]; worldId?: string }) =>
      store.events.read({ afterSeq: 0, limit: 10, ...o });
    expect(await read({ topics: ['order'] })).toStrictEqual([order]);
    expect(await read({ topics: ['order', 'kill_switch'] })).toStrictEqual([order, kill]);
    expect(await read({ topics: [] })).toStrictEqual([order, fill, kill]);
    expect(await read({ worldId: 'w2' })).toStrictEqual([fill]);
    expect(await read({ worldId: 'w1', topics: ['fill'] })).toEqual([]);
  });

  it('refuses a payload that is not an object and bad read options', async () => {
    await expect(
      store.events.publish(event('x', { payload: [1] as unknown as Record<string, unknown> })),
    ).rejects.toThrow(TypeError);
    await expect(store.events.read({ afterSeq: -1, limit: 1 })).rejects.toThrow(RangeError);
    await expect(store.events.read({ afterSeq: 0, limit: 0 })).rejects.toThrow(RangeError);
  });

  it('publishes concurrently: unique seqs, one event per key, readers see commit order', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `k${i % 25}`);
    const results = await Promise.all(keys.map((k) => store.events.publish(event(k, { key: k }))));
    const listed = await store.events.read({ afterSeq: 0, limit: 100 });
    expect(listed).toHaveLength(25);
    expect(new Set(listed.map((e) => e.seq)).size).toBe(25);
    expect(listed.map((e) => e.seq)).toEqual([...listed.map((e) => e.seq)].sort((x, y) => x - y));
    for (const result of results) expect(listed).toContainEqual(result);
  });
}

describe.each([
  { kind: 'sqlite', makeHarness: sqliteHarness, preflight: async (): Promise<void> => undefined },
  { kind: 'postgres', makeHarness: postgresHarness, preflight: requirePostgres },
])('$kind store: events', ({ makeHarness, preflight }) => {
  beforeAll(preflight);
  eventsContract(makeHarness);
});
