/**
 * The risk snapshot store's contract (SPEC §11), against SQLite (a temp file)
 * and PostgreSQL (a fresh schema per test): a (world, version) is written
 * once — the same hash again is a duplicate, another hash a conflict, also
 * under concurrency — and latest/list read by version, per world.
 */
import type { RiskSnapshotRecord, Store } from '../../activities/store';
import {
  at,
  freshStorePerTest,
  type Harness,
  postgresHarness,
  requirePostgres,
  sqliteHarness,
} from './store-harness';

function snapshot(version: number, overrides: Partial<RiskSnapshotRecord> = {}): RiskSnapshotRecord {
  return {
    worldId: 'crypto-majors',
    version,
    hash: `hash-${version}`,
    asOf: '2025-01-01T02:00:00+02:00',
    ttlSec: 900,
    expiresAt: '2025-01-01T00:15:00.000Z',
    // Key order and the float literal must survive: the body is opaque text.
    body: `{"weights":{"b":0.4,"a":0.6},"version":${version},"x":1.0}`,
    actor: 'risk-engine',
    stage: 'paper',
    createdAt: at(version),
    ...overrides,
  };
}

function riskContract(makeHarness: () => Harness): void {
  let store: Store;

  freshStorePerTest(makeHarness, (opened) => {
    store = opened;
  });

  it('creates once, then answers duplicate (same hash) or conflict (other hash) with the stored one', async () => {
    const first = snapshot(1);
    expect(await store.riskSnapshots.put(first)).toStrictEqual({ outcome: 'created', record: first });
    const retry = snapshot(1, { actor: 'someone-else', createdAt: at(9) });
    expect(await store.riskSnapshots.put(retry)).toStrictEqual({ outcome: 'duplicate', record: first });
    const other = snapshot(1, { hash: 'other', body: '{}' });
    expect(await store.riskSnapshots.put(other)).toStrictEqual({ outcome: 'conflict', record: first });
    expect(await store.riskSnapshots.get('crypto-majors', 1)).toStrictEqual(first);
    expect(await store.riskSnapshots.get('crypto-majors', 2)).toBeUndefined();
  });

  it('lets exactly one of 10 concurrent puts of one (world, version) with two hashes win', async () => {
    const puts = Array.from({ length: 10 }, (_, i) =>
      store.riskSnapshots.put(snapshot(3, { hash: i % 2 === 0 ? 'even' : 'odd', actor: `w${i}` })),
    );
    const results = await Promise.all(puts);
    const created = results.filter((r) => r.outcome === 'created');
    expect(created).toHaveLength(1);
    const winner = created[0]!.record;
    for (const result of results) expect(result.record).toStrictEqual(winner);
    const sameHash = results.filter((r) => r.outcome === 'duplicate');
    const conflicts = results.filter((r) => r.outcome === 'conflict');
    expect(sameHash).toHaveLength(4);
    expect(conflicts).toHaveLength(5);
    expect(await store.riskSnapshots.list('crypto-majors', 10)).toStrictEqual([winner]);
  });

  it('reads latest and list by version (highest first), one world at a time', async () => {
    for (const version of [2, 10, 1]) await store.riskSnapshots.put(snapshot(version));
    await store.riskSnapshots.put(snapshot(99, { worldId: 'other-world' }));
    expect((await store.riskSnapshots.latest('crypto-majors'))?.version).toBe(10);
    const listed = await store.riskSnapshots.list('crypto-majors', 2);
    expect(listed).toStrictEqual([snapshot(10), snapshot(2)]);
    expect(await store.riskSnapshots.latest('nowhere')).toBeUndefined();
    expect(await store.riskSnapshots.list('nowhere', 5)).toEqual([]);
  });

  it('refuses a non-positive version, a body that is no object and a bad limit', async () => {
    await expect(store.riskSnapshots.put(snapshot(0))).rejects.toThrow(RangeError);
    // By code, not toThrow: better-sqlite3's error class may come from another jest module registry.
    const refused = await store.riskSnapshots.put(snapshot(4, { body: '[1]' })).then(
      () => undefined,
      (err: unknown) => err as { code?: string },
    );
    expect(['SQLITE_CONSTRAINT_CHECK', '23514']).toContain(refused?.code);
    await expect(store.riskSnapshots.list('crypto-majors', 0)).rejects.toThrow(RangeError);
    expect(await store.riskSnapshots.latest('crypto-majors')).toBeUndefined();
  });
}

describe.each([
  { kind: 'sqlite', makeHarness: sqliteHarness, preflight: async (): Promise<void> => undefined },
  { kind: 'postgres', makeHarness: postgresHarness, preflight: requirePostgres },
])('$kind store: risk snapshots', ({ makeHarness, preflight }) => {
  beforeAll(preflight);
  riskContract(makeHarness);
});
