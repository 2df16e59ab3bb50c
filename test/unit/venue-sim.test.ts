/** The simulated exchange `sim`: deterministic, chained, closed-bars-only OHLCV (activities/venues/sim.ts). */
import { ApplicationFailure } from '@temporalio/common';
import type { RawOhlcv } from '../../activities/venues/port';
import { simBar, simPathPrices, simSymbolProfile, SimVenue } from '../../activities/venues/sim';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const JAN_1 = Date.UTC(2024, 0, 1);

/** Every page from `since` until an empty one: the backfill's cursor loop. */
async function pageThrough(
  venue: SimVenue,
  symbol: string,
  timeframe: string,
  since: number,
  stepMs: number,
) {
  const pages: RawOhlcv[][] = [];
  let cursor = since;
  for (;;) {
    const page = await venue.fetchOhlcvPage(symbol, timeframe, cursor, venue.pageLimit);
    if (page.length === 0) return pages;
    pages.push(page);
    cursor = page[page.length - 1]![0] + stepMs;
  }
}

describe('sim bars are a pure function of (symbol, timeframe, ts)', () => {
  const venue = new SimVenue({ now: () => JAN_1 + 10 * DAY });

  it('pins the model: a recorded bar comes out bit-identical', () => {
    expect(simBar('BTC/USDT', '1m', JAN_1)).toEqual({
      ts: JAN_1,
      open: 85024.51,
      high: 85030.7,
      low: 84977.68,
      close: 84977.91,
      volume: 16.97278582,
    });
  });

  it('serves the same bar from different page windows, instances and the pure helper', async () => {
    const target = JAN_1 + 3 * DAY + 777 * MINUTE;
    const pageA = await venue.fetchOhlcvPage('ETH/USDT', '1m', target - 999 * MINUTE, 1000);
    const pageB = await new SimVenue({ now: () => JAN_1 + 10 * DAY }).fetchOhlcvPage(
      'ETH/USDT',
      '1m',
      target,
      5,
    );
    const fromA = pageA[pageA.length - 1]!;
    expect(fromA[0]).toBe(target);
    expect(pageB[0]).toEqual(fromA);
    const bar = simBar('ETH/USDT', '1m', target);
    expect(fromA).toEqual([bar.ts, bar.open, bar.high, bar.low, bar.close, bar.volume]);
  });

  it('chains open = previous close, within a page and across page boundaries', async () => {
    const first = await venue.fetchOhlcvPage('SOL/USDT', '5m', JAN_1, 1000);
    const second = await venue.fetchOhlcvPage('SOL/USDT', '5m', JAN_1 + 1000 * 5 * MINUTE, 10);
    const bars = [...first, ...second];
    expect(bars).toHaveLength(1010);
    for (let i = 1; i < bars.length; i++) {
      expect(bars[i]![0] - bars[i - 1]![0]).toBe(5 * MINUTE);
      expect(bars[i]![1]).toBe(bars[i - 1]![4]);
    }
  });

  it('shares one price path across timeframes: a 1h bar opens and closes where the 1m bars do', () => {
    const hour = JAN_1 + 5 * HOUR;
    const h = simBar('BTC/USDT', '1h', hour);
    expect(h.open).toBe(simBar('BTC/USDT', '1m', hour).open);
    expect(h.close).toBe(simBar('BTC/USDT', '1m', hour + 59 * MINUTE).close);
  });

  it('keeps high/low around open and close, positive volume, prices on the tick grid', async () => {
    for (const symbol of ['BTC/USDT', 'DOGE/USDT', 'ETH/BTC', 'SOMENEWCOIN/USDT']) {
      const { tickDecimals } = simSymbolProfile(symbol);
      const page = await venue.fetchOhlcvPage(symbol, '1m', JAN_1, 1000);
      expect(page).toHaveLength(1000);
      const offTick = (price: number) => Number(price.toFixed(tickDecimals)) !== price;
      const broken = page.filter(
        ([, o, h, l, c, v]) =>
          h! < Math.max(o!, c!) ||
          l! > Math.min(o!, c!) ||
          !(l! > 0) ||
          !(v! > 0) ||
          [o!, h!, l!, c!].some(offTick),
      );
      expect(broken).toEqual([]);
      // wicks exist: a model whose high always equals max(open, close) is not a market
      expect(page.filter(([, o, h, , c]) => h! > Math.max(o!, c!)).length).toBeGreaterThan(900);
    }
  });

  it('moves like a market: BTC near its reference price, 1m volatility ≈ the model σ·√interval', async () => {
    const { annualVol } = simSymbolProfile('BTC/USDT');
    const daily = await venue.fetchOhlcvPage('BTC/USDT', '1d', Date.UTC(2017, 0, 1), 1000);
    for (const [, , , , close] of daily) expect(close!).toBeGreaterThan(15_000);
    for (const [, , , , close] of daily) expect(close!).toBeLessThan(250_000);
    const minutes = await pageThrough(venue, 'BTC/USDT', '1m', JAN_1, MINUTE);
    const closes = minutes.flat().map((row) => row[4]!);
    const returns = closes.slice(1).map((c, i) => Math.log(c / closes[i]!));
    const realised = Math.sqrt(returns.reduce((sum, r) => sum + r * r, 0) / returns.length);
    const expected = annualVol * Math.sqrt(MINUTE / (365.25 * DAY));
    expect(realised / expected).toBeGreaterThan(0.9);
    expect(realised / expected).toBeLessThan(1.1);
  });

  it('gives each symbol its own path and a sensible reference price', () => {
    expect(simSymbolProfile('BTC/USDT').referencePrice).toBe(60_000);
    expect(simSymbolProfile('ETH/BTC').referencePrice).toBe(0.05);
    expect(simSymbolProfile('BTC/USDT').tickSize).toBe(0.01);
    const unknown = simSymbolProfile('SOMENEWCOIN/USDT').referencePrice;
    expect(unknown).toBeGreaterThanOrEqual(0.01);
    expect(unknown).toBeLessThanOrEqual(100);
    const [btc] = simPathPrices('BTC/USDT', JAN_1, MINUTE, 0);
    const [perp] = simPathPrices('BTC/USDT:USDT', JAN_1, MINUTE, 0);
    expect(btc).not.toBe(perp);
  });
});

