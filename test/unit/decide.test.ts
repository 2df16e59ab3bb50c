import {
  decide,
  type ActivationInput,
  type DecideInput,
  type DecisionInput,
} from '../../domain/world/decide';

const NOW = '2026-03-02T12:00:00Z';
const freshDecision = (over: Partial<DecisionInput> = {}): DecisionInput => ({
  as_of: '2026-03-02T11:59:00Z',
  valid_until: '2026-03-02T12:05:00Z',
  mode: 'live',
  ...over,
});
const freshActivation = (over: Partial<ActivationInput> = {}): ActivationInput => ({
  active: true,
  weight: 0.25,
  frozen: false,
  draining: false,
  updated_at: '2026-03-02T11:59:30Z',
  ttl: 60,
  ...over,
});
const input = (over: Partial<DecideInput> = {}): DecideInput => ({
  decision: freshDecision(),
  activation: freshActivation(),
  world: { allow_live: true },
  now: NOW,
  ...over,
});

describe('decide: decision rules', () => {
  it('a fresh live decision on a live world is live', () => {
    expect(decide(input())).toEqual({
      effective_mode: 'live',
      active: true,
      weight: 0.25,
      reason: 'OK',
      decision_reason: 'OK',
      activation_reason: 'OK',
    });
  });

  it('missing decision → compute-only', () => {
    expect(decide(input({ decision: undefined }))).toMatchObject({
      effective_mode: 'compute-only',
      reason: 'DECISION_MISSING',
    });
  });

  it.each([undefined, '', '2026-03-02', '2026-03-02T11:59:00', '1772452740000'])(
    'as_of %p is missing → compute-only (never guessed)',
    (as_of) => {
      expect(decide(input({ decision: freshDecision({ as_of }) }))).toMatchObject({
        effective_mode: 'compute-only',
        reason: 'DECISION_AS_OF_MISSING',
      });
    },
  );

  it('as_of after now → compute-only', () => {
    const decision = freshDecision({ as_of: '2026-03-02T12:00:01Z' });
    expect(decide(input({ decision })).reason).toBe('DECISION_FROM_FUTURE');
  });

  it('stale decision (now ≥ valid_until) → compute-only', () => {
    const decision = freshDecision({ valid_until: NOW });
    expect(decide(input({ decision }))).toMatchObject({
      effective_mode: 'compute-only',
      reason: 'DECISION_STALE',
    });
  });

  it('expiry from as_of + ttl when valid_until is absent', () => {
    const fresh = freshDecision({ valid_until: undefined, ttl: 61 });
    const stale = freshDecision({ valid_until: undefined, ttl: 60 });
    expect(decide(input({ decision: fresh })).effective_mode).toBe('live');
    expect(decide(input({ decision: stale })).reason).toBe('DECISION_STALE');
  });

  it.each([undefined, 0, -5, Number.NaN])('no usable expiry (ttl %p) → compute-only', (ttl) => {
    const decision = freshDecision({ valid_until: undefined, ttl });
    expect(decide(input({ decision })).reason).toBe('DECISION_EXPIRY_MISSING');
  });

  it('allow_live=false: a live request is compute-only with the reason, not paper', () => {
    expect(decide(input({ world: { allow_live: false } }))).toMatchObject({
      effective_mode: 'compute-only',
      reason: 'LIVE_NOT_ALLOWED',
    });
  });

  it('allow_live=false does not block paper', () => {
    const decision = freshDecision({ mode: 'paper' });
    expect(decide(input({ decision, world: { allow_live: false } }))).toMatchObject({
      effective_mode: 'paper',
      reason: 'OK',
    });
  });

  it.each(['validate', 'compute-only'] as const)('mode %s → compute-only', (mode) => {
    expect(decide(input({ decision: freshDecision({ mode }) }))).toMatchObject({
      effective_mode: 'compute-only',
      reason: 'DECISION_COMPUTE_ONLY',
    });
  });
});

describe('decide: activation rules', () => {
  it('missing activation → inactive, weight 0', () => {
    expect(decide(input({ activation: undefined }))).toMatchObject({
      effective_mode: 'live',
      active: false,
      weight: 0,
      reason: 'ACTIVATION_MISSING',
    });
  });

  it('stale activation reads active=false, weight=0', () => {
    const activation = freshActivation({ updated_at: '2026-03-02T11:59:00Z', ttl: 60 });
    expect(decide(input({ activation }))).toMatchObject({
      active: false,
      weight: 0,
      reason: 'ACTIVATION_STALE',
    });
  });

  it.each([
    ['unparseable updated_at', { updated_at: 'yesterday' }],
    ['updated_at in the future', { updated_at: '2026-03-02T12:00:01Z' }],
    ['zero ttl', { ttl: 0 }],
  ])('%s → stale', (_name, over) => {
    expect(decide(input({ activation: freshActivation(over) }))).toMatchObject({
      active: false,
      weight: 0,
      reason: 'ACTIVATION_STALE',
    });
  });

  it.each([-0.1, 1.1, Number.NaN])('weight %p outside [0, 1] → closed', (weight) => {
    expect(decide(input({ activation: freshActivation({ weight }) }))).toMatchObject({
      active: false,
      weight: 0,
      reason: 'ACTIVATION_INVALID',
    });
  });

  it('inactive → weight 0 even if a weight was stored', () => {
    expect(decide(input({ activation: freshActivation({ active: false }) }))).toMatchObject({
      active: false,
      weight: 0,
      reason: 'ACTIVATION_INACTIVE',
    });
  });

  it('freeze closes the gate even when active', () => {
    expect(decide(input({ activation: freshActivation({ frozen: true }) }))).toMatchObject({
      active: false,
      weight: 0,
      reason: 'ACTIVATION_FROZEN',
    });
  });

  it('drain closes the gate even when active', () => {
    expect(decide(input({ activation: freshActivation({ draining: true }) }))).toMatchObject({
      active: false,
      weight: 0,
      reason: 'ACTIVATION_DRAINING',
    });
  });
});

describe('decide: combining rules', () => {
  it('reports the decision reason first, and both reasons separately', () => {
    const result = decide(input({ decision: undefined, activation: freshActivation({ frozen: true }) }));
    expect(result).toMatchObject({
      effective_mode: 'compute-only',
      active: false,
      reason: 'DECISION_MISSING',
      decision_reason: 'DECISION_MISSING',
      activation_reason: 'ACTIVATION_FROZEN',
    });
  });

  it('nothing at all → compute-only, inactive, weight 0', () => {
    expect(decide({ world: { allow_live: true }, now: NOW })).toMatchObject({
      effective_mode: 'compute-only',
      active: false,
      weight: 0,
    });
  });

  it('refuses an unparseable "now" instead of guessing', () => {
    expect(() => decide(input({ now: '1772452800' }))).toThrow(RangeError);
  });
});
