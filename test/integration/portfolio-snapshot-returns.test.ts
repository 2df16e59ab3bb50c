/**
 * publishPortfolioSnapshot with paper equity (activities/portfolio-snapshot.ts,
 * SPEC §11): a strategy's realized_returns are the bar-over-bar returns of the
 * equity its newest paper run recorded in the world, worked in decimals; a
 * new equity point (a fill) changes the content and publishes a new version;
 * without paper equity the snapshot is exactly what it was before returns
 * existed. A SQLite store and a stand-in client answering the world query.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createPortfolioSnapshotActivities } from '../../activities/portfolio-snapshot';
import { openStore } from '../../activities/store';
import type { PaperEquityRecord, Store } from '../../activities/store/port';
import { MAX_RETURNS, parseRiskSnapshot, type RiskSnapshot } from '../../domain/risk/snapshot';
import type { ActivationEntry } from '../../domain/world/activation';
import type { WorldSnapshot } from '../../workflows/world-messages';

const NOW = Date.UTC(2026, 0, 5, 12);
const WORLD = 'returns-world';

const entry = (strategy_id: string, weight: number): ActivationEntry => ({
  strategy_id,
  side: 'long',
  active: true,
  weight,
  freeze: false,
  drain: false,
  effective_mode: 'paper',
  etag: 1,
  run_id: 'manual:1',
  ts: new Date(NOW - 60_000).toISOString(),
});

/** A client whose only workflow is the world, answering its snapshot query. */
const clientFor = (entries: ActivationEntry[]) =>
  ({
    workflow: {
      getHandle: () => ({
        query: async () => ({ activation: { etag: 1, entries } }) as unknown as WorldSnapshot,
      }),
    },
  }) as unknown as Client;

describe('publishPortfolioSnapshot: realized returns from paper equity', () => {
  let home: string;
  let store: Store;

  beforeEach(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-returns-'));
    store = await openStore({ home });
  });
  afterEach(async () => {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  });

  const equity = (strategyId: string, runId: string, minute: number, value: string): PaperEquityRecord => ({
    runId,
    strategyId,
    worldId: WORLD,
    barClose: NOW - 10 * 60_000 + minute * 60_000,
    equity: value,
    position: '0',
    recordedAt: new Date(NOW).toISOString(),
  });
  const latestBody = async () => JSON.parse((await store.riskSnapshots.latest(WORLD))!.body) as RiskSnapshot;

  it('publishes 100 → 101 → 99.99 as [0.01, −0.01]; a further point publishes a new version', async () => {
    const hub = createPortfolioSnapshotActivities({
      store,
      client: clientFor([entry('alpha', 0.5), entry('beta', 0.5)]),
      now: () => NOW,
    });
    for (const [minute, value] of [
      [1, '100'],
      [2, '101'],
      [3, '99.99'],
    ] as const)
      await store.paperEquity.putIfAbsent(equity('alpha', 'run-alpha', minute, value));
    // beta has one point only: no return yet, so it is left out.
    await store.paperEquity.putIfAbsent(equity('beta', 'run-beta', 1, '500'));

    expect(await hub.publishPortfolioSnapshot({ world_id: WORLD })).toMatchObject({
      published: true,
      version: 1,
    });
    expect(await latestBody()).toMatchObject({
      weights: { alpha: 0.5, beta: 0.5 },
      realized_returns: { alpha: [0.01, -0.01] },
    });
    expect((await latestBody()).realized_returns).not.toHaveProperty('beta');
    // Nothing new: unchanged, no new version.
    expect(await hub.publishPortfolioSnapshot({ world_id: WORLD })).toEqual({
      published: false,
      reason: 'UNCHANGED',
      version: 1,
    });
    // A fill's bar: 99.99 → 100.9899 is +0.01.
    await store.paperEquity.putIfAbsent(equity('alpha', 'run-alpha', 4, '100.9899'));
    expect(await hub.publishPortfolioSnapshot({ world_id: WORLD })).toMatchObject({
      published: true,
      version: 2,
    });
    expect((await latestBody()).realized_returns).toEqual({ alpha: [0.01, -0.01, 0.01] });
  });

  it('keeps the newest MAX_RETURNS returns', async () => {
    const hub = createPortfolioSnapshotActivities({
      store,
      client: clientFor([entry('alpha', 1)]),
      now: () => NOW,
    });
    // MAX_RETURNS + 2 points: 100, 200, 100, 200, …; the oldest return (+1) falls off.
    for (let i = 0; i < MAX_RETURNS + 2; i++)
      await store.paperEquity.putIfAbsent({
        ...equity('alpha', 'run-alpha', 0, i % 2 === 0 ? '100' : '200'),
        barClose: NOW - (MAX_RETURNS + 2 - i) * 60_000,
      });
    await hub.publishPortfolioSnapshot({ world_id: WORLD });
    const returns = (await latestBody()).realized_returns!.alpha!;
    expect(returns).toHaveLength(MAX_RETURNS);
    // Points 1..MAX_RETURNS+1: the first kept return is 200 → 100.
    expect(returns.slice(0, 3)).toEqual([-0.5, 1, -0.5]);
    // The last point, index MAX_RETURNS + 1, is 200 when that index is odd.
    expect(returns.at(-1)).toBe(MAX_RETURNS % 2 === 0 ? 1 : -0.5);
  });

  it('without paper equity the snapshot is as before: no realized_returns, the same hash', async () => {
    const hub = createPortfolioSnapshotActivities({
      store,
      client: clientFor([entry('alpha', 1)]),
      now: () => NOW,
    });
    const outcome = await hub.publishPortfolioSnapshot({ world_id: WORLD });
    const body = await latestBody();
    expect(body).not.toHaveProperty('realized_returns');
    const before = parseRiskSnapshot({
      as_of: new Date(NOW).toISOString(),
      version: 1,
      weights: { alpha: 1 },
      covariance: {},
      ttl_sec: 900,
    });
    expect(outcome).toEqual({ published: true, version: 1, hash: before.hash });
  });
});
