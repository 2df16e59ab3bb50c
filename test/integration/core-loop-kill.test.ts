/**
 * ACCEPTANCE (issue #7): the core loop of core-loop.test.ts with its worker
 * SIGKILLed and restarted at three points of one run — mid-backfill (pages
 * stored, more to fetch), mid-apply (the world froze the entries, the apply
 * waits between phases) and with open paper orders (a limit resting at the
 * venue) — ends in the same final state as an uninterrupted run of the
 * same loop beside it, with no duplicate order. Both runs trade limit orders
 * (meta.paper), so an order rests at the venue until its sim minute closes.
 *
 * Each run has its own namespace, store and worker processes (core-loop-kill.
 * worker.ts); the Gateway runs here, over the same store. Kill points are
 * observed, never slept to: the worker's fetch and publish log.
 * "Same final state": equal coverage, backtest, evaluation, apply phases,
 * activation table and risk snapshot; and, for the paper orders (how many
 * depends on the wall clock), the same invariants — one order per intent
 * under its deterministic id, each once at the venue, all settled, the
 * account's position the net of their fills and what the venue holds.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Decimal from 'decimal.js';
import { openStore } from '../../activities/store';
import { ensureAdminKey } from '../../api/auth';
import { startGateway } from '../../api/server';
import { configSchema, type QmtlConfig } from '../../workers/config';
import { createLogger } from '../../workers/logger';
import { buildGatewayDeps } from '../../workers/runtime';
import type { ApiAnswer } from '../support/stack';
import {
  connectFreshNamespace,
  exited,
  readLogLines,
  reapAll,
  startWorkerProcess,
} from '../support/worker-process';
import {
  SOURCE,
  loopStrategyOf,
  freshWorld,
  paperRunId,
  loopOutcome,
  paperInvariants,
  stopStrategy,
  submitBody,
  untilFilled,
  type Api,
  type LoopOutcome,
} from './core-loop.fixtures';
import type { LoopWorkerOptions } from './core-loop-kill.worker';
import { float, StrategyBuilder } from '../../sdk';

jest.setTimeout(300_000);

const WORLD = 'core-loop';
const WORKER_ENTRY = path.join(__dirname, 'core-loop-kill.worker.ts');
const KILL_POINTS = ['backfill', 'apply', 'orders'] as const;
/**
 * Marketable limits 20 bp through the close: a sim limit order matches only bars that open after
 * it arrived, so each rests until the minute closes (the kill's window), then fills (the sim's
 * next minute always reached it over a day of its path, 400 of 400 samples).
 */
const PAPER = { order: { type: 'limit', offset_bps: -20 }, order_poll_ms: 1_000 };

/**
 * Long half the equity whatever the price (close > 0): one buy when the paper run starts. The
 * crossover of core-loop.test.ts flips every half minute or so, and a flip cancels a limit still
 * resting for the old target, so whether its orders fill would depend on the clock.
 */
const HOLD = (() => {
  const s = new StrategyBuilder({ name: 'hold-long' });
  const price = s.input(SOURCE, { period: 200 });
  const long = s.node('threshold_signal', { upper: 0, lower: 0 }, [price]);
  s.node('target_position', { size: float(0.5) }, [long]);
  return loopStrategyOf(s.build());
})();
type KillPoint = (typeof KILL_POINTS)[number];

/** What was seen at each kill: pages fetched, apply phases published, orders announced, orders resting. */
interface AtKill {
  fetches: number;
  phases: string[];
  accepted: string[];
  resting: string[];
}

interface LoopRun {
  outcome: LoopOutcome;
  atKill: Partial<Record<KillPoint, AtKill>>;
  /** BTC the sim book holds for the account. */
  venuePosition: string;
}

const children: ChildProcess[] = [];

