/**
 * Venue trading hours in the venue's own time zone: exchange sessions on
 * business days (holidays and early closes as data) or continuous 24/7 trading
 * with a daily cutoff. Answers isOpen / nextOpen / nextClose for the timing
 * stage and DAY orders (SPEC §8). Pure: the instant is always an argument.
 */
import { z } from 'zod';
import {
  addDays,
  holidayCalendarSchema,
  isBusinessDay,
  localDate,
  localDateSchema,
  timeZoneSchema,
  wallTimeSchema,
  zonedTimeToUtc,
  type LocalDate,
} from './calendar';

const sessionSchema = z
  .strictObject({ open: wallTimeSchema, close: wallTimeSchema })
  // Overnight sessions are out of scope; a session ending after midnight would
  // belong to two local dates and every lookup below would have to know it.
  .refine((s) => s.open < s.close, 'session must open before it closes (same local day)');

const sessionVenueSchema = z.strictObject({
  kind: z.literal('sessions'),
  timeZone: timeZoneSchema,
  calendar: holidayCalendarSchema,
  sessions: z
    .array(sessionSchema)
    .min(1)
    .refine(
      (sessions) => sessions.every((s, i) => i === 0 || sessions[i - 1]!.close <= s.open),
      'sessions must be in order and must not overlap',
    ),
  /** Half days: the venue closes at this wall time instead (e.g. day after Thanksgiving). */
  earlyCloses: z.record(localDateSchema, wallTimeSchema).default({}),
});

const continuousVenueSchema = z.strictObject({
  kind: z.literal('continuous'),
  /** Crypto venues cut the trading day in UTC unless told otherwise. */
  timeZone: timeZoneSchema.default('UTC'),
  /** Where a DAY order expires; the venue itself never closes. */
  dayCutoff: wallTimeSchema.prefault('00:00'),
});

export const venueHoursSchema = z.discriminatedUnion('kind', [sessionVenueSchema, continuousVenueSchema]);
export type VenueHours = z.output<typeof venueHoursSchema>;
type SessionVenue = z.output<typeof sessionVenueSchema>;

export function parseVenueHours(input: unknown): VenueHours {
  return venueHoursSchema.parse(input);
}

interface Interval {
  open: number;
  close: number;
}

/** The day's sessions as UTC intervals, each converted with that day's own offset. */
function sessionsOn(venue: SessionVenue, date: LocalDate): Interval[] {
  if (!isBusinessDay(date, venue.calendar)) return [];
  const earlyClose = venue.earlyCloses[date];
  return venue.sessions
    .map((s) => ({ open: s.open, close: earlyClose === undefined ? s.close : Math.min(s.close, earlyClose) }))
    .filter((s) => s.open < s.close)
    .map((s) => ({
      open: zonedTimeToUtc(date, s.open, venue.timeZone),
      close: zonedTimeToUtc(date, s.close, venue.timeZone),
    }));
}

/** A year of look-ahead covers any real holiday run; beyond it the config is wrong. */
const SEARCH_DAYS = 370;

/** The first session (today or later, local) that has not closed by `ts`. */
function currentOrNextSession(venue: SessionVenue, ts: number): Interval {
  const today = localDate(ts, venue.timeZone);
  for (let offset = 0; offset <= SEARCH_DAYS; offset += 1) {
    const found = sessionsOn(venue, addDays(today, offset)).find((s) => ts < s.close);
    if (found) return found;
  }
  throw new RangeError(`venue has no session within ${SEARCH_DAYS} days`);
}

/** The first daily cutoff strictly after `ts`. */
function nextCutoff(venue: z.output<typeof continuousVenueSchema>, ts: number): number {
  const today = localDate(ts, venue.timeZone);
  const cutoff = zonedTimeToUtc(today, venue.dayCutoff, venue.timeZone);
  return cutoff > ts ? cutoff : zonedTimeToUtc(addDays(today, 1), venue.dayCutoff, venue.timeZone);
}

/** Open on [open, close): at exactly the close the venue no longer trades. */
export function isOpen(venue: VenueHours, ts: number): boolean {
  if (venue.kind === 'continuous') return true;
  return currentOrNextSession(venue, ts).open <= ts;
}

/** The earliest instant >= ts at which the venue is open (ts itself when open now). */
export function nextOpen(venue: VenueHours, ts: number): number {
  if (venue.kind === 'continuous') return ts;
  return Math.max(ts, currentOrNextSession(venue, ts).open);
}

/**
 * When a DAY order placed at `ts` expires: the close of the session in progress,
 * or of the next session when the venue is closed (an order sent before the bell
 * lives through that day). Continuous venues expire at the next day cutoff.
 */
export function nextClose(venue: VenueHours, ts: number): number {
  if (venue.kind === 'continuous') return nextCutoff(venue, ts);
  return currentOrNextSession(venue, ts).close;
}

/** NYSE full-day closures for 2026 (Independence Day falls on a Saturday, observed Friday 3 July). */
export const NYSE_HOLIDAYS_2026: readonly LocalDate[] = [
  '2026-01-01', // New Year's Day
  '2026-01-19', // Martin Luther King Jr. Day
  '2026-02-16', // Washington's Birthday
  '2026-04-03', // Good Friday
  '2026-05-25', // Memorial Day
  '2026-06-19', // Juneteenth
  '2026-07-03', // Independence Day (observed)
  '2026-09-07', // Labor Day
  '2026-11-26', // Thanksgiving Day
  '2026-12-25', // Christmas Day
];

/** NYSE regular session 09:30–16:00 New York time; 13:00 closes after Thanksgiving and on Christmas Eve. */
export const NYSE_HOURS: VenueHours = parseVenueHours({
  kind: 'sessions',
  timeZone: 'America/New_York',
  calendar: { weekend: [0, 6], holidays: NYSE_HOLIDAYS_2026 },
  sessions: [{ open: '09:30', close: '16:00' }],
  earlyCloses: { '2026-11-27': '13:00', '2026-12-24': '13:00' },
});

/** Crypto: always open, DAY orders cut at 00:00 UTC. */
export const CRYPTO_HOURS: VenueHours = parseVenueHours({ kind: 'continuous' });
