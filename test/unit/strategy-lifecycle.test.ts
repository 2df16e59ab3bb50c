import {
  IllegalTransitionError,
  isTerminalStrategyStatus,
  nextStrategyStatus,
  STRATEGY_EVENTS,
  STRATEGY_STATUSES,
  type StrategyEvent,
  type StrategyStatus,
} from '../../domain/strategy/lifecycle';

const ALLOWED: Array<[StrategyStatus, StrategyEvent, StrategyStatus]> = [
  ['queued', 'accept', 'processing'],
  ['queued', 'fail', 'failed'],
  ['queued', 'stop', 'stopped'],
  ['processing', 'bound', 'running'],
  ['processing', 'fail', 'failed'],
  ['processing', 'stop', 'stopped'],
  ['running', 'finish', 'completed'],
  ['running', 'fail', 'failed'],
  ['running', 'stop', 'stopped'],
];

describe('strategy lifecycle table', () => {
  const pairs = STRATEGY_STATUSES.flatMap((s) => STRATEGY_EVENTS.map((e) => [s, e] as const));

  it.each(pairs)('%s on %s moves only where the table allows', (status, event) => {
    const allowed = ALLOWED.find(([s, e]) => s === status && e === event);
    if (allowed) expect(nextStrategyStatus(status, event)).toBe(allowed[2]);
    else expect(() => nextStrategyStatus(status, event)).toThrow(IllegalTransitionError);
  });

  it('knows the terminal statuses', () => {
    expect(STRATEGY_STATUSES.filter(isTerminalStrategyStatus)).toEqual(['completed', 'failed', 'stopped']);
  });
});
