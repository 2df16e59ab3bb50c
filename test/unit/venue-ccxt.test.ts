/**
 * Real exchange adapters offline (SPEC §7): the REAL ccxt.binance / ccxt.okx classes
 * with markets preloaded from recorded listings and their transport answering from
 * recorded raw responses (test/support/ccxt-replay.ts), so ccxt's own URL building,
 * parsers and error mapping run. Plus error classification, the registry and the
 * credential variables.
 */
import { inspect } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import ccxt from 'ccxt';
import { CcxtVenue, CLOSE_GRACE_MS } from '../../activities/venues/ccxt';
import {
  classifyVenueError,
  rateLimitDelayMs,
  retryAfterMs,
  toActivityFailure,
  VENUE_FAILURE,
} from '../../activities/venues/errors';
import type { RawOhlcv } from '../../activities/venues/port';
import { VenueRegistry, type ExchangeConfig } from '../../activities/venues/registry';
import { SimVenue } from '../../activities/venues/sim';
import { ConfigError } from '../../workers/config';
import { loadVenueCredentials, VenueCredentials } from '../../workers/venue-credentials';
import { failureOf, preloadMarkets, replayExchange } from '../support/ccxt-replay';

const MINUTE = 60_000;
const MARCH_1 = Date.UTC(2024, 2, 1); // 1709251200000

