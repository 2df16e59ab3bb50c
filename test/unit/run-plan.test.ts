/**
 * Planning a backtest run (pure): run ids, windows from meta or the default,
 * the order nodes run in, which node is traded, and the refusals that keep a
 * run from fetching data it cannot use.
 */
import { backtestResultFingerprint } from '../../activities/backtest';
import { parseBrokerageConfig } from '../../domain/brokerage/model';
import { planRun, type PlanNode, type RunPlan } from '../../domain/run/plan';
import { parseRunId, runIdOf } from '../../domain/run/run-id';
import {
  defaultBacktestWindow,
  MAX_RUN_BARS,
  pricingJson,
  runSettings,
  windowOf,
  type RunSettings,
} from '../../domain/run/window';

const MIN = 60_000;
const DAY = 86_400_000;
const S = 'a'.repeat(64);
const id = (c: string): string => 'blake3:' + c.repeat(64);
const NOW = Date.UTC(2025, 5, 10, 13, 37, 21);

const input = (c: string, source = 'ohlcv:sim:BTC/USDT:1m'): PlanNode => ({
  node_id: id(c),
  node_type: 'StreamInput',
  params: { source },
  dependencies: [],
});
const node = (c: string, node_type: string, params: unknown, ...deps: string[]): PlanNode => ({
  node_id: id(c),
  node_type,
  params,
  dependencies: deps.map(id),
});
const SMA_CROSS = [
  node('5', 'target_position', { size: 1 }, '4'),
  node('4', 'crossover', { mode: 'level' }, '2', '3'),
  node('3', 'sma', { window: 20 }, '1'),
  node('2', 'sma', { window: 5 }, '1'),
  input('1'),
];

/** fee_rate's brokerage, resolved: percent commission, no minimum, no add-ons, no slippage. */
const percent = (rate: string) => ({
  fee: { commission: { kind: 'percent', rate, minimum: '0' }, addOns: [] },
  fill: { slippage: [] },
});

const plan = (nodes: PlanNode[], meta: Record<string, unknown> = {}) =>
  planRun({ nodes, meta, worldId: 'crypto-majors', mode: 'backtest', startedAtMs: NOW });

describe('run ids', () => {
  it('reads and writes run:{strategy}:{world}:{mode}:{n}', () => {
    const ref = { strategyId: S, worldId: 'crypto-majors', mode: 'backtest' as const, n: 1 };
    const runId = runIdOf(ref);
    expect(runId).toBe(`run:${S}:crypto-majors:backtest:1`);
    expect(parseRunId(runId)).toEqual(ref);
    for (const bad of [
      `run:${S}:Crypto:backtest:1`,
      `run:${S}:w:sim:1`,
      `run:${S}:w:backtest:0`,
      `run:abc:w:live:1`,
    ]) {
      expect(parseRunId(bad)).toBeUndefined();
    }
    expect(() => runIdOf({ ...ref, n: 0 })).toThrow(RangeError);
  });
});

describe('run windows', () => {
  it('defaults to the 7 whole UTC days before the run started', () => {
    const dayStart = Date.UTC(2025, 5, 10);
    expect(defaultBacktestWindow(NOW, MIN)).toEqual({
      start: dayStart - 7 * DAY,
      end: dayStart - MIN,
      intervalMs: MIN,
    });
    expect(defaultBacktestWindow(NOW, 3_600_000).end).toBe(dayStart - 3_600_000);
  });

  it('turns meta.backtest [start, end) into inclusive bar opens, snapped inward and clipped to closed bars', () => {
    expect(windowOf({ start: 30_000, end: 10 * MIN }, MIN, NOW)).toEqual({
      start: MIN,
      end: 9 * MIN,
      intervalMs: MIN,
    });
    const lastClosed = Date.UTC(2025, 5, 10, 13, 36);
    expect(windowOf({ start: NOW - 10 * MIN, end: NOW + DAY }, MIN, NOW)).toMatchObject({ end: lastClosed });
    expect(windowOf({ start: 10, end: 20 }, MIN, NOW)).toEqual({
      error: expect.stringMatching(/no closed bar/),
    });
    expect(windowOf({ start: 0, end: (MAX_RUN_BARS + 1) * MIN }, MIN, NOW)).toEqual({
      error: expect.stringMatching(/at most/),
    });
  });

  it('reads ISO or epoch ms, fee_rate and initial_cash from meta, naming the key that is wrong', () => {
    const settings = runSettings(
      {
        backtest: { start: '2025-01-01', end: '2025-01-02T00:00:00Z' },
        fee_rate: 0.002,
        initial_cash: 5e4,
        note: 'x',
      },
      MIN,
      NOW,
    );
    expect(settings).toEqual({
      window: { start: Date.UTC(2025, 0, 1), end: Date.UTC(2025, 0, 2) - MIN, intervalMs: MIN },
      feeRate: 0.002,
      initialCash: 5e4,
      brokerage: percent('0.002'),
    });
    expect(runSettings({ fee_rate: 0.5 }, MIN, NOW)).toEqual({
      error: expect.stringMatching(/^meta\.fee_rate/),
    });
    expect(runSettings({ backtest: { start: 5, end: 1 } }, MIN, NOW)).toEqual({
      error: expect.stringMatching(/^meta\.backtest\.end/),
    });
    expect(runSettings({ backtest: { start: 'yesterday', end: 1 } }, MIN, NOW)).toMatchObject({
      error: expect.stringMatching(/^meta\.backtest\.start/),
    });
    expect(runSettings({}, MIN, NOW)).toMatchObject({
      feeRate: 0.001,
      initialCash: 10_000,
      brokerage: percent('0.001'),
    });
  });
});

