/**
 * Venue hours pinned in UTC across both 2026 New York DST changes: a clock with a
 * fixed offset (SPEC §12: market hours ignoring time zones) fails these.
 */
import { utcOffsetMs, zonedTimeToUtc } from '../../domain/brokerage/calendar';
import {
  CRYPTO_HOURS,
  NYSE_HOURS,
  isOpen,
  nextClose,
  nextOpen,
  parseVenueHours,
} from '../../domain/brokerage/hours';

const t = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('NYSE hours across DST (America/New_York)', () => {
  it('opens at 14:30Z before the March change and 13:30Z after it', () => {
    expect(isOpen(NYSE_HOURS, t('2026-03-06T14:29:59.999Z'))).toBe(false);
    expect(isOpen(NYSE_HOURS, t('2026-03-06T14:30:00Z'))).toBe(true); // Fri, EST
    expect(isOpen(NYSE_HOURS, t('2026-03-09T13:29:59.999Z'))).toBe(false);
    expect(isOpen(NYSE_HOURS, t('2026-03-09T13:30:00Z'))).toBe(true); // Mon, EDT
    expect(isOpen(NYSE_HOURS, t('2026-03-09T19:59:59.999Z'))).toBe(true);
    expect(isOpen(NYSE_HOURS, t('2026-03-09T20:00:00Z'))).toBe(false); // 16:00 EDT: closed at the bell
  });

  it('finds the next open over the weekend the clocks go forward', () => {
    expect(iso(nextOpen(NYSE_HOURS, t('2026-03-06T21:00:00Z')))).toBe('2026-03-09T13:30:00.000Z');
  });

  it('finds the next open over the weekend the clocks go back', () => {
    expect(iso(nextOpen(NYSE_HOURS, t('2026-10-30T20:00:00Z')))).toBe('2026-11-02T14:30:00.000Z');
  });

  it('closes at 20:00Z in summer and 21:00Z in winter (DAY order expiry)', () => {
    expect(iso(nextClose(NYSE_HOURS, t('2026-10-30T15:00:00Z')))).toBe('2026-10-30T20:00:00.000Z');
    expect(iso(nextClose(NYSE_HOURS, t('2026-11-02T15:00:00Z')))).toBe('2026-11-02T21:00:00.000Z');
  });

  it('gives a pre-market DAY order that same day close, and at the close the next day', () => {
    expect(iso(nextClose(NYSE_HOURS, t('2026-03-09T12:00:00Z')))).toBe('2026-03-09T20:00:00.000Z');
    expect(iso(nextClose(NYSE_HOURS, t('2026-03-09T20:00:00Z')))).toBe('2026-03-10T20:00:00.000Z');
  });

  it('returns ts itself as next open while the session runs', () => {
    expect(nextOpen(NYSE_HOURS, t('2026-03-09T15:00:00Z'))).toBe(t('2026-03-09T15:00:00Z'));
  });

  it('is shut on Thanksgiving and closes early at 13:00 the day after', () => {
    expect(isOpen(NYSE_HOURS, t('2026-11-26T15:00:00Z'))).toBe(false);
    expect(iso(nextOpen(NYSE_HOURS, t('2026-11-26T15:00:00Z')))).toBe('2026-11-27T14:30:00.000Z');
    expect(iso(nextClose(NYSE_HOURS, t('2026-11-26T15:00:00Z')))).toBe('2026-11-27T18:00:00.000Z');
    expect(isOpen(NYSE_HOURS, t('2026-11-27T18:30:00Z'))).toBe(false);
  });

  it('uses the venue-local date, not the UTC date, to find the day', () => {
    // 2026-11-26T03:00Z is still Wednesday 22:00 in New York: next open is Friday (Thursday is a holiday).
    expect(iso(nextOpen(NYSE_HOURS, t('2026-11-26T03:00:00Z')))).toBe('2026-11-27T14:30:00.000Z');
  });
});

describe('continuous (crypto) hours', () => {
  it('is open on a Sunday night and DAY orders end at the next 00:00 UTC cutoff', () => {
    expect(isOpen(CRYPTO_HOURS, t('2026-03-08T23:00:00Z'))).toBe(true);
    expect(nextOpen(CRYPTO_HOURS, t('2026-03-08T23:00:00Z'))).toBe(t('2026-03-08T23:00:00Z'));
    expect(iso(nextClose(CRYPTO_HOURS, t('2026-03-08T17:00:00Z')))).toBe('2026-03-09T00:00:00.000Z');
    expect(iso(nextClose(CRYPTO_HOURS, t('2026-03-09T00:00:00Z')))).toBe('2026-03-10T00:00:00.000Z');
  });

  it('honours a configured cutoff', () => {
    const venue = parseVenueHours({ kind: 'continuous', dayCutoff: '08:00' });
    expect(iso(nextClose(venue, t('2026-03-08T07:59:00Z')))).toBe('2026-03-08T08:00:00.000Z');
    expect(iso(nextClose(venue, t('2026-03-08T08:00:00Z')))).toBe('2026-03-09T08:00:00.000Z');
  });
});

describe('venue hours config', () => {
  const base = {
    kind: 'sessions',
    timeZone: 'America/New_York',
    calendar: {},
    sessions: [{ open: '09:30', close: '16:00' }],
  };

  it('rejects unknown time zones, overlapping sessions and unknown keys', () => {
    expect(() => parseVenueHours({ ...base, timeZone: 'America/Gotham' })).toThrow();
    expect(() =>
      parseVenueHours({
        ...base,
        sessions: [
          { open: '09:30', close: '12:00' },
          { open: '11:00', close: '16:00' },
        ],
      }),
    ).toThrow();
    expect(() => parseVenueHours({ ...base, session: '09:30-16:00' })).toThrow();
    expect(() => parseVenueHours({ ...base, sessions: [{ open: '16:00', close: '09:30' }] })).toThrow();
  });

  it('handles a lunch break (two sessions a day) in another zone', () => {
    const tokyo = parseVenueHours({
      ...base,
      timeZone: 'Asia/Tokyo',
      sessions: [
        { open: '09:00', close: '11:30' },
        { open: '12:30', close: '15:30' },
      ],
    });
    expect(isOpen(tokyo, t('2026-03-09T02:45:00Z'))).toBe(false); // 11:45 JST
    expect(iso(nextOpen(tokyo, t('2026-03-09T02:45:00Z')))).toBe('2026-03-09T03:30:00.000Z');
  });
});

describe('zoned wall time', () => {
  it('moves a skipped time forward and takes the earlier of a repeated time', () => {
    expect(iso(zonedTimeToUtc('2026-03-08', 150, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
    expect(iso(zonedTimeToUtc('2026-11-01', 90, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
    expect(utcOffsetMs(t('2026-07-01T12:00:00Z'), 'America/New_York')).toBe(-4 * 3_600_000);
  });
});
