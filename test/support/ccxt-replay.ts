/**
 * Offline ccxt (SPEC §7): the REAL ccxt exchange class, markets preloaded from a
 * recorded fixture, and its lowest transport (`fetchImplementation`) answering
 * from recorded raw exchange responses in test/fixtures/ccxt/<exchange>/. Above
 * the transport everything is ccxt's own: request signing and URLs, the rate
 * limiter, response parsing, and its error mapping (handleErrors, then
 * handleHttpStatusCode; AbortError → RequestTimeout; fetch failures → NetworkError).
 *
 * A recording is one JSON file: {request: {method, path, query, body?}, response:
 * {status, statusText, headers, body | text} | {error: 'timeout' | 'connection-reset'}},
 * answered to every repeat of the request, or `responses: [...]` answered one per
 * request, in order (a venue's answer changes: first POST times out, a later GET
 * finds the order); an exhausted sequence fails.
 * Signed requests match without their volatile parts (`timestamp`, `signature`,
 * `recvWindow`, in the query or a form body); a recorded `body` (form fields or
 * JSON) must equal the sent one. `markets.json` holds the exchange's raw market
 * listing (binance /api/v3/exchangeInfo, okx /api/v5/public/instruments), parsed
 * by ccxt's parseMarket.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import ccxt, { type Exchange } from 'ccxt';
import { CcxtOrderVenue } from '../../activities/venues/ccxt-orders';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'ccxt');

export type RecordedResponse =
  | { status: number; statusText?: string; headers?: Record<string, string>; body?: unknown; text?: string }
  | { error: 'timeout' | 'connection-reset' };

export type Recording = {
  request: { method?: string; path: string; query?: Record<string, string>; body?: unknown };
} & ({ response: RecordedResponse } | { responses: RecordedResponse[] });

type ReplayedExchange = 'binance' | 'okx';

export interface ReplayOptions {
  /** Folder under test/fixtures/ccxt/<exchange>/ holding the recordings (default: the exchange folder). */
  recordings?: string;
}

/** Parts of a signed request that change on every call (binance signs query or form body). */
const VOLATILE_PARAMS = new Set(['timestamp', 'signature', 'recvWindow']);

/** Replays recordings by `METHOD path?sorted-query [body]`; an unrecorded request fails loudly. */
export class ReplayTransport {
  /** Every request ccxt made, as `METHOD path?sorted-query` (volatile params dropped, body left out). */
  readonly requests: string[] = [];
  private readonly recordings = new Map<
    string,
    { file: string; responses: RecordedResponse[]; repeat: boolean }
  >();
  private readonly answered = new Map<string, number>();

  constructor(exchangeId: ReplayedExchange, options: ReplayOptions = {}) {
    const dir = path.join(FIXTURES, exchangeId, options.recordings ?? '');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'markets.json')) {
      const recording = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Recording;
      const { method = 'GET', path: urlPath, query = {}, body } = recording.request;
      const key = requestKey(method, urlPath, new URLSearchParams(query), body);
      const clash = this.recordings.get(key);
      if (clash) throw new Error(`${file} and ${clash.file} both record ${key}`);
      const sequence = 'responses' in recording;
      const responses = sequence ? recording.responses : [recording.response];
      this.recordings.set(key, { file, responses, repeat: !sequence });
    }
  }

  /** ccxt's user-suppliable fetch: `(url, {method, headers, body, signal}) → Response`. */
  readonly fetch = async (url: string, init: { method?: string; body?: unknown } = {}): Promise<Response> => {
    const parsed = new URL(url);
    const method = init.method ?? 'GET';
    this.requests.push(requestKey(method, parsed.pathname, parsed.searchParams));
    const key = requestKey(method, parsed.pathname, parsed.searchParams, sentBody(init.body));
    const recording = this.recordings.get(key);
    if (!recording) throw new Error(`no recording for ${key}`);
    const count = this.answered.get(key) ?? 0;
    const response = recording.repeat ? recording.responses[0] : recording.responses[count];
    if (!response) throw new Error(`${recording.file}: all ${count} recorded responses used for ${key}`);
    this.answered.set(key, count + 1);
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
  options: ReplayOptions = {},
): { exchange: Exchange; transport: ReplayTransport } {
  const ExchangeClass = { binance: ccxt.binance, okx: ccxt.okx }[exchangeId];
  const exchange: Exchange = new ExchangeClass({ enableRateLimit: true, ...config });
  const transport = new ReplayTransport(exchangeId, options);
  exchange.fetchImplementation = transport.fetch;
  preloadMarkets(exchange, exchangeId);
  return { exchange, transport };
}

/** Credentials the recorded private requests were signed with (their signatures are not matched). */
const CREDENTIALS = { apiKey: 'test-api-key', secret: 'test-secret', password: 'test-passphrase' };

/** The trading side of a replayed exchange (account `main`), answered from its `orders` recordings. */
export function replayOrderVenue(exchangeId: ReplayedExchange): {
  venue: CcxtOrderVenue;
  transport: ReplayTransport;
} {
  const { exchange, transport } = replayExchange(exchangeId, CREDENTIALS, { recordings: 'orders' });
  return { venue: new CcxtOrderVenue(exchange, 'main'), transport };
}

/** The ApplicationFailure a venue call rejects with; fails the test when it resolves or throws anything else. */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
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

function requestKey(method: string, urlPath: string, query: URLSearchParams, body?: unknown): string {
  const stable = [...query.entries()].filter(([name]) => !VOLATILE_PARAMS.has(name));
  const text = new URLSearchParams(stable.sort(([a], [b]) => a.localeCompare(b))).toString();
  const bodyText = body === undefined ? '' : ` ${canonicalJson(body)}`;
  return `${method.toUpperCase()} ${urlPath}${text ? `?${text}` : ''}${bodyText}`;
}

/** A sent body as recorded: JSON as is (okx), a form body as its non-volatile fields (binance). */
function sentBody(body: unknown): unknown {
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    const fields = [...new URLSearchParams(body).entries()].filter(([name]) => !VOLATILE_PARAMS.has(name));
    return Object.fromEntries(fields);
  }
}

/** Sorted keys, so a recorded body matches whatever order ccxt builds it in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What a real transport throws; ccxt.fetch maps these to RequestTimeout / NetworkError itself. */
function transportError(kind: 'timeout' | 'connection-reset'): Error {
  if (kind === 'timeout') return new DOMException('This operation was aborted', 'AbortError');
  const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  return new TypeError('fetch failed', { cause });
}
