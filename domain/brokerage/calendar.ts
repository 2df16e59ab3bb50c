/**
 * Calendar dates, business days and wall-clock times in a venue's IANA time zone.
 * Intl.DateTimeFormat is the only source of UTC offsets (no library, no fixed
 * offsets), so DST comes from the tz database (SPEC §12: market hours ignoring
 * time zones). Pure: instants are always inputs, as epoch milliseconds UTC.
 */
import { z } from 'zod';

/** A calendar date with no time zone attached, 'YYYY-MM-DD'. */
export type LocalDate = string;

const DAY_MS = 86_400_000;

function isRealDate(value: string): boolean {
  const ms = Date.parse(`${value}T00:00:00Z`);
  // Date.parse accepts 2026-02-30 by rolling over; round-tripping rejects it.
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const localDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine(isRealDate, 'not a calendar date');

export const timeZoneSchema = z.string().refine(isTimeZone, 'unknown IANA time zone');

/** 'HH:MM' wall-clock time as minutes after local midnight; '24:00' closes at midnight. */
export const wallTimeSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM')
  .transform((value) => Number(value.slice(0, 2)) * 60 + Number(value.slice(3, 5)));

/** Non-business days: weekdays (0 = Sunday … 6 = Saturday) plus listed holidays. */
export const holidayCalendarSchema = z.strictObject({
  weekend: z.array(z.number().int().min(0).max(6)).default([0, 6]),
  holidays: z.array(localDateSchema).default([]),
});
export type HolidayCalendar = z.output<typeof holidayCalendarSchema>;

/** Crypto: every day is a business day. */
export const EVERY_DAY: HolidayCalendar = { weekend: [], holidays: [] };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let cached = formatters.get(timeZone);
  if (!cached) {
    cached = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      // h23: some ICU versions print midnight as "24" with hour12: false.
      hourCycle: 'h23',
    });
    formatters.set(timeZone, cached);
  }
  return cached;
}

/** The wall clock at `ts` in `timeZone`, read back as if it were UTC (ms). */
function wallClockMs(ts: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ts))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second) + (ts - Math.floor(ts / 1000) * 1000);
}

/** UTC offset of `timeZone` at instant `ts` (ms; New York in winter is −5h). */
export function utcOffsetMs(ts: number, timeZone: string): number {
  return wallClockMs(ts, timeZone) - ts;
}

/** The calendar date in `timeZone` at instant `ts`. */
export function localDate(ts: number, timeZone: string): LocalDate {
  return new Date(wallClockMs(ts, timeZone)).toISOString().slice(0, 10);
}

/** Minutes after local midnight at instant `ts`. */
export function localMinutes(ts: number, timeZone: string): number {
  return Math.floor((wallClockMs(ts, timeZone) % DAY_MS) / 60_000);
}

/**
 * The instant at which the wall clock in `timeZone` reads `date` + `minutes`.
 * The offset is found by asking Intl twice (it can change between the naive
 * guess and the answer). Ambiguous times (DST fall-back) take the earlier
 * instant; times skipped by spring-forward move forward by the gap.
 */
export function zonedTimeToUtc(date: LocalDate, minutes: number, timeZone: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`) + minutes * 60_000;
  const first = wall - utcOffsetMs(wall, timeZone);
  const second = wall - utcOffsetMs(first, timeZone);
  const exact = [first, second].filter((ts) => wallClockMs(ts, timeZone) === wall);
  return exact.length > 0 ? Math.min(...exact) : Math.max(first, second);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday; a date's weekday does not depend on a time zone. */
export function weekday(date: LocalDate): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

export function isBusinessDay(date: LocalDate, calendar: HolidayCalendar): boolean {
  return !calendar.weekend.includes(weekday(date)) && !calendar.holidays.includes(date);
}

/** `date` moved forward by `days` business days (0 → `date` itself, business day or not). */
export function addBusinessDays(date: LocalDate, days: number, calendar: HolidayCalendar): LocalDate {
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`business days must be a whole number >= 0`);
  if (calendar.weekend.length >= 7) throw new RangeError('calendar has no business days');
  let current = date;
  for (let left = days; left > 0;) {
    current = addDays(current, 1);
    if (isBusinessDay(current, calendar)) left -= 1;
  }
  return current;
}
