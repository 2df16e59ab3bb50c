/**
 * The core loop by itself, through the real stack (issue #7): a strategy
 * submitted to two worlds is backtested in each; the world whose policy it
 * passes selects it, promotes it to paper under its default governance
 * (auto) with an apply run, opens its gate in paper mode and gets a risk
 * snapshot of its weights; the strategy then starts its paper run there. The
 * world whose policy it fails records the evaluation and nothing else.
 *
 * The thresholds are the ones strategy-world-evaluation.test.ts explains:
 * one day of minute bars is 0.0027378… years; 0.0027 passes, 0.00274 fails.
 */
import { putStrategy, smaCrossDag } from '../support/run-fixtures';
import { recordHistory } from '../support/histories';
import { bootStack, type Stack } from '../support/stack';
import { eventually } from '../support/eventually';
import { createPortfolioSnapshotActivities } from '../../activities/portfolio-snapshot';
import { createPromotionActivities } from '../../activities/promotion';
import type { BacktestResultBody } from '../../activities/backtest';
import { strategyStatusQuery, strategyWorkflow } from '../../workflows/strategy';

jest.setTimeout(120_000);

const AUTO = 'auto-pass';
const STRICT = 'auto-fail';
const META = { backtest: { start: '2025-03-01T00:00:00Z', end: '2025-03-02T00:00:00Z' }, fee_rate: 0.001 };
const sampleLimits = (minYears: number) => ({
  validation_profiles: { backtest: { sample: { min_effective_years: minYears, min_trades_total: 1 } } },
});

/** Sample variance (ddof 1) of per-bar returns, written out independently of the code under test. */
function variance(equity: number[]): number {
  const r = equity.slice(1).map((e, i) => e / equity[i]! - 1);
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  return r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1);
}

