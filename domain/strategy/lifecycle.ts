/**
 * The submission lifecycle of a strategy (SPEC §4) as one literal table:
 * every allowed (status, event) move is listed; anything else throws.
 */
export const STRATEGY_STATUSES = [
  'queued',
  'processing',
  'running',
  'completed',
  'failed',
  'stopped',
] as const;
export type StrategyStatus = (typeof STRATEGY_STATUSES)[number];

export const STRATEGY_EVENTS = ['accept', 'bound', 'finish', 'fail', 'stop'] as const;
export type StrategyEvent = (typeof STRATEGY_EVENTS)[number];

const TRANSITIONS: Readonly<Record<StrategyStatus, Partial<Record<StrategyEvent, StrategyStatus>>>> = {
  queued: { accept: 'processing', fail: 'failed', stop: 'stopped' },
  processing: { bound: 'running', fail: 'failed', stop: 'stopped' },
  running: { finish: 'completed', fail: 'failed', stop: 'stopped' },
  completed: {},
  failed: {},
  stopped: {},
};

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
  constructor(
    readonly status: string,
    readonly event: string,
  ) {
    super(`no transition from ${status} on ${event}`);
  }
}

export function nextStrategyStatus(status: StrategyStatus, event: StrategyEvent): StrategyStatus {
  const next = TRANSITIONS[status][event];
  if (next === undefined) throw new IllegalTransitionError(status, event);
  return next;
}

export function isTerminalStrategyStatus(status: StrategyStatus): boolean {
  return Object.keys(TRANSITIONS[status]).length === 0;
}
