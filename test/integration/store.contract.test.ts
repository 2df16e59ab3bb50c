/**
 * One contract, two stores: every behaviour the Gateway and the activities
 * rely on is pinned here and run against SQLite (a temp file) and PostgreSQL
 * (a fresh schema per test). PostgreSQL is required, not optional: when it is
 * unreachable the PostgreSQL half fails instead of skipping.
 */
import { type Store, StoreConflictError } from '../../activities/store';
import { migrations } from '../../activities/store/migrations';
import {
  type Harness,
  apiKey,
  at,
  postgresHarness,
  requirePostgres,
  sqliteHarness,
  strategy,
} from './store-harness';

function storeContract(kind: Store['kind'], makeHarness: () => Harness): void {
  let harness: Harness;
  let store: Store;

  beforeEach(async () => {
    harness = makeHarness();
    store = await harness.open();
  });

  afterEach(async () => {
    try {
      await store?.close();
    } finally {
      await harness.destroy();
    }
  });

  describe('lifecycle', () => {
    it('opens a migrated store of the configured kind', async () => {
      expect(store.kind).toBe(kind);
      await expect(store.ping()).resolves.toBeUndefined();
      expect(await harness.sql('SELECT id FROM schema_migrations ORDER BY id')).toEqual(
        migrations.map((m) => ({ id: m.id })),
      );
    });

    it('treats a second migrate() as a no-op that keeps data', async () => {
      await store.strategies.putIfAbsent(strategy('s1'));
      await store.migrate();
      await store.migrate();
      expect(await harness.sql('SELECT id FROM schema_migrations ORDER BY id')).toHaveLength(
        migrations.length,
      );
      expect(await store.strategies.get('s1')).toStrictEqual(strategy('s1'));
    });

    it('lets several stores migrate a fresh database at the same time', async () => {
      const fresh = makeHarness();
      const stores = Array.from({ length: 4 }, () => fresh.create());
      try {
        await Promise.all(stores.map((s) => s.migrate()));
        expect(await fresh.sql('SELECT id FROM schema_migrations ORDER BY id')).toEqual(
          migrations.map((m) => ({ id: m.id })),
        );
        for (const s of stores) expect(await s.apiKeys.list()).toEqual([]);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
        await fresh.destroy();
      }
    });

    it('keeps data when the store is closed and reopened', async () => {
      await store.apiKeys.create(apiKey('k1'));
      await store.strategies.putIfAbsent(strategy('s1'));
      await store.idempotency.claim('alice', 'idem-1', 'h1', at(0));
      await store.idempotency.complete('alice', 'idem-1', 201, '{"ok":true}', 'application/json');
      await store.close();
      store = await harness.open();
      expect(await store.apiKeys.findByHash('hash-k1')).toStrictEqual(apiKey('k1'));
      expect(await store.strategies.get('s1')).toStrictEqual(strategy('s1'));
      expect(await store.idempotency.claim('alice', 'idem-1', 'h2', at(1))).toStrictEqual({
        state: 'done',
        requestHash: 'h1',
        status: 201,
        body: '{"ok":true}',
        contentType: 'application/json',
      });
    });

    it('rejects ping after close, and closing twice is harmless', async () => {
      await store.close();
      await store.close();
      await expect(store.ping()).rejects.toThrow();
    });

    it('refuses a database migrated by a newer build', async () => {
      await harness.sql(
        `INSERT INTO schema_migrations (id, name, applied_at) VALUES (999, 'future', '${at(0)}')`,
      );
      await expect(store.migrate()).rejects.toThrow(/999/);
      await expect(harness.open()).rejects.toThrow(/999/);
    });
  });

  describe('apiKeys', () => {
    it('returns created keys exactly, listed oldest first', async () => {
      const later = apiKey('k1', { role: 'admin', createdAt: at(5) });
      const earlier = apiKey('k2', { role: 'reader', name: 'Ünïcode ключ', createdAt: at(1) });
      await store.apiKeys.create(later);
      await store.apiKeys.create(earlier);
      expect(await store.apiKeys.findByHash('hash-k1')).toStrictEqual(later);
      expect(await store.apiKeys.findByHash('no-such-hash')).toBeUndefined();
      expect(await store.apiKeys.list()).toStrictEqual([earlier, later]);
    });

    it('refuses a duplicate id or hash with StoreConflictError', async () => {
      await store.apiKeys.create(apiKey('k1'));
      await expect(store.apiKeys.create(apiKey('k1', { keyHash: 'other' }))).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      await expect(store.apiKeys.create(apiKey('k2', { keyHash: 'hash-k1' }))).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      expect(await store.apiKeys.list()).toStrictEqual([apiKey('k1')]);
    });

    it('revokes an active key once and still finds it, revokedAt set', async () => {
      await store.apiKeys.create(apiKey('k1'));
      expect(await store.apiKeys.revoke('k1', at(9))).toBe(true);
      expect(await store.apiKeys.revoke('k1', at(10))).toBe(false);
      expect(await store.apiKeys.revoke('unknown', at(10))).toBe(false);
      expect(await store.apiKeys.findByHash('hash-k1')).toStrictEqual(apiKey('k1', { revokedAt: at(9) }));
    });
  });

  describe('idempotency', () => {
    const json = 'application/json';

    it('gives the first claim to the caller and shows later callers the pending entry', async () => {
      expect(await store.idempotency.claim('alice', 'k', 'h1', at(0))).toBeUndefined();
      expect(await store.idempotency.claim('alice', 'k', 'h2', at(1))).toStrictEqual({
        state: 'pending',
        requestHash: 'h1',
      });
      // Keys are scoped per principal.
      expect(await store.idempotency.claim('bob', 'k', 'h3', at(2))).toBeUndefined();
    });

    it('replays the first completed response', async () => {
      await store.idempotency.claim('alice', 'k', 'h1', at(0));
      await store.idempotency.complete('alice', 'k', 201, '{"id":"s1","note":"é✓"}', json);
      await store.idempotency.complete('alice', 'k', 500, 'second answer', 'text/plain');
      const done = {
        state: 'done',
        requestHash: 'h1',
        status: 201,
        body: '{"id":"s1","note":"é✓"}',
        contentType: json,
      };
      expect(await store.idempotency.claim('alice', 'k', 'h1', at(1))).toStrictEqual(done);
    });

    it('releases only a pending claim', async () => {
      await store.idempotency.claim('alice', 'pending', 'h1', at(0));
      await store.idempotency.release('alice', 'pending');
      expect(await store.idempotency.claim('alice', 'pending', 'h2', at(1))).toBeUndefined();

      await store.idempotency.claim('alice', 'done', 'h1', at(0));
      await store.idempotency.complete('alice', 'done', 200, '{}', json);
      await store.idempotency.release('alice', 'done');
      expect(await store.idempotency.claim('alice', 'done', 'h2', at(1))).toMatchObject({ state: 'done' });
    });

    it('does not create an entry when completing a key nobody claimed', async () => {
      await store.idempotency.complete('alice', 'k', 200, '{}', json);
      expect(await store.idempotency.claim('alice', 'k', 'h1', at(0))).toBeUndefined();
    });

    it('gives exactly one of 20 concurrent claims the win', async () => {
      const other = await harness.open();
      try {
        const hashes = Array.from({ length: 20 }, (_, i) => `h${i}`);
        const results = await Promise.all(
          hashes.map((h, i) => (i % 2 ? other : store).idempotency.claim('alice', 'race', h, at(0))),
        );
        const winners = results.flatMap((r, i) => (r === undefined ? [i] : []));
        expect(winners).toHaveLength(1);
        const pending = { state: 'pending', requestHash: hashes[winners[0] as number] };
        expect(results.filter((r) => r !== undefined)).toStrictEqual(Array(19).fill(pending));
      } finally {
        await other.close();
      }
    });
  });

  describe('strategies', () => {
    it('creates once, then returns the stored record', async () => {
      const first = strategy('s1');
      expect(await store.strategies.putIfAbsent(first)).toStrictEqual({ created: true, record: first });
      const second = strategy('s1', { owner: 'mallory', dagJson: '{}', worldIds: [] });
      expect(await store.strategies.putIfAbsent(second)).toStrictEqual({ created: false, record: first });
      expect(await store.strategies.get('s1')).toStrictEqual(first);
      expect(await store.strategies.get('s2')).toBeUndefined();
    });

    it('round-trips text, arrays and meta exactly, key order included', async () => {
      const meta = {
        zeta: 1,
        alpha: { nested: [1, 'two', null, true], ключ: '值' },
        big: 1.5e300,
        neg: -0.25,
      };
      const record = strategy('s1', {
        dagJson: '{"b": 1,\n  "a": [2, 3]}',
        worldIds: ['w-b', 'w-a', 'w-c'],
        nodeCount: 10_000,
        meta,
      });
      await store.strategies.putIfAbsent(record);
      const stored = await store.strategies.get('s1');
      expect(stored).toStrictEqual(record);
      expect(JSON.stringify(stored?.meta)).toBe(JSON.stringify(meta));
    });

    it('creates exactly one of 20 concurrent puts of the same id', async () => {
      const other = await harness.open();
      try {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? other : store).strategies.putIfAbsent(strategy('s1', { owner: `owner-${i}` })),
          ),
        );
        const created = results.filter((r) => r.created);
        expect(created).toHaveLength(1);
        for (const r of results) expect(r.record).toStrictEqual(created[0]?.record);
      } finally {
        await other.close();
      }
    });

    it('lists newest first, strategyId breaking ties, paged by limit and offset', async () => {
      const times: Record<string, number> = { s1: 1, s2: 2, s3: 2, s4: 3, s5: 0 };
      for (const id of ['s3', 's5', 's1', 's4', 's2']) {
        await store.strategies.putIfAbsent(strategy(id, { createdAt: at(times[id] as number) }));
      }
      const ids = async (limit: number, offset: number) =>
        (await store.strategies.list({ limit, offset })).map((s) => s.strategyId);
      expect(await ids(10, 0)).toEqual(['s4', 's3', 's2', 's1', 's5']);
      expect(await ids(2, 1)).toEqual(['s3', 's2']);
      expect(await ids(10, 5)).toEqual([]);
      expect(await ids(0, 0)).toEqual([]);
      await expect(store.strategies.list({ limit: -1, offset: 0 })).rejects.toBeInstanceOf(RangeError);
      await expect(store.strategies.list({ limit: 1, offset: 0.5 })).rejects.toBeInstanceOf(RangeError);
    });

    it('filters by world membership, never by substring', async () => {
      await store.strategies.putIfAbsent(strategy('a', { worldIds: ['crypto'], createdAt: at(1) }));
      await store.strategies.putIfAbsent(strategy('b', { worldIds: ['crypto-majors'], createdAt: at(2) }));
      await store.strategies.putIfAbsent(strategy('c', { worldIds: ['fx', 'crypto'], createdAt: at(3) }));
      const inWorld = async (worldId: string) =>
        (await store.strategies.list({ limit: 10, offset: 0, worldId })).map((s) => s.strategyId);
      expect(await inWorld('crypto')).toEqual(['c', 'a']);
      expect(await inWorld('crypto-majors')).toEqual(['b']);
      expect(await inWorld('cry')).toEqual([]);
      expect(await store.strategies.list({ limit: 1, offset: 1, worldId: 'crypto' })).toStrictEqual([
        strategy('a', { worldIds: ['crypto'], createdAt: at(1) }),
      ]);
    });
  });
}

it('numbers migrations in strictly increasing order', () => {
  const ids = migrations.map((m) => m.id);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(new Set(ids).size).toBe(ids.length);
});

describe.each([
  { kind: 'sqlite' as const, makeHarness: sqliteHarness, preflight: async (): Promise<void> => undefined },
  { kind: 'postgres' as const, makeHarness: postgresHarness, preflight: requirePostgres },
])('$kind store', ({ kind, makeHarness, preflight }) => {
  beforeAll(preflight);
  storeContract(kind, makeHarness);
});