describe('run brokerage settings (ADR 005)', () => {
  const brokerageOf = (meta: Record<string, unknown>) =>
    (runSettings(meta, MIN, NOW) as RunSettings).brokerage;

  it('resolves meta.brokerage to fixed-notation JSON that reads back to the same models', () => {
    const brokerage = brokerageOf({
      brokerage: {
        fee: { commission: { kind: 'maker_taker', makerRate: '0.0010', takerRate: 1e-8 } },
        fill: { slippage: [{ kind: 'constant', bps: 2 }, { kind: 'volume_share' }] },
        hours: { kind: 'continuous' },
      },
    });
    expect(brokerage).toEqual({
      fee: { commission: { kind: 'maker_taker', makerRate: '0.001', takerRate: '0.00000001' }, addOns: [] },
      fill: {
        slippage: [
          { kind: 'constant', bps: '2' },
          { kind: 'volume_share', priceImpact: '0.1', volumeLimit: '0.025' },
        ],
      },
    });
    expect(pricingJson(parseBrokerageConfig(brokerage))).toEqual(brokerage);
  });

  it('reads fee_rate as its brokerage form: both name the same backtest result', () => {
    const viaRate = brokerageOf({ fee_rate: 0.001 });
    const viaBrokerage = brokerageOf({
      brokerage: { fee: { commission: { kind: 'percent', rate: '0.001' } } },
    });
    expect(viaBrokerage).toEqual(viaRate);
    const request = { targetFingerprint: 't', priceFingerprint: 'p', initialCash: 10_000 };
    const fingerprint = backtestResultFingerprint({ ...request, brokerage: viaBrokerage });
    expect(backtestResultFingerprint({ ...request, feeRate: 0.001 })).toBe(fingerprint);
    expect(backtestResultFingerprint({ ...request })).toBe(fingerprint); // the default
    expect(backtestResultFingerprint({ ...request, feeRate: 0.002 })).not.toBe(fingerprint);
  });

  it('refuses unknown keys at any level, both settings at once, and what a backtest cannot honour', () => {
    const fee = { commission: { kind: 'percent', rate: '0.001' } };
    const error = (meta: Record<string, unknown>) => runSettings(meta, MIN, NOW);
    expect(error({ brokerage: { fee, extra: 1 } })).toEqual({
      error: 'meta.brokerage: Unrecognized key: "extra"',
    });
    expect(error({ brokerage: { fee: { commission: { ...fee.commission, rebate: '1' } } } })).toEqual({
      error: 'meta.brokerage.fee.commission: Unrecognized key: "rebate"',
    });
    expect(error({ brokerage: { fill: {} } })).toMatchObject({
      error: expect.stringMatching(/^meta\.brokerage\.fee/),
    });
    expect(error({ fee_rate: 0.001, brokerage: { fee } })).toEqual({
      error: 'meta.fee_rate: give fee_rate or brokerage, not both',
    });
    expect(error({ brokerage: { fee, fill: { volumeLimit: { maxVolumeShare: '0.1' } } } })).toEqual({
      error: 'meta.brokerage.fill.volumeLimit: a backtest has no bar volumes yet',
    });
    expect(
      error({ brokerage: { fee, fill: { slippage: [{ kind: 'constant', bps: '1' }, { kind: 'spread' }] } } }),
    ).toEqual({
      error: 'meta.brokerage.fill.slippage.1: a backtest has no quotes to measure a spread',
    });
  });
});

