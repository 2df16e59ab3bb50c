import Decimal from 'decimal.js';
import { EVERY_DAY } from '../../domain/brokerage/calendar';
import { NYSE_HOLIDAYS_2026 } from '../../domain/brokerage/hours';
import {
  CRYPTO_SETTLEMENT,
  US_EQUITY_SETTLEMENT,
  bookTradeCash,
  cashBalance,
  settleDue,
  settlementConfigSchema,
  settlementDate,
  totalCash,
  unsettledTotal,
} from '../../domain/brokerage/settlement';

const t = (iso: string) => Date.parse(iso);
const tPlus2 = {
  days: 2,
  calendar: { weekend: [0, 6], holidays: [...NYSE_HOLIDAYS_2026] },
  timeZone: 'America/New_York',
};

describe('settlementDate', () => {
  it('T+2 skips Thanksgiving and the weekend: Wed 2026-11-25 settles Mon 2026-11-30', () => {
    expect(settlementDate(t('2026-11-25T15:00:00Z'), tPlus2)).toBe('2026-11-30');
  });

  it('T+2 across a plain weekend: Thu 2026-03-05 settles Mon 2026-03-09', () => {
    expect(settlementDate(t('2026-03-05T15:00:00Z'), tPlus2)).toBe('2026-03-09');
  });

  it('takes the trade date in the venue zone, not UTC', () => {
    // 02:30Z Wednesday is Tuesday 21:30 in New York: T+2 = Thursday, a holiday, so Friday.
    expect(settlementDate(t('2026-11-25T02:30:00Z'), tPlus2)).toBe('2026-11-27');
  });

  it('US T+1 skips Columbus Day, when the exchange trades but settlement does not', () => {
    expect(settlementDate(t('2026-10-09T15:00:00Z'), US_EQUITY_SETTLEMENT)).toBe('2026-10-13');
  });

  it('crypto settles T+0, on a Saturday too', () => {
    expect(settlementDate(t('2026-03-07T23:30:00Z'), CRYPTO_SETTLEMENT)).toBe('2026-03-07');
    expect(settlementDate(t('2026-03-07T23:30:00Z'), { ...CRYPTO_SETTLEMENT, days: 1 })).toBe('2026-03-08');
  });

  it('config rejects a negative N and a bogus zone', () => {
    expect(() => settlementConfigSchema.parse({ days: -1, calendar: {}, timeZone: 'UTC' })).toThrow();
    expect(() => settlementConfigSchema.parse({ days: 2, calendar: {}, timeZone: 'Mars/Olympus' })).toThrow();
    expect(
      settlementConfigSchema.parse({ days: 0, calendar: { weekend: [] }, timeZone: 'UTC' }).calendar,
    ).toEqual(EVERY_DAY);
  });
});

describe('cash ledger', () => {
  it('keeps sale proceeds unsettled until their date, then settles them', () => {
    let cash = cashBalance('1000');
    cash = bookTradeCash(cash, new Decimal('500'), '2026-11-30', '2026-11-25');
    cash = bookTradeCash(cash, new Decimal('-200'), '2026-11-27', '2026-11-25');
    expect(cash.settled.toString()).toBe('1000');
    expect(unsettledTotal(cash).toString()).toBe('300');
    expect(totalCash(cash).toString()).toBe('1300');

    cash = settleDue(cash, '2026-11-27');
    expect(cash.settled.toString()).toBe('800');
    expect(cash.unsettled).toHaveLength(1);
    cash = settleDue(cash, '2026-11-30');
    expect(cash.settled.toString()).toBe('1300');
    expect(cash.unsettled).toHaveLength(0);
  });

  it('settles T+0 cash immediately', () => {
    const cash = bookTradeCash(cashBalance('0'), new Decimal('42.5'), '2026-03-07', '2026-03-07');
    expect(cash.settled.toString()).toBe('42.5');
    expect(cash.unsettled).toHaveLength(0);
  });
});