describe('binance through the real ccxt class and recorded responses', () => {
  it('pages /api/v3/klines with a since cursor into the exact bars, dropping the forming one', async () => {
    const { exchange, transport } = replayExchange('binance');
    const now = MARCH_1 + 13 * MINUTE + 30_000; // 00:13:30, the 00:13 bar is still forming
    const venue = new CcxtVenue(exchange, { now: () => now });
    const pages: RawOhlcv[][] = [];
    for (let cursor = MARCH_1; cursor < Math.floor(now / MINUTE) * MINUTE;) {
      const page = await venue.fetchOhlcvPage('BTC/USDT', '1m', cursor, 5);
      pages.push(page);
      cursor = page[page.length - 1]![0] + MINUTE;
    }
    expect(pages.map((p) => p.length)).toEqual([5, 5, 3]);
    expect(pages.flat()).toEqual([
      [1709251200000, 61130.98, 61147.17, 61075.33, 61097.56, 22.9793],
      [1709251260000, 61097.56, 61127.1, 61094.71, 61117.42, 11.03201],
      [1709251320000, 61117.42, 61121.04, 61109, 61110.99, 11.94312],
      [1709251380000, 61110.99, 61146.56, 61108.98, 61136.91, 8.31518],
      [1709251440000, 61136.91, 61146.96, 61125.73, 61126.31, 38.62582],
      [1709251500000, 61126.31, 61139.34, 61103.74, 61105.41, 31.1949],
      [1709251560000, 61105.41, 61118.55, 61075.43, 61080.13, 38.24097],
      [1709251620000, 61080.13, 61115.86, 61079.59, 61101.4, 29.41345],
      [1709251680000, 61101.4, 61115.43, 61084.95, 61090.37, 11.74372],
      [1709251740000, 61090.37, 61102.78, 61050.74, 61056.42, 12.67085],
      [1709251800000, 61056.42, 61077.3, 61039.33, 61077.05, 8.79101],
      [1709251860000, 61077.05, 61104.21, 61069.82, 61093.17, 28.30805],
      [1709251920000, 61093.17, 61099.26, 61085.86, 61088.59, 34.60015],
    ]);
    // ccxt built the requests (market id, interval, startTime cursor); markets were never fetched
    expect(transport.requests).toEqual([
      'GET /api/v3/klines?interval=1m&limit=5&startTime=1709251200000&symbol=BTCUSDT',
      'GET /api/v3/klines?interval=1m&limit=5&startTime=1709251500000&symbol=BTCUSDT',
      'GET /api/v3/klines?interval=1m&limit=5&startTime=1709251800000&symbol=BTCUSDT',
    ]);
    expect(venue).toMatchObject({ exchange: 'binance', pageLimit: 1000, timestampUnit: 'ms' });
  });

  it('counts a bar as closed only CLOSE_GRACE_MS after its close (clock skew, late settling)', async () => {
    const lastPage = async (now: number) =>
      (
        await new CcxtVenue(replayExchange('binance').exchange, { now: () => now }).fetchOhlcvPage(
          'BTC/USDT',
          '1m',
          MARCH_1 + 10 * MINUTE,
          5,
        )
      ).map((row) => row[0]);
    const closesAt = MARCH_1 + 14 * MINUTE; // the recorded 00:13 bar
    expect(await lastPage(closesAt + CLOSE_GRACE_MS - 1)).not.toContain(MARCH_1 + 13 * MINUTE);
    expect(await lastPage(closesAt + CLOSE_GRACE_MS)).toContain(MARCH_1 + 13 * MINUTE);
  });

  it('loads markets once per instance, and again after a failed load', async () => {
    const { exchange } = replayExchange('binance');
    exchange.markets = undefined as unknown as typeof exchange.markets;
    const load = jest
      .spyOn(exchange, 'loadMarkets')
      .mockRejectedValueOnce(new ccxt.ExchangeNotAvailable('binance GET /api/v3/exchangeInfo 503'))
      .mockImplementation(async () => {
        preloadMarkets(exchange, 'binance');
        return exchange.markets!;
      });
    const venue = new CcxtVenue(exchange, { now: () => MARCH_1 + 13 * MINUTE + 30_000 });
    const first = await failureOf(venue.fetchOhlcvPage('BTC/USDT', '1m', MARCH_1, 5));
    expect(first).toMatchObject({ type: VENUE_FAILURE.unavailable, nonRetryable: false });
    await venue.fetchOhlcvPage('BTC/USDT', '1m', MARCH_1, 5);
    await venue.fetchOhlcvPage('BTC/USDT', '1m', MARCH_1 + 5 * MINUTE, 5);
    expect(load).toHaveBeenCalledTimes(2);
  });

  describe('errors, mapped by ccxt itself, then classified by class', () => {
    const cases = [
      {
        name: 'HTTP 429 {"code":-1003} with Retry-After: 7',
        symbol: 'BTC/USDT',
        since: Date.UTC(2024, 2, 2),
        ccxtClass: ccxt.DDoSProtection,
        kind: 'retry-later',
        failure: { type: 'VenueRateLimited', nonRetryable: false, nextRetryDelay: 7_000 },
      },
      {
        name: 'HTTP 400 {"code":-1121,"msg":"Invalid symbol."}',
        symbol: 'LUNA/USDT', // still in the loaded markets, delisted since
        since: MARCH_1,
        ccxtClass: ccxt.BadSymbol,
        kind: 'terminal',
        failure: { type: 'VenueRejected', nonRetryable: true },
      },
      {
        name: 'a request timeout (the transport aborts)',
        symbol: 'BTC/USDT',
        since: Date.UTC(2024, 2, 3),
        ccxtClass: ccxt.RequestTimeout,
        kind: 'retryable',
        failure: { type: 'VenueUnavailable', nonRetryable: false },
      },
      {
        name: 'a reset connection',
        symbol: 'BTC/USDT',
        since: Date.UTC(2024, 2, 4),
        ccxtClass: ccxt.NetworkError,
        kind: 'retryable',
        failure: { type: 'VenueUnavailable', nonRetryable: false },
      },
      {
        name: 'HTTP 502 from the CDN',
        symbol: 'BTC/USDT',
        since: Date.UTC(2024, 2, 5),
        ccxtClass: ccxt.ExchangeNotAvailable,
        kind: 'retryable',
        failure: { type: 'VenueUnavailable', nonRetryable: false },
      },
    ] as const;

    it.each(cases)('$name → $ccxtClass.name → $kind', async ({ symbol, since, ccxtClass, kind, failure }) => {
      const { exchange } = replayExchange('binance');
      const raw = await exchange.fetchOHLCV(symbol, '1m', since, 5).catch((e: unknown) => e);
      expect(raw).toBeInstanceOf(ccxtClass);
      const hints = { retryAfterMs: retryAfterMs(exchange.last_response_headers, 0), rateLimitMs: 50 };
      expect(classifyVenueError(raw, hints).kind).toBe(kind);

      const venue = new CcxtVenue(replayExchange('binance').exchange, { now: () => Date.UTC(2024, 3, 1) });
      const thrown = await failureOf(venue.fetchOhlcvPage(symbol, '1m', since, 5));
      expect(thrown).toMatchObject(failure);
      expect(thrown.message).toContain('binance');
      expect(thrown.message).toContain(`(${ccxtClass.name})`);
      expect(thrown.details).toEqual([{ exchange: 'binance', errorClass: ccxtClass.name, kind }]);
    });

    it('rejects a symbol missing from the loaded markets without a request', async () => {
      const { exchange, transport } = replayExchange('binance');
      const thrown = await failureOf(new CcxtVenue(exchange).fetchOhlcvPage('NOPE/USDT', '1m', MARCH_1, 5));
      expect(thrown).toMatchObject({ type: 'VenueRejected', nonRetryable: true });
      expect(thrown.message).toMatch(/^binance rejected the request \(BadSymbol\)/);
      expect(transport.requests).toEqual([]);
    });

    it('rejects a timeframe the exchange does not offer', async () => {
      const { exchange, transport } = replayExchange('binance');
      const thrown = await failureOf(new CcxtVenue(exchange).fetchOhlcvPage('BTC/USDT', '7m', MARCH_1, 5));
      expect(thrown).toMatchObject({ type: 'VenueRejected', nonRetryable: true });
      expect(transport.requests).toEqual([]);
    });
  });
});