describe('planRun', () => {
  it('orders nodes after their dependencies, names the inputs and the traded node', () => {
    const p = plan(SMA_CROSS) as RunPlan;
    const order = p.steps.map((s) => s.nodeId);
    expect(order[0]).toBe(id('1'));
    expect(order.indexOf(id('4'))).toBeGreaterThan(Math.max(order.indexOf(id('2')), order.indexOf(id('3'))));
    expect(order[4]).toBe(id('5'));
    expect(p.steps.find((s) => s.nodeId === id('4'))?.dependencies).toEqual([id('2'), id('3')]);
    expect(p.inputs).toEqual([{ nodeId: id('1'), seriesId: 'ohlcv:sim:BTC/USDT:1m' }]);
    expect(p.target).toEqual({ nodeId: id('5'), priceNodeId: id('1') });
    expect(p.context).toEqual({
      worldId: 'crypto-majors',
      executionDomain: 'backtest',
      asOf: new Date(Date.UTC(2025, 5, 10)).toISOString(),
      partition: '',
    });
    expect(p.feeRate).toBe(0.001);
    expect(p.brokerage).toEqual(percent('0.001'));
  });

  it('trades a terminal signal when no target_position is terminal, and nothing when none is', () => {
    const signal = plan([input('1'), node('2', 'threshold_signal', { upper: 1, lower: -1 }, '1')]) as RunPlan;
    expect(signal.target).toEqual({ nodeId: id('2'), priceNodeId: id('1') });
    const indicator = plan([input('1'), node('2', 'sma', { window: 20 }, '1')]) as RunPlan;
    expect(indicator.target).toBeUndefined();
    expect(indicator.steps).toHaveLength(2);
  });

  it.each([
    [
      'two terminal targets',
      [...SMA_CROSS, node('6', 'target_position', { size: 0.5 }, '4')],
      /2 terminal target_position/,
    ],
    [
      'a target priced by two inputs',
      [input('1'), input('9', 'ohlcv:sim:ETH/USDT:1m'), node('4', 'crossover', { mode: 'level' }, '1', '9')],
      /reads 2 inputs/,
    ],
    ['inputs on different intervals', [input('1'), input('9', 'ohlcv:sim:BTC/USDT:1h')], /one bar interval/],
    ['no input at all', [node('2', 'sma', { window: 3 }, '1')], /no input/],
    ['bad params', [input('1'), node('2', 'sma', { window: 0 }, '1')], /invalid params for sma \(window:/],
    ['wrong arity', [input('1'), node('4', 'crossover', {}, '1')], /takes 2 input\(s\), has 1/],
    ['a TagQuery input', [{ ...input('1'), node_type: 'TagQueryNode' }], /TagQuery/],
    ['an unknown type', [input('1'), node('2', 'my_plugin', {}, '1')], /no computation/],
    ['a bad source', [input('1', 'ticks:sim:BTC')], /source is not/],
  ])('refuses %s', (_name, nodes, message) => {
    expect(plan(nodes as PlanNode[])).toEqual({ error: expect.stringMatching(message) });
  });
});

describe('paper settings (meta.paper)', () => {
  const paperPlan = (meta: Record<string, unknown>, mode: 'backtest' | 'paper' = 'paper') =>
    planRun({ nodes: SMA_CROSS, meta, worldId: 'crypto-majors', mode, startedAtMs: NOW });

  it('a paper run takes the author’s settings; a backtest ignores them', () => {
    const paper = { order: { type: 'limit', offset_bps: 2.5 }, order_poll_ms: 1000, bars_per_run: 50 };
    expect((paperPlan({ paper }) as RunPlan).paper).toEqual(paper);
    expect((paperPlan({ paper }, 'backtest') as RunPlan).paper).toBeUndefined();
    expect((paperPlan({}) as RunPlan).paper).toBeUndefined();
  });

  it('refuses settings nobody could have meant, naming the field', () => {
    expect(paperPlan({ paper: { order: { type: 'limit' } } })).toEqual({
      error: expect.stringMatching(/^meta\.paper: /),
    });
    expect((paperPlan({ paper: { order: { type: 'limit', offset_bps: -20 } } }) as RunPlan).paper).toEqual({
      order: { type: 'limit', offset_bps: -20 },
    });
    expect(paperPlan({ paper: { order: { type: 'limit', offset_bps: -1001 } } })).toHaveProperty('error');
    expect(paperPlan({ paper: { bars_per_run: 0 } })).toHaveProperty('error');
    expect(paperPlan({ paper: { slippage: 1 } })).toHaveProperty('error');
    expect(
      paperPlan({ paper: { risk_limits: { maxPositionQty: { limit: 1, mode: 'clip' } } } }),
    ).toHaveProperty('error');
  });
});
