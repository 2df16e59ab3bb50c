/**
 * The paper equity store's contract (SPEC §4, §11), against SQLite (a temp
 * file) and PostgreSQL (a fresh schema per test): a (run, bar close) is
 * written once — a retry gets the first row back, also under concurrency —
 * decimals round-trip as text, `before` finds the run's previous bar and
 * `latestCurve` the newest run's newest bars, oldest first.
 */
import type { PaperEquityRecord, Store } from '../../activities/store';
import {
  MINUTE,
  at,
  freshStorePerTest,
  type Harness,
  postgresHarness,
  requirePostgres,
  sqliteHarness,
} from './store-harness';

const T0 = Date.UTC(2025, 0, 1);

function point(runId: string, minute: number, overrides: Partial<PaperEquityRecord> = {}): PaperEquityRecord {
  return {
    runId,
    strategyId: 'momentum',
    worldId: 'crypto-majors',
    barClose: T0 + minute * MINUTE,
    // Trailing zeros must survive: decimals are text.
    equity: `100${minute}.50`,
    position: '0.10',
    recordedAt: at(minute),
    ...overrides,
  };
}

function paperEquityContract(makeHarness: () => Harness): void {
  let store: Store;

  freshStorePerTest(makeHarness, (opened) => {
    store = opened;
  });

  it('writes a (run, bar) once: a retry with other numbers gets the first row back', async () => {
    const first = point('run-a', 1);
    expect(await store.paperEquity.putIfAbsent(first)).toStrictEqual({ created: true, record: first });
    const retry = point('run-a', 1, { equity: '1', position: '0', recordedAt: at(9) });
    expect(await store.paperEquity.putIfAbsent(retry)).toStrictEqual({ created: false, record: first });
  });

  it('lets exactly one of 10 concurrent puts of one (run, bar) create', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.paperEquity.putIfAbsent(point('run-a', 2, { equity: `${i}` })),
      ),
    );
    const created = results.filter((r) => r.created);
    expect(created).toHaveLength(1);
    for (const result of results) expect(result.record).toStrictEqual(created[0]!.record);
  });

  it("finds the run's previous bar, skipping a missing one, and nothing before the first", async () => {
    for (const minute of [1, 2, 4]) await store.paperEquity.putIfAbsent(point('run-a', minute));
    await store.paperEquity.putIfAbsent(point('run-b', 3));
    expect(await store.paperEquity.before('run-a', T0 + 4 * MINUTE)).toStrictEqual(point('run-a', 2));
    expect(await store.paperEquity.before('run-a', T0 + 2 * MINUTE)).toStrictEqual(point('run-a', 1));
    expect(await store.paperEquity.before('run-a', T0 + 1 * MINUTE)).toBeUndefined();
  });

  it("reads the newest `limit` bars, oldest first, of the strategy's run with the newest bar in the world", async () => {
    for (const minute of [1, 2, 3]) await store.paperEquity.putIfAbsent(point('run-old', minute));
    for (const minute of [4, 5, 6]) await store.paperEquity.putIfAbsent(point('run-new', minute));
    await store.paperEquity.putIfAbsent(point('run-elsewhere', 9, { worldId: 'other-world' }));
    await store.paperEquity.putIfAbsent(point('run-other-strategy', 9, { strategyId: 'carry' }));
    expect(await store.paperEquity.latestCurve('crypto-majors', 'momentum', 2)).toStrictEqual([
      point('run-new', 5),
      point('run-new', 6),
    ]);
    expect(
      (await store.paperEquity.latestCurve('crypto-majors', 'momentum', 10)).map((p) => p.runId),
    ).toEqual(['run-new', 'run-new', 'run-new']);
    expect(await store.paperEquity.latestCurve('crypto-majors', 'nobody', 5)).toEqual([]);
  });

  it('refuses a non-decimal equity or position, a fractional bar close and a bad limit', async () => {
    await expect(store.paperEquity.putIfAbsent(point('run-a', 1, { equity: '1e3' }))).rejects.toThrow(
      RangeError,
    );
    await expect(store.paperEquity.putIfAbsent(point('run-a', 1, { position: 'NaN' }))).rejects.toThrow(
      RangeError,
    );
    await expect(store.paperEquity.putIfAbsent(point('run-a', 1.5))).rejects.toThrow(RangeError);
    await expect(store.paperEquity.latestCurve('crypto-majors', 'momentum', 0)).rejects.toThrow(RangeError);
    expect(await store.paperEquity.latestCurve('crypto-majors', 'momentum', 5)).toEqual([]);
  });
}

describe.each([
  { kind: 'sqlite', makeHarness: sqliteHarness, preflight: async (): Promise<void> => undefined },
  { kind: 'postgres', makeHarness: postgresHarness, preflight: requirePostgres },
])('$kind store: paper equity', ({ makeHarness, preflight }) => {
  beforeAll(preflight);
  paperEquityContract(makeHarness);
});
