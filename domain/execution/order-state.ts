/**
 * The order lifecycle (SPEC §8) as one literal table `(state, event) → next
 * state`, after NautilusTrader: every allowed move is visible here and any
 * other pair throws `IllegalOrderTransition`. Pure: no I/O, no clock.
 */
export const ORDER_STATES = [
  'PENDING_NEW',
  'NEW',
  'PARTIALLY_FILLED',
  'FILLED',
  'PENDING_CANCEL',
  'PENDING_REPLACE',
  'CANCELED',
  'EXPIRED',
  'REJECTED',
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export const ORDER_EVENTS = [
  'ACCEPTED',
  'REJECTED',
  'PARTIAL_FILL',
  'FILL',
  'CANCEL_REQUESTED',
  'CANCELED',
  'CANCEL_REJECTED',
  'EXPIRED',
  'REPLACE_REQUESTED',
  'REPLACED',
  'REPLACE_REJECTED',
] as const;
export type OrderEvent = (typeof ORDER_EVENTS)[number];

/** The states a pending cancel/replace can fall back to when the venue refuses it. */
export type WorkingState = 'NEW' | 'PARTIALLY_FILLED';

/**
 * Table target meaning "back to the working state kept on the order": a
 * refused cancel/replace resumes where the order was, which the table alone
 * cannot know (NEW, or PARTIALLY_FILLED if a fill arrived meanwhile).
 */
export const RESUME = 'RESUME' as const;
type Target = OrderState | typeof RESUME;

export const TERMINAL_STATES: readonly OrderState[] = ['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED'];

/*
 * Decisions beyond SPEC §8's list (the venue is the source of truth, so a
 * venue fact arriving while our request is in flight must not throw):
 * - PARTIAL_FILL while PENDING_CANCEL/PENDING_REPLACE keeps the pending state;
 *   the fill is still booked on the order and the resume state becomes
 *   PARTIALLY_FILLED.
 * - FILL, CANCELED and EXPIRED win over a pending cancel/replace.
 * - A second cancel/replace request while one is pending throws: the workflow's
 *   update validator refuses it instead of stacking requests.
 * - PENDING_NEW takes no fills: the caller applies ACCEPTED first (a fill
 *   report implies acceptance), so every order passes through NEW.
 */
const TRANSITIONS: Readonly<Record<OrderState, Partial<Record<OrderEvent, Target>>>> = {
  PENDING_NEW: { ACCEPTED: 'NEW', REJECTED: 'REJECTED' },
  NEW: {
    PARTIAL_FILL: 'PARTIALLY_FILLED',
    FILL: 'FILLED',
    CANCELED: 'CANCELED',
    EXPIRED: 'EXPIRED',
    CANCEL_REQUESTED: 'PENDING_CANCEL',
    REPLACE_REQUESTED: 'PENDING_REPLACE',
  },
  PARTIALLY_FILLED: {
    PARTIAL_FILL: 'PARTIALLY_FILLED',
    FILL: 'FILLED',
    CANCELED: 'CANCELED',
    EXPIRED: 'EXPIRED',
    CANCEL_REQUESTED: 'PENDING_CANCEL',
    REPLACE_REQUESTED: 'PENDING_REPLACE',
  },
  PENDING_CANCEL: {
    CANCELED: 'CANCELED',
    FILL: 'FILLED',
    PARTIAL_FILL: 'PENDING_CANCEL',
    EXPIRED: 'EXPIRED',
    CANCEL_REJECTED: RESUME,
  },
  PENDING_REPLACE: {
    // The old order ends CANCELED; the caller creates the child with replaceSeq + 1.
    REPLACED: 'CANCELED',
    REPLACE_REJECTED: RESUME,
    FILL: 'FILLED',
    PARTIAL_FILL: 'PENDING_REPLACE',
    CANCELED: 'CANCELED',
    EXPIRED: 'EXPIRED',
  },
  FILLED: {},
  CANCELED: {},
  EXPIRED: {},
  REJECTED: {},
};

export class IllegalOrderTransition extends Error {
  override name = 'IllegalOrderTransition';
  constructor(
    readonly state: OrderState,
    readonly event: OrderEvent,
  ) {
    super(`order in ${state} cannot take ${event}`);
  }
}

export function isTerminal(state: OrderState): boolean {
  return TERMINAL_STATES.includes(state);
}

/**
 * Next state for `(state, event)`. `resume` is the working state the order
 * had before its pending cancel/replace; only the two *_REJECTED events read it.
 */
export function nextOrderState(state: OrderState, event: OrderEvent, resume: WorkingState): OrderState {
  const target = TRANSITIONS[state][event];
  if (target === undefined) throw new IllegalOrderTransition(state, event);
  return target === RESUME ? resume : target;
}
