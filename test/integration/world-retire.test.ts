/**
 * Retiring a world while a strategy submitted to it is still at work (its
 * backtest running, or its evaluation, promotion and apply run in flight):
 * the world's workflow ends right after the retire — a forced DELETE or the
 * pre-WorldService `retire` signal — and whatever the strategy sends the world
 * afterwards (queries, evaluation and promotion updates, apply steps) is
 * refused without bringing the world back.
 */
import type { Client } from '@temporalio/client';
import { retireWorldSignal } from '../../workflows/world';
import { worldSnapshotQuery, worldWorkflowId } from '../../workflows/world-messages';
import { strategyStatusQuery } from '../../workflows/strategy';
import { eventually } from '../support/eventually';
import { smaCrossDag } from '../support/run-fixtures';
import { bootStack, type Stack } from '../support/stack';

jest.setTimeout(180_000);

// One day of minute bars passes this policy (see auto-promotion.test.ts), so the strategy is selected.
const META = { backtest: { start: '2025-03-01T00:00:00Z', end: '2025-03-02T00:00:00Z' }, fee_rate: 0.001 };
const POLICY = {
  validation_profiles: { backtest: { sample: { min_effective_years: 0.0027, min_trades_total: 1 } } },
};
/** Generous next to the second or so a retire takes; the slow case this guards against took minutes. */
const WORLD_ENDS_WITHIN_MS = 30_000;

async function endsWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ended within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every execution of the world's workflow id, newest first. */
async function worldRuns(client: Client, worldId: string) {
  const runs = [];
  const query = `WorkflowId = '${worldWorkflowId(worldId)}'`;
  for await (const run of client.workflow.list({ query })) runs.push(run);
  return runs;
}

describe('retiring a world while its strategy is at work', () => {
  let stack: Stack;
  const strategies: string[] = [];

  beforeAll(async () => {
    stack = await bootStack();
  });
  afterAll(async () => {
    if (!stack) return;
    // A strategy still waiting on an apply run holds the workers' shutdown: stop each and let it end first.
    for (const id of strategies) {
      await stack.api('POST', `/v1/strategies/${id}/stop`, {});
      const ended = stack.client.workflow.getHandle(`strategy:${id}`).result();
      await endsWithin(ended, 60_000).catch(() => undefined);
    }
    await stack.close();
  });

  async function worldWithStrategy(worldId: string, fast: number) {
    expect((await stack.api('POST', '/v1/worlds', { id: worldId })).status).toBe(201);
    const added = await stack.api('POST', `/v1/worlds/${worldId}/policies`, { policy: POLICY });
    expect(added.status).toBe(201);
    const submitted = await stack.api('POST', '/v1/strategies', {
      dag: { nodes: smaCrossDag({ fast, slow: 20, size: 1 }).nodes },
      world_ids: [worldId],
      meta: META,
    });
    expect(submitted.status).toBe(202);
    const strategyId: string = submitted.body.strategy_id;
    strategies.push(strategyId);
    return { world: stack.client.workflow.getHandle(worldWorkflowId(worldId)), strategyId };
  }

  /** The strategy is done with the world (its standing is in), and the world stayed ended: one run, completed. */
  async function expectStaysRetired(worldId: string, strategyId: string, runId: string) {
    const strategy = stack.client.workflow.getHandle(`strategy:${strategyId}`);
    const status = await eventually(
      () => strategy.query(strategyStatusQuery),
      (s) => s.worlds?.length === 1 || ['completed', 'failed', 'stopped'].includes(s.status),
      120_000,
    );
    expect(status.worlds?.[0]).toMatchObject({ world_id: worldId, effective_mode: 'compute-only' });
    // The strategy's promotion, if it got that far, is refused rather than applied.
    for (const p of status.promotions ?? []) expect(p.apply?.phase).not.toBe('completed');
    // A late write is refused as a deleted world's, and starts nothing.
    const late = await stack.api('PUT', `/v1/worlds/${worldId}/activation`, {
      strategy_id: strategyId,
      active: true,
      weight: 0.5,
      effective_mode: 'paper',
    });
    expect(late).toMatchObject({ status: 409, body: { reason: 'WORLD_DELETED' } });
    const runs = await worldRuns(stack.client, worldId);
    expect(runs.map((r) => [r.runId, r.status.name])).toEqual([[runId, 'COMPLETED']]);
    expect((await stack.api('GET', `/v1/worlds/${worldId}`)).body).toMatchObject({
      deleted: expect.anything(),
    });
  }

  it('ends the world on a forced DELETE while the backtest runs', async () => {
    const { world, strategyId } = await worldWithStrategy('retire-backtesting', 4);
    const { runId } = await world.describe();
    const deleted = await stack.api('DELETE', '/v1/worlds/retire-backtesting?force=true');
    expect(deleted.status).toBe(200);
    await expect(endsWithin(world.result(), WORLD_ENDS_WITHIN_MS)).resolves.toMatchObject({
      retired: expect.any(String),
    });
    await expectStaysRetired('retire-backtesting', strategyId, runId);
  });

  it('ends the world on the retire signal once it has recorded an evaluation of the strategy', async () => {
    const { world, strategyId } = await worldWithStrategy('retire-evaluated', 6);
    const { runId } = await world.describe();
    await eventually(
      () => world.query(worldSnapshotQuery),
      (s) => s.evaluations.length > 0,
      120_000,
    );
    await world.signal(retireWorldSignal, { reason: 'test over' });
    await expect(endsWithin(world.result(), WORLD_ENDS_WITHIN_MS)).resolves.toEqual({ retired: 'test over' });
    await expectStaysRetired('retire-evaluated', strategyId, runId);
  });
});