describe('okx through the real ccxt class and recorded responses', () => {
  it('pages /api/v5/market/history-candles (newest-first strings) into ascending bars', async () => {
    const { exchange, transport } = replayExchange('okx');
    const venue = new CcxtVenue(exchange);
    const first = await venue.fetchOhlcvPage('BTC/USDT', '1m', MARCH_1, 4);
    const second = await venue.fetchOhlcvPage('BTC/USDT', '1m', first[first.length - 1]![0] + MINUTE, 4);
    expect([...first, ...second]).toEqual([
      [1709251200000, 61132.4, 61132.6, 61111.7, 61114.5, 6.43574872],
      [1709251260000, 61114.5, 61129.9, 61076.1, 61095.5, 11.1348715],
      [1709251320000, 61095.5, 61105.5, 61074.2, 61080.9, 11.45510566],
      [1709251380000, 61080.9, 61091.6, 61070.1, 61085.1, 4.39335942],
      [1709251440000, 61085.1, 61086.7, 61068.9, 61080.5, 10.65082112],
      [1709251500000, 61080.5, 61095.9, 61067.5, 61070.7, 12.33930867],
      [1709251560000, 61070.7, 61097.7, 61059.9, 61085.5, 6.9768111],
      [1709251620000, 61085.5, 61087.8, 61055.8, 61070.2, 13.43844171],
    ]);
    expect(transport.requests).toEqual([
      'GET /api/v5/market/history-candles?after=1709251440000&bar=1m&before=1709251199999&instId=BTC-USDT&limit=4',
      'GET /api/v5/market/history-candles?after=1709251680000&bar=1m&before=1709251439999&instId=BTC-USDT&limit=4',
    ]);
    expect(venue.pageLimit).toBe(100);
  });

  it('HTTP 429 {"code":"50011"} without Retry-After → RateLimitExceeded → retry after rateLimit × 100', async () => {
    const { exchange } = replayExchange('okx');
    const raw = await exchange.fetchOHLCV('BTC/USDT', '1m', Date.UTC(2024, 2, 2), 4).catch((e: unknown) => e);
    expect(raw).toBeInstanceOf(ccxt.RateLimitExceeded);
    const thrown = await failureOf(
      new CcxtVenue(exchange).fetchOhlcvPage('BTC/USDT', '1m', Date.UTC(2024, 2, 2), 4),
    );
    expect(thrown).toMatchObject({ type: 'VenueRateLimited', nonRetryable: false, nextRetryDelay: 11_000 });
  });

  it('{"code":"51001","msg":"Instrument ID does not exist"} → BadSymbol → VenueRejected', async () => {
    const { exchange } = replayExchange('okx');
    const raw = await exchange.fetchOHLCV('LUNA/USDT', '1m', MARCH_1, 4).catch((e: unknown) => e);
    expect(raw).toBeInstanceOf(ccxt.BadSymbol);
    const thrown = await failureOf(new CcxtVenue(exchange).fetchOhlcvPage('LUNA/USDT', '1m', MARCH_1, 4));
    expect(thrown).toMatchObject({ type: 'VenueRejected', nonRetryable: true });
    expect(thrown.message).toMatch(/^okx rejected the request \(BadSymbol\): okx .*51001/);
  });
});

