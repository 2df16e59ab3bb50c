import {
  acceptsFillAt,
  applyFill,
  applyOrderEvent,
  Dec,
  expiryOf,
  newOrder,
  onMatch,
  utcCutoffAfter,
  type Order,
  type TimeInForce,
} from '../../domain/execution';

const accepted = (tif: TimeInForce, qty = '100', type: 'limit' | 'market' = 'limit'): Order =>
  applyOrderEvent(
    newOrder({ id: 'o1', side: 'buy', type, qty, ...(type === 'limit' && { limitPrice: '10' }), tif }),
    'ACCEPTED',
  );

/** Books what onMatch decided, the way the order workflow does, and checks both agree. */
function book(order: Order, available: string, tradeId: string): Order {
  const match = onMatch(order, available);
  let next = order;
  if (match.fillQty.gt(0)) {
    const outcome = applyFill(next, {
      tradeId,
      qty: match.fillQty,
      price: new Dec('10'),
      fee: new Dec(0),
      ts: 0,
    });
    next = outcome.order;
  }
  if (match.events.includes('EXPIRED')) next = applyOrderEvent(next, 'EXPIRED');
  expect(next.state).toBe(match.state);
  return next;
}

describe('onMatch', () => {
  it('IOC buy 100 with 30 available: 30 filled, remainder EXPIRED', () => {
    const match = onMatch(accepted({ kind: 'IOC' }), '30');
    expect(match.fillQty.toString()).toBe('30');
    expect(match.events).toEqual(['PARTIAL_FILL', 'EXPIRED']);
    expect(match.state).toBe('EXPIRED');
    expect(book(accepted({ kind: 'IOC' }), '30', 't1').filledQty.toString()).toBe('30');
  });

  it('IOC with enough available fills completely', () => {
    expect(onMatch(accepted({ kind: 'IOC' }), '250')).toMatchObject({ events: ['FILL'], state: 'FILLED' });
  });

  it('FOK with 30 of 100 available: 0 filled, EXPIRED', () => {
    const match = onMatch(accepted({ kind: 'FOK' }, '100', 'market'), '30');
    expect(match.fillQty.toString()).toBe('0');
    expect(match.events).toEqual(['EXPIRED']);
    expect(match.state).toBe('EXPIRED');
    const order = book(accepted({ kind: 'FOK' }, '100', 'market'), '30', 't1');
    expect(order.fills).toHaveLength(0);
  });

  it('FOK with exactly 100 available fills all 100', () => {
    expect(onMatch(accepted({ kind: 'FOK' }), '100')).toMatchObject({ events: ['FILL'], state: 'FILLED' });
  });

  it('GTC limit not crossed (nothing available) stays NEW', () => {
    const match = onMatch(accepted({ kind: 'GTC' }), '0');
    expect(match).toMatchObject({ events: [], state: 'NEW' });
    expect(match.fillQty.isZero()).toBe(true);
  });

  it('GTC partials 30/30/30/10 end FILLED at exactly 100', () => {
    let order = accepted({ kind: 'GTC' });
    const states = ['30', '30', '30', '10'].map((available, i) => {
      order = book(order, available, `t${i}`);
      return order.state;
    });
    expect(states).toEqual(['PARTIALLY_FILLED', 'PARTIALLY_FILLED', 'PARTIALLY_FILLED', 'FILLED']);
    expect(order.filledQty.toString()).toBe('100');
  });

  it('GTC never takes more than the remainder', () => {
    const order = book(accepted({ kind: 'GTC' }), '70', 't1');
    expect(onMatch(order, '500').fillQty.toString()).toBe('30');
  });

  it('refuses a negative available quantity', () => {
    expect(() => onMatch(accepted({ kind: 'GTC' }), '-1')).toThrow(RangeError);
  });
});

describe('expiry (GTD / DAY)', () => {
  const expireAt = Date.UTC(2025, 0, 2, 16, 0, 0);

  it('GTD: a fill at expire_at is accepted, at expire_at + 1 ms refused (inclusive bound)', () => {
    const order = accepted({ kind: 'GTD', expireAt });
    expect(acceptsFillAt(order, expireAt - 1)).toBe(true);
    expect(acceptsFillAt(order, expireAt)).toBe(true);
    expect(acceptsFillAt(order, expireAt + 1)).toBe(false);
  });

  it('DAY uses the session close given to it the same way', () => {
    const order = accepted({ kind: 'DAY', closeAt: expireAt });
    expect(expiryOf(order.tif)).toBe(expireAt);
    expect(acceptsFillAt(order, expireAt)).toBe(true);
    expect(acceptsFillAt(order, expireAt + 1)).toBe(false);
  });

  it('GTC, IOC and FOK have no time expiry', () => {
    for (const kind of ['GTC', 'IOC', 'FOK'] as const) {
      expect(expiryOf({ kind })).toBeNull();
      expect(acceptsFillAt({ tif: { kind } }, Number.MAX_SAFE_INTEGER)).toBe(true);
    }
  });

  it('crypto DAY close: next configured UTC cutoff strictly after submission', () => {
    const cutoff = 0; // 00:00 UTC
    expect(utcCutoffAfter(Date.UTC(2025, 0, 2, 13, 30), cutoff)).toBe(Date.UTC(2025, 0, 3));
    // Submitted exactly at the cutoff: belongs to the next day, never born expired.
    expect(utcCutoffAfter(Date.UTC(2025, 0, 3), cutoff)).toBe(Date.UTC(2025, 0, 4));
    // 21:00 UTC cutoff: before it today, after it tomorrow.
    expect(utcCutoffAfter(Date.UTC(2025, 0, 2, 20, 59), 21 * 60)).toBe(Date.UTC(2025, 0, 2, 21));
    expect(utcCutoffAfter(Date.UTC(2025, 0, 2, 21, 0, 0, 1), 21 * 60)).toBe(Date.UTC(2025, 0, 3, 21));
    expect(() => utcCutoffAfter(0, 1440)).toThrow(RangeError);
  });
});
