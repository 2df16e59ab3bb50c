/**
 * A finished backtest is evaluated by its worlds through the real stack: the
 * strategy workflow asks each world after its run completed, the world
 * records evaluation run `backtest:{run_id}` against its default policy, and
 * the strategy's status holds each world's result and decision (compute-only:
 * nothing activated it). A world without a policy records nothing.
 *
 * The policies bound effective_history_years, which is exact by construction:
 * one day of one-minute bars is 1440 · 60 000 ms / 365.25 days =
 * 0.0027378507… years. `min_effective_years: 0.0027` passes it; 0.00274 fails
 * it (it would need 0.00274 · 365.25 · 1440 = 1441.1 bars).
 */
import { smaCrossDag, MIN } from '../support/run-fixtures';
import { recordHistory } from '../support/histories';
import { bootStack, type Stack } from '../support/stack';
import { eventually } from '../support/eventually';
import { YEAR_MS } from '../../domain/backtest/metrics';
import { createWorldEvaluationActivities } from '../../activities/world-evaluation';
import { strategyStatusQuery } from '../../workflows/strategy';
import { worldSnapshotQuery } from '../../workflows/world-messages';

jest.setTimeout(120_000);

const PASS = 'eval-pass';
const FAIL = 'eval-fail';
const BARE = 'eval-bare';
const META = { backtest: { start: '2025-03-01T00:00:00Z', end: '2025-03-02T00:00:00Z' }, fee_rate: 0.001 };
const sampleLimits = (minYears: number) => ({
  validation_profiles: { backtest: { sample: { min_effective_years: minYears, min_trades_total: 1 } } },
});

describe('backtests evaluated by their worlds', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await bootStack();
    for (const id of [PASS, FAIL, BARE])
      expect((await stack.api('POST', '/v1/worlds', { id })).status).toBe(201);
    for (const [id, minYears] of [
      [PASS, 0.0027],
      [FAIL, 0.00274],
    ] as const) {
      const added = await stack.api('POST', `/v1/worlds/${id}/policies`, { policy: sampleLimits(minYears) });
      expect(added).toMatchObject({ status: 201, body: { version: 1 } });
    }
    // Paper promotion waits for an operator here, so the selection is seen without activating anything
    // (the automatic path is test/integration/auto-promotion.test.ts).
    const manual = { settings: { governance: { paper: 'manual_approval' } } };
    expect((await stack.api('PUT', `/v1/worlds/${PASS}`, manual)).status).toBe(200);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('records each world’s evaluation of the finished run and keeps the strategy compute-only', async () => {
    const dag = smaCrossDag({ fast: 5, slow: 20, size: 1 });
    const submitted = await stack.api('POST', '/v1/strategies', {
      dag: { nodes: dag.nodes },
      world_ids: [PASS, FAIL, BARE],
      meta: META,
    });
    expect(submitted.status).toBe(202);
    const id: string = submitted.body.strategy_id;
    const done = await eventually(
      () => stack.api('GET', `/v1/strategies/${id}`),
      (r) => ['completed', 'failed', 'stopped'].includes(r.body?.status),
      90_000,
    );
    expect(done.body.status).toBe('completed');

    const runId = (world: string) => `run:${id}:${world}:backtest:1`;
    const run = await stack.store.runs.get(runId(PASS));
    expect(run?.metrics.effective_history_years).toBe((1440 * MIN) / YEAR_MS);
    expect(run?.metrics.n_trades_total).toBeGreaterThanOrEqual(1);

    const state = await stack.client.workflow.getHandle(`strategy:${id}`).query(strategyStatusQuery);
    expect(state.worlds).toEqual([
      {
        world_id: PASS,
        run_id: runId(PASS),
        evaluation_run_id: `backtest:${runId(PASS)}`,
        selected: true,
        reason_code: 'SELECTED',
        effective_mode: 'compute-only',
        decision_reason: 'DECISION_MISSING',
      },
      {
        world_id: FAIL,
        run_id: runId(FAIL),
        evaluation_run_id: `backtest:${runId(FAIL)}`,
        selected: false,
        reason_code: 'THRESHOLD_EFFECTIVE_HISTORY_YEARS',
        effective_mode: 'compute-only',
        decision_reason: 'DECISION_MISSING',
      },
      {
        world_id: BARE,
        run_id: runId(BARE),
        not_evaluated: 'POLICY_MISSING',
        effective_mode: 'compute-only',
        decision_reason: 'DECISION_MISSING',
      },
    ]);
    expect(state.promotions).toEqual([
      { world_id: PASS, to_stage: 'paper', verdict: 'needs_approval', blockers: ['APPROVAL_REQUIRED'] },
    ]);
    // The Gateway's view of the bindings is unchanged: still compute-only.
    expect(done.body.bindings.map((b: { effective_mode: string }) => b.effective_mode)).toEqual([
      'compute-only',
      'compute-only',
      'compute-only',
    ]);

    const snapshot = (world: string) =>
      stack.client.workflow.getHandle(`world:${world}`).query(worldSnapshotQuery);
    const passed = await snapshot(PASS);
    expect(passed.evaluations).toEqual([
      {
        evaluation_run_id: `backtest:${runId(PASS)}`,
        at: expect.any(String),
        stage: 'backtest',
        policy_version: 1,
        profile: 'backtest',
        active: [id],
        results: { [id]: { status: 'active', reason_code: 'SELECTED', reasons: ['SELECTED'] } },
        source: { kind: 'backtest', run_id: runId(PASS) },
      },
    ]);
    // Recording an evaluation never activates anything.
    expect(passed.activation.entries).toEqual([]);
    const failed = await snapshot(FAIL);
    expect(failed.evaluations.map((e) => [e.evaluation_run_id, e.active, e.results[id]])).toEqual([
      [
        `backtest:${runId(FAIL)}`,
        [],
        {
          status: 'inactive',
          reason_code: 'THRESHOLD_EFFECTIVE_HISTORY_YEARS',
          reasons: ['THRESHOLD_EFFECTIVE_HISTORY_YEARS'],
        },
      ],
    ]);
    expect((await snapshot(BARE)).evaluations).toEqual([]);

    // A retried activity records once (same update id, and the world keeps one run per id).
    const activities = createWorldEvaluationActivities({ store: stack.store, client: stack.client });
    expect(
      await activities.evaluateBacktest({ world_id: PASS, strategy_id: id, run_id: runId(PASS) }),
    ).toEqual({
      evaluated: true,
      evaluation_run_id: `backtest:${runId(PASS)}`,
      policy_version: 1,
      selected: true,
      reason_code: 'SELECTED',
    });
    expect((await snapshot(PASS)).evaluations).toHaveLength(1);
    expect(
      await activities.evaluateBacktest({ world_id: BARE, strategy_id: id, run_id: runId(BARE) }),
    ).toEqual({
      evaluated: false,
      reason: 'POLICY_MISSING',
    });

    await recordHistory(stack.client, `strategy:${id}`, 'backtested-evaluated-by-worlds');
  });
});
