/**
 * Buying power with numbers worked by hand. Margin case: equity 100,000,
 * leverage 2, required free margin 5% → buffer 5,000, so initial margin may use
 * 95,000 → max notional 95,000 × 2 = 190,000 (1,900 shares at 100).
 */
import Decimal from 'decimal.js';
import {
  consumeReservation,
  createBuyingPowerModel,
  parseBuyingPowerConfig,
  release,
  reserve,
  splitOrder,
  type Account,
  type BuyingPowerResult,
  type OrderRequest,
} from '../../domain/brokerage/buying-power';
import { cashBalance } from '../../domain/brokerage/settlement';
import {
  alwaysShortable,
  neverShortable,
  staticShortable,
  type ShortabilityProvider,
} from '../../domain/brokerage/shortability';

const d = (v: Decimal.Value) => new Decimal(v);
const ts = Date.parse('2026-03-09T15:00:00Z');
const order = (
  side: 'buy' | 'sell',
  quantity: Decimal.Value,
  price: Decimal.Value,
  extra: Partial<OrderRequest> = {},
) =>
  ({
    orderId: 'o1',
    symbol: 'AAPL',
    side,
    quantity: d(quantity),
    price: d(price),
    ts,
    ...extra,
  }) as OrderRequest;
const account = (cash: Decimal.Value, positions: Record<string, Decimal.Value> = {}): Account => ({
  cash: cashBalance(cash),
  positions: Object.fromEntries(Object.entries(positions).map(([s, q]) => [s, d(q)])),
  reservations: [],
});
const reason = (r: BuyingPowerResult) => (r.ok ? 'OK' : r.reason);
const reservedCash = (r: BuyingPowerResult) => (r.ok ? r.reserve.cash.toString() : r.reason);
const marks = { AAPL: d(100) };

/** Fails the test if buying power asks about borrowing for a sell that only reduces a long. */
const mustNotBeAsked: ShortabilityProvider = {
  borrowable: () => {
    throw new Error('shortability consulted for a reducing sell');
  },
};

describe('cash account', () => {
  const cash = createBuyingPowerModel(parseBuyingPowerConfig({ kind: 'cash' }), neverShortable);

  it('buys up to settled cash minus reservations, fee included', () => {
    expect(reservedCash(cash.check(account('10000'), order('buy', 99, 100, { fee: d('1') }), marks))).toBe(
      '9901',
    );
    expect(reason(cash.check(account('10000'), order('buy', 100, 100, { fee: d('0.01') }), marks))).toBe(
      'INSUFFICIENT_BUYING_POWER',
    );
    const held = reserve(account('10000'), {
      orderId: 'o0',
      symbol: 'MSFT',
      side: 'buy',
      quantity: d(1),
      cash: d(4000),
    });
    expect(reason(cash.check(held, order('buy', 61, 100), marks))).toBe('INSUFFICIENT_BUYING_POWER');
    expect(reason(cash.check(held, order('buy', 60, 100), marks))).toBe('OK');
  });

  it('spends unsettled proceeds only when configured; unsettled debts always count', () => {
    const acct: Account = {
      ...account('0'),
      cash: cashBalance('1000', [
        { amount: d('5000'), settlesOn: '2026-03-10' },
        { amount: d('-600'), settlesOn: '2026-03-10' },
      ]),
    };
    const strict = createBuyingPowerModel(parseBuyingPowerConfig({ kind: 'cash' }), neverShortable);
    const loose = createBuyingPowerModel(
      parseBuyingPowerConfig({ kind: 'cash', useUnsettledCash: true }),
      neverShortable,
    );
    expect(reason(strict.check(acct, order('buy', 4, 100), marks))).toBe('OK'); // 1000 − 600 = 400
    expect(reason(strict.check(acct, order('buy', 5, 100), marks))).toBe('INSUFFICIENT_BUYING_POWER');
    expect(reason(loose.check(acct, order('buy', 54, 100), marks))).toBe('OK'); // 5400
    expect(reason(loose.check(acct, order('buy', 55, 100), marks))).toBe('INSUFFICIENT_BUYING_POWER');
  });

  it('a sell of held shares is not a short (SPEC §12), selling more is', () => {
    const acct = account('0', { AAPL: 100 });
    expect(reason(cash.check(acct, order('sell', 100, 100), marks))).toBe('OK');
    expect(reason(cash.check(acct, order('sell', 101, 100), marks))).toBe('SHORT_NOT_ALLOWED');
    expect(reason(cash.check(account('1e6'), order('sell', 1, 100), marks))).toBe('SHORT_NOT_ALLOWED');
  });

  it('two sells cannot both sell the same shares', () => {
    const first = cash.check(account('0', { AAPL: 100 }), order('sell', 70, 100), marks);
    if (!first.ok) throw new Error('first sell rejected');
    const acct = reserve(account('0', { AAPL: 100 }), first.reserve);
    expect(reason(cash.check(acct, order('sell', 30, 100, { orderId: 'o2' }), marks))).toBe('OK');
    expect(reason(cash.check(acct, order('sell', 31, 100, { orderId: 'o2' }), marks))).toBe(
      'SHORT_NOT_ALLOWED',
    );
  });

  it('rejects non-positive quantities and prices', () => {
    expect(reason(cash.check(account('100'), order('buy', 0, 100), marks))).toBe('INVALID_ORDER');
    expect(reason(cash.check(account('100'), order('buy', 1, -1), marks))).toBe('INVALID_ORDER');
  });
});