describe('a selected strategy promoted to paper by itself', () => {
  let stack: Stack;
  let promotedId = '';

  beforeAll(async () => {
    stack = await bootStack();
    for (const [id, minYears] of [
      [AUTO, 0.0027],
      [STRICT, 0.00274],
    ] as const) {
      expect((await stack.api('POST', '/v1/worlds', { id })).status).toBe(201);
      const added = await stack.api('POST', `/v1/worlds/${id}/policies`, { policy: sampleLimits(minYears) });
      expect(added).toMatchObject({ status: 201, body: { version: 1 } });
    }
  });
  afterAll(async () => {
    await stack.close();
  });

  it('applies paper in the world that selected it, publishes its risk snapshot and starts its paper run', async () => {
    const submitted = await stack.api('POST', '/v1/strategies', {
      dag: { nodes: smaCrossDag({ fast: 5, slow: 20, size: 1 }).nodes },
      world_ids: [AUTO, STRICT],
      meta: META,
    });
    expect(submitted.status).toBe(202);
    const id: string = submitted.body.strategy_id;
    const handle = stack.client.workflow.getHandle(`strategy:${id}`);
    const paperRunId = `run:${id}:${AUTO}:paper:1`;
    const state = await eventually(
      () => handle.query(strategyStatusQuery),
      (s) =>
        s.runs?.some((r) => r.runId === paperRunId) === true || ['completed', 'failed'].includes(s.status),
      90_000,
    );

    const backtest = (world: string) => `run:${id}:${world}:backtest:1`;
    expect(state.worlds).toEqual([
      {
        world_id: AUTO,
        run_id: backtest(AUTO),
        evaluation_run_id: `backtest:${backtest(AUTO)}`,
        selected: true,
        reason_code: 'SELECTED',
        effective_mode: 'paper',
        decision_reason: 'OK',
      },
      {
        world_id: STRICT,
        run_id: backtest(STRICT),
        evaluation_run_id: `backtest:${backtest(STRICT)}`,
        selected: false,
        reason_code: 'THRESHOLD_EFFECTIVE_HISTORY_YEARS',
        effective_mode: 'compute-only',
        decision_reason: 'DECISION_MISSING',
      },
    ]);
    expect(state.promotions).toHaveLength(1);
    const [promotion] = state.promotions!;
    expect(promotion).toEqual({
      world_id: AUTO,
      to_stage: 'paper',
      verdict: 'auto',
      blockers: [],
      apply: { run_id: expect.stringMatching(/^promote-[0-9a-f]{64}-paper-\d+$/), phase: 'completed' },
    });
    expect(state.runs?.find((r) => r.runId === paperRunId)).toMatchObject({ worldId: AUTO, mode: 'paper' });

    // The world's side, through the Gateway.
    const applyRun = promotion!.apply!.run_id;
    const applied = await stack.api('GET', `/v1/worlds/${AUTO}/apply/${applyRun}`);
    expect(applied.body.phases.map((p: { phase: string }) => p.phase)).toEqual([
      'requested',
      'freezing',
      'awaiting_acks',
      'switching',
      'unfreezing',
      'completed',
    ]);
    // Both sides' freeze events are published; with require_acks false nobody is waited for.
    expect(applied.body.acks).toEqual({ required: [1, 2], received: [] });
    const activation = await stack.api('GET', `/v1/worlds/${AUTO}/activation`);
    expect(
      activation.body.entries.map((e: Record<string, unknown>) => [
        e.strategy_id,
        e.side,
        e.active,
        e.weight,
        e.effective_mode,
        e.run_id,
        e.gate_open,
      ]),
    ).toEqual([
      [id, 'long', true, 1, 'paper', applyRun, true],
      [id, 'short', true, 1, 'paper', applyRun, true],
    ]);
    const asOf = new Date().toISOString();
    const decide = async (world: string) =>
      (await stack.api('GET', `/v1/worlds/${world}/decide?strategy_id=${id}&as_of=${asOf}`)).body;
    expect(await decide(AUTO)).toMatchObject({ effective_mode: 'paper', execution_domain: 'dryrun' });
    expect(await decide(STRICT)).toMatchObject({
      effective_mode: 'compute-only',
      execution_domain: 'backtest',
    });
    expect((await stack.api('GET', `/v1/worlds/${STRICT}/activation`)).body.entries).toEqual([]);
    const world = await stack.api('GET', `/v1/worlds/${AUTO}/audit`);
    const requested = world.body.records.filter(
      (r: { action: string }) => r.action === 'promotion.requested',
    );
    expect(requested.map((r: { actor: string; detail: unknown }) => [r.actor, r.detail])).toEqual([
      [
        `strategy:${id}`,
        { strategy_id: id, to_stage: 'paper', blockers: [], status: 'approved', version: 4 },
      ],
    ]);

    // The Risk Signal Hub got the world's weights and the run's realised variance.
    const run = await stack.store.runs.get(backtest(AUTO));
    const artifact = await stack.store.artifacts.get(run!.resultFingerprint!);
    const { equity } = JSON.parse(artifact!.body) as BacktestResultBody;
    const risk = await stack.api('GET', `/v1/risk-hub/worlds/${AUTO}/snapshots/latest`);
    expect(risk.status).toBe(200);
    expect(risk.body).toMatchObject({ version: 1, actor: 'system', stage: 'paper', ttl_sec: 900 });
    expect(risk.body.snapshot.weights).toEqual({ [id]: 1 });
    expect(Object.keys(risk.body.snapshot.covariance)).toEqual([`${id},${id}`]);
    expect(risk.body.snapshot.covariance[`${id},${id}`]).toBeCloseTo(variance(equity), 15);
    expect((await stack.api('GET', `/v1/risk-hub/worlds/${STRICT}/snapshots/latest`)).status).toBe(404);

    // A retried proposal finds the promotion already made and waits on the same apply run.
    const again = await createPromotionActivities({
      store: stack.store,
      client: stack.client,
    }).proposePromotion({
      world_id: AUTO,
      strategy_id: id,
      to_stage: 'paper',
      run_id: backtest(AUTO),
    });
    expect(again).toEqual({ to_stage: 'paper', verdict: 'auto', blockers: [], apply: promotion!.apply });

    // Done with it: stop the strategy (and its paper run, if that is still trading) before recording.
    if ((await handle.query(strategyStatusQuery)).status === 'running')
      expect((await stack.api('POST', `/v1/strategies/${id}/stop`, {})).status).toBe(202);
    const ended = await eventually(
      () => handle.query(strategyStatusQuery),
      (s) => ['failed', 'stopped'].includes(s.status),
      60_000,
    );
    expect(['failed', 'stopped']).toContain(ended.status);
    await recordHistory(stack.client, `strategy:${id}`, 'selected-promoted-to-paper');
    promotedId = id;
  });

  it('republishes nothing after an allocation and its rebalance settle while the weights stand', async () => {
    const allocate = async (run_id: string, fraction: string, more: Record<string, unknown> = {}) => {
      const posted = await stack.api('POST', '/v1/allocations', {
        run_id,
        total_equity: '100000',
        world_allocations: { [AUTO]: fraction },
        ...more,
      });
      if (posted.status !== 202) return posted.body;
      const done = await eventually(
        () => stack.api('GET', `/v1/allocations/${run_id}`),
        (r) => r.body?.status !== 'running',
        90_000,
      );
      return done.body.result;
    };
    expect(await allocate('auto-1', '0.5')).toMatchObject({ status: 'completed', executed: false });
    const position = {
      world_id: AUTO,
      strategy_id: promotedId,
      symbol: 'BTC/USDT',
      qty: '0.01',
      mark: '60000',
      venue: 'sim',
    };
    const executed = await allocate('auto-2', '0.75', {
      positions: [position],
      execute: true,
      account: 'auto',
    });
    expect(executed).toMatchObject({ status: 'completed', executed: true });
    expect(executed.execution.orders).toMatchObject([{ status: 'FILLED', filled_qty: '0.005' }]);

    // Both settled workflows asked for a snapshot; the weights and returns are the promotion's, still fresh.
    const activities = async (workflowId: string) =>
      ((await stack.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [])
        .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
        .filter((name) => name === 'publishPortfolioSnapshot');
    expect(await activities('alloc:auto-1')).toEqual(['publishPortfolioSnapshot']);
    expect(await activities('alloc:auto-2')).toEqual(['publishPortfolioSnapshot']);
    expect(await activities('rebalance:auto-2')).toEqual(['publishPortfolioSnapshot']);
    const latest = await stack.store.riskSnapshots.latest(AUTO);
    expect(latest?.version).toBe(1);
    const hub = createPortfolioSnapshotActivities({ store: stack.store, client: stack.client });
    expect(await hub.publishPortfolioSnapshot({ world_id: AUTO })).toEqual({
      published: false,
      reason: 'UNCHANGED',
      version: 1,
    });
    expect(await hub.publishPortfolioSnapshot({ world_id: STRICT })).toEqual({
      published: false,
      reason: 'NO_WEIGHTS',
    });
    expect(await hub.publishPortfolioSnapshot({ world_id: 'nowhere' })).toEqual({
      published: false,
      reason: 'WORLD_NOT_FOUND',
    });
    await recordHistory(stack.client, 'alloc:auto-2', 'allocated-risk-snapshot-unchanged');
    await recordHistory(stack.client, 'rebalance:auto-2', 'one-sim-order-risk-snapshot-unchanged');
  });
  it('with auto_paper off, promotes but starts no paper run and completes', async () => {
    const world = 'auto-no-paper';
    expect((await stack.api('POST', '/v1/worlds', { id: world })).status).toBe(201);
    await stack.api('POST', `/v1/worlds/${world}/policies`, { policy: sampleLimits(0.0027) });
    const strategyId = await putStrategy(
      stack.store,
      smaCrossDag({ fast: 6, slow: 18, size: 1 }).nodes,
      META,
      [world],
    );
    const final = await stack.client.workflow.execute(strategyWorkflow, {
      workflowId: `strategy:${strategyId}`,
      taskQueue: 'qmtl-control',
      args: [{ strategyId, worldIds: [world], owner: 'key_test', submittedAt: 'now', auto_paper: false }],
    });
    expect(final.status).toBe('completed');
    expect(final.worlds?.map((w) => [w.selected, w.effective_mode])).toEqual([[true, 'paper']]);
    expect(final.promotions?.map((p) => [p.verdict, p.apply?.phase])).toEqual([['auto', 'completed']]);
    expect(final.runs?.map((r) => r.runId)).toEqual([`run:${strategyId}:${world}:backtest:1`]);
  });
});