describe('classification of ccxt errors', () => {
  it.each([
    { ErrorClass: ccxt.DDoSProtection, kind: 'retry-later' },
    { ErrorClass: ccxt.RateLimitExceeded, kind: 'retry-later' },
    { ErrorClass: ccxt.RequestTimeout, kind: 'retryable' },
    { ErrorClass: ccxt.ExchangeNotAvailable, kind: 'retryable' },
    { ErrorClass: ccxt.OnMaintenance, kind: 'retryable' },
    { ErrorClass: ccxt.InvalidNonce, kind: 'retryable' },
    { ErrorClass: ccxt.NetworkError, kind: 'retryable' },
    { ErrorClass: ccxt.BadResponse, kind: 'retryable' },
    { ErrorClass: ccxt.NullResponse, kind: 'retryable' },
    { ErrorClass: ccxt.BadSymbol, kind: 'terminal' },
    { ErrorClass: ccxt.BadRequest, kind: 'terminal' },
    { ErrorClass: ccxt.AuthenticationError, kind: 'terminal' },
    { ErrorClass: ccxt.PermissionDenied, kind: 'terminal' },
    { ErrorClass: ccxt.AccountSuspended, kind: 'terminal' },
    { ErrorClass: ccxt.InsufficientFunds, kind: 'terminal' },
    { ErrorClass: ccxt.InvalidOrder, kind: 'terminal' },
    { ErrorClass: ccxt.OrderNotFound, kind: 'terminal' },
    { ErrorClass: ccxt.NotSupported, kind: 'terminal' },
    { ErrorClass: ccxt.ExchangeError, kind: 'terminal' },
  ] as const)('$ErrorClass.name → $kind', ({ ErrorClass, kind }) => {
    const classified = classifyVenueError(new ErrorClass('x'));
    expect(classified).toMatchObject({ kind, errorClass: ErrorClass.name });
    expect(toActivityFailure(new ErrorClass('x'), { exchange: 'binance' }).nonRetryable).toBe(
      kind === 'terminal',
    );
  });

  it('turns anything else into a retryable VenueFailure and passes ApplicationFailures through', () => {
    expect(classifyVenueError(new TypeError('oops'))).toEqual({ kind: 'unknown', errorClass: 'TypeError' });
    expect(toActivityFailure(new TypeError('oops'), { exchange: 'okx' })).toMatchObject({
      type: 'VenueFailure',
      nonRetryable: false,
    });
    const original = ApplicationFailure.nonRetryable('bad input', 'InvalidInput');
    expect(toActivityFailure(original, { exchange: 'okx' })).toBe(original);
  });

  it('waits Retry-After when sent, else the exchange rateLimit × 100 (at least 1 s), else 10 s', () => {
    expect(rateLimitDelayMs({ retryAfterMs: 7_000, rateLimitMs: 50 })).toBe(7_000);
    expect(rateLimitDelayMs({ rateLimitMs: 50 })).toBe(5_000);
    expect(rateLimitDelayMs({ rateLimitMs: 7.5 })).toBe(1_000);
    expect(rateLimitDelayMs({})).toBe(10_000);
    expect(retryAfterMs({ 'Retry-After': '120' }, 0)).toBe(120_000);
    expect(retryAfterMs({ 'retry-after': 'Fri, 01 Mar 2024 00:00:30 GMT' }, MARCH_1)).toBe(30_000);
    expect(retryAfterMs({ 'Retry-After': 'soon' }, 0)).toBeUndefined();
    expect(retryAfterMs({ 'Content-Type': 'application/json' }, 0)).toBeUndefined();
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
  });
});

