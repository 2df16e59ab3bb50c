import Decimal from 'decimal.js';
import {
  applyFill,
  applyOrderEvent,
  clientOrderId,
  IllegalOrderTransition,
  InvalidOrderError,
  isTerminal,
  newOrder,
  nextOrderState,
  ORDER_EVENTS,
  ORDER_STATES,
  OverfillError,
  type Fill,
  type Order,
  type OrderEvent,
  type OrderState,
} from '../../domain/execution';

// Written out independently of domain/execution/order-state.ts: SPEC §8 plus
// the documented decisions. 'RESUME' = back to the working state kept on the order.
const EXPECTED: ReadonlyArray<readonly [OrderState, OrderEvent, OrderState | 'RESUME']> = [
  ['PENDING_NEW', 'ACCEPTED', 'NEW'],
  ['PENDING_NEW', 'REJECTED', 'REJECTED'],
  ['NEW', 'PARTIAL_FILL', 'PARTIALLY_FILLED'],
  ['NEW', 'FILL', 'FILLED'],
  ['NEW', 'CANCELED', 'CANCELED'],
  ['NEW', 'EXPIRED', 'EXPIRED'],
  ['NEW', 'CANCEL_REQUESTED', 'PENDING_CANCEL'],
  ['NEW', 'REPLACE_REQUESTED', 'PENDING_REPLACE'],
  ['PARTIALLY_FILLED', 'PARTIAL_FILL', 'PARTIALLY_FILLED'],
  ['PARTIALLY_FILLED', 'FILL', 'FILLED'],
  ['PARTIALLY_FILLED', 'CANCELED', 'CANCELED'],
  ['PARTIALLY_FILLED', 'EXPIRED', 'EXPIRED'],
  ['PARTIALLY_FILLED', 'CANCEL_REQUESTED', 'PENDING_CANCEL'],
  ['PARTIALLY_FILLED', 'REPLACE_REQUESTED', 'PENDING_REPLACE'],
  ['PENDING_CANCEL', 'CANCELED', 'CANCELED'],
  ['PENDING_CANCEL', 'FILL', 'FILLED'],
  ['PENDING_CANCEL', 'PARTIAL_FILL', 'PENDING_CANCEL'],
  ['PENDING_CANCEL', 'EXPIRED', 'EXPIRED'],
  ['PENDING_CANCEL', 'CANCEL_REJECTED', 'RESUME'],
  ['PENDING_REPLACE', 'REPLACED', 'CANCELED'],
  ['PENDING_REPLACE', 'REPLACE_REJECTED', 'RESUME'],
  ['PENDING_REPLACE', 'FILL', 'FILLED'],
  ['PENDING_REPLACE', 'PARTIAL_FILL', 'PENDING_REPLACE'],
  ['PENDING_REPLACE', 'CANCELED', 'CANCELED'],
  ['PENDING_REPLACE', 'EXPIRED', 'EXPIRED'],
];

const expectedFor = (state: OrderState, event: OrderEvent) =>
  EXPECTED.find(([s, e]) => s === state && e === event)?.[2];

const pairs = ORDER_STATES.flatMap((state) => ORDER_EVENTS.map((event) => [state, event] as const));

describe('order state table', () => {
  it('covers the full cross product of 9 states × 11 events', () => {
    expect(pairs).toHaveLength(99);
  });

  it.each(pairs.filter(([s, e]) => expectedFor(s, e) !== undefined))('%s + %s is allowed', (state, event) => {
    const expected = expectedFor(state, event);
    for (const resume of ['NEW', 'PARTIALLY_FILLED'] as const) {
      expect(nextOrderState(state, event, resume)).toBe(expected === 'RESUME' ? resume : expected);
    }
  });

  it.each(pairs.filter(([s, e]) => expectedFor(s, e) === undefined))('%s + %s throws', (state, event) => {
    expect(() => nextOrderState(state, event, 'NEW')).toThrow(IllegalOrderTransition);
  });

  it('has exactly the four terminal states', () => {
    expect(ORDER_STATES.filter(isTerminal)).toEqual(['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED']);
  });
});

const fill = (tradeId: string, qty: string, price: string, ts = 1_000): Fill => ({
  tradeId,
  qty: new Decimal(qty),
  price: new Decimal(price),
  fee: new Decimal('0.01'),
  ts,
});

function applied(order: Order, next: Fill): Order {
  const outcome = applyFill(order, next);
  expect(outcome.kind).toBe('applied');
  return outcome.order;
}

const working = (): Order =>
  applyOrderEvent(
    newOrder({ id: 'o1', side: 'buy', type: 'limit', qty: '1', limitPrice: '100', tif: { kind: 'GTC' } }),
    'ACCEPTED',
  );

