/**
 * Node-set pipeline (SPEC §8): gate → size → risk → timing with exact decimal
 * quantities, a typed reason for every stop, and nothing run after a stop.
 * Base case: 10 000 equity, BTC at 20 000, lot 0.001, min qty 0.001, min
 * notional 10, weight 0.5, no position, crypto hours.
 */
import { CRYPTO_HOURS, NYSE_HOURS } from '../../domain/brokerage/hours';
import {
  canShort,
  riskLimitsSchema,
  runPipeline,
  type PipelineInput,
  type PipelineOutcome,
  type Signal,
} from '../../domain/execution/pipeline';
import { symbolPropertiesSchema } from '../../domain/execution/symbol';

const BTC = 'BTC/USDT';
const symbol = (over: Record<string, string> = {}) =>
  symbolPropertiesSchema.parse({
    symbol: BTC,
    minQty: '0.001',
    lotStep: '0.001',
    tickSize: '0.01',
    minNotional: '10',
    ...over,
  });
const targetPct = (percent: string): Signal => ({ symbol: BTC, kind: 'target_percent', percent });
const TS = Date.UTC(2026, 2, 4, 15, 0); // Wednesday 10:00 in New York

function input(over: Partial<PipelineInput> = {}, position?: string): PipelineInput {
  return {
    signal: targetPct('0.5'),
    activation: { active: true, frozen: false, draining: false, weight: '0.5' },
    killSwitchEngaged: false,
    portfolio: {
      equity: '10000',
      peakEquity: '10000',
      positions: position === undefined ? {} : { [BTC]: position },
      prices: { [BTC]: '20000' },
    },
    symbol: symbol(),
    limits: {},
    hours: CRYPTO_HOURS,
    ts: TS,
    ...over,
  };
}
const limits = (raw: unknown) => riskLimitsSchema.parse(raw);

/** [side, qty, reduceOnly] of a submitted intent, or the stop. */
function summary(outcome: PipelineOutcome) {
  return outcome.kind === 'submit'
    ? [outcome.intent.side, outcome.intent.qty, outcome.intent.reduceOnly]
    : [outcome.stage, outcome.reason, outcome.detail];
}

describe('size: signal × weight, delta to the lot toward zero', () => {
  it('target_percent 0.5 × weight 0.5 of 10 000 at 20 000 → buy 0.125, with the trail of every stage', () => {
    expect(runPipeline(input())).toEqual({
      kind: 'submit',
      intent: {
        symbol: BTC,
        side: 'buy',
        qty: '0.125',
        reduceOnly: false,
        trail: [
          { stage: 'gate', note: 'open, weight 0.5' },
          { stage: 'size', note: 'target_percent: 0 → 0.125' },
          { stage: 'timing', note: 'venue open' },
        ],
      },
    });
  });

  it('value and percent ORDER an amount on top of the position; target_percent holds one', () => {
    // value 1000 × 0.5 = 500 → 0.025 more on top of 0.1
    const value = input({ signal: { symbol: BTC, kind: 'value', value: '1000' } }, '0.1');
    expect(summary(runPipeline(value))).toEqual(['buy', '0.025', false]);
    // percent −0.3 × 0.5 × 10 000 = −1500 → −0.075 from 0.2 → 0.125: a pure reduction
    const percent = input({ signal: { symbol: BTC, kind: 'percent', percent: '-0.3' } }, '0.2');
    expect(summary(runPipeline(percent))).toEqual(['sell', '0.075', true]);
    // target 0.125 from 0.2 is the same reduction
    expect(summary(runPipeline(input({}, '0.2')))).toEqual(['sell', '0.075', true]);
  });

  it('rounds the delta toward zero in decimals: −0.1 stays −0.1, ±0.166665 → ±0.166', () => {
    expect(summary(runPipeline(input({ signal: targetPct('0') }, '0.1')))).toEqual(['sell', '0.1', true]);
    const weightOne = { active: true, frozen: false, draining: false, weight: '1' };
    // 0.33333 × 10 000 / 20 000 = 0.166665
    expect(summary(runPipeline(input({ signal: targetPct('0.33333'), activation: weightOne })))).toEqual([
      'buy',
      '0.166',
      false,
    ]);
    expect(summary(runPipeline(input({ signal: targetPct('-0.33333'), activation: weightOne })))).toEqual([
      'sell',
      '0.166',
      false,
    ]);
  });

  it('stops with NO_CHANGE, SIZE_BELOW_LOT, SIZE_BELOW_MIN_QTY, SIZE_BELOW_MIN_NOTIONAL, SIZE_NO_PRICE', () => {
    expect(summary(runPipeline(input({}, '0.125')))).toEqual(['size', 'NO_CHANGE', 'already at 0.125']);
    // 0.00001 × 0.5 × 10 000 / 20 000 = 0.0000025 BTC
    expect(summary(runPipeline(input({ signal: targetPct('0.00001') })))).toEqual([
      'size',
      'SIZE_BELOW_LOT',
      'delta 0.0000025 < lot 0.001',
    ]);
    // value 20 × 0.5 = 10 → 0.0005 BTC: on the 0.0001 lot, notional 10 = minimum, but below min qty 0.001
    const fineLot = input({
      signal: { symbol: BTC, kind: 'value', value: '20' },
      symbol: symbol({ lotStep: '0.0001' }),
    });
    expect(summary(runPipeline(fineLot))).toEqual(['size', 'SIZE_BELOW_MIN_QTY', 'qty 0.0005 < min 0.001']);
    // at 5 000: value 12 × 0.5 = 6 → 0.0012 → 0.001 on the lot → notional 5 < 10
    const cheap = input({ signal: { symbol: BTC, kind: 'value', value: '12' } });
    cheap.portfolio = { ...cheap.portfolio, prices: { [BTC]: '5000' } };
    expect(summary(runPipeline(cheap))).toEqual(['size', 'SIZE_BELOW_MIN_NOTIONAL', 'notional 5 < min 10']);
    const unpriced = input();
    unpriced.portfolio = { ...unpriced.portfolio, prices: {} };
    expect(summary(runPipeline(unpriced))).toEqual(['size', 'SIZE_NO_PRICE', `no positive price for ${BTC}`]);
  });
});

