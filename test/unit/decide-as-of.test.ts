import { decideAsOf, type DecideAsOfInput } from '../../domain/world/decide';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const input = (over: Partial<DecideAsOfInput> = {}): DecideAsOfInput => ({
  decision: { mode: 'paper', made_at: '2026-03-02T11:00:00Z' },
  as_of: '2026-03-02T11:59:00Z',
  now: NOW,
  ttl_sec: 300,
  allow_live: false,
  ...over,
});

describe('decideAsOf: the decide endpoint, rule by rule', () => {
  it('a standing paper decision read fresh is paper', () => {
    expect(decideAsOf(input())).toEqual({ mode: 'paper', reason: 'OK' });
  });

  it('no decision → compute-only DECISION_MISSING', () => {
    expect(decideAsOf(input({ decision: undefined }))).toEqual({
      mode: 'compute-only',
      reason: 'DECISION_MISSING',
    });
  });

  it.each([undefined, '', '2026-03-02', '1772452740000'])('as_of %p → DECISION_AS_OF_MISSING', (as_of) => {
    expect(decideAsOf(input({ as_of }))).toEqual({ mode: 'compute-only', reason: 'DECISION_AS_OF_MISSING' });
  });

  it('as_of before the decision was made → DECISION_FROM_FUTURE; at the instant it is valid', () => {
    expect(decideAsOf(input({ as_of: '2026-03-02T10:59:59.999Z' })).reason).toBe('DECISION_FROM_FUTURE');
    expect(decideAsOf(input({ as_of: '2026-03-02T11:00:00Z', ttl_sec: 3600 })).reason).toBe('OK');
  });

  it('as_of older than now − ttl → DECISION_STALE; exactly now − ttl is still fresh', () => {
    expect(decideAsOf(input({ as_of: '2026-03-02T11:54:59.999Z' })).reason).toBe('DECISION_STALE');
    expect(decideAsOf(input({ as_of: '2026-03-02T11:55:00Z' })).reason).toBe('OK');
  });

  it('as_of at or after valid_until → DECISION_STALE', () => {
    const decision = {
      mode: 'paper' as const,
      made_at: '2026-03-02T11:00:00Z',
      valid_until: '2026-03-02T11:59:00Z',
    };
    expect(decideAsOf(input({ decision }))).toEqual({ mode: 'compute-only', reason: 'DECISION_STALE' });
    expect(decideAsOf(input({ decision, as_of: '2026-03-02T11:58:59Z' }))).toEqual({
      mode: 'paper',
      reason: 'OK',
    });
  });

  it('a non-positive ttl makes every read stale (fails closed)', () => {
    expect(decideAsOf(input({ ttl_sec: 0 })).reason).toBe('DECISION_STALE');
  });

  it('a compute-only decision stays compute-only', () => {
    const decision = { mode: 'compute-only' as const, made_at: '2026-03-02T11:00:00Z' };
    expect(decideAsOf(input({ decision }))).toEqual({
      mode: 'compute-only',
      reason: 'DECISION_COMPUTE_ONLY',
    });
  });

  it('live needs allow_live: LIVE_NOT_ALLOWED falls to compute-only, never paper', () => {
    const decision = { mode: 'live' as const, made_at: '2026-03-02T11:00:00Z' };
    expect(decideAsOf(input({ decision }))).toEqual({ mode: 'compute-only', reason: 'LIVE_NOT_ALLOWED' });
    expect(decideAsOf(input({ decision, allow_live: true }))).toEqual({ mode: 'live', reason: 'OK' });
  });

  it('checks rules in order: a stale read of a live decision on a paper world says stale', () => {
    const decision = { mode: 'live' as const, made_at: '2026-03-02T11:00:00Z' };
    expect(decideAsOf(input({ decision, as_of: '2026-03-02T11:00:01Z' })).reason).toBe('DECISION_STALE');
  });
});
