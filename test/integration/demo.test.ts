/**
 * `qmtl demo` against the real stack: the first run creates the world `demo`
 * with examples/demo-policy.yaml as its default policy and submits the two
 * example strategies; the second creates nothing. The demo policy is loose
 * enough that both examples' week of simulated bars is selected, so the loop
 * goes on by itself to paper (promotion and activation checked here).
 */
import { built as rsiBuilt } from '../../examples/rsi-mean-reversion';
import { built as smaBuilt } from '../../examples/sma-crossover';
import type { CliTarget } from '../../sdk/cli/api';
import { runCli } from '../../sdk/cli/main';
import { loadConfig } from '../../workers/config';
import { strategyStatusQuery } from '../../workflows/strategy';
import { capturedIo } from '../support/captured-io';
import { eventually } from '../support/eventually';
import { bootStack, type Stack } from '../support/stack';

jest.setTimeout(180_000);

describe('qmtl demo', () => {
  let stack: Stack;
  const target = (): CliTarget => ({ url: stack.url, apiKey: stack.adminKey });
  const demo = async (...argv: string[]) => {
    const io = capturedIo();
    const code = await runCli(['demo', ...argv], target, io);
    return { code, out: io.stdout(), err: io.stderr() };
  };

  beforeAll(async () => {
    stack = await bootStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('seeds one world and two strategies however often it runs, and the loop reaches paper', async () => {
    const first = await demo('--ui', 'http://ui.test:8233', '--namespace', 'ns1');
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toContain(
      "demo world 'demo': created, policy examples/demo-policy.yaml set as its default\n" +
        `  sma-crossover: strategy ${smaBuilt.strategyId} (submitted)\n` +
        `  rsi-mean-reversion: strategy ${rsiBuilt.strategyId} (submitted)\n`,
    );
    expect(first.out).toContain(
      "http://ui.test:8233/namespaces/ns1/workflows?query=QmtlWorldId%20%3D%20'demo'",
    );
    expect(first.out).toContain(`${stack.url}/v1/worlds/demo/activation`);

    const second = await demo('--json');
    expect(second).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(second.out)).toEqual({
      world: 'existed',
      policy: 'existed',
      strategies: [
        { name: 'sma-crossover', strategy_id: smaBuilt.strategyId, outcome: 'already-submitted' },
        { name: 'rsi-mean-reversion', strategy_id: rsiBuilt.strategyId, outcome: 'already-submitted' },
      ],
    });

    const worlds = await stack.api('GET', '/v1/worlds');
    expect(worlds.body.worlds.map((w: { id: string }) => w.id)).toEqual(['demo']);
    const policies = await stack.api('GET', '/v1/worlds/demo/policies');
    expect(policies.body.default_version).toBe(1);
    expect(policies.body.versions).toHaveLength(1);
    const listed = await stack.api('GET', '/v1/strategies?world_id=demo');
    expect(listed.body.strategies.map((s: { strategy_id: string }) => s.strategy_id).sort()).toEqual(
      [smaBuilt.strategyId, rsiBuilt.strategyId].sort(),
    );

    // Both examples pass the demo policy and are promoted to paper by the world's default governance.
    for (const id of [smaBuilt.strategyId, rsiBuilt.strategyId]) {
      const handle = stack.client.workflow.getHandle(`strategy:${id}`);
      const state = await eventually(
        () => handle.query(strategyStatusQuery),
        (s) =>
          s.worlds?.[0]?.effective_mode === 'paper' || ['completed', 'failed', 'stopped'].includes(s.status),
        150_000,
      );
      expect(state.worlds).toMatchObject([
        { world_id: 'demo', selected: true, reason_code: 'SELECTED', effective_mode: 'paper' },
      ]);
      expect(state.promotions).toMatchObject([
        { world_id: 'demo', verdict: 'auto', apply: { phase: 'completed' } },
      ]);
    }
    const activation = await stack.api('GET', '/v1/worlds/demo/activation');
    const open = activation.body.entries.filter((e: { gate_open: boolean }) => e.gate_open);
    expect(
      open
        .map((e: { strategy_id: string; effective_mode: string }) => [e.strategy_id, e.effective_mode])
        .sort(),
    ).toEqual(
      [
        [rsiBuilt.strategyId, 'paper'],
        [rsiBuilt.strategyId, 'paper'],
        [smaBuilt.strategyId, 'paper'],
        [smaBuilt.strategyId, 'paper'],
      ].sort(),
    );
    // The second promotion shares the world equally: the first shrinks from 1 to 1/2 in the same apply.
    expect(open.map((e: { weight: number }) => e.weight).sort()).toEqual([0.5, 0.5, 0.5, 0.5]);
    const risk = await eventually(
      () => stack.api('GET', '/v1/risk-hub/worlds/demo/snapshots/latest'),
      (r) => Object.keys(r.body?.snapshot?.weights ?? {}).length === 2,
    );
    expect(Object.values(risk.body.snapshot.weights)).toEqual([0.5, 0.5]);
    for (const id of [smaBuilt.strategyId, rsiBuilt.strategyId])
      await stack.api('POST', `/v1/strategies/${id}/stop`, { reason: 'test over' });
  });

  it('is asked for by QMTL_DEMO=1 (or npm start -- --demo), and only then', () => {
    expect(loadConfig({}).demo).toBe(false);
    expect(loadConfig({ QMTL_DEMO: '1' }).demo).toBe(true);
    expect(loadConfig({ QMTL_DEMO: 'true' }).demo).toBe(true);
    expect(loadConfig({ QMTL_DEMO: '0' }).demo).toBe(false);
    expect(() => loadConfig({ QMTL_DEMO: 'yes' })).toThrow(/QMTL_DEMO/);
  });
});
