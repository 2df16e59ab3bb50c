import {
  allowedApplyEvents,
  APPLY_EVENTS,
  APPLY_PHASES,
  ApplyTransitionError,
  isFrozenApplyPhase,
  isTerminalApplyPhase,
  nextApplyPhase,
  type ApplyEvent,
  type ApplyPhase,
} from '../../domain/world/apply-phases';

/** Written out again by hand so a silent edit of the table breaks this test. */
const EXPECTED: Record<string, ApplyPhase> = {
  'requested/freeze_started': 'freezing',
  'requested/failed': 'rolling_back',
  'freezing/all_frozen': 'awaiting_acks',
  'freezing/failed': 'rolling_back',
  'awaiting_acks/all_acked': 'switching',
  'awaiting_acks/ack_timeout': 'rolling_back',
  'awaiting_acks/failed': 'rolling_back',
  'switching/switched': 'unfreezing',
  'switching/failed': 'rolling_back',
  'unfreezing/unfrozen': 'completed',
  'unfreezing/failed': 'rolling_back',
  'rolling_back/restored': 'rolled_back',
};

const pairs: [ApplyPhase, ApplyEvent][] = APPLY_PHASES.flatMap((phase) =>
  APPLY_EVENTS.map((event): [ApplyPhase, ApplyEvent] => [phase, event]),
);

describe('two-phase apply transition table', () => {
  it('covers 8 phases × 8 events', () => {
    expect(pairs).toHaveLength(64);
  });

  it.each(pairs)('%s + %s', (phase, event) => {
    const expected = EXPECTED[`${phase}/${event}`];
    if (expected === undefined) {
      expect(() => nextApplyPhase(phase, event)).toThrow(ApplyTransitionError);
      expect(() => nextApplyPhase(phase, event)).toThrow(`"${event}" is not allowed in phase "${phase}"`);
    } else {
      expect(nextApplyPhase(phase, event)).toBe(expected);
    }
  });

  it('the happy path reaches completed', () => {
    const events: ApplyEvent[] = ['freeze_started', 'all_frozen', 'all_acked', 'switched', 'unfrozen'];
    expect(events.reduce(nextApplyPhase, 'requested' as ApplyPhase)).toBe('completed');
  });

  it('an ack timeout rolls back and the world stays frozen', () => {
    const events: ApplyEvent[] = ['freeze_started', 'all_frozen', 'ack_timeout', 'restored'];
    const end = events.reduce(nextApplyPhase, 'requested' as ApplyPhase);
    expect(end).toBe('rolled_back');
    expect(isFrozenApplyPhase(end)).toBe(true);
  });

  it('terminal phases allow no event; every other phase has a way forward', () => {
    for (const phase of APPLY_PHASES) {
      expect(allowedApplyEvents(phase).length === 0).toBe(isTerminalApplyPhase(phase));
    }
    expect(allowedApplyEvents('awaiting_acks')).toEqual(['all_acked', 'ack_timeout', 'failed']);
  });

  it('gates are frozen from freezing until completion', () => {
    expect(APPLY_PHASES.filter((phase) => !isFrozenApplyPhase(phase))).toEqual(['requested', 'completed']);
  });
});
