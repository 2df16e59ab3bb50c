/**
 * The simulated exchange `sim`: deterministic OHLCV for any symbol and timeframe,
 * so everything runs offline. A bar is a pure function of (symbol, timeframe, bar
 * open) — no state, no clock inside the model — so any page, in any order, in any
 * process yields the same bars. Only "which bars are closed yet" reads the
 * injected clock.
 *
 * Price model (one continuous path per symbol, shared by every timeframe):
 *   P(t) = reference(symbol) × exp(σ(symbol) × W(t))
 * W is a Brownian path built by Lévy's midpoint construction on a dyadic grid of
 * whole seconds spanning 2^32 s from 2010-01-01Z, pinned to 0 at both ends. W at
 * any instant is found by descending at most 32 levels of midpoints, each displaced
 * by a normal draw hashed from (symbol, midpoint) — no iteration from genesis; a
 * page walks only the subtree over its own window. Below ~48 days the displacement
 * variance is Brownian (length/4, in years), so bar returns have sd σ·√interval;
 * above it the variance is capped, which keeps each symbol wandering within roughly
 * ±0.7 in log price of its reference instead of drifting off over decades.
 * A bar opening at ts takes open = P(ts) and close = P(ts + interval), both
 * rounded to the symbol's tick, so open equals the previous bar's close exactly
 * (the same number computed twice), and a 1h bar's open/close equal the 1m opens
 * at the same instants. Wicks and volume are hashed from (symbol, interval, ts), so
 * a 1h bar's high/low are plausible but not the envelope of its 1m bars.
 */
import { timeframeMs, type Bar } from '../../domain/data/bars';
import { venueRejected, type MarketDataVenue, type RawOhlcv } from './port';

