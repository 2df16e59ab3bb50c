/**
 * DAG runs end to end through the Gateway against the dev server: a strategy
 * submitted to a world backfills its input from the sim exchange, runs its
 * backtest and completes; its run answers metrics (equal to the domain
 * functions over the stored bars), trades, equity curve and SVG. A second
 * strategy sharing the subgraph is diffed as reused and computes only its own
 * node. Stopping a strategy whose run waits for data stops the run.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { directBacktest, MIN, smaCrossDag, type SmaCross } from '../support/run-fixtures';
import { recordHistory } from '../support/histories';
import { bootStack, type Stack } from '../support/stack';
import { retireWorldSignal } from '../../workflows/world';
import type { JsonObject } from '../../domain/dag/node-id';
import { eventually } from '../support/eventually';

jest.setTimeout(120_000);

const WORLD = 'runs-world';
const DAY_MS = 86_400_000;
const DAY1 = Date.UTC(2025, 2, 1);
const META = { backtest: { start: '2025-03-01T00:00:00Z', end: '2025-03-02T00:00:00Z' }, fee_rate: 0.001 };
const A: SmaCross = { fast: 5, slow: 20, size: 1 };
const B: SmaCross = { fast: 5, slow: 20, size: 0.5 };

const submission = (nodes: JsonObject[], meta: object) => ({ dag: { nodes }, world_ids: [WORLD], meta });
const runPath = (runId: string) => `/v1/runs/${encodeURIComponent(runId)}`;

describe('DAG runs through the Gateway', () => {
  let stack: Stack;
  const artifactCount = (kind: string): number => {
    const db = new Database(path.join(stack.config.home, 'qmtl.db'), { readonly: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM artifacts WHERE kind = ?').get(kind) as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const finished = (id: string) =>
    eventually(
      () => stack.api('GET', `/v1/strategies/${id}`),
      (r) => ['completed', 'failed', 'stopped'].includes(r.body?.status),
      60_000,
    );

  beforeAll(async () => {
    stack = await bootStack();
    expect((await stack.api('POST', '/v1/worlds', { id: WORLD })).status).toBe(201);
  });
  afterAll(async () => {
    const handle = stack.client.workflow.getHandle(`world:${WORLD}`);
    await handle.signal(retireWorldSignal, { reason: 'test over' });
    await handle.result();
    await stack.close();
  });

  let strategyA: string;
  let runA: string;

  it('backfills, runs and completes a backtest; the run answers metrics equal to the domain over the stored bars', async () => {
    const dag = smaCrossDag(A);
    const submitted = await stack.api('POST', '/v1/strategies', submission(dag.nodes, META));
    expect(submitted.status).toBe(202);
    strategyA = submitted.body.strategy_id;
    const done = await finished(strategyA);
    expect(done.body.status).toBe('completed');

    const runs = await stack.api('GET', `/v1/strategies/${strategyA}/runs`);
    expect(runs.status).toBe(200);
    expect(runs.body.runs).toHaveLength(1);
    runA = runs.body.runs[0].run_id;
    expect(runA).toBe(`run:${strategyA}:${WORLD}:backtest:1`);
    expect(runs.body.runs[0]).toMatchObject({
      status: 'completed',
      window: { start: DAY1, end: DAY1 + DAY_MS - MIN, interval_ms: MIN },
      nodes_total: 5,
      nodes_reused: 0,
    });

    const bars = await stack.store.bars.readBars('ohlcv:sim:BTC/USDT:1m', DAY1, DAY1 + DAY_MS);
    expect(bars).toHaveLength(1440);
    const expected = directBacktest(
      bars.map((b) => b.close!),
      A,
      { start: DAY1 },
    );
    const run = await stack.api('GET', `${runPath(runA)}?max_points=50&max_trades=3`);
    expect(run.status).toBe(200);
    expect(run.body.metrics).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(run.body.result).toMatchObject({
      initial_cash: 10_000,
      fee_rate: 0.001,
      trades_total: expected.n_trades_total,
      equity_points_total: 1440,
    });
    expect(run.body.result.trades).toHaveLength(3);
    expect(run.body.result.equity).toHaveLength(50);
    expect(run.body.result.equity[49].ts).toBe(DAY1 + DAY_MS - MIN);

    const svg = await fetch(`${stack.url}${runPath(runA)}/equity.svg`, {
      headers: { authorization: `Bearer ${stack.adminKey}` },
    });
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toContain('image/svg+xml');
    expect(await svg.text()).toMatch(
      /^<svg [^>]*>[\s\S]*<polyline [^>]*points="[\d., ]+"\/>[\s\S]*<\/svg>\n$/,
    );

    await recordHistory(stack.client, `strategy:${strategyA}`, 'submitted-backtested-completed');
    await recordHistory(stack.client, runA, 'backtest-completed');
  });

  it('lists strategies with their status, paged and filtered by world', async () => {
    const listed = await stack.api('GET', `/v1/strategies?world_id=${WORLD}&limit=10`);
    expect(listed.status).toBe(200);
    expect(listed.body.strategies).toEqual([
      expect.objectContaining({
        strategy_id: strategyA,
        status: 'completed',
        world_ids: [WORLD],
        node_count: 5,
      }),
    ]);
    expect((await stack.api('GET', '/v1/strategies?world_id=elsewhere')).body.strategies).toEqual([]);
    expect((await stack.api('GET', '/v1/strategies?limit=1&offset=1')).body).toMatchObject({
      strategies: [],
      limit: 1,
      offset: 1,
    });
    expect((await stack.api('GET', '/v1/strategies?limit=0')).body.code).toBe('E_VALIDATION');
  });

  it('answers 404 for an unknown run and 400 for a malformed run id', async () => {
    expect((await stack.api('GET', runPath(`run:${'f'.repeat(64)}:${WORLD}:backtest:1`))).body.code).toBe(
      'E_NOT_FOUND',
    );
    expect((await stack.api('GET', runPath('run:nope'))).body.code).toBe('E_VALIDATION');
    expect((await stack.api('GET', `/v1/strategies/${'f'.repeat(64)}/runs`)).status).toBe(404);
  });

  it('diffs a second strategy sharing the subgraph as reused, and computes only its own node', async () => {
    const b = smaCrossDag(B);
    const dry = await stack.api('POST', '/v1/strategies/dry-run', submission(b.nodes, META));
    expect(dry.status).toBe(200);
    const statuses = Object.fromEntries(
      dry.body.diff.nodes.map((n: { node_id: string; status: string }) => [n.node_id, n.status]),
    );
    expect(statuses).toEqual({
      [b.input.node_id as string]: 'reused',
      [b.fast.node_id as string]: 'reused',
      [b.slow.node_id as string]: 'reused',
      [b.cross.node_id as string]: 'reused',
      [b.target.node_id as string]: 'new',
    });

    const outputsBefore = artifactCount('node-output');
    const submitted = await stack.api('POST', '/v1/strategies', submission(b.nodes, META));
    const idB: string = submitted.body.strategy_id;
    expect((await finished(idB)).body.status).toBe('completed');
    expect(artifactCount('node-output')).toBe(outputsBefore + 1);
    const run = await stack.api('GET', runPath(`run:${idB}:${WORLD}:backtest:1`));
    expect(run.body.nodes_reused).toBe(4);
    expect(
      run.body.nodes.filter((n: { reused: boolean }) => !n.reused).map((n: { node_id: string }) => n.node_id),
    ).toEqual([b.target.node_id]);
    await recordHistory(stack.client, `run:${idB}:${WORLD}:backtest:1`, 'backtest-shared-subgraph');
  });

  it('stops a strategy whose run waits for its input data: the run ends stopped, the backfill is left alone', async () => {
    const dag = smaCrossDag({ fast: 6, slow: 24, size: 1 });
    const start = Date.UTC(2025, 3, 1);
    const end = start + 30 * DAY_MS;
    // Hold the input's backfill for this window paused, so the run joins it and waits.
    const backfill = await stack.api('POST', '/v1/data/backfills', {
      node_id: dag.input.node_id,
      start,
      end,
    });
    expect(backfill.status).toBe(202);
    const backfillId: string = backfill.body.backfill_id;
    expect((await stack.api('POST', `/v1/data/backfills/${backfillId}/pause`)).status).toBe(202);

    const submitted = await stack.api(
      'POST',
      '/v1/strategies',
      submission(dag.nodes, { backtest: { start, end } }),
    );
    const id: string = submitted.body.strategy_id;
    const runId = `run:${id}:${WORLD}:backtest:1`;
    const waiting = await eventually(
      () => stack.api('GET', runPath(runId)),
      (r) => r.body?.progress?.status === 'data',
      60_000,
    );
    expect(waiting.body).toMatchObject({
      status: 'running',
      progress: { status: 'data', inputs_total: 1, inputs_ready: 0 },
    });

    expect((await stack.api('POST', `/v1/strategies/${id}/stop`, { reason: 'not needed' })).status).toBe(202);
    const stopped = await finished(id);
    expect(stopped.body).toMatchObject({ status: 'stopped', stop_reason: 'not needed' });
    expect((await stack.api('GET', runPath(runId))).body).toMatchObject({
      status: 'stopped',
      error: 'not needed',
    });
    expect((await stack.api('GET', `/v1/data/backfills/${backfillId}`)).body.status).toBe('running');
    expect((await stack.api('GET', `${runPath(runId)}/equity.svg`)).body.code).toBe('E_NOT_FOUND');

    await stack.api('POST', `/v1/data/backfills/${backfillId}/cancel`, { reason: 'test over' });
    await recordHistory(stack.client, `strategy:${id}`, 'stopped-while-backtesting');
    await recordHistory(stack.client, runId, 'stopped-waiting-for-data');
  });
});