describe('margin account', () => {
  const margin = (shortability: ShortabilityProvider = alwaysShortable, extra = {}) =>
    createBuyingPowerModel(
      parseBuyingPowerConfig({ kind: 'margin', leverage: '2', requiredFreeMargin: '0.05', ...extra }),
      shortability,
    );

  it('equity 100,000, leverage 2, 5% free margin → max notional 190,000', () => {
    expect(reservedCash(margin().check(account('100000'), order('buy', 1900, 100), marks))).toBe('95000');
    expect(reason(margin().check(account('100000'), order('buy', 1901, 100), marks))).toBe(
      'INSUFFICIENT_BUYING_POWER',
    );
    // A 1.00 fee eats into the same buffer: 1,899 shares need 94,950 + 1 ≤ 95,000.
    expect(reason(margin().check(account('100000'), order('buy', 1900, 100, { fee: d(1) }), marks))).toBe(
      'INSUFFICIENT_BUYING_POWER',
    );
    expect(
      reservedCash(margin().check(account('100000'), order('buy', 1899, 100, { fee: d(1) }), marks)),
    ).toBe('94951');
  });

  it('existing leveraged long: value 100,000, cash −50,000, maintenance 25% → max new notional 45,000', () => {
    // PV = 50,000; used = 25,000; free = 25,000; buffer = 2,500 → initial ≤ 22,500 → notional ≤ 45,000.
    const acct = account('-50000', { AAPL: 1000 });
    const model = margin(alwaysShortable, { maintenanceMargin: '0.25' });
    expect(reason(model.check(acct, order('buy', 450, 100), marks))).toBe('OK');
    expect(reason(model.check(acct, order('buy', 451, 100), marks))).toBe('INSUFFICIENT_BUYING_POWER');
  });

  it('reservations count against free margin until released', () => {
    const first = margin().check(account('100000'), order('buy', 1000, 100), marks);
    if (!first.ok) throw new Error('first order rejected');
    const held = reserve(account('100000'), first.reserve);
    expect(reason(margin().check(held, order('buy', 901, 100, { orderId: 'o2' }), marks))).toBe(
      'INSUFFICIENT_BUYING_POWER',
    );
    expect(
      reason(margin().check(release(held, 'o1'), order('buy', 1900, 100, { orderId: 'o2' }), marks)),
    ).toBe('OK');
  });

  it('a sell that only reduces a long never asks about shorting (SPEC §12)', () => {
    const acct = account('-50000', { AAPL: 1000 });
    expect(reason(margin(mustNotBeAsked).check(acct, order('sell', 1000, 100), marks))).toBe('OK');
    expect(reservedCash(margin(mustNotBeAsked).check(acct, order('sell', 1000, 100), marks))).toBe('0');
  });

  it('the part of a sell beyond the long is a short, checked against borrow', () => {
    const acct = account('0', { AAPL: 100 });
    expect(splitOrder(acct, order('sell', 150, 100))).toEqual({ reducing: d(100), opening: d(50) });
    expect(reason(margin(neverShortable).check(acct, order('sell', 150, 100), marks))).toBe(
      'SHORT_NOT_ALLOWED',
    );
    const locate = (q: number) => staticShortable({ AAPL: d(q) });
    expect(reason(margin(locate(49)).check(acct, order('sell', 150, 100), marks))).toBe(
      'INSUFFICIENT_BORROW',
    );
    // Flip to −50 on 10,000 equity: frees 100×100×0.5 = 5,000, needs 50×100×0.5 = 2,500.
    expect(reservedCash(margin(locate(50)).check(acct, order('sell', 150, 100), marks))).toBe('2500');
  });

  it('a buy that covers a short is reducing; beyond it, opening', () => {
    const acct = account('20000', { AAPL: -100 });
    expect(splitOrder(acct, order('buy', 100, 100))).toEqual({ reducing: d(100), opening: d(0) });
    expect(splitOrder(acct, order('buy', 130, 100))).toEqual({ reducing: d(100), opening: d(30) });
  });

  it('needs a mark for every held symbol', () => {
    expect(reason(margin().check(account('1000', { MSFT: 1 }), order('buy', 1, 100), marks))).toBe(
      'MISSING_PRICE',
    );
  });

  it('config: leverage ≥ 1, free margin within [0, 1], unknown keys rejected', () => {
    expect(() => parseBuyingPowerConfig({ kind: 'margin', leverage: '0.5' })).toThrow();
    expect(() =>
      parseBuyingPowerConfig({ kind: 'margin', leverage: 2, requiredFreeMargin: '1.5' }),
    ).toThrow();
    expect(() => parseBuyingPowerConfig({ kind: 'cash', leverage: 2 })).toThrow();
  });
});

describe('reservations', () => {
  const r = { orderId: 'o1', symbol: 'AAPL', side: 'buy' as const, quantity: d(100), cash: d(10000) };

  it('reserve is idempotent per order and release is harmless twice', () => {
    const once = reserve(account('0'), r);
    expect(reserve(once, r)).toBe(once);
    expect(release(release(once, 'o1'), 'o1').reservations).toEqual([]);
  });

  it('a retried check returns the reservation already held', () => {
    const model = createBuyingPowerModel(parseBuyingPowerConfig({ kind: 'cash' }), neverShortable);
    const result = model.check(reserve(account('10000'), r), order('buy', 100, 100), marks);
    expect(result).toEqual({ ok: true, reserve: r });
  });

  it('partial fills shrink the reservation pro rata', () => {
    const after = consumeReservation(reserve(account('0'), r), 'o1', d(40));
    expect(after.reservations[0]!.quantity.toString()).toBe('60');
    expect(after.reservations[0]!.cash.toString()).toBe('6000');
  });
});
