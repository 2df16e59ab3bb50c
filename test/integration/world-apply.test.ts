/**
 * Two-phase apply and promotions through the real stack (SPEC §9): the world
 * accepts one run at a time, the apply workflow freezes and waits for every
 * acknowledgement, then switches; the activation table and decide show the
 * plan. A promotion without blockers becomes an apply run by itself.
 */
import { eventually } from '../support/eventually';
import { bootStack, type ApiAnswer, type Stack } from '../support/stack';

jest.setTimeout(180_000);

const WORLD = 'apply-desk';
const PLAN = { activate: [{ strategy_id: 'alpha', weight: 0.4 }], deactivate: [] };

describe('world apply and promotions through the Gateway', () => {
  let stack: Stack;
  const apply = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    call('POST', `/v1/worlds/${WORLD}/apply`, body, headers);
  const status = (runId: string) => stack.api('GET', `/v1/worlds/${WORLD}/apply/${runId}`);
  const untilPhase = (runId: string, phase: string) =>
    eventually(
      () => status(runId),
      (r) => r.status === 200 && r.body.phase === phase,
      60_000,
    );
  const entries = async () =>
    (await stack.api('GET', `/v1/worlds/${WORLD}/activation`)).body.entries.map(
      (e: Record<string, unknown>) => [
        e.strategy_id,
        e.side,
        e.active,
        e.weight,
        e.effective_mode,
        e.freeze,
        e.gate_open,
      ],
    );
  const call = async (method: string, route: string, body: unknown, headers: Record<string, string>) => {
    const res = await fetch(`${stack.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json(), headers: res.headers } as ApiAnswer;
  };

  beforeAll(async () => {
    stack = await bootStack();
    expect((await stack.api('POST', '/v1/worlds', { id: WORLD })).status).toBe(201);
  });
  afterAll(() => stack.close());

  it('waits for every acknowledgement, then switches; one run at a time', async () => {
    const first = await apply({ run_id: 'run-1', plan: PLAN, ack_timeout_sec: 120 });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({
      run_id: 'run-1',
      phase: 'requested',
      status_url: `/v1/worlds/${WORLD}/apply/run-1`,
    });
    const waiting = await untilPhase('run-1', 'awaiting_acks');
    expect(waiting.body.acks).toEqual({ required: [1, 2], received: [] });
    // Frozen while it waits: a newcomer's gate stays closed (compute-only, inactive) until the switch.
    expect(await entries()).toEqual([
      ['alpha', 'long', false, 0, 'compute-only', true, false],
      ['alpha', 'short', false, 0, 'compute-only', true, false],
    ]);

    const other = await apply({ run_id: 'run-2', plan: PLAN });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({
      code: 'E_CONFLICT',
      reason: 'APPLY_IN_PROGRESS',
      current_run_id: 'run-1',
    });
    const same = await apply({ run_id: 'run-1', plan: PLAN, ack_timeout_sec: 120 });
    expect(same.status).toBe(202);
    expect(same.body.phase).toBe('awaiting_acks');
    const changed = await apply({
      run_id: 'run-1',
      plan: { activate: [{ strategy_id: 'alpha', weight: 0.9 }] },
    });
    expect(changed.status).toBe(409);

    for (const sequence of waiting.body.acks.required as number[]) {
      const ack = await stack.api('POST', `/v1/worlds/${WORLD}/apply/run-1/acks`, {
        sequence,
        consumer: 'test',
      });
      expect(ack).toMatchObject({ status: 202, body: { run_id: 'run-1', sequence } });
    }
    const done = await untilPhase('run-1', 'completed');
    expect(done.body.phases.map((p: { phase: string }) => p.phase)).toEqual([
      'requested',
      'freezing',
      'awaiting_acks',
      'switching',
      'unfreezing',
      'completed',
    ]);
    expect(done.body.acks).toEqual({ required: [1, 2], received: [1, 2] });
    expect(await entries()).toEqual([
      ['alpha', 'long', true, 0.4, 'paper', false, true],
      ['alpha', 'short', true, 0.4, 'paper', false, true],
    ]);
    const decided = await stack.api('GET', `/v1/worlds/${WORLD}/decide?as_of=${new Date().toISOString()}`);
    expect(decided.body).toMatchObject({ effective_mode: 'paper', reason: 'OK' });

    expect((await stack.api('POST', `/v1/worlds/${WORLD}/apply/nope/acks`, { sequence: 1 })).status).toBe(
      404,
    );
    expect((await stack.api('POST', `/v1/worlds/${WORLD}/apply/run-1/acks`, { sequence: 1 })).status).toBe(
      409,
    );
    expect((await status('nope')).status).toBe(404);
  });

  it('completes without waiting when acknowledgements are not required; live needs the guard', async () => {
    const off = await apply({ run_id: 'run-3', plan: { deactivate: ['alpha'] }, require_acks: false });
    expect(off.status).toBe(202);
    const done = await untilPhase('run-3', 'completed');
    expect(done.body.acks).toEqual({ required: [1, 2], received: [] });
    expect(await entries()).toEqual([
      ['alpha', 'long', false, 0, 'paper', false, false],
      ['alpha', 'short', false, 0, 'paper', false, false],
    ]);
    const live = await apply({ run_id: 'run-4', plan: PLAN, mode: 'live' }, { 'X-Allow-Live': 'true' });
    expect(live.status).toBe(403);
    expect(live.body.code).toBe('E_LIVE_NOT_ALLOWED');
  });

  it('promotes a selected strategy to paper by itself and names what blocks the rest', async () => {
    const evaluated = await stack.api('POST', `/v1/worlds/${WORLD}/evaluate`, {
      metrics: { beta: { sharpe: 2 }, gamma: { sharpe: 1 } },
      policy: { selection: { top_k: { metric: 'sharpe', k: 1 } } },
    });
    expect(evaluated.body.active).toEqual(['beta']);

    const promoted = await stack.api('POST', `/v1/worlds/${WORLD}/promotions`, {
      strategy_id: 'beta',
      to_stage: 'paper',
      require_acks: false,
    });
    expect(promoted.status).toBe(202);
    expect(promoted.body.blockers).toEqual([]);
    expect(promoted.body.promotion).toMatchObject({ stage: 'paper', pending: { status: 'approved' } });
    const runId: string = promoted.body.apply.run_id;
    expect(runId).toMatch(/^promote-beta-paper-\d+$/);
    await untilPhase(runId, 'completed');
    expect((await entries()).filter((e: unknown[]) => e[0] === 'beta')).toEqual([
      ['beta', 'long', true, 1, 'paper', false, true],
      ['beta', 'short', true, 1, 'paper', false, true],
    ]);

    const gamma = await stack.api('POST', `/v1/worlds/${WORLD}/promotions`, {
      strategy_id: 'gamma',
      to_stage: 'paper',
    });
    expect(gamma.status).toBe(200);
    expect(gamma.body.blockers).toEqual(['NOT_SELECTED']);
    const refused = await stack.api('POST', `/v1/worlds/${WORLD}/promotions/approve`, {
      strategy_id: 'gamma',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.blockers).toEqual(['NOT_SELECTED']);

    const live = await stack.api('POST', `/v1/worlds/${WORLD}/promotions`, {
      strategy_id: 'beta',
      to_stage: 'live',
    });
    expect(live.body.blockers).toEqual([
      'LIVE_NOT_ALLOWED',
      'COOLDOWN_ACTIVE',
      'RISK_SNAPSHOT_MISSING',
      'APPROVAL_REQUIRED',
    ]);
    const approve = await stack.api('POST', `/v1/worlds/${WORLD}/promotions/approve`, {
      strategy_id: 'beta',
    });
    expect(approve.status).toBe(409);
    expect(approve.body.blockers).toEqual(['LIVE_NOT_ALLOWED', 'COOLDOWN_ACTIVE', 'RISK_SNAPSHOT_MISSING']);
    const rejected = await stack.api('POST', `/v1/worlds/${WORLD}/promotions/reject`, {
      strategy_id: 'beta',
      reason: 'not yet',
    });
    expect(rejected.body.promotion).toMatchObject({
      stage: 'paper',
      pending: { status: 'rejected', reason: 'not yet' },
    });
    expect(
      (await stack.api('POST', `/v1/worlds/${WORLD}/promotions/reject`, { strategy_id: 'beta', reason: 'x' }))
        .status,
    ).toBe(404);
  });
});
