import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluatePolicy, type EvaluateInput } from '../../domain/world/policy-engine';
import { parsePolicy, parsePolicyText, PolicyError } from '../../domain/world/policy';

// qmtl-sample.{yaml,json}: QMTL's docs/en/world/sample_policy.yml (hyophyop/qmtl), same values.
const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/policies', name), 'utf8');
const samplePolicy = () => parsePolicyText(fixture('qmtl-sample.yaml'));

/** Passes every limit of the sample's `backtest` profile with margin. */
const healthy = {
  effective_history_years: 3, // ≥ 2.0
  n_trades_total: 120, // ≥ 50
  max_drawdown: 0.1, // ≤ 0.25
  gain_to_pain_ratio: 1.5, // ≥ 1.0
  deflated_sharpe_ratio: 0.3, // ≥ 0.15
  adv_utilization_p95: 0.2, // ≤ 0.5
  participation_rate_p95: 0.1, // ≤ 0.4
};

/*
 * Six strategies, stage backtest → default_profile_by_stage.backtest_only →
 * profile "backtest" (sharpe ≥ 0.5, max_drawdown ≤ 0.25, dsr ≥ 0.15, ...).
 * Incumbents (previous): alpha, echo, foxtrot.
 */
const sixStrategies: EvaluateInput = {
  stage: 'backtest',
  previous: ['alpha', 'echo', 'foxtrot'],
  metrics: {
    foxtrot: { ...healthy, sharpe: 0.45, deflated_sharpe_ratio: Number.NaN },
    echo: { ...healthy, sharpe: 1.9, max_drawdown: 0.3 },
    delta: { ...healthy, sharpe: 0.55 },
    charlie: { ...healthy, sharpe: 0.55 },
    bravo: { ...healthy, sharpe: 0.57 },
    alpha: { ...healthy, sharpe: 0.59 },
  },
  correlations: [
    { a: 'alpha', b: 'bravo', rho: 0.85 },
    { a: 'charlie', b: 'bravo', rho: -0.95 },
    { a: 'alpha', b: 'charlie', rho: 0.3 },
    { a: 'alpha', b: 'delta', rho: 0.99 },
  ],
};

describe('evaluatePolicy on QMTL’s sample policy', () => {
  it('applies thresholds → top-3 → correlation 0.8 → hysteresis 0.6/0.4, as worked out by hand', () => {
    /*
     * 1. Thresholds (backtest profile):
     *    echo    max_drawdown 0.3 > 0.25 → THRESHOLD_MAX_DRAWDOWN (its sharpe 1.9 never ranks)
     *    foxtrot sharpe 0.45 < 0.5 → THRESHOLD_SHARPE (exit band 0.4 does not rescue it:
     *            thresholds come first); dsr NaN counts as missing → ..._MISSING
     *    alpha 0.59, bravo 0.57, charlie 0.55, delta 0.55 pass.
     * 2. Top-3 by sharpe desc: alpha 0.59, bravo 0.57, then charlie/delta tie at
     *    0.55 → id order → charlie; delta → NOT_IN_TOP_K (its ρ 0.99 with alpha is
     *    never looked at).
     * 3. Greedy correlation in rank order, |ρ| > 0.8 drops:
     *    alpha kept; bravo |0.85| > 0.8 with alpha → CORRELATED_WITH:alpha;
     *    charlie vs kept {alpha}: |0.3| ≤ 0.8 → kept (|−0.95| with bravo is
     *    irrelevant: bravo was dropped).
     * 4. Hysteresis (enter 0.6, exit 0.4):
     *    alpha incumbent, 0.4 ≤ 0.59 < 0.6 → HYSTERESIS_KEEP, selected;
     *    charlie newcomer, 0.55 < 0.6 → HYSTERESIS_BLOCK.
     *    Freed slots are not refilled (QMTL's order), so delta stays out.
     */
    const evaluation = evaluatePolicy(samplePolicy(), sixStrategies);
    expect(evaluation.profile).toBe('backtest');
    expect(evaluation.selected).toEqual(['alpha']);
    expect(evaluation.results).toEqual([
      { strategy_id: 'alpha', selected: true, reasons: ['HYSTERESIS_KEEP'], warnings: [] },
      { strategy_id: 'bravo', selected: false, reasons: ['CORRELATED_WITH:alpha'], warnings: [] },
      { strategy_id: 'charlie', selected: false, reasons: ['HYSTERESIS_BLOCK'], warnings: [] },
      { strategy_id: 'delta', selected: false, reasons: ['NOT_IN_TOP_K'], warnings: [] },
      { strategy_id: 'echo', selected: false, reasons: ['THRESHOLD_MAX_DRAWDOWN'], warnings: [] },
      {
        strategy_id: 'foxtrot',
        selected: false,
        reasons: ['THRESHOLD_SHARPE', 'THRESHOLD_DEFLATED_SHARPE_RATIO_MISSING'],
        warnings: [],
      },
    ]);
  });

  it('without incumbents alpha (0.59 < enter 0.6) is blocked too, and nothing is selected', () => {
    const evaluation = evaluatePolicy(samplePolicy(), { ...sixStrategies, previous: [] });
    expect(evaluation.selected).toEqual([]);
    expect(evaluation.results[0]).toEqual({
      strategy_id: 'alpha',
      selected: false,
      reasons: ['HYSTERESIS_BLOCK'],
      warnings: [],
    });
  });

  it('a newcomer at or above enter is selected; an incumbent below exit leaves', () => {
    const metrics = { hi: { ...healthy, sharpe: 0.6 }, lo: { ...healthy, sharpe: 0.45 } };
    // Hysteresis alone (no thresholds), so lo reaches the exit check at 0.45 < 0.5.
    const policy = parsePolicy({
      selection: { hysteresis: { metric: 'sharpe', enter: 0.6, exit: 0.5 } },
    });
    const evaluation = evaluatePolicy(policy, { metrics, previous: ['lo'] });
    expect(evaluation.selected).toEqual(['hi']);
    expect(evaluation.results.map((r) => r.reasons)).toEqual([['SELECTED'], ['HYSTERESIS_EXIT']]);
  });

  it('is deterministic: input key order and correlation pair order do not matter', () => {
    const reversed: EvaluateInput = {
      ...sixStrategies,
      metrics: Object.fromEntries(Object.entries(sixStrategies.metrics).reverse()),
      correlations: sixStrategies.correlations!.map(({ a, b, rho }) => ({ a: b, b: a, rho })),
    };
    expect(evaluatePolicy(samplePolicy(), reversed)).toEqual(evaluatePolicy(samplePolicy(), sixStrategies));
  });

  it('stage paper uses the stricter paper profile (sharpe ≥ 0.8, max_dd ≤ 0.2)', () => {
    const evaluation = evaluatePolicy(samplePolicy(), { ...sixStrategies, stage: 'paper' });
    expect(evaluation.profile).toBe('paper');
    expect(evaluation.selected).toEqual([]);
    expect(evaluation.results.find((r) => r.strategy_id === 'echo')?.reasons).toEqual([
      'THRESHOLD_MAX_DRAWDOWN',
    ]);
  });

  it('fails closed for a stage the policy has no profile for', () => {
    expect(() => evaluatePolicy(samplePolicy(), { ...sixStrategies, stage: 'live' })).toThrow(
      /default_profile_by_stage: no validation profile for stage "live"/,
    );
  });

  it('refuses contradicting correlation pairs', () => {
    const correlations = [
      { a: 'alpha', b: 'bravo', rho: 0.85 },
      { a: 'bravo', b: 'alpha', rho: 0.1 },
    ];
    expect(() => evaluatePolicy(samplePolicy(), { ...sixStrategies, correlations })).toThrow(/given twice/);
  });
});