async function poll(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
/** The Gateway over a store, in this process (the workers are elsewhere). */
async function gatewayOver(home: string, temporal: Awaited<ReturnType<typeof connectFreshNamespace>>) {
  const address = process.env.QMTL_TEST_TEMPORAL_ADDRESS!;
  const config = {
    ...configSchema.parse({
      home,
      logLevel: 'silent',
      temporalAddress: address,
      temporalNamespace: temporal.client.options.namespace,
    }),
    port: 0,
  } as QmtlConfig;
  const log = createLogger('silent', 'qmtl-core-loop-kill');
  const store = await openStore({ home });
  const admin = await ensureAdminKey(config, store, log);
  const key = readFileSync(admin.file!, 'utf8').trim();
  const gateway = await startGateway(
    buildGatewayDeps({ config, store, log, temporal: { ...temporal, address }, plugins: [] }),
  );
  const api: Api = async (method, route, body) => {
    const res = await fetch(`${gateway.url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? JSON.parse(text) : undefined,
      headers: res.headers,
    } as ApiAnswer;
  };
  return { api, store, close: () => gateway.close().then(() => store.close()) };
}

/** The paper run's orders resting at the venue (NEW or PARTIALLY_FILLED), as the API tells them. */
async function restingOrders(api: Api): Promise<string[]> {
  const run = await api('GET', `/v1/runs/${encodeURIComponent(paperRunId(WORLD, HOLD))}`);
  const resting: string[] = [];
  for (const id of run.body?.progress?.open_orders ?? []) {
    const order = await api('GET', `/v1/orders/${id}`);
    if (['NEW', 'PARTIALLY_FILLED'].includes(order.body?.status)) resting.push(id);
  }
  return resting;
}

/** Kill points observed: pages fetched, the apply frozen and waiting, a paper order resting. */
function killPointReached(kill: KillPoint, log: string, api: Api): () => Promise<boolean> {
  const lines = () => readLogLines(log);
  if (kill === 'backfill') return async () => lines().filter((l) => l[1] === 'fetch').length >= 5;
  if (kill === 'orders') return async () => (await restingOrders(api)).length > 0;
  return async () => lines().some((l) => l[1] === 'publish' && l[2]!.endsWith(':phase:awaiting_acks'));
}

/** The test knob that makes a kill land where it should: slow pages, or pauses between apply phases. */
const knobs = (kill: KillPoint | undefined): Partial<LoopWorkerOptions> =>
  kill === 'backfill' ? { pageDelayMs: 150 } : kill === 'apply' ? { activationDelayMs: 1_000 } : {};

async function runLoop(kills: readonly KillPoint[]): Promise<LoopRun> {
  const name = kills.length ? 'killed' : 'whole';
  const temporal = await connectFreshNamespace(`qmtl-loop-${name}`);
  const root = mkdtempSync(path.join(os.tmpdir(), `qmtl-loop-${name}-`));
  const gateway = await gatewayOver(path.join(root, 'home'), temporal);
  const base: LoopWorkerOptions = {
    address: process.env.QMTL_TEST_TEMPORAL_ADDRESS!,
    namespace: temporal.client.options.namespace,
    home: path.join(root, 'home'),
    log: path.join(root, 'worker.log'),
  };
  const spawn = async (options: LoopWorkerOptions) => {
    const child = await startWorkerProcess(WORKER_ENTRY, options);
    children.push(child);
    return child;
  };
  try {
    let worker = await spawn({ ...base, ...knobs(kills[0]) });
    await freshWorld(gateway.api, WORLD);
    expect((await gateway.api('POST', '/v1/strategies', submitBody(WORLD, PAPER, HOLD))).status).toBe(202);
    const run: Partial<LoopRun> = { atKill: {} };
    for (const [i, kill] of kills.entries()) {
      await poll(killPointReached(kill, base.log, gateway.api), 180_000, `kill point ${kill}`);
      // Read before the kill: the Gateway answers order state from the (then dead) workers' queries.
      const resting = kill === 'orders' ? await restingOrders(gateway.api) : [];
      worker.kill('SIGKILL');
      await exited(worker);
      const events = await gateway.store.events.read({
        afterSeq: 0,
        topics: ['activation', 'order'],
        limit: 10_000,
      });
      run.atKill![kill] = {
        fetches: readLogLines(base.log).filter((l) => l[1] === 'fetch').length,
        phases: events
          .map((e) => e.eventKey)
          .filter((k) => k.includes(':phase:'))
          .map((k) => k.split(':phase:')[1]!),
        accepted: events.map((e) => e.eventKey).filter((k) => k.endsWith(':accepted')),
        resting,
      };
      worker = await spawn({ ...base, ...knobs(kills[i + 1]) });
    }
    await untilFilled(gateway.api, WORLD, 180_000, HOLD);
    await stopStrategy(gateway.api, WORLD, HOLD);
    run.outcome = await loopOutcome(gateway.api, temporal.client, WORLD, HOLD);
    run.venuePosition = new Decimal((await gateway.store.simBook.balances('default')).BTC ?? '0').toFixed();
    worker.kill('SIGTERM');
    await exited(worker);
    return run as LoopRun;
  } finally {
    await gateway.close();
    await temporal.connection.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** What must equal the uninterrupted run's exactly. */
const settled = (o: LoopOutcome) => ({
  ...o,
  orders: undefined,
  position: undefined,
  paper: o.paper.status,
  // Each fill republishes the snapshot with the run's realized returns: how often depends on the clock.
  risk: { ...(o.risk as object), version: undefined },
});

/** The paper orders' invariants, which hold however many orders the wall clock gave the run. */
function expectOrdersConsistent(run: LoopRun): void {
  const n = run.outcome.orders.length;
  expect(paperInvariants(run.outcome, WORLD, HOLD)).toEqual({
    orders: n,
    distinctIntents: n,
    idsFromIntents: true,
    intentsOfRun: true,
    allSettled: true,
    someFilled: true,
    distinctTrades: true,
    position: expect.any(String),
    netFills: new Decimal(run.outcome.position).toFixed(),
  });
  // The venue holds what the account says.
  expect(run.venuePosition).toBe(new Decimal(run.outcome.position).toFixed());
  expect(run.outcome.paper.orders_started).toBe(n);
}

describe('the core loop with its worker killed and restarted', () => {
  let whole: Promise<LoopRun>;
  let killed: Promise<LoopRun>;

  beforeAll(() => {
    // Side by side: most of each run is waiting (for a bar to close, a heartbeat to time out).
    whole = runLoop([]);
    killed = runLoop(KILL_POINTS);
    whole.catch(() => undefined);
    killed.catch(() => undefined);
  });
  afterAll(async () => {
    await Promise.allSettled([whole, killed]);
    await reapAll(children);
  });

  it('runs uninterrupted to filled paper orders', async () => {
    const run = await whole;
    expect(run.outcome.activation).toEqual([
      [HOLD.id, 'long', true, 1, 'paper', true],
      [HOLD.id, 'short', true, 1, 'paper', true],
    ]);
    expectOrdersConsistent(run);
  });

  it('is killed mid-backfill, mid-apply and with a paper order resting', async () => {
    const { atKill } = await killed;
    // Pages stored and more to fetch (3600 bars are 36 pages of 100).
    expect(atKill.backfill!.fetches).toBeGreaterThanOrEqual(5);
    expect(atKill.backfill!.fetches).toBeLessThan(36);
    expect(atKill.backfill!.phases).toEqual([]);
    // The entries frozen and the apply not yet through.
    expect(atKill.apply!.phases).toEqual(['requested', 'freezing', 'awaiting_acks']);
    expect(atKill.apply!.accepted).toEqual([]);
    // A passive limit resting at the venue, its order workflow following it.
    expect(atKill.orders!.resting.length).toBeGreaterThan(0);
  });

  it('ends as the uninterrupted run did, with no duplicate order', async () => {
    const [baseline, run] = await Promise.all([whole, killed]);
    expect(settled(run.outcome)).toEqual(settled(baseline.outcome));
    expectOrdersConsistent(run);
    // The orders resting at the kill were followed to their end (filled, or canceled by the stop).
    const ended = new Map(run.outcome.orders.map((o) => [o.order_id, o.state]));
    for (const id of run.atKill.orders!.resting) expect(['FILLED', 'CANCELED']).toContain(ended.get(id));
  });
});
