/**
 * Settlement: when a trade's cash becomes settled (T+N business days on the
 * settlement calendar, in the venue's time zone; crypto T+0) and the pure cash
 * ledger that moves unsettled amounts to settled as dates pass. Buying power
 * reads this ledger; nothing here knows the clock.
 */
import Decimal from 'decimal.js';
import { z } from 'zod';
import {
  addBusinessDays,
  EVERY_DAY,
  holidayCalendarSchema,
  localDate,
  timeZoneSchema,
  type HolidayCalendar,
  type LocalDate,
} from './calendar';
import { NYSE_HOLIDAYS_2026 } from './hours';

export const settlementConfigSchema = z.strictObject({
  days: z.number().int().min(0).max(30),
  calendar: holidayCalendarSchema,
  timeZone: timeZoneSchema,
});
export type SettlementConfig = z.output<typeof settlementConfigSchema>;

export interface SettlementRule {
  days: number;
  calendar: HolidayCalendar;
  timeZone: string;
}

/**
 * The settlement date of a trade executed at `tradeTs`. The trade date is the
 * local date at the venue (a 21:00 New York fill is still that day's trade,
 * though it is already tomorrow in UTC); N business days are counted after it.
 */
export function settlementDate(tradeTs: number, rule: SettlementRule): LocalDate {
  return addBusinessDays(localDate(tradeTs, rule.timeZone), rule.days, rule.calendar);
}

/**
 * US settlement holidays 2026: the NYSE closures plus Columbus Day and Veterans
 * Day, when the exchange trades but banks (and so DTC settlement) are closed.
 * Data to be checked against the DTC calendar each year, not derived.
 */
export const US_SETTLEMENT_HOLIDAYS_2026: readonly LocalDate[] = [
  ...NYSE_HOLIDAYS_2026,
  '2026-10-12',
  '2026-11-11',
].sort();

/** US equities settle T+1 since 2024-05-28; `days` is data so T+2 markets reuse the calendar. */
export const US_EQUITY_SETTLEMENT: SettlementRule = {
  days: 1,
  calendar: { weekend: [0, 6], holidays: [...US_SETTLEMENT_HOLIDAYS_2026] },
  timeZone: 'America/New_York',
};

export const CRYPTO_SETTLEMENT: SettlementRule = { days: 0, calendar: EVERY_DAY, timeZone: 'UTC' };

export interface UnsettledCash {
  amount: Decimal;
  settlesOn: LocalDate;
}

/** Cash split by settlement state; `unsettled` amounts may be negative (a buy not yet paid). */
export interface CashBalance {
  settled: Decimal;
  unsettled: readonly UnsettledCash[];
}

export function cashBalance(settled: Decimal.Value, unsettled: readonly UnsettledCash[] = []): CashBalance {
  return { settled: new Decimal(settled), unsettled };
}

export function unsettledTotal(cash: CashBalance): Decimal {
  return cash.unsettled.reduce((sum, entry) => sum.plus(entry.amount), new Decimal(0));
}

export function totalCash(cash: CashBalance): Decimal {
  return cash.settled.plus(unsettledTotal(cash));
}

/**
 * Books a trade's cash flow (+ for a sale, − for a purchase, fees included).
 * It is settled at once when the settlement date is not after `today` (T+0).
 */
export function bookTradeCash(
  cash: CashBalance,
  amount: Decimal,
  settlesOn: LocalDate,
  today: LocalDate,
): CashBalance {
  if (settlesOn <= today) return { ...cash, settled: cash.settled.plus(amount) };
  return { ...cash, unsettled: [...cash.unsettled, { amount, settlesOn }] };
}

/** Moves every entry due on or before `today` into settled cash (ISO dates compare as strings). */
export function settleDue(cash: CashBalance, today: LocalDate): CashBalance {
  const due = cash.unsettled.filter((entry) => entry.settlesOn <= today);
  if (due.length === 0) return cash;
  return {
    settled: due.reduce((sum, entry) => sum.plus(entry.amount), cash.settled),
    unsettled: cash.unsettled.filter((entry) => entry.settlesOn > today),
  };
}
