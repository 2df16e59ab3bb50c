/**
 * Allocation runs' contract (SPEC §9), against SQLite and PostgreSQL: a run id
 * is claimed once (created / replay / conflict, also under a race), a run
 * ends once, lists come newest first and filter by world, and a world's
 * current fractions are those of its latest completed allocation.
 */
import type { AllocationRequestRecord, Store } from '../../activities/store';
import {
  at,
  freshStorePerTest,
  type Harness,
  postgresHarness,
  requirePostgres,
  sqliteHarness,
} from './store-harness';

const request = (
  worlds: Record<string, string>,
  strategies?: AllocationRequestRecord['strategy_allocations'],
) => ({
  world_allocations: worlds,
  ...(strategies && { strategy_allocations: strategies }),
  total_equity: '100000',
});

function allocationsContract(makeHarness: () => Harness): void {
  let store: Store;

  freshStorePerTest(makeHarness, (opened) => {
    store = opened;
  });

  const claim = (runId: string, bodyHash: string, worlds: Record<string, string>, t = 1) =>
    store.allocations.claim({
      runId,
      bodyHash,
      worldIds: Object.keys(worlds),
      request: request(worlds),
      at: at(t),
    });

  it('claims a run id once: the same body replays, another body conflicts, nothing changes', async () => {
    const first = await claim('r1', 'h1', { a: '0.3' });
    expect(first).toStrictEqual({
      outcome: 'created',
      record: {
        runId: 'r1',
        bodyHash: 'h1',
        worldIds: ['a'],
        request: request({ a: '0.3' }),
        status: 'running',
        createdAt: at(1),
        updatedAt: at(1),
      },
    });
    expect(await claim('r1', 'h1', { a: '0.3' }, 2)).toStrictEqual({
      outcome: 'replay',
      record: first.record,
    });
    expect(await claim('r1', 'h2', { a: '0.4' }, 3)).toStrictEqual({
      outcome: 'conflict',
      record: first.record,
    });
    expect(await store.allocations.get('r1')).toStrictEqual(first.record);
    expect(await store.allocations.get('nope')).toBeUndefined();
  });

  it('hands a raced run id to exactly one claimant', async () => {
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => claim('race', `h${i % 2}`, { a: '0.1' })),
    );
    expect(claims.filter((c) => c.outcome === 'created')).toHaveLength(1);
    const winner = claims.find((c) => c.outcome === 'created')!.record.bodyHash;
    claims.forEach((c, i) => {
      if (c.outcome === 'created') return;
      expect(c.outcome).toBe(`h${i % 2}` === winner ? 'replay' : 'conflict');
      expect(c.record.bodyHash).toBe(winner);
    });
    expect(claims.filter((c) => c.outcome === 'replay')).toHaveLength(3);
    expect(claims.filter((c) => c.outcome === 'conflict')).toHaveLength(4);
  });

  it('ends a run once: a second finish keeps the first end', async () => {
    await claim('r1', 'h1', { a: '0.3' });
    const done = await store.allocations.finish('r1', {
      status: 'completed',
      result: { n: '1.50' },
      at: at(5),
    });
    expect(done).toMatchObject({
      status: 'completed',
      result: { n: '1.50' },
      createdAt: at(1),
      updatedAt: at(5),
    });
    const again = await store.allocations.finish('r1', {
      status: 'failed',
      result: { other: true },
      at: at(6),
    });
    expect(again).toStrictEqual(done);
    await expect(
      store.allocations.finish('missing', { status: 'failed', result: {}, at: at(7) }),
    ).rejects.toThrow(RangeError);
  });

  it('lists newest first, by world, within the limit', async () => {
    await claim('r1', 'h', { a: '0.1' }, 1);
    await claim('r2', 'h', { b: '0.2' }, 2);
    await claim('r3', 'h', { a: '0.3', b: '0.4' }, 3);
    const ids = (records: { runId: string }[]) => records.map((r) => r.runId);
    expect(ids(await store.allocations.list({ limit: 10 }))).toEqual(['r3', 'r2', 'r1']);
    expect(ids(await store.allocations.list({ worldId: 'a', limit: 10 }))).toEqual(['r3', 'r1']);
    expect(ids(await store.allocations.list({ worldId: 'b', limit: 1 }))).toEqual(['r3']);
    expect(await store.allocations.list({ worldId: 'zzz', limit: 10 })).toEqual([]);
    await expect(store.allocations.list({ limit: 0 })).rejects.toThrow(RangeError);
  });

  it("reads each world's fractions from its latest completed allocation only", async () => {
    const finish = (runId: string, status: 'completed' | 'failed', t: number) =>
      store.allocations.finish(runId, { status, result: {}, at: at(t) });
    await store.allocations.claim({
      runId: 'r1',
      bodyHash: 'h',
      worldIds: ['a', 'b'],
      request: request({ a: '0.3', b: '0.7' }, { a: { s1: '0.4', s2: '0.6' } }),
      at: at(1),
    });
    await finish('r1', 'completed', 2);
    await claim('r2', 'h', { a: '0.2' }, 3);
    await finish('r2', 'failed', 4); // failed: not current
    await claim('r3', 'h', { b: '0.5' }, 5); // still running: not current

    expect(await store.allocations.latestFractions(['a', 'b', 'never'])).toStrictEqual({
      a: { worldId: 'a', fraction: '0.3', strategies: { s1: '0.4', s2: '0.6' }, runId: 'r1', at: at(2) },
      b: { worldId: 'b', fraction: '0.7', runId: 'r1', at: at(2) },
    });
    await finish('r3', 'completed', 6);
    expect((await store.allocations.latestFractions(['b'])).b).toStrictEqual({
      worldId: 'b',
      fraction: '0.5',
      runId: 'r3',
      at: at(6),
    });
  });
}

describe.each([
  { kind: 'sqlite', makeHarness: sqliteHarness, preflight: async (): Promise<void> => undefined },
  { kind: 'postgres', makeHarness: postgresHarness, preflight: requirePostgres },
])('$kind store: allocations', ({ makeHarness, preflight }) => {
  beforeAll(preflight);
  allocationsContract(makeHarness);
});