describe('policy parsing', () => {
  it('JSON and YAML give the same policy and the same evaluation', () => {
    const fromYaml = parsePolicyText(fixture('qmtl-sample.yaml'));
    const fromJson = parsePolicyText(fixture('qmtl-sample.json'));
    expect(fromJson).toEqual(fromYaml);
    expect(parsePolicy(JSON.parse(fixture('qmtl-sample.json')))).toEqual(fromYaml);
    expect(evaluatePolicy(fromJson, sixStrategies)).toEqual(evaluatePolicy(fromYaml, sixStrategies));
  });

  it('accepts QMTL’s older flat sample', () => {
    const policy = parsePolicyText(fixture('qmtl-legacy-sample.yaml'));
    expect(policy.top_k).toEqual({ metric: 'sharpe', k: 3 });
    expect(policy.thresholds?.drawdown).toEqual({ metric: 'drawdown', max: 0.2 });
  });

  it.each([
    ['selection:\n  top_k: {metric: sharpe, k: 3, kk: 1}\n', 'selection.top_k.kk'],
    [
      'validation_profiles:\n  backtest:\n    performance: {sharpe_minimum: 0.5}\n',
      'validation_profiles.backtest.performance.sharpe_minimum',
    ],
    ['gates: {}\n', 'gates'],
    [
      'selection:\n  thresholds:\n    s: {metric: sharpe, min: 1, strict: true}\n',
      'selection.thresholds.s.strict',
    ],
  ])('refuses an unknown key and names its path: %j', (text, path) => {
    let error: unknown;
    try {
      parsePolicyText(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).issues).toEqual([{ path, message: 'unknown key' }]);
    expect((error as PolicyError).message).toContain(path);
  });

  it('refuses an unknown key in JSON too', () => {
    expect(() => parsePolicyText('{"selection": {"correlation": {"max": 0.8, "min": 0}}}')).toThrow(
      'selection.correlation.min: unknown key',
    );
  });

  it('refuses mixing the flat and selection forms, dangling stage mappings, and bad bands', () => {
    expect(() => parsePolicy({ top_k: { metric: 'sharpe', k: 1 }, selection: {} })).toThrow(
      'top_k: duplicates selection.top_k',
    );
    expect(() => parsePolicy({ default_profile_by_stage: { paper_only: 'paper' } })).toThrow(
      'default_profile_by_stage.paper_only: no validation profile "paper"',
    );
    expect(() =>
      parsePolicy({ selection: { hysteresis: { metric: 'sharpe', enter: 0.4, exit: 0.6 } } }),
    ).toThrow('selection.hysteresis.exit: exit must be <= enter');
  });

  it('refuses duplicate YAML keys and unparsable text', () => {
    expect(() => parsePolicyText('selection: {}\nselection: {}\n')).toThrow(PolicyError);
    expect(() => parsePolicyText('{"selection": ', 'json')).toThrow(/not valid json/);
  });
});
