import { LosslessNumber } from 'lossless-json';
import { BUILTIN_NODE_TYPES } from '../../domain/dag/node-types';
import { sma } from '../../domain/nodes/indicators';
import {
  COMPUTE_NODE_TYPES,
  computeNode,
  INPUT_NODE_TYPES,
  NODE_LIBRARY,
  NodeComputeError,
  nodeDefinition,
  type NodeDefinition,
  parseNodeParams,
} from '../../domain/nodes/library';
import { crossover, crossoverLevel, targetPosition, thresholdSignal } from '../../domain/nodes/signals';

const shown = (xs: ArrayLike<number>) => Array.from(xs, (v) => (Number.isNaN(v) ? null : v));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof NodeComputeError ? error.code : `not a NodeComputeError: ${String(error)}`;
  }
  return undefined;
}

describe('crossover', () => {
  // t:      0   1   2   3   4   5   6   7
  // fast:   1   2   3   3   2   1   1   2
  // slow:   2   2   2   3   3   3   1   1
  // diff:  −1   0  +1   0  −1  −2   0  +1
  // side:  −1  −1  +1  +1  −1  −1  −1  +1   (a tie keeps the last strict side)
  const FAST = [1, 2, 3, 3, 2, 1, 1, 2];
  const SLOW = [2, 2, 2, 3, 3, 3, 1, 1];

  it('event form: +1 on the bar fast crosses above, −1 below, 0 otherwise (a tie is not a cross)', () => {
    // t=2: −1 → +1 through the tie at t=1 counts once; t=4: +1 → −1 through the tie at t=3; t=7: −1 → +1
    expect(Array.from(crossover(FAST, SLOW))).toEqual([0, 0, 1, 0, -1, 0, 0, 1]);
  });

  it('level form: +1 while fast > slow, −1 while below, ties keep the side', () => {
    expect(Array.from(crossoverLevel(FAST, SLOW))).toEqual([-1, -1, 1, 1, -1, -1, -1, 1]);
    // no strict side yet → 0
    expect(Array.from(crossoverLevel([1, 1, 2], [1, 1, 1]))).toEqual([0, 0, 1]);
  });

  it('touching and bouncing back is not a cross; the first bar is never an event', () => {
    expect(Array.from(crossover([3, 2, 3], [2, 2, 2]))).toEqual([0, 0, 0]);
    expect(Array.from(crossover([3, 1], [2, 2]))).toEqual([0, -1]);
  });

  it('missing inputs give no value and keep the remembered side (a cross across a gap still fires)', () => {
    // t=0 below; t=1 slow missing; t=2 above → the cross is reported at t=2
    expect(shown(crossover([1, 5, 5], [2, null, 2]))).toEqual([0, null, 1]);
    expect(() => crossover([1, 2], [1])).toThrow(RangeError);
  });
});

describe('threshold_signal', () => {
  const X = [0.5, 2.5, 1.0, -2.5, 0.0, 2.0, null];

  it('+1 strictly above upper, −1 strictly below lower, else 0', () => {
    // 2.0 is not > 2 → 0
    expect(shown(thresholdSignal(X, { upper: 2, lower: -2 }))).toEqual([0, 1, 0, -1, 0, 0, null]);
  });

  it('with hold, keeps the previous signal between the bands', () => {
    expect(shown(thresholdSignal(X, { upper: 2, lower: -2, hold: true }))).toEqual([
      0,
      1,
      1,
      -1,
      -1,
      -1,
      null,
    ]);
  });

  it('refuses lower > upper', () => {
    expect(() => thresholdSignal(X, { upper: -1, lower: 1 })).toThrow(RangeError);
  });
});

describe('target_position', () => {
  it('is signal × size clamped to [−1, 1]; long-only floors at 0; no signal → no target', () => {
    // 1·0.5 = 0.5; −1·0.5 = −0.5; 0; 0.5·0.5 = 0.25; 3·0.5 = 1.5 → 1
    const signal = [1, -1, 0, 0.5, 3, NaN];
    expect(shown(targetPosition(signal, { size: 0.5 }))).toEqual([0.5, -0.5, 0, 0.25, 1, null]);
    expect(shown(targetPosition(signal, { size: 0.5, long_only: true }))).toEqual([0.5, 0, 0, 0.25, 1, null]);
    expect(Object.is(targetPosition([-1], { size: 1, long_only: true })[0], 0)).toBe(true); // not −0
  });

  it('refuses a size outside (0, 1]', () => {
    expect(() => targetPosition([1], { size: 0 })).toThrow(RangeError);
    expect(() => targetPosition([1], { size: 1.5 })).toThrow(RangeError);
  });
});