describe('reduce-only: only a shrinking position that does not cross zero', () => {
  it('a growing short is not reduce-only; a shrinking short is', () => {
    // −0.1 → −0.125: sell 0.025 adds to the short
    expect(summary(runPipeline(input({ signal: targetPct('-0.5') }, '-0.1')))).toEqual([
      'sell',
      '0.025',
      false,
    ]);
    // −0.2 → −0.125: buy 0.075 covers part of it
    expect(summary(runPipeline(input({ signal: targetPct('-0.5') }, '-0.2')))).toEqual([
      'buy',
      '0.075',
      true,
    ]);
  });

  it('a long → short flip is one order, not reduce-only; closing exactly to zero is reduce-only', () => {
    expect(summary(runPipeline(input({ signal: targetPct('-0.5') }, '0.1')))).toEqual([
      'sell',
      '0.225',
      false,
    ]);
    expect(summary(runPipeline(input({ signal: targetPct('0') }, '-0.3')))).toEqual(['buy', '0.3', true]);
  });
});

describe('gate: default-safe', () => {
  const activation = { active: true, frozen: false, draining: false, weight: '0.5' };
  it.each([
    ['GATE_NO_ACTIVATION', { activation: undefined }, 'no activation for this strategy'],
    ['GATE_INACTIVE', { activation: { ...activation, active: false } }, 'activation is not active'],
    ['GATE_FROZEN', { activation: { ...activation, frozen: true } }, 'activation is frozen'],
    ['GATE_DRAINING', { activation: { ...activation, draining: true } }, 'activation is draining'],
    ['GATE_ZERO_WEIGHT', { activation: { ...activation, weight: '0' } }, 'weight is 0'],
    [
      'GATE_INVALID_WEIGHT',
      { activation: { ...activation, weight: '1.5' } },
      'weight "1.5" is not in [0, 1]',
    ],
    [
      'GATE_INVALID_WEIGHT',
      { activation: { ...activation, weight: 'half' } },
      'weight "half" is not in [0, 1]',
    ],
    // The kill switch wins over everything, even a missing activation.
    ['GATE_KILL_SWITCH', { killSwitchEngaged: true, activation: undefined }, 'kill switch engaged'],
  ] as const)('%s', (reason, over, detail) => {
    expect(runPipeline(input(over as Partial<PipelineInput>))).toEqual({
      kind: 'rejected',
      stage: 'gate',
      reason,
      detail,
      trail: [],
    });
  });

  it('stops at the first failing stage: nothing after it runs', () => {
    // No price AND a closed venue: the size stop is reported, timing never ran.
    const closedUnpriced = input({ hours: NYSE_HOURS, ts: Date.UTC(2026, 2, 7, 15, 0) });
    closedUnpriced.portfolio = { ...closedUnpriced.portfolio, prices: {} };
    expect(runPipeline(closedUnpriced)).toMatchObject({
      stage: 'size',
      reason: 'SIZE_NO_PRICE',
      trail: [{ stage: 'gate', note: 'open, weight 0.5' }],
    });
  });
});