describe('sim venue pages', () => {
  it('never returns the bar still forming (or any later one)', async () => {
    const now = Date.UTC(2024, 0, 2, 10, 30, 30);
    const venue = new SimVenue({ now: () => now });
    const minutes = await venue.fetchOhlcvPage('BTC/USDT', '1m', Date.UTC(2024, 0, 2, 10), 1000);
    expect(minutes).toHaveLength(30);
    expect(minutes[minutes.length - 1]![0]).toBe(Date.UTC(2024, 0, 2, 10, 29));
    const hours = await venue.fetchOhlcvPage('BTC/USDT', '1h', Date.UTC(2024, 0, 2), 1000);
    expect(hours.map((row) => row[0])).toEqual(Array.from({ length: 10 }, (_, i) => Date.UTC(2024, 0, 2, i)));
    expect(await venue.fetchOhlcvPage('BTC/USDT', '1m', Date.UTC(2024, 0, 2, 10, 30), 1000)).toEqual([]);
    expect(await venue.fetchOhlcvPage('BTC/USDT', '1m', Date.UTC(2030, 0, 1), 1000)).toEqual([]);
  });

  it('starts at the listing time: pages before it return bars from the listing on', async () => {
    const listingMs = Date.UTC(2024, 0, 1, 12);
    const venue = new SimVenue({ listingMs, now: () => Date.UTC(2024, 0, 5) });
    const fromZero = await venue.fetchOhlcvPage('ETH/USDT', '1h', 0, 3);
    expect(fromZero.map((row) => row[0])).toEqual([listingMs, listingMs + HOUR, listingMs + 2 * HOUR]);
    const straddling = await venue.fetchOhlcvPage('ETH/USDT', '1h', listingMs - 5 * HOUR, 2);
    expect(straddling[0]).toEqual(fromZero[0]);
    const defaultListing = await new SimVenue({ now: () => JAN_1 }).fetchOhlcvPage('ETH/USDT', '1d', 0, 1);
    expect(defaultListing[0]![0]).toBe(Date.UTC(2017, 0, 1));
  });

  it('pages two days of 1m bars into exactly 2,880 contiguous bars (1000 + 1000 + 880)', async () => {
    const venue = new SimVenue({ listingMs: JAN_1, now: () => JAN_1 + 2 * DAY });
    const pages = await pageThrough(venue, 'BTC/USDT', '1m', 0, MINUTE);
    expect(pages.map((page) => page.length)).toEqual([1000, 1000, 880]);
    const ts = pages.flat().map((row) => row[0]);
    expect(ts).toEqual(Array.from({ length: 2880 }, (_, i) => JAN_1 + i * MINUTE));
  });

  it('snaps an unaligned cursor up to the next bar open and caps the page at its limit', async () => {
    const venue = new SimVenue({ now: () => JAN_1 + DAY });
    const page = await venue.fetchOhlcvPage('BTC/USDT', '15m', JAN_1 + 1, 5000);
    expect(page[0]![0]).toBe(JAN_1 + 15 * MINUTE);
    expect(page).toHaveLength(24 * 4 - 1);
    expect(venue.pageLimit).toBe(1000);
    expect(venue.timestampUnit).toBe('ms');
  });

  it.each([
    ['an unknown timeframe', 'BTC/USDT', '7x', 10],
    ['an empty symbol', ' ', '1m', 10],
    ['a zero limit', 'BTC/USDT', '1m', 0],
  ])('rejects %s with a non-retryable VenueRejected', async (_case, symbol, timeframe, limit) => {
    const venue = new SimVenue({ now: () => JAN_1 + DAY });
    const failure = await venue.fetchOhlcvPage(symbol, timeframe, JAN_1, limit).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'VenueRejected', nonRetryable: true });
    expect((failure as Error).message).toMatch(/^sim rejected/);
  });

  it('refuses a listing time outside the modelled span', () => {
    expect(() => new SimVenue({ listingMs: Date.UTC(2005, 0, 1) })).toThrow(RangeError);
  });
});
