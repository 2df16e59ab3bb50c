/**
 * One contract, two stores: every behaviour the Gateway and the activities
 * rely on is pinned here and run against SQLite (a temp file) and PostgreSQL
 * (a fresh schema per test). PostgreSQL is required, not optional: when it is
 * unreachable the PostgreSQL half fails instead of skipping.
 */
import { type BarRow, type Store, StoreConflictError } from '../../activities/store';
import { migrations } from '../../activities/store/migrations';
import {
  type Harness,
  MINUTE,
  apiKey,
  at,
  bar,
  bars,
  minutes,
  node,
  postgresHarness,
  requirePostgres,
  sqliteHarness,
  strategy,
  freshStorePerTest,
} from './store-harness';

function storeContract(kind: Store['kind'], makeHarness: () => Harness): void {
  let harness: Harness;
  let store: Store;

  freshStorePerTest(makeHarness, (opened, openedHarness) => {
    store = opened;
    harness = openedHarness;
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
  describe('nodes', () => {
    it('round-trips a node record exactly, params_json byte for byte', async () => {
      const sma = node('n-sma', {
        paramsJson: '{"alpha":1.0,"w":20}',
        dependencies: ['n-b', 'n-a'],
        tags: ['Ünïcode', 'btc'],
        interval: 86_400,
        period: 0,
      });
      const input = node('n-input', {
        nodeType: 'StreamInput',
        interval: null,
        period: null,
        paramsJson: '{"source":"ohlcv:sim:BTC/USDT:1m","x":1e-7}',
      });
      expect(await store.nodes.registerAll([sma, input])).toEqual(['n-sma', 'n-input']);
      expect(await store.nodes.get('n-sma')).toStrictEqual(sma);
      expect(await store.nodes.get('n-input')).toStrictEqual(input);
      expect(await store.nodes.get('n-none')).toBeUndefined();
    });

    it('registers only ids not seen before and keeps the first record', async () => {
      expect(await store.nodes.registerAll([node('a'), node('b'), node('a', { codeHash: 'dup' })])).toEqual([
        'a',
        'b',
      ]);
      expect(await store.nodes.registerAll([node('b', { firstStrategyId: 's2' }), node('c')])).toEqual(['c']);
      expect(await store.nodes.registerAll([])).toEqual([]);
      expect(await store.nodes.get('a')).toStrictEqual(node('a'));
      expect(await store.nodes.get('b')).toStrictEqual(node('b'));
      expect(await store.nodes.known(['a', 'c', 'x'])).toEqual(new Set(['a', 'c']));
      expect(await store.nodes.known([])).toEqual(new Set());
    });

    it('reports each id new exactly once under concurrent overlapping registrations', async () => {
      const other = await harness.open();
      try {
        const ids = Array.from({ length: 650 }, (_, i) => `n${String(i).padStart(3, '0')}`);
        // Ten windows of 200 ids, each overlapping the next by 150, some reversed, half through a second store.
        const windows = Array.from({ length: 10 }, (_, i) => ids.slice(i * 50, i * 50 + 200));
        const results = await Promise.all(
          windows.map((w, i) =>
            (i % 2 ? other : store).nodes.registerAll((i % 3 ? w : [...w].reverse()).map((id) => node(id))),
          ),
        );
        expect(results.flat().sort()).toEqual(ids);
        expect(await harness.sql('SELECT node_id FROM nodes ORDER BY node_id')).toEqual(
          ids.map((id) => ({ node_id: id })),
        );
      } finally {
        await other.close();
      }
    });
    it('finds nodes by tags: any or all of them, optionally on one interval, ordered by id', async () => {
      await store.nodes.registerAll([
        node('n-c', { tags: ['btc', 'momentum'] }),
        node('n-a', { tags: ['btc'], interval: 300 }),
        node('n-b', { tags: ['eth', 'momentum', 'Ünïcode'] }),
        node('n-d', { tags: [] }),
        node('n-e', { tags: ['BTC'] }),
      ]);
      const ids = (records: Array<{ nodeId: string }>) => records.map((r) => r.nodeId);
      expect(ids(await store.nodes.findByTags(['btc'], 'any'))).toEqual(['n-a', 'n-c']);
      expect(ids(await store.nodes.findByTags(['momentum', 'btc'], 'any'))).toEqual(['n-a', 'n-b', 'n-c']);
      expect(ids(await store.nodes.findByTags(['momentum', 'btc'], 'all'))).toEqual(['n-c']);
      // Repeated query tags count once, so `all` still matches.
      expect(ids(await store.nodes.findByTags(['btc', 'momentum', 'btc'], 'all'))).toEqual(['n-c']);
      expect(ids(await store.nodes.findByTags(['Ünïcode'], 'all'))).toEqual(['n-b']);
      expect(ids(await store.nodes.findByTags(['btc'], 'any', 60))).toEqual(['n-c']);
      expect(ids(await store.nodes.findByTags(['btc'], 'all', 300))).toEqual(['n-a']);
      expect(ids(await store.nodes.findByTags(['btc'], 'any', 0))).toEqual([]);
      expect(ids(await store.nodes.findByTags(['nope'], 'any'))).toEqual([]);
      expect(ids(await store.nodes.findByTags([], 'all'))).toEqual([]);
      expect(await store.nodes.findByTags(['eth'], 'any')).toStrictEqual([
        node('n-b', { tags: ['eth', 'momentum', 'Ünïcode'] }),
      ]);
    });
  });

  describe('bars', () => {
    const series = 'ohlcv:sim:BTC/USDT:1m';

    it('replaces a revised candle and reads half-open ranges ascending', async () => {
      expect(await store.bars.upsertBars(series, MINUTE, bars([3, 0, 4, 1, 2]))).toBe(5);
      const revised = bar(2, 555.25, { volume: null });
      expect(await store.bars.upsertBars(series, MINUTE, [revised])).toBe(1);
      const { start } = minutes(0, 0);
      expect(await store.bars.readBars(series, bar(1).ts, bar(3).ts)).toStrictEqual([bar(1), revised]);
      expect(await store.bars.readBars(series, start, bar(9).ts)).toStrictEqual([
        bar(0),
        bar(1),
        revised,
        bar(3),
        bar(4),
      ]);
      expect(await store.bars.readBars(series, bar(3).ts, bar(3).ts)).toEqual([]);
      expect(await store.bars.countBars(series, bar(1).ts, bar(4).ts)).toBe(3);
      expect(await store.bars.readBars('other-series', start, bar(9).ts)).toEqual([]);
    });

    it('adds nothing when the same bars are upserted again', async () => {
      const hundred = bars(Array.from({ length: 100 }, (_, m) => m));
      expect(await store.bars.upsertBars(series, MINUTE, hundred)).toBe(100);
      expect(await store.bars.upsertBars(series, MINUTE, hundred)).toBe(0);
      expect(await store.bars.countBars(series, 0, bar(1000).ts)).toBe(100);
      expect(await store.bars.readBars(series, 0, bar(1000).ts)).toStrictEqual(hundred);
    });

    it('inserts each bar exactly once under concurrent overlapping upserts', async () => {
      const other = await harness.open();
      try {
        // Eight windows of 50 minutes overlapping by half, some reversed, half through a second store.
        const windows = Array.from({ length: 8 }, (_, i) =>
          bars(Array.from({ length: 50 }, (_, m) => i * 25 + m)),
        );
        const written = await Promise.all(
          windows.map((w, i) =>
            (i % 2 ? other : store).bars.upsertBars(series, MINUTE, i % 3 ? w : [...w].reverse()),
          ),
        );
        expect(written.reduce((sum, n) => sum + n, 0)).toBe(225);
        expect(await store.bars.readBars(series, 0, bar(1000).ts)).toStrictEqual(
          bars(Array.from({ length: 225 }, (_, m) => m)),
        );
        expect(await store.bars.coverage(series)).toEqual([minutes(0, 224)]);
      } finally {
        await other.close();
      }
    });

    it('keeps the last bar of a duplicated ts and stores values exactly', async () => {
      const exact = bar(1, 0.1 + 0.2, { open: 1.5e300, high: null, low: -0.25, volume: 5e-324 });
      expect(await store.bars.upsertBars(series, MINUTE, [bar(1), bar(0), exact])).toBe(2);
      expect(await store.bars.readBars(series, bar(0).ts, bar(2).ts)).toStrictEqual([bar(0), exact]);
    });

    it('refuses another interval for a stored series, writing nothing', async () => {
      await store.bars.upsertBars(series, MINUTE, bars([0]));
      const fiveMinutes = store.bars.upsertBars(series, 5 * MINUTE, bars([5]));
      await expect(fiveMinutes).rejects.toBeInstanceOf(StoreConflictError);
      await expect(store.bars.upsertBars(series, 5 * MINUTE, [])).rejects.toThrow(/60000 ms.*300000 ms/);
      expect(await store.bars.readBars(series, 0, bar(10).ts)).toStrictEqual(bars([0]));
      expect(await store.bars.upsertBars('ohlcv:sim:BTC/USDT:5m', 5 * MINUTE, bars([5]))).toBe(1);
    });

    it('refuses timestamps that are not integer ms and non-finite values', async () => {
      const bad: Array<[number, Partial<BarRow>]> = [
        [MINUTE, { ts: 1.5 }],
        [MINUTE, { close: Number.NaN }],
        [MINUTE, { volume: Number.POSITIVE_INFINITY }],
        [0, {}],
        [1.5, {}],
      ];
      for (const [interval, overrides] of bad) {
        await expect(
          store.bars.upsertBars(series, interval, [bar(0), bar(1, 7, overrides)]),
        ).rejects.toBeInstanceOf(RangeError);
      }
      expect(await store.bars.countBars(series, 0, bar(10).ts)).toBe(0);
      await expect(store.bars.readBars(series, 0.5, 1)).rejects.toBeInstanceOf(RangeError);
    });

    it('reports coverage as islands of adjacent bars, one-bar islands included', async () => {
      expect(await store.bars.coverage(series)).toEqual([]);
      await store.bars.upsertBars(series, MINUTE, bars([8, 0, 1, 2, 5, 9]));
      await store.bars.upsertBars('ohlcv:sim:ETH/USDT:1m', MINUTE, bars([3, 4, 6, 7]));
      expect(await store.bars.coverage(series)).toEqual([minutes(0, 2), minutes(5, 5), minutes(8, 9)]);
      await store.bars.upsertBars(series, MINUTE, bars([3, 4]));
      expect(await store.bars.coverage(series)).toEqual([minutes(0, 5), minutes(8, 9)]);
      await store.bars.upsertBars(series, MINUTE, bars([7, 6]));
      expect(await store.bars.coverage(series)).toEqual([minutes(0, 9)]);
    });

    it('merges overlapping and adjacent known-empty ranges', async () => {
      await store.bars.upsertBars(series, MINUTE, []);
      await store.bars.addKnownEmpty(series, minutes(0, 2).start, minutes(0, 2).end);
      await store.bars.addKnownEmpty(series, minutes(6, 7).start, minutes(6, 7).end);
      await store.bars.addKnownEmpty(series, minutes(10, 10).start, minutes(10, 10).end);
      expect(await store.bars.knownEmpty(series)).toEqual([minutes(0, 2), minutes(6, 7), minutes(10, 10)]);
      // Touches [0, 2] one interval away and overlaps [6, 7]; [10] stays apart.
      await store.bars.addKnownEmpty(series, minutes(3, 6).start, minutes(3, 6).end);
      expect(await store.bars.knownEmpty(series)).toEqual([minutes(0, 7), minutes(10, 10)]);
      // Already inside, and a range sharing a start: nothing changes.
      await store.bars.addKnownEmpty(series, minutes(0, 1).start, minutes(0, 1).end);
      await store.bars.addKnownEmpty(series, minutes(1, 4).start, minutes(1, 4).end);
      expect(await store.bars.knownEmpty(series)).toEqual([minutes(0, 7), minutes(10, 10)]);
      await expect(store.bars.addKnownEmpty(series, bar(2).ts, bar(1).ts)).rejects.toBeInstanceOf(RangeError);
      expect(await store.bars.knownEmpty('other-series')).toEqual([]);
    });

    it('merges concurrent known-empty additions into one range', async () => {
      const other = await harness.open();
      try {
        await store.bars.upsertBars(series, MINUTE, []);
        const pairs = [7, 2, 9, 0, 4, 1, 8, 3, 6, 5].map((i) => minutes(2 * i, 2 * i + 1));
        await Promise.all(
          pairs.map((r, i) => (i % 2 ? other : store).bars.addKnownEmpty(series, r.start, r.end)),
        );
        expect(await store.bars.knownEmpty(series)).toEqual([minutes(0, 19)]);
      } finally {
        await other.close();
      }
    });

    it('merges known-empty ranges of a series without bars only where they meet at 1 ms', async () => {
      await store.bars.addKnownEmpty('new', 0, 999);
      await store.bars.addKnownEmpty('new', 1000, 1999);
      await store.bars.addKnownEmpty('new', 2001, 3000);
      expect(await store.bars.knownEmpty('new')).toEqual([
        { start: 0, end: 1999 },
        { start: 2001, end: 3000 },
      ]);
    });
  });

  describe('artifacts', () => {
    const fingerprint = 'sha256:' + 'ab'.repeat(32);

    it('keeps the first body put under a fingerprint', async () => {
      const body = '{"rows":[[1,2.0]],"note":"é✓"}';
      expect(await store.artifacts.putIfAbsent(fingerprint, 'frame', body)).toEqual({ created: true });
      expect(await store.artifacts.putIfAbsent(fingerprint, 'other', 'second body')).toEqual({
        created: false,
      });
      const stored = await store.artifacts.get(fingerprint);
      expect(stored).toStrictEqual({ kind: 'frame', body, createdAt: expect.any(String) });
      expect(new Date(stored?.createdAt ?? '').toISOString()).toBe(stored?.createdAt);
      expect(await store.artifacts.get('sha256:none')).toBeUndefined();
    });

    it('creates exactly one of 20 concurrent puts, and its body is the one stored', async () => {
      const other = await harness.open();
      try {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? other : store).artifacts.putIfAbsent(fingerprint, 'frame', `body-${i}`),
          ),
        );
        const winners = results.flatMap((r, i) => (r.created ? [i] : []));
        expect(winners).toHaveLength(1);
        expect((await store.artifacts.get(fingerprint))?.body).toBe(`body-${winners[0]}`);
      } finally {
        await other.close();
      }
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