describe('NODE_LIBRARY', () => {
  it('covers exactly the fixed compute node types of SPEC §6; input nodes have no computation', () => {
    expect([...COMPUTE_NODE_TYPES].sort()).toEqual(
      [
        'crossover',
        'ema',
        'returns',
        'rsi',
        'sma',
        'target_position',
        'threshold_signal',
        'volatility',
        'zscore',
      ].sort(),
    );
    // …and agrees with the DAG Manager's catalog: every built-in is an input node or has a computation
    expect([...INPUT_NODE_TYPES, ...COMPUTE_NODE_TYPES].sort()).toEqual([...BUILTIN_NODE_TYPES].sort());
    for (const inputType of [...INPUT_NODE_TYPES, 'toString', '__proto__', 'constructor']) {
      expect(codeOf(() => nodeDefinition(inputType))).toBe('E_NODE_TYPE_UNKNOWN');
    }
  });

  it('computes a node from raw DAG params, validated strictly', () => {
    const closes = [100, 101, 102, 101, 103];
    expect(shown(computeNode('sma', [closes], { window: 3 }))).toEqual([null, null, 101, 304 / 3, 102]);
    expect(codeOf(() => computeNode('sma', [closes], { window: 3, extra: 1 }))).toBe('E_NODE_PARAMS');
    expect(codeOf(() => computeNode('sma', [closes], { window: 0 }))).toBe('E_NODE_PARAMS');
    expect(codeOf(() => computeNode('sma', [closes], {}))).toBe('E_NODE_PARAMS');
    expect(codeOf(() => computeNode('zscore', [closes], { window: 1 }))).toBe('E_NODE_PARAMS');
    expect(codeOf(() => computeNode('threshold_signal', [closes], { upper: 0, lower: 1 }))).toBe(
      'E_NODE_PARAMS',
    );
    expect(codeOf(() => computeNode('target_position', [closes], { size: 2 }))).toBe('E_NODE_PARAMS');
    expect(codeOf(() => computeNode('crossover', [closes], {}))).toBe('E_NODE_INPUTS');
    expect(codeOf(() => computeNode('crossover', [closes, [1]], {}))).toBe('E_NODE_INPUTS');
  });

  it('accepts numbers parsed losslessly from the DAG JSON (window 3.0 is window 3)', () => {
    expect(parseNodeParams('sma', { window: new LosslessNumber('3.0') })).toEqual({ window: 3 });
    expect(
      parseNodeParams('volatility', { window: new LosslessNumber('20'), periods_per_year: 365 }),
    ).toEqual({
      window: 20,
      periods_per_year: 365,
    });
    expect(codeOf(() => parseNodeParams('sma', { window: new LosslessNumber('2.5') }))).toBe('E_NODE_PARAMS');
  });

  // A deterministic, gap-free series long enough for every window below.
  const series = Array.from({ length: 60 }, (_, t) => 100 + 10 * Math.sin(t / 3) + t / 10);
  const slow = sma(series, 10);
  const cases: Array<[string, unknown, Array<ArrayLike<number>>]> = [
    ['sma', { window: 5 }, [series]],
    ['ema', { window: 5 }, [series]],
    ['rsi', { window: 14 }, [series]],
    ['returns', {}, [series]],
    ['returns', { log: true }, [series]],
    ['zscore', { window: 20 }, [series]],
    ['volatility', { window: 20, periods_per_year: 365 }, [series]],
    ['crossover', {}, [series, slow]],
    ['crossover', { mode: 'level' }, [series, slow]],
    ['threshold_signal', { upper: 105, lower: 95, hold: true }, [series]],
    ['target_position', { size: 0.5 }, [series.map((x) => Math.sign(x - 100))]],
  ];

  it.each(cases)(
    '%s %j: warm-up = leading no-value bars; steps equal compute with JSON state',
    (type, raw, inputs) => {
      // Built-ins also compute bar by bar: the full entry, not the plugin-shaped ComputeDefinition.
      const definition = NODE_LIBRARY[type as keyof typeof NODE_LIBRARY] as NodeDefinition;
      const params = parseNodeParams(type, raw);
      const out = computeNode(type, inputs, raw);
      const warmup = definition.warmup(params);
      const firstValue = Array.from(out).findIndex((v) => !Number.isNaN(v));
      if (type === 'crossover')
        expect(firstValue).toBe(9); // from the slow input's own warm-up
      else expect(firstValue).toBe(warmup);

      const incremental = definition.incremental(params);
      let state = incremental.initial;
      const stepped = out.map((_, t) => {
        const next = incremental.step(
          JSON.parse(JSON.stringify(state)) as unknown,
          inputs.map((x) => x[t] ?? null),
        );
        state = next.state;
        return next.output;
      });
      expect(Array.from(stepped)).toEqual(Array.from(out));
    },
  );

  it('exposes typed params on each entry', () => {
    expect(NODE_LIBRARY.ema.compute([[100, 101, 102, 101, 103]], { window: 3 })[4]).toBe(102);
    expect(NODE_LIBRARY.rsi.inputs).toBe(1);
    expect(NODE_LIBRARY.crossover.inputs).toBe(2);
  });
});

describe('threshold_signal direction', () => {
  it('reversion flips the side: buy below lower, sell above upper', () => {
    // x:            50  20  80  50
    // momentum:      0  -1  +1   0
    // reversion:     0  +1  -1   0
    const x = [50, 20, 80, 50];
    expect(Array.from(thresholdSignal(x, { lower: 30, upper: 70 }))).toEqual([0, -1, 1, 0]);
    expect(Array.from(thresholdSignal(x, { lower: 30, upper: 70, direction: 'reversion' }))).toEqual([
      0, 1, -1, 0,
    ]);
  });
});
