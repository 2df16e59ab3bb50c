/**
 * The venues of one worker process: one instance per (exchange, account), built on
 * first use and kept, so ccxt's rate limiter and market cache are shared by every
 * activity calling that account. `sim` is the built-in simulated exchange.
 * Credentials arrive once, at construction, from the worker's environment.
 */
import ccxt, { Exchange } from 'ccxt';
import { CcxtVenue } from './ccxt';
import {
  DEFAULT_VENUE_ACCOUNT,
  venueRejected,
  type MarketDataVenue,
  type VenueCredentialLookup,
} from './port';
import { SIM_EXCHANGE, SimVenue } from './sim';

/** What every ccxt instance is constructed with (plus the account's credentials). */
export interface ExchangeConfig {
  enableRateLimit: true;
  apiKey?: string;
  secret?: string;
  password?: string;
}

export type ExchangeFactory = (exchangeId: string, config: ExchangeConfig) => Exchange;

export interface VenueRegistryOptions {
  /** The worker's credentials (workers/venue-credentials.ts); none: public market data only. */
  credentials?: VenueCredentialLookup;
  /** Wall clock for "is this bar closed yet" (tests pin it). */
  now?: () => number;
  /** First bar of every sim symbol (epoch ms). */
  simListingMs?: number;
  /** Builds ccxt instances; tests pass one that wires a recorded transport. */
  createExchange?: ExchangeFactory;
}

type ExchangeClass = new (config: ExchangeConfig) => Exchange;

/** The ccxt class for an exchange id, if ccxt has one. */
export function ccxtExchangeClass(exchangeId: string): ExchangeClass | undefined {
  if (!/^[a-z0-9]+$/.test(exchangeId) || !ccxt.exchanges.includes(exchangeId)) return undefined;
  const candidate = (ccxt as unknown as Record<string, unknown>)[exchangeId];
  return typeof candidate === 'function' && candidate.prototype instanceof Exchange
    ? (candidate as ExchangeClass)
    : undefined;
}

export const constructExchange: ExchangeFactory = (exchangeId, config) => {
  const ExchangeClassFor = ccxtExchangeClass(exchangeId);
  if (!ExchangeClassFor) throw venueRejected(exchangeId, 'ccxt has no such exchange', 'NotSupported');
  return new ExchangeClassFor(config);
};

export class VenueRegistry {
  private readonly venues = new Map<string, MarketDataVenue>();
  private readonly credentials: VenueCredentialLookup;
  private readonly createExchange: ExchangeFactory;

  constructor(private readonly options: VenueRegistryOptions = {}) {
    this.credentials = options.credentials ?? { get: () => undefined };
    this.createExchange = options.createExchange ?? constructExchange;
  }

  /** The market-data venue for `exchange` as `account` (the same instance on every call). */
  marketDataVenue(exchange: string, account: string = DEFAULT_VENUE_ACCOUNT): MarketDataVenue {
    // sim market data is the same for every account: one instance.
    const id = exchange === SIM_EXCHANGE ? SIM_EXCHANGE : `${exchange}/${account}`;
    let venue = this.venues.get(id);
    if (!venue) {
      venue = exchange === SIM_EXCHANGE ? this.buildSim() : this.buildCcxt(exchange, account);
      this.venues.set(id, venue);
    }
    return venue;
  }

  /** Lookup for activities: undefined when no venue of that name exists (neither `sim` nor a ccxt exchange). */
  marketData(exchange: string, account: string = DEFAULT_VENUE_ACCOUNT): MarketDataVenue | undefined {
    const known =
      exchange === SIM_EXCHANGE || this.options.createExchange !== undefined || ccxtExchangeClass(exchange);
    return known ? this.marketDataVenue(exchange, account) : undefined;
  }

  private buildSim(): SimVenue {
    return new SimVenue({ listingMs: this.options.simListingMs, now: this.options.now });
  }

  private buildCcxt(exchange: string, account: string): CcxtVenue {
    const credential = this.credentials.get(exchange, account);
    if (!credential && account !== DEFAULT_VENUE_ACCOUNT) {
      const prefix = `QMTL_VENUE_${exchange.toUpperCase()}_${account.toUpperCase()}`;
      throw venueRejected(
        exchange,
        `account ${account} has no credentials (set ${prefix}_API_KEY and ${prefix}_SECRET)`,
        'AuthenticationError',
      );
    }
    // The default account may be public-only: market data needs no keys.
    const client = this.createExchange(exchange, { enableRateLimit: true, ...credential });
    return new CcxtVenue(client, { now: this.options.now });
  }
}
