/**
 * A paper step asks the venue only for the bars after the newest one the store
 * holds: the first step fills the trailing window, every later bar is one short
 * page (on a real exchange a whole window per bar would be paged requests for
 * up to 5,000 bars, every minute).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trailingCloses } from '../../activities/paper-run-bars';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import type { MarketDataVenue } from '../../activities/venues/port';
import { VenueRegistry } from '../../activities/venues/registry';
import { simBar } from '../../activities/venues/sim';

const MINUTE = 60_000;
const SERIES = 'ohlcv:sim:BTC/USDT:1m';
const END = Date.UTC(2026, 0, 5, 12);

describe('trailingCloses', () => {
  let home: string;
  let store: Store;
  const requests: Array<{ since: number; limit: number }> = [];
  const sim = new VenueRegistry().marketDataVenue('sim');
  const counting: MarketDataVenue = Object.assign(Object.create(sim) as MarketDataVenue, {
    fetchOhlcvPage: (symbol: string, timeframe: string, since: number, limit: number) => {
      requests.push({ since, limit });
      return sim.fetchOhlcvPage(symbol, timeframe, since, limit);
    },
  });
  const deps = () => ({ store, venues: { marketData: () => counting } });
  const window = (end: number) => ({ start: end - 99 * MINUTE, end, intervalMs: MINUTE });

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-paper-bars-'));
    store = await openStore({ home });
  });
  afterAll(async () => {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('fills the window once, then fetches only the new bar', async () => {
    const first = await trailingCloses(deps(), SERIES, window(END));
    expect(first).toHaveLength(100);
    expect(first.at(-1)).toBe(simBar('BTC/USDT', '1m', END).close);
    expect(requests).toEqual([{ since: END - 99 * MINUTE, limit: 100 }]);

    requests.length = 0;
    const next = await trailingCloses(deps(), SERIES, window(END + MINUTE));
    expect(next.at(-1)).toBe(simBar('BTC/USDT', '1m', END + MINUTE).close);
    expect(next.slice(0, -1)).toEqual(first.slice(1));
    expect(requests).toEqual([{ since: END + MINUTE, limit: 1 }]);

    // Stored already: no request at all.
    requests.length = 0;
    await trailingCloses(deps(), SERIES, window(END + MINUTE));
    expect(requests).toEqual([]);
  });
});
