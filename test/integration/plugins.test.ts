/**
 * A node-type plugin end to end: with examples/plugins/momentum.ts registered
 * (QMTL_PLUGINS), the Gateway accepts a DAG naming it with its code hash and
 * the backtest computes it (momentum → threshold signal → target position),
 * completing with metrics; the same DAG with another code hash is refused.
 */
import { readSeries } from '../../activities/node-compute';
import { momentum } from '../../examples/plugins/momentum';
import { float, StrategyBuilder, submissionBody } from '../../sdk';
import { loadPlugins } from '../../workers/plugins';
import { retireWorldSignal } from '../../workflows/world';
import { bootStack, type Stack } from '../support/stack';
import { eventually } from '../support/eventually';

jest.setTimeout(120_000);

const PLUGIN = 'examples/plugins/momentum.ts';
const WORLD = 'plugin-world';
const DAY1 = Date.UTC(2025, 2, 1);
const META = { backtest: { start: '2025-03-01T00:00:00Z', end: '2025-03-02T00:00:00Z' } };

function momentumStrategy(codeHash: string) {
  const s = new StrategyBuilder({ name: 'momentum', meta: META });
  const price = s.input('ohlcv:sim:BTC/USDT:1m', { period: 100 });
  const change = s.custom({ nodeType: 'momentum', codeHash, params: { window: 10 }, period: 11 }, [price]);
  const side = s.node('threshold_signal', { upper: float(0.001), lower: float(-0.001) }, [change]);
  s.node('target_position', { size: float(0.5) }, [side]);
  return { built: s.build(), momentumId: change.nodeId };
}

describe('node-type plugins through the Gateway', () => {
  let stack: Stack;
  const [loaded] = loadPlugins([PLUGIN]);

  beforeAll(async () => {
    stack = await bootStack({ plugins: [PLUGIN] });
    expect((await stack.api('POST', '/v1/worlds', { id: WORLD })).status).toBe(201);
  });
  afterAll(async () => {
    const handle = stack.client.workflow.getHandle(`world:${WORLD}`);
    await handle.signal(retireWorldSignal, { reason: 'test over' });
    await handle.result();
    await stack.close();
  });

  it('runs a backtest computing the plugin node, completing with metrics', async () => {
    const { built, momentumId } = momentumStrategy(loaded!.codeHash);
    const submitted = await stack.api('POST', '/v1/strategies', submissionBody(built, [WORLD]));
    expect(submitted.status).toBe(202);
    const id = submitted.body.strategy_id;
    const done = await eventually(
      () => stack.api('GET', `/v1/strategies/${id}`),
      (r) => ['completed', 'failed', 'stopped'].includes(r.body?.status),
      60_000,
    );
    expect(done.body.status).toBe('completed');

    const runId = `run:${id}:${WORLD}:backtest:1`;
    const run = await stack.api('GET', `/v1/runs/${encodeURIComponent(runId)}?max_trades=1&max_points=2`);
    expect(run.body).toMatchObject({ status: 'completed', nodes_total: 4, nodes_reused: 0 });
    expect(Object.keys(run.body.metrics)).toEqual(expect.arrayContaining(['sharpe', 'total_return']));
    expect(run.body.metrics.n_trades_total).toBeGreaterThan(0);

    // The stored output is the plugin's computation over the stored closes.
    const node = run.body.nodes.find((n: { node_id: string }) => n.node_id === momentumId);
    const output = await readSeries(stack.store, node.fingerprint);
    const bars = await stack.store.bars.readBars('ohlcv:sim:BTC/USDT:1m', DAY1, DAY1 + 86_400_000);
    const expected = momentum.compute([bars.map((b) => b.close)], { window: 10 });
    expect(output.values).toEqual(Array.from(expected, (v) => (Number.isFinite(v) ? v : null)));
    expect((await stack.api('GET', `/v1/nodes/${momentumId}`)).body.code_hash).toBe(loaded!.codeHash);
  });

  it('refuses the plugin type under another code hash (stale or foreign code) as E_NODE_TYPE_UNKNOWN', async () => {
    const stale = `plugin:sha256:${'0'.repeat(64)}`;
    const answer = await stack.api(
      'POST',
      '/v1/strategies/dry-run',
      submissionBody(momentumStrategy(stale).built, [WORLD]),
    );
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body.code).toBe('E_NODE_TYPE_UNKNOWN');
    expect(answer.body.node_types).toEqual(['momentum']);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        code: 'unknown_node_type',
        message: `node type 'momentum' runs code_hash '${loaded!.codeHash}', not '${stale}'`,
      }),
    ]);
  });
});
