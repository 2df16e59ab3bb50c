/**
 * The run repo's contract, run against SQLite (a temp file) and PostgreSQL (a
 * fresh schema per test) exactly as store.contract.test.ts runs the others:
 * PostgreSQL is required, not optional.
 */
import type { RunRecord, Store } from '../../activities/store';
import {
  at,
  freshStorePerTest,
  type Harness,
  postgresHarness,
  requirePostgres,
  sqliteHarness,
} from './store-harness';

const STRATEGY = 'a'.repeat(64);

function run(runId: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId,
    strategyId: STRATEGY,
    worldId: 'crypto-majors',
    mode: 'backtest',
    status: 'running',
    window: null,
    metrics: {},
    nodes: [],
    startedAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

function runContract(makeHarness: () => Harness): void {
  let store: Store;

  freshStorePerTest(makeHarness, (opened) => {
    store = opened;
  });

  it('round-trips a finished run exactly: window, metrics (floats and negatives), nodes, fingerprint', async () => {
    const finished = run(`run:${STRATEGY}:crypto-majors:backtest:1`, {
      status: 'completed',
      window: { start: 1_735_689_600_000, end: 1_736_294_340_000, intervalMs: 60_000 },
      metrics: { sharpe: 1.2345678901234567, max_drawdown: 0.1, total_return: -0.03125, n_trades_total: 42 },
      resultFingerprint: 'sha256:' + 'ab'.repeat(32),
      nodes: [
        { nodeId: 'blake3:' + '1'.repeat(64), fingerprint: 'sha256:' + '2'.repeat(64), reused: true },
        { nodeId: 'blake3:' + '3'.repeat(64), fingerprint: 'sha256:' + '4'.repeat(64), reused: false },
      ],
      updatedAt: at(5),
    });
    await store.runs.put(finished);
    expect(await store.runs.get(finished.runId)).toStrictEqual(finished);
    expect(await store.runs.get('run:none')).toBeUndefined();
  });

  it('replaces a run by id as it moves on, and keeps an error', async () => {
    const id = `run:${STRATEGY}:w:backtest:1`;
    await store.runs.put(run(id));
    const failed = run(id, {
      status: 'failed',
      error: 'backfill of ohlcv:sim:X/Y:1m failed',
      updatedAt: at(9),
    });
    await store.runs.put(failed);
    expect(await store.runs.get(id)).toStrictEqual(failed);
    expect(await store.runs.listByStrategy(STRATEGY, { limit: 10, offset: 0 })).toHaveLength(1);
  });

  it('lists one strategy newest first, runId breaking ties, paged', async () => {
    const other = 'b'.repeat(64);
    await store.runs.put(run('r1', { startedAt: at(1) }));
    await store.runs.put(run('r3', { startedAt: at(2) }));
    await store.runs.put(run('r2', { startedAt: at(2) }));
    await store.runs.put(run('r4', { startedAt: at(3), strategyId: other }));
    const ids = async (limit: number, offset: number, strategyId = STRATEGY) =>
      (await store.runs.listByStrategy(strategyId, { limit, offset })).map((r) => r.runId);
    expect(await ids(10, 0)).toEqual(['r3', 'r2', 'r1']);
    expect(await ids(1, 1)).toEqual(['r2']);
    expect(await ids(10, 0, other)).toEqual(['r4']);
    expect(await ids(10, 0, 'c'.repeat(64))).toEqual([]);
    await expect(store.runs.listByStrategy(STRATEGY, { limit: -1, offset: 0 })).rejects.toBeInstanceOf(
      RangeError,
    );
  });

  it('refuses non-finite metrics instead of storing them differently per store', async () => {
    await expect(store.runs.put(run('r1', { metrics: { sharpe: NaN } }))).rejects.toBeInstanceOf(RangeError);
    expect(await store.runs.get('r1')).toBeUndefined();
  });
}

describe.each([
  { kind: 'sqlite', makeHarness: sqliteHarness, preflight: async (): Promise<void> => undefined },
  { kind: 'postgres', makeHarness: postgresHarness, preflight: requirePostgres },
])('$kind store: runs', ({ makeHarness, preflight }) => {
  beforeAll(preflight);
  runContract(makeHarness);
});