/** A simulated bar: every field present. */
export interface SimBar extends Bar {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Bound once: global lookups are slow inside vm sandboxes (Jest runs tests in one). */
const { PI, abs, ceil, cos, exp, floor, imul, log, log10, max, min, round, sqrt } = Math;

export const SIM_EXCHANGE = 'sim';
export const SIM_PAGE_LIMIT = 1000;
export const SIM_DEFAULT_LISTING_MS = Date.UTC(2017, 0, 1);
/** The path is defined on [SIM_PATH_START_MS, SIM_PATH_END_MS] (2010-01-01Z + 2^32 s, in 2146). */
export const SIM_PATH_START_MS = Date.UTC(2010, 0, 1);
const PATH_LEVELS = 32;
const PATH_SPAN_S = 2 ** PATH_LEVELS;
export const SIM_PATH_END_MS = SIM_PATH_START_MS + PATH_SPAN_S * 1_000;
/** Scales longer than this (2^22 s ≈ 48.5 days) stop adding Brownian variance. */
const VARIANCE_CAP_S = 2 ** 22;
const YEAR_S = 365.25 * 86_400;
/** Wick length in bar standard deviations (times |N(0,1)|). */
const WICK_SCALE = 0.6;

/** Reference USD prices, yearly volatility and 1m turnover for well-known currencies. */
const KNOWN_CURRENCIES: Record<string, { usd: number; vol: number; usdPerMinute?: number }> = {
  BTC: { usd: 60_000, vol: 0.55, usdPerMinute: 1_200_000 },
  ETH: { usd: 3_000, vol: 0.7, usdPerMinute: 600_000 },
  BNB: { usd: 550, vol: 0.65, usdPerMinute: 80_000 },
  SOL: { usd: 150, vol: 0.9, usdPerMinute: 200_000 },
  XRP: { usd: 0.55, vol: 0.8, usdPerMinute: 100_000 },
  ADA: { usd: 0.45, vol: 0.8, usdPerMinute: 40_000 },
  DOGE: { usd: 0.12, vol: 0.95, usdPerMinute: 60_000 },
  USD: { usd: 1, vol: 0.01 },
  USDT: { usd: 1, vol: 0.01 },
  USDC: { usd: 1, vol: 0.01 },
  BUSD: { usd: 1, vol: 0.01 },
  FDUSD: { usd: 1, vol: 0.01 },
  DAI: { usd: 1, vol: 0.01 },
  EUR: { usd: 1.08, vol: 0.08 },
};

/** Per-symbol constants of the model, derived from the symbol string only. */
export interface SimSymbolProfile {
  symbol: string;
  seed: number;
  /** P at the ends of the path span; the path wanders around it. */
  referencePrice: number;
  /** Yearly volatility of log price. */
  annualVol: number;
  /** Prices are whole multiples of 10^-tickDecimals. */
  tickDecimals: number;
  tickSize: number;
  /** Typical quote-currency turnover of a 1m bar. */
  notionalPerMinute: number;
}

const profiles = new Map<string, SimSymbolProfile>();

/** The model's constants for a symbol (memoised; a pure function of the symbol). */
export function simSymbolProfile(symbol: string): SimSymbolProfile {
  const cached = profiles.get(symbol);
  if (cached) return cached;
  const seed = fmix32(fnv1a(symbol));
  const [baseCode = symbol, quoteCode = 'USD'] = symbol.split(':')[0]!.toUpperCase().split('/');
  const base = currency(baseCode);
  const quote = currency(quoteCode);
  const referencePrice = base.usd / quote.usd;
  const tickDecimals = max(2, 5 - floor(log10(referencePrice)));
  const notionalUsd = base.usdPerMinute ?? logUniform(hash32(seed, SALT.turnover, 0), 2_000, 200_000);
  const profile: SimSymbolProfile = {
    symbol,
    seed,
    referencePrice,
    annualVol: max(base.vol, quote.vol),
    tickDecimals,
    tickSize: 10 ** -tickDecimals,
    notionalPerMinute: notionalUsd / quote.usd,
  };
  profiles.set(symbol, profile);
  return profile;
}

/** Path prices of `symbol` at `firstMs + i × stepMs`, i = 0…count (whole seconds, within the span). */
export function simPathPrices(symbol: string, firstMs: number, stepMs: number, count: number): number[] {
  checkInstant(firstMs);
  checkInstant(firstMs + count * stepMs);
  if (stepMs <= 0 || stepMs % 1_000 !== 0) {
    throw new RangeError(`sim path step must be whole seconds, got ${stepMs}`);
  }
  const { seed, referencePrice, annualVol } = simSymbolProfile(symbol);
  const w = brownianGrid(seed, (firstMs - SIM_PATH_START_MS) / 1_000, stepMs / 1_000, count);
  return Array.from(w, (value) => referencePrice * exp(annualVol * value));
}

/** The bar of `symbol` at `timeframe` opening at `ts` (aligned to the timeframe's epoch grid). */
export function simBar(symbol: string, timeframe: string, ts: number): SimBar {
  const intervalMs = requireTimeframe(timeframe);
  if (ts % intervalMs !== 0) throw new RangeError(`sim bar ts ${ts} is not aligned to ${timeframe}`);
  const [bar] = simBars(symbol, intervalMs, ts, 1);
  return bar!;
}

/** `count` consecutive bars from `firstTs`; bar i closes where bar i + 1 opens. */
function simBars(symbol: string, intervalMs: number, firstTs: number, count: number): SimBar[] {
  const profile = simSymbolProfile(symbol);
  const ticks = simPathPrices(symbol, firstTs, intervalMs, count).map((price) => toTicks(profile, price));
  const bars: SimBar[] = [];
  for (let i = 0; i < count; i++) {
    bars.push(shapeBar(profile, intervalMs, firstTs + i * intervalMs, ticks[i]!, ticks[i + 1]!));
  }
  return bars;
}

/** Wicks and volume around a bar's open and close, in whole ticks so the envelope survives rounding. */
function shapeBar(
  profile: SimSymbolProfile,
  intervalMs: number,
  ts: number,
  open: number,
  close: number,
): SimBar {
  const key = (ts - SIM_PATH_START_MS) / 1_000;
  const intervalS = intervalMs / 1_000;
  const barSd = profile.annualVol * sqrt(intervalS / YEAR_S);
  const upper = max(open, close);
  const lower = min(open, close);
  const high = max(
    upper,
    ceil(upper * exp(WICK_SCALE * barSd * abs(normal(profile.seed, SALT.high, intervalS, key)))),
  );
  const low = max(
    1,
    min(lower, floor(lower * exp(-WICK_SCALE * barSd * abs(normal(profile.seed, SALT.low, intervalS, key))))),
  );
  const scale = 10 ** profile.tickDecimals;
  const mid = (open + close) / 2 / scale;
  const move = barSd > 0 ? abs(log(close / open)) / barSd : 0;
  const turnover =
    profile.notionalPerMinute *
    (intervalS / 60) *
    exp(0.5 * normal(profile.seed, SALT.volume, intervalS, key));
  const volume = max(1e-8, Number(((turnover * (1 + 0.5 * move)) / mid).toFixed(8)));
  return { ts, open: open / scale, high: high / scale, low: low / scale, close: close / scale, volume };
}

export interface SimVenueOptions {
  /** First bar open of every symbol (epoch ms); earlier pages start here. Default 2017-01-01Z. */
  listingMs?: number;
  /** Wall clock (epoch ms); the bar containing `now()` is still forming and never returned. */
  now?: () => number;
}

export class SimVenue implements MarketDataVenue {
  readonly exchange = SIM_EXCHANGE;
  readonly pageLimit = SIM_PAGE_LIMIT;
  readonly timestampUnit = 'ms' as const;
  private readonly listingMs: number;
  private readonly now: () => number;

  constructor(options: SimVenueOptions = {}) {
    this.listingMs = options.listingMs ?? SIM_DEFAULT_LISTING_MS;
    this.now = options.now ?? Date.now;
    if (
      !Number.isInteger(this.listingMs) ||
      this.listingMs < SIM_PATH_START_MS ||
      this.listingMs >= SIM_PATH_END_MS
    ) {
      throw new RangeError(
        `sim listing time must be an epoch ms within the sim path span, got ${this.listingMs}`,
      );
    }
  }