describe('risk: each limit clips or rejects, as configured', () => {
  const limited = (raw: unknown, over: Partial<PipelineInput> = {}, position?: string) =>
    summary(runPipeline(input({ limits: limits(raw), ...over }, position)));

  it('max position qty: clip 0.125 → 0.1 (and says so), reject names the breach', () => {
    const clipped = runPipeline(
      input({ limits: limits({ maxPositionQty: { limit: '0.1', mode: 'clip' } }) }),
    );
    expect(summary(clipped)).toEqual(['buy', '0.1', false]);
    expect(clipped.kind === 'submit' && clipped.intent.trail[2]).toEqual({
      stage: 'risk',
      note: 'RISK_MAX_POSITION clip (maxPositionQty): 0.125 → 0.1',
    });
    expect(limited({ maxPositionQty: { limit: '0.1', mode: 'reject' } })).toEqual([
      'risk',
      'RISK_MAX_POSITION',
      'maxPositionQty: |target| 0.125 > 0.1',
    ]);
  });

  it('max position value: 1234 / 20 000 = 0.0617 → 0.061 on the lot; reject', () => {
    expect(limited({ maxPositionValue: { limit: '1234', mode: 'clip' } })).toEqual(['buy', '0.061', false]);
    expect(limited({ maxPositionValue: { limit: '1234', mode: 'reject' } })).toEqual([
      'risk',
      'RISK_MAX_POSITION',
      'maxPositionValue: |target| 0.125 > 0.0617',
    ]);
  });

  it('max % of portfolio: 0.2 × 10 000 / 20 000 = 0.1; a short is bounded the same way', () => {
    expect(limited({ maxPortfolioPct: { limit: '0.2', mode: 'clip' } })).toEqual(['buy', '0.1', false]);
    expect(
      limited({ maxPortfolioPct: { limit: '0.2', mode: 'clip' } }, { signal: targetPct('-0.5') }),
    ).toEqual(['sell', '0.1', false]);
    expect(limited({ maxPortfolioPct: { limit: '0.2', mode: 'reject' } })).toEqual([
      'risk',
      'RISK_MAX_PORTFOLIO_PCT',
      'maxPortfolioPct: |target| 0.125 > 0.1',
    ]);
  });

  it('max gross leverage counts the other positions: 0.8 × 10 000 − 2 ETH × 3 000 = 2 000 → 0.1 BTC', () => {
    const withEth = (prices: Record<string, string>) => {
      const base = input({ limits: limits({ maxGrossLeverage: { limit: '0.8', mode: 'clip' } }) });
      return { ...base, portfolio: { ...base.portfolio, positions: { ETH: '-2' }, prices } };
    };
    expect(summary(runPipeline(withEth({ [BTC]: '20000', ETH: '3000' })))).toEqual(['buy', '0.1', false]);
    const rejecting = withEth({ [BTC]: '20000', ETH: '3000' });
    rejecting.limits = limits({ maxGrossLeverage: { limit: '0.8', mode: 'reject' } });
    expect(summary(runPipeline(rejecting))).toEqual([
      'risk',
      'RISK_LEVERAGE',
      'maxGrossLeverage: |target| 0.125 > 0.1',
    ]);
    // An unpriced position cannot be valued: default-safe stop.
    expect(summary(runPipeline(withEth({ [BTC]: '20000' })))).toEqual([
      'risk',
      'RISK_LEVERAGE',
      'a held position has no price to value it',
    ]);
  });

  it('a clip never turns a buy into a sell, and a reduction always passes', () => {
    // 0.15 held, limit 0.1, signal wants 0.2: clipping to 0.1 would SELL → stop
    const grow = { signal: targetPct('0.8') };
    expect(limited({ maxPositionQty: { limit: '0.1', mode: 'clip' } }, grow, '0.15')).toEqual([
      'risk',
      'RISK_MAX_POSITION',
      'maxPositionQty: |target| 0.2 > 0.1; clipping leaves no room',
    ]);
    // 0.3 held, signal 0.125: still over 0.1 but moving toward it → passes even in reject mode
    expect(limited({ maxPositionQty: { limit: '0.1', mode: 'reject' } }, {}, '0.3')).toEqual([
      'sell',
      '0.175',
      true,
    ]);
  });

  it('a clipped order below one lot stops at risk with the limit as its reason', () => {
    // 0.1 held (2 000), limit 2 005 → 0.10025: delta 0.00025 is below the 0.001 lot
    expect(limited({ maxPositionValue: { limit: '2005', mode: 'clip' } }, {}, '0.1')).toEqual([
      'risk',
      'RISK_MAX_POSITION',
      'maxPositionValue: |target| 0.125 > 0.10025; clipped order delta 0.00025 < lot 0.001',
    ]);
  });

  it('drawdown from peak (reject only): 12 500 → 10 000 is 0.2, stopping at a 0.2 limit, not at 0.25', () => {
    const fallen = (limit: string, position?: string, signal = targetPct('0.5')) => {
      const base = input({ signal, limits: limits({ maxDrawdown: { limit } }) }, position);
      return summary(runPipeline({ ...base, portfolio: { ...base.portfolio, peakEquity: '12500' } }));
    };
    expect(fallen('0.2')).toEqual(['risk', 'RISK_DRAWDOWN', 'drawdown 0.2 >= 0.2']);
    expect(fallen('0.25')).toEqual(['buy', '0.125', false]);
    // Cutting risk is always allowed in a drawdown.
    expect(fallen('0.1', '0.3')).toEqual(['sell', '0.175', true]);
    expect(() => limits({ maxDrawdown: { limit: '0.2', mode: 'clip' } })).toThrow();
  });

  it('every limit needs an explicit mode; unknown limits are refused', () => {
    expect(riskLimitsSchema.safeParse({ maxPositionQty: { limit: '1' } }).success).toBe(false);
    expect(riskLimitsSchema.safeParse({ maxPosition: { limit: '1', mode: 'clip' } }).success).toBe(false);
    expect(riskLimitsSchema.safeParse({ maxPositionQty: { limit: 1, mode: 'clip' } }).success).toBe(false);
  });
});