describe('venue registry', () => {
  const credentials = loadVenueCredentials({
    QMTL_VENUE_BINANCE_API_KEY: 'bn-key',
    QMTL_VENUE_BINANCE_SECRET: 'bn-secret',
    QMTL_VENUE_OKX_DESK_2_API_KEY: 'okx-key',
    QMTL_VENUE_OKX_DESK_2_SECRET: 'okx-secret',
    QMTL_VENUE_OKX_DESK_2_PASSWORD: 'okx-pass',
  });

  it('builds one rate-limited ccxt instance per (exchange, account) with that account’s keys', () => {
    const built: [string, ExchangeConfig][] = [];
    const registry = new VenueRegistry({
      credentials,
      createExchange: (id, config) => {
        built.push([id, config]);
        return replayExchange(id as 'binance' | 'okx').exchange;
      },
    });
    const binance = registry.marketDataVenue('binance');
    expect(registry.marketDataVenue('binance', 'default')).toBe(binance);
    const okxDesk = registry.marketDataVenue('okx', 'desk_2');
    const okxPublic = registry.marketDataVenue('okx');
    expect(okxDesk).not.toBe(okxPublic);
    expect(built).toEqual([
      ['binance', { enableRateLimit: true, apiKey: 'bn-key', secret: 'bn-secret' }],
      ['okx', { enableRateLimit: true, apiKey: 'okx-key', secret: 'okx-secret', password: 'okx-pass' }],
      ['okx', { enableRateLimit: true }],
    ]);
  });

  it('constructs the real ccxt classes by default (no request is made)', () => {
    const registry = new VenueRegistry({ credentials });
    const binance = registry.marketDataVenue('binance') as CcxtVenue;
    expect(binance.client).toBeInstanceOf(ccxt.binance);
    expect(binance.client).toMatchObject({ enableRateLimit: true, apiKey: 'bn-key', secret: 'bn-secret' });
    expect(binance.pageLimit).toBe(1000);
    expect((registry.marketDataVenue('okx') as CcxtVenue).pageLimit).toBe(100);
  });

  it('serves sim for every account, knows no other names, and wants keys for named accounts', () => {
    const registry = new VenueRegistry({ credentials, now: () => MARCH_1 });
    expect(registry.marketDataVenue('sim')).toBeInstanceOf(SimVenue);
    expect(registry.marketDataVenue('sim', 'paper')).toBe(registry.marketDataVenue('sim'));
    expect(registry.marketData('nosuchexchange')).toBeUndefined();
    expect(registry.marketData('BINANCE')).toBeUndefined();
    expect(() => registry.marketDataVenue('nosuchexchange')).toThrow(/ccxt has no such exchange/);
    let thrown: unknown;
    try {
      registry.marketDataVenue('binance', 'desk_9');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ type: 'VenueRejected', nonRetryable: true });
    expect((thrown as Error).message).toContain('QMTL_VENUE_BINANCE_DESK_9_API_KEY');
  });
});

describe('venue credentials from the worker environment', () => {
  it('reads QMTL_VENUE_<EXCHANGE>[_<ACCOUNT>]_API_KEY / _SECRET / _PASSWORD', () => {
    const creds = loadVenueCredentials({
      QMTL_VENUE_BINANCE_API_KEY: 'k1',
      QMTL_VENUE_BINANCE_SECRET: 's1',
      QMTL_VENUE_BINANCE_SUB_API_KEY: 'k2',
      QMTL_VENUE_BINANCE_SUB_SECRET: 's2',
      QMTL_VENUE_OKX_API_KEY: 'k3',
      QMTL_VENUE_OKX_SECRET: 's3',
      QMTL_VENUE_OKX_PASSWORD: 'p3',
      QMTL_VENUE_KRAKEN_API_KEY: '  ',
      QMTL_PORT: '8080',
    });
    expect(creds.get('binance')).toEqual({ apiKey: 'k1', secret: 's1' });
    expect(creds.get('binance', 'sub')).toEqual({ apiKey: 'k2', secret: 's2' });
    expect(creds.get('okx')).toEqual({ apiKey: 'k3', secret: 's3', password: 'p3' });
    expect(creds.get('kraken')).toBeUndefined();
    expect(creds.accounts()).toEqual(['binance/default', 'binance/sub', 'okx/default']);
  });

  it('never prints or serialises a secret', () => {
    const creds = loadVenueCredentials({
      QMTL_VENUE_BINANCE_API_KEY: 'k-123',
      QMTL_VENUE_BINANCE_SECRET: 's-456',
    });
    const shown = `${JSON.stringify({ creds })} ${inspect(creds)} ${inspect({ nested: creds })}`;
    expect(shown).toContain('binance/default');
    expect(shown).not.toMatch(/k-123|s-456/);
  });

  it('stops start-up naming the variable when half a credential is set', () => {
    expect(() => loadVenueCredentials({ QMTL_VENUE_BINANCE_SUB_API_KEY: 'k' })).toThrow(ConfigError);
    expect(() => loadVenueCredentials({ QMTL_VENUE_BINANCE_SUB_API_KEY: 'k' })).toThrow(
      /QMTL_VENUE_BINANCE_SUB_SECRET: required/,
    );
    expect(() => loadVenueCredentials({ QMTL_VENUE_OKX_SECRET: 's', QMTL_VENUE_OKX_PASSWORD: 'p' })).toThrow(
      /QMTL_VENUE_OKX_API_KEY: required/,
    );
    expect(new VenueCredentials().accounts()).toEqual([]);
  });
});