  async fetchOhlcvPage(
    symbol: string,
    timeframe: string,
    sinceMs: number,
    limit: number,
  ): Promise<RawOhlcv[]> {
    if (symbol.trim() === '') throw venueRejected(this.exchange, 'empty symbol', 'BadSymbol');
    const intervalMs = timeframeMs(timeframe);
    if (intervalMs === undefined) {
      throw venueRejected(this.exchange, `unknown timeframe ${timeframe}`, 'BadRequest');
    }
    if (!Number.isFinite(sinceMs)) {
      throw venueRejected(this.exchange, `since must be epoch ms, got ${sinceMs}`, 'BadRequest');
    }
    if (!Number.isInteger(limit) || limit < 1) {
      throw venueRejected(this.exchange, `limit must be ≥ 1, got ${limit}`, 'BadRequest');
    }
    const first = alignUp(max(sinceMs, this.listingMs), intervalMs);
    // Bars open strictly before the forming bar, and close within the path span.
    const end = min(floor(this.now() / intervalMs) * intervalMs, SIM_PATH_END_MS - intervalMs + 1);
    const count = min(limit, this.pageLimit, ceil((end - first) / intervalMs));
    if (count <= 0) return [];
    return simBars(symbol, intervalMs, first, count).map((b) => [
      b.ts,
      b.open,
      b.high,
      b.low,
      b.close,
      b.volume,
    ]);
  }
}

// ---- the path --------------------------------------------------------------

/**
 * W at the whole seconds `first + i × step`, i = 0…count. Walks the dyadic midpoint
 * tree from [0, 2^32] into every interval holding a requested second, so a page of
 * n bars costs about n × log2(step) draws, and each value is computed by exactly the
 * same chain of operations whichever window asked for it (bit-identical pages).
 */
function brownianGrid(seed: number, first: number, step: number, count: number): Float64Array {
  const values = new Float64Array(count + 1);
  const last = first + count * step;
  const record = (s: number, w: number): void => {
    if (s >= first && s <= last && (s - first) % step === 0) values[(s - first) / step] = w;
  };
  const visit = (a: number, b: number, wa: number, wb: number): void => {
    record(a, wa);
    record(b, wb);
    const inside = first > a ? first : first + (floor((a - first) / step) + 1) * step;
    if (inside >= b || inside > last) return;
    const mid = (a + b) / 2;
    const sd = sqrt(min(b - a, VARIANCE_CAP_S) / YEAR_S) / 2;
    const wm = (wa + wb) / 2 + sd * normal(seed, SALT.path, 0, mid);
    visit(a, mid, wa, wm);
    visit(mid, b, wm, wb);
  };
  visit(0, PATH_SPAN_S, 0, 0);
  return values;
}

function checkInstant(atMs: number): void {
  if (!Number.isInteger(atMs) || atMs % 1_000 !== 0 || atMs < SIM_PATH_START_MS || atMs > SIM_PATH_END_MS) {
    throw new RangeError(`sim path is defined on whole seconds from 2010-01-01Z to 2146, got ${atMs}`);
  }
}

function toTicks(profile: SimSymbolProfile, price: number): number {
  return max(1, round(price * 10 ** profile.tickDecimals));
}

function requireTimeframe(timeframe: string): number {
  const intervalMs = timeframeMs(timeframe);
  if (intervalMs === undefined) throw new RangeError(`unknown timeframe ${timeframe}`);
  return intervalMs;
}

function alignUp(ms: number, intervalMs: number): number {
  return ceil(ms / intervalMs) * intervalMs;
}

function currency(code: string): { usd: number; vol: number; usdPerMinute?: number } {
  const known = KNOWN_CURRENCIES[code];
  if (known) return known;
  const seed = fmix32(fnv1a(code));
  return {
    usd: logUniform(hash32(seed, SALT.price, 0), 0.01, 100),
    vol: 0.6 + 0.6 * unit(hash32(seed, SALT.vol, 0)),
  };
}

// ---- hashing: 32-bit integer mixing, stable across processes and platforms --

const SALT = { path: 1, high: 2, low: 3, volume: 4, price: 5, vol: 6, turnover: 7 } as const;

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** murmur3's finaliser: a bijection on 32-bit integers with full avalanche. */
function fmix32(value: number): number {
  let h = value;
  h = imul(h ^ (h >>> 16), 0x85ebca6b);
  h = imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hash32(seed: number, salt: number, key: number, key2 = 0): number {
  let h = fmix32(seed ^ imul(salt, 0x9e3779b1));
  h = fmix32(h ^ key);
  return fmix32(h ^ imul(key2, 0xcc9e2d51));
}

/** Uniform in (0, 1), never 0 or 1. */
function unit(h: number): number {
  return (h + 0.5) / 4_294_967_296;
}

/** Standard normal draw keyed by (seed, salt, a, b): Box–Muller over two hashed uniforms. */
function normal(seed: number, salt: number, a: number, b: number): number {
  const u1 = unit(hash32(seed, salt, b, a));
  const u2 = unit(hash32(seed, salt + 0x100, b, a));
  return sqrt(-2 * log(u1)) * cos(2 * PI * u2);
}

function logUniform(h: number, low: number, high: number): number {
  return low * (high / low) ** unit(h);
}
