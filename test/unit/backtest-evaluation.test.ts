import {
  activeStrategies,
  backtestEvaluation,
  strategyDecision,
} from '../../domain/world/backtest-evaluation';
import type { ActivationEntry } from '../../domain/world/activation';
import { parsePolicy } from '../../domain/world/policy';
import { DEFAULT_WORLD_SETTINGS, type WorldSnapshot } from '../../workflows/world-messages';

const policy = parsePolicy({
  validation_profiles: { backtest: { performance: { sharpe_min: 0.5, max_dd_max: 0.25 } } },
  selection: { top_k: { metric: 'sharpe', k: 2 }, hysteresis: { metric: 'sharpe', enter: 0.8, exit: 0.6 } },
});

describe('backtestEvaluation', () => {
  it('scores the candidate with its peers at stage backtest and shapes the record the world keeps', () => {
    const run = backtestEvaluation({
      policy,
      policyVersion: 3,
      runId: 'run:s1:w:backtest:1',
      metrics: {
        s1: { sharpe: 0.7, max_drawdown: 0.1 }, // a newcomer below enter 0.8
        s2: { sharpe: 0.7, max_drawdown: 0.1 }, // incumbent, ≥ exit 0.6
        s3: { sharpe: 1.2, max_drawdown: 0.3 }, // drawdown above 0.25
        s4: { sharpe: 0.4 }, // sharpe below 0.5, drawdown missing
      },
      previous: ['s2', 's3'],
    });
    expect(run).toEqual({
      evaluation_run_id: 'backtest:run:s1:w:backtest:1',
      stage: 'backtest',
      policy_version: 3,
      profile: 'backtest',
      active: ['s2'],
      results: {
        s1: { status: 'inactive', reason_code: 'HYSTERESIS_BLOCK', reasons: ['HYSTERESIS_BLOCK'] },
        s2: { status: 'active', reason_code: 'HYSTERESIS_KEEP', reasons: ['HYSTERESIS_KEEP'] },
        s3: {
          status: 'inactive',
          reason_code: 'THRESHOLD_MAX_DRAWDOWN',
          reasons: ['THRESHOLD_MAX_DRAWDOWN'],
        },
        s4: {
          status: 'inactive',
          reason_code: 'THRESHOLD_SHARPE',
          reasons: ['THRESHOLD_SHARPE', 'THRESHOLD_MAX_DRAWDOWN_MISSING'],
        },
      },
      source: { kind: 'backtest', run_id: 'run:s1:w:backtest:1' },
    });
  });

  it('throws for a policy without a backtest profile (the activity records nothing then)', () => {
    const paperOnly = parsePolicy({ validation_profiles: { paper: { performance: { sharpe_min: 1 } } } });
    expect(() =>
      backtestEvaluation({
        policy: paperOnly,
        policyVersion: 1,
        runId: 'r',
        metrics: { a: {} },
        previous: [],
      }),
    ).toThrow('no validation profile for stage "backtest"');
  });
});

const NOW = Date.parse('2026-01-01T12:00:00Z');
const entry = (over: Partial<ActivationEntry>): ActivationEntry => ({
  strategy_id: 's1',
  side: 'long',
  active: true,
  weight: 0.5,
  freeze: false,
  drain: false,
  effective_mode: 'paper',
  etag: 1,
  run_id: 'manual:1',
  ts: '2026-01-01T11:00:00Z',
  ...over,
});
const snapshot = (entries: ActivationEntry[], over: Partial<WorldSnapshot> = {}): WorldSnapshot => ({
  world: {
    id: 'w',
    name: 'w',
    state: 'ACTIVE',
    allow_live: false,
    labels: {},
    owner: 'o',
    created_at: '2026-01-01T00:00:00Z',
  },
  settings: DEFAULT_WORLD_SETTINGS,
  etag: 1,
  audit_version: 1,
  bindings: [],
  activation: { etag: entries.length, entries },
  evaluations: [],
  promotions: {},
  ...over,
});

describe('activeStrategies', () => {
  it('lists each strategy with an active entry once, sorted', () => {
    const table = snapshot([
      entry({ strategy_id: 'b' }),
      entry({ strategy_id: 'b', side: 'short' }),
      entry({ strategy_id: 'a', active: false }),
      entry({ strategy_id: 'c', freeze: true }),
    ]).activation;
    expect(activeStrategies(table)).toEqual(['b', 'c']);
  });
});

describe('strategyDecision', () => {
  it('is compute-only with DECISION_MISSING in a world with no open entry', () => {
    expect(strategyDecision(snapshot([]), 's1', NOW)).toEqual({
      effective_mode: 'compute-only',
      reason: 'DECISION_MISSING',
    });
  });

  it('is compute-only with ACTIVATION_MISSING when only other strategies are open', () => {
    expect(strategyDecision(snapshot([entry({ strategy_id: 'other' })]), 's1', NOW)).toEqual({
      effective_mode: 'compute-only',
      reason: 'ACTIVATION_MISSING',
    });
  });

  it("follows the strategy's open entry: paper", () => {
    expect(strategyDecision(snapshot([entry({})]), 's1', NOW)).toEqual({
      effective_mode: 'paper',
      reason: 'OK',
    });
  });

  it('keeps a frozen strategy compute-only, naming the gate', () => {
    const s = snapshot([entry({ strategy_id: 'other' }), entry({ freeze: true })]);
    expect(strategyDecision(s, 's1', NOW)).toEqual({
      effective_mode: 'compute-only',
      reason: 'ACTIVATION_FROZEN',
    });
  });

  it('refuses live on a world without allow_live', () => {
    expect(strategyDecision(snapshot([entry({ effective_mode: 'live' })]), 's1', NOW)).toEqual({
      effective_mode: 'compute-only',
      reason: 'LIVE_NOT_ALLOWED',
    });
  });

  it('is compute-only in a suspended or deleted world whatever the table says', () => {
    const open = [entry({})];
    const base = snapshot(open);
    expect(
      strategyDecision({ ...base, world: { ...base.world, state: 'SUSPENDED' } }, 's1', NOW).reason,
    ).toBe('WORLD_SUSPENDED');
    expect(
      strategyDecision(snapshot(open, { deleted: { at: 'x', actor: 'a', reason: 'r' } }), 's1', NOW).reason,
    ).toBe('WORLD_DELETED');
  });
});
