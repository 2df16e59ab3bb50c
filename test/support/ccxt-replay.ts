/**
 * Offline ccxt (SPEC §7): the REAL ccxt exchange class, markets preloaded from a
 * recorded fixture, and its lowest transport (`fetchImplementation`) answering
 * from recorded raw exchange responses in test/fixtures/ccxt/<exchange>/. Above
 * the transport everything is ccxt's own: request signing and URLs, the rate
 * limiter, response parsing, and its error mapping (handleErrors, then
 * handleHttpStatusCode; AbortError → RequestTimeout; fetch failures → NetworkError).
 *
 * A recording is one JSON file: {request: {method, path, query}, response:
 * {status, statusText, headers, body | text} | {error: 'timeout' | 'connection-reset'}}.
 * `markets.json` holds the exchange's raw market listing (binance
 * /api/v3/exchangeInfo, okx /api/v5/public/instruments), parsed by ccxt's parseMarket.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ccxt, { type Exchange } from 'ccxt';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'ccxt');

export interface Recording {
  request: { method?: string; path: string; query?: Record<string, string> };
  response:
    | { status: number; statusText?: string; headers?: Record<string, string>; body?: unknown; text?: string }
    | { error: 'timeout' | 'connection-reset' };
}

type ReplayedExchange = 'binance' | 'okx';

/** Replays recordings by `METHOD path?sorted-query`; an unrecorded request fails loudly. */
export class ReplayTransport {
  /** Every request ccxt made, as `METHOD path?sorted-query`. */
  readonly requests: string[] = [];
  private readonly recordings = new Map<string, Recording>();

  constructor(exchangeId: ReplayedExchange) {
    const dir = path.join(FIXTURES, exchangeId);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'markets.json')) {
      const recording = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Recording;
      const { method = 'GET', path: urlPath, query = {} } = recording.request;
      this.recordings.set(requestKey(method, urlPath, new URLSearchParams(query)), recording);
    }
  }

  /** ccxt's user-suppliable fetch: `(url, {method, headers, body, signal}) → Response`. */
  readonly fetch = async (url: string, init: { method?: string } = {}): Promise<Response> => {
    const parsed = new URL(url);
    const key = requestKey(init.method ?? 'GET', parsed.pathname, parsed.searchParams);
    this.requests.push(key);
    const recording = this.recordings.get(key);
    if (!recording) throw new Error(`no recording for ${key}`);
    const { response } = recording;
    if ('error' in response) throw transportError(response.error);
    const payload = response.text ?? JSON.stringify(response.body);
    return new Response(payload, {
      status: response.status,
      statusText: response.statusText ?? '',
      headers: response.headers ?? {},
    });
  };
}

/** A real ccxt exchange instance with preloaded markets and a replayed transport. */
export function replayExchange(
  exchangeId: ReplayedExchange,
  config: Record<string, unknown> = {},
): { exchange: Exchange; transport: ReplayTransport } {
  const ExchangeClass = { binance: ccxt.binance, okx: ccxt.okx }[exchangeId];
  const exchange: Exchange = new ExchangeClass({ enableRateLimit: true, ...config });
  const transport = new ReplayTransport(exchangeId);
  exchange.fetchImplementation = transport.fetch;
  preloadMarkets(exchange, exchangeId);
  return { exchange, transport };
}

/** Markets from the recorded raw listing through ccxt's own parser, so no request loads them. */
export function preloadMarkets(exchange: Exchange, exchangeId: ReplayedExchange): void {
  const listing = JSON.parse(readFileSync(path.join(FIXTURES, exchangeId, 'markets.json'), 'utf8')) as {
    symbols?: Record<string, unknown>[];
    data?: Record<string, unknown>[];
  };
  const raw = exchangeId === 'binance' ? listing.symbols : listing.data;
  if (exchangeId === 'binance') {
    // binance.fetchMarkets resets these before parsing; parseMarket reads them.
    exchange.options['crossMarginPairsData'] = [];
    exchange.options['isolatedMarginPairsData'] = [];
  }
  exchange.setMarkets((raw ?? []).map((market) => exchange.parseMarket(market)));
}

function requestKey(method: string, urlPath: string, query: URLSearchParams): string {
  const sorted = new URLSearchParams([...query.entries()].sort(([a], [b]) => a.localeCompare(b)));
  const text = sorted.toString();
  return `${method.toUpperCase()} ${urlPath}${text ? `?${text}` : ''}`;
}

/** What a real transport throws; ccxt.fetch maps these to RequestTimeout / NetworkError itself. */
function transportError(kind: 'timeout' | 'connection-reset'): Error {
  if (kind === 'timeout') return new DOMException('This operation was aborted', 'AbortError');
  const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  return new TypeError('fetch failed', { cause });
}