describe('order value', () => {
  it('averages fill prices in decimals', () => {
    let order = applied(working(), fill('t1', '0.1', '100.1'));
    order = applied(order, fill('t2', '0.2', '100.2'));
    expect(order.state).toBe('PARTIALLY_FILLED');
    expect(order.filledQty.toString()).toBe('0.3');
    // (0.1×100.1 + 0.2×100.2) / 0.3 = 30.05 / 0.3; float gives 100.16666666666667 via 0.30000000000000004.
    expect(order.avgPrice.toFixed(10)).toBe('100.1666666667');
    order = applied(order, fill('t3', '0.7', '100'));
    expect(order.state).toBe('FILLED');
    expect(order.avgPrice.toString()).toBe('100.05');
  });

  it('ignores a duplicate trade id', () => {
    const once = applied(working(), fill('t1', '0.4', '100'));
    const twice = applyFill(once, fill('t1', '0.4', '100'));
    expect(twice).toEqual({ kind: 'duplicate', order: once });
    expect(twice.order.filledQty.toString()).toBe('0.4');
  });

  it('throws OverfillError past the order qty and leaves the order as it was', () => {
    const order = applied(working(), fill('t1', '0.6', '100'));
    expect(() => applyFill(order, fill('t2', '0.5', '100'))).toThrow(OverfillError);
    expect(order.filledQty.toString()).toBe('0.6');
  });

  it('returns a late fill on a terminal order unchanged, for reconciliation', () => {
    const canceled = applyOrderEvent(working(), 'CANCELED');
    const late = fill('t9', '0.5', '99');
    const outcome = applyFill(canceled, late);
    expect(outcome).toEqual({
      kind: 'late',
      order: canceled,
      lateFill: { orderId: 'o1', state: 'CANCELED', fill: late },
    });
  });

  it('takes no fill before the venue accepted the order', () => {
    const pending = newOrder({ id: 'o1', side: 'buy', type: 'market', qty: '1', tif: { kind: 'IOC' } });
    expect(() => applyFill(pending, fill('t1', '1', '100'))).toThrow(IllegalOrderTransition);
  });

  it('resumes PARTIALLY_FILLED when a cancel is refused after a fill raced it', () => {
    let order = applyOrderEvent(working(), 'CANCEL_REQUESTED');
    expect(order.priorState).toBe('NEW');
    order = applied(order, fill('t1', '0.25', '100'));
    expect(order.state).toBe('PENDING_CANCEL');
    expect(order.priorState).toBe('PARTIALLY_FILLED');
    order = applyOrderEvent(order, 'CANCEL_REJECTED');
    expect(order).toMatchObject({ state: 'PARTIALLY_FILLED', priorState: null });
  });

  it('lets a fill win the race against a pending cancel', () => {
    const order = applied(applyOrderEvent(working(), 'CANCEL_REQUESTED'), fill('t1', '1', '100'));
    expect(order).toMatchObject({ state: 'FILLED', priorState: null });
  });

  it('replace: REPLACED cancels the parent, REPLACE_REJECTED resumes its working state', () => {
    const partial = applied(working(), fill('t1', '0.5', '100'));
    const pending = applyOrderEvent(partial, 'REPLACE_REQUESTED');
    expect(applyOrderEvent(pending, 'REPLACED').state).toBe('CANCELED');
    expect(applyOrderEvent(pending, 'REPLACE_REJECTED').state).toBe('PARTIALLY_FILLED');
  });

  it('refuses prices that do not match the order type', () => {
    const base = { id: 'o', side: 'sell', qty: '1', tif: { kind: 'GTC' } } as const;
    expect(() => newOrder({ ...base, type: 'limit' })).toThrow(InvalidOrderError);
    expect(() => newOrder({ ...base, type: 'market', limitPrice: '1' })).toThrow(InvalidOrderError);
    expect(() => newOrder({ ...base, type: 'stop_limit', limitPrice: '1' })).toThrow(InvalidOrderError);
    expect(() => newOrder({ ...base, type: 'limit', limitPrice: '1', qty: '0' })).toThrow(InvalidOrderError);
  });
});

describe('clientOrderId', () => {
  it('is deterministic, prefixed, within 36 chars of a venue-safe charset', () => {
    const id = clientOrderId('world-1', 'strat-a', 'intent-7', 0);
    expect(id).toBe(clientOrderId('world-1', 'strat-a', 'intent-7', 0));
    expect(id).toMatch(/^qmtl[0-9a-f]{32}$/);
    expect(id).toHaveLength(36);
  });

  it('is pinned: a changed derivation would give a retried submit a second order', () => {
    expect(clientOrderId('world-1', 'strat-a', 'intent-7', 0)).toBe('qmtlb3e521da15c2d18c13b795a3449c0dd5');
  });

  it('changes with every part, including the replace seq', () => {
    const ids = new Set([
      clientOrderId('w', 's', 'i', 0),
      clientOrderId('w', 's', 'i', 1),
      clientOrderId('w', 's', 'j', 0),
      clientOrderId('w', 't', 'i', 0),
      clientOrderId('v', 's', 'i', 0),
      clientOrderId('w|s', 'i', '', 0),
      clientOrderId('w', 's|i', '', 0),
    ]);
    expect(ids.size).toBe(7);
  });

  it('respects a shorter venue limit and refuses one too short to be safe', () => {
    expect(clientOrderId('w', 's', 'i', 0, 32)).toHaveLength(32);
    expect(clientOrderId('w', 's', 'i', 0, 32)).toBe(clientOrderId('w', 's', 'i', 0).slice(0, 32));
    expect(() => clientOrderId('w', 's', 'i', 0, 19)).toThrow(RangeError);
    expect(() => clientOrderId('w', 's', 'i', -1)).toThrow(RangeError);
  });
});
