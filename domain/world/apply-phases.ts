/**
 * Two-phase apply (SPEC §9) as a literal transition table, so the apply
 * workflow cannot invent a path: requested → freezing → awaiting_acks (every
 * entry frozen) → switching → unfreezing → completed. Any failure before
 * completion goes rolling_back → rolled_back: the previous active set is
 * restored and the world stays frozen for an operator to inspect.
 */

export const APPLY_PHASES = [
  'requested',
  'freezing',
  'awaiting_acks',
  'switching',
  'unfreezing',
  'completed',
  'rolling_back',
  'rolled_back',
] as const;
export type ApplyPhase = (typeof APPLY_PHASES)[number];

export const APPLY_EVENTS = [
  /** The workflow starts freezing every plan entry. */
  'freeze_started',
  /** Every entry frozen; `requires_ack` events published with a per-run sequence. */
  'all_frozen',
  /** Every required acknowledgement arrived. */
  'all_acked',
  /** Acknowledgements did not all arrive in time. */
  'ack_timeout',
  /** The new active set is persisted. */
  'switched',
  /** The gates are reopened. */
  'unfrozen',
  /** An activity or validator failed. */
  'failed',
  /** The previous active set is back in place. */
  'restored',
] as const;
export type ApplyEvent = (typeof APPLY_EVENTS)[number];

/**
 * The whole protocol. A failure while unfreezing also rolls back: the new
 * set is persisted but not trading, and SPEC says a failed apply restores the
 * previous set rather than leaving a half-applied one.
 */
export const APPLY_TRANSITIONS: Readonly<
  Record<ApplyPhase, Readonly<Partial<Record<ApplyEvent, ApplyPhase>>>>
> = {
  requested: { freeze_started: 'freezing', failed: 'rolling_back' },
  freezing: { all_frozen: 'awaiting_acks', failed: 'rolling_back' },
  awaiting_acks: { all_acked: 'switching', ack_timeout: 'rolling_back', failed: 'rolling_back' },
  switching: { switched: 'unfreezing', failed: 'rolling_back' },
  unfreezing: { unfrozen: 'completed', failed: 'rolling_back' },
  // Restoring is retried by the workflow until it succeeds; there is no way out but forward.
  rolling_back: { restored: 'rolled_back' },
  completed: {},
  rolled_back: {},
};

export class ApplyTransitionError extends Error {
  constructor(
    readonly phase: ApplyPhase,
    readonly event: ApplyEvent,
  ) {
    super(`apply: event "${event}" is not allowed in phase "${phase}"`);
    this.name = 'ApplyTransitionError';
  }
}

/** Next phase, or throw: a transition outside the table is a bug, never a no-op. */
export function nextApplyPhase(phase: ApplyPhase, event: ApplyEvent): ApplyPhase {
  const next = APPLY_TRANSITIONS[phase][event];
  if (next === undefined) throw new ApplyTransitionError(phase, event);
  return next;
}

export function allowedApplyEvents(phase: ApplyPhase): ApplyEvent[] {
  return APPLY_EVENTS.filter((event) => APPLY_TRANSITIONS[phase][event] !== undefined);
}

export function isTerminalApplyPhase(phase: ApplyPhase): boolean {
  return phase === 'completed' || phase === 'rolled_back';
}

/**
 * Whether order gates of the plan's entries are held closed. From the first
 * freeze until unfreezing finishes, and after a rollback (stays frozen).
 */
export function isFrozenApplyPhase(phase: ApplyPhase): boolean {
  return phase !== 'requested' && phase !== 'completed';
}