describe('timing: venue hours in the venue time zone', () => {
  it('rejects when the venue is closed and submits when it is open', () => {
    const saturday = Date.UTC(2026, 2, 7, 15, 0);
    expect(runPipeline(input({ hours: NYSE_HOURS, ts: saturday }))).toEqual({
      kind: 'rejected',
      stage: 'timing',
      reason: 'TIMING_VENUE_CLOSED',
      detail: 'venue closed at 2026-03-07T15:00:00.000Z',
      trail: [
        { stage: 'gate', note: 'open, weight 0.5' },
        { stage: 'size', note: 'target_percent: 0 → 0.125' },
      ],
    });
    // 14:29 UTC is 09:29 in New York (EST): one minute before the open
    expect(summary(runPipeline(input({ hours: NYSE_HOURS, ts: Date.UTC(2026, 2, 4, 14, 29) })))).toEqual([
      'timing',
      'TIMING_VENUE_CLOSED',
      'venue closed at 2026-03-04T14:29:00.000Z',
    ]);
    expect(summary(runPipeline(input({ hours: NYSE_HOURS })))).toEqual(['buy', '0.125', false]);
  });
});

describe('shortability: a spot symbol is never sold below zero', () => {
  const PERP = 'BTC/USDT:USDT';
  const spot = (over: Partial<PipelineInput>, position?: string) =>
    input({ shortable: canShort(BTC), ...over }, position);

  it('knows a spot symbol from a perpetual by its settle suffix', () => {
    expect(canShort(BTC)).toBe(false);
    expect(canShort(PERP)).toBe(true);
  });

  it('held 0.5, target −0.5: sells the 0.5 to flat, reduce-only, and says it clipped', () => {
    const outcome = runPipeline(spot({ signal: targetPct('-0.5') }, '0.5'));
    expect(summary(outcome)).toEqual(['sell', '0.5', true]);
    expect(outcome.kind === 'submit' && outcome.intent.trail).toContainEqual({
      stage: 'size',
      note: 'SHORT_NOT_ALLOWED clip: -0.125 → 0',
    });
  });

  it('held 0, target −0.5: nothing to send, with the reason', () => {
    expect(summary(runPipeline(spot({ signal: targetPct('-0.5') }, '0')))).toEqual([
      'size',
      'SHORT_NOT_ALLOWED',
      '-0.125 would be short; already at 0',
    ]);
    // No position at all reads the same; and a sell by amount is bounded the same way.
    expect(runPipeline(spot({ signal: targetPct('-0.5') }))).toMatchObject({ reason: 'SHORT_NOT_ALLOWED' });
    const value = spot({ signal: { symbol: BTC, kind: 'value', value: '-10000' } }, '0.1');
    expect(summary(runPipeline(value))).toEqual(['sell', '0.1', true]);
  });

  it('a long target on spot is untouched; a perpetual may go short', () => {
    expect(summary(runPipeline(spot({}, '0.1')))).toEqual(['buy', '0.025', false]);
    const perp = input({
      signal: { symbol: PERP, kind: 'target_percent', percent: '-0.5' },
      portfolio: {
        equity: '10000',
        peakEquity: '10000',
        positions: { [PERP]: '0.5' },
        prices: { [PERP]: '20000' },
      },
      symbol: symbol({ symbol: PERP }),
      shortable: canShort(PERP),
    });
    expect(summary(runPipeline(perp))).toEqual(['sell', '0.625', false]);
  });
});
