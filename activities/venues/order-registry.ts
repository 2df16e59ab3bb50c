/**
 * The trading venues of one worker process (SPEC §8): one SimOrderVenue per
 * `sim` account, over the store's SimBook, and for real exchanges whatever the
 * worker's ccxt factory builds. Instances are kept per (exchange, account), so
 * a ccxt rate limiter and market cache are shared by every activity calling it.
 */
import { createBrokerageModel, SIM_BROKERAGE, type BrokerageModel } from '../../domain/brokerage/model';
import type { Store } from '../store/port';
import type { OrderVenue, OrderVenueLookup } from './order-port';
import { DEFAULT_VENUE_ACCOUNT, venueRejected, type VenueCredentialLookup } from './port';
import { SIM_EXCHANGE } from './sim';
import { SimOrderVenue } from './sim-orders';

export interface OrderVenueRegistryOptions {
  store: Store;
  /** Currency totals every `sim` account starts with (config QMTL_SIM_BALANCES). */
  simStartingBalances: Record<string, string>;
  /** The sim venue's brokerage model; default SIM_BROKERAGE. */
  simModel?: BrokerageModel;
  /** Wall clock of the sim venue (tests pin it). */
  now?: () => number;
  /** When given, a real exchange account without credentials is refused before any ccxt client is built. */
  credentials?: VenueCredentialLookup;
  /** Builds the trading side of a real exchange account (ccxt-orders.ts); none: sim only. */
  createCcxtOrderVenue?: (exchange: string, account: string) => OrderVenue;
}

export class OrderVenueRegistry implements OrderVenueLookup {
  private readonly venues = new Map<string, OrderVenue>();
  private readonly simModel: BrokerageModel;

  constructor(private readonly options: OrderVenueRegistryOptions) {
    this.simModel = options.simModel ?? createBrokerageModel(SIM_BROKERAGE);
  }

  /** The same instance on every call for one (exchange, account); throws VenueRejected when none can exist. */
  orderVenue(exchange: string, account: string): OrderVenue {
    const id = JSON.stringify([exchange, account]);
    let venue = this.venues.get(id);
    if (!venue) {
      venue = exchange === SIM_EXCHANGE ? this.buildSim(account) : this.buildExchange(exchange, account);
      this.venues.set(id, venue);
    }
    return venue;
  }

  /** Any account name is a sim account: it is seeded with the starting balances on first use. */
  private buildSim(account: string): SimOrderVenue {
    if (account.trim() === '') throw venueRejected(SIM_EXCHANGE, 'empty account name', 'InvalidArgument');
    return new SimOrderVenue({
      account,
      book: this.options.store.simBook,
      model: this.simModel,
      startingBalances: this.options.simStartingBalances,
      now: this.options.now ?? Date.now,
    });
  }

  private buildExchange(exchange: string, account: string): OrderVenue {
    const create = this.options.createCcxtOrderVenue;
    if (!create) throw venueRejected(exchange, 'no trading venue configured', 'NotSupported');
    const { credentials } = this.options;
    if (credentials && !credentials.get(exchange, account)) {
      const suffix = account === DEFAULT_VENUE_ACCOUNT ? '' : `_${account.toUpperCase()}`;
      const prefix = `QMTL_VENUE_${exchange.toUpperCase()}${suffix}`;
      throw venueRejected(
        exchange,
        `account ${account} has no credentials (set ${prefix}_API_KEY and ${prefix}_SECRET)`,
        'AuthenticationError',
      );
    }
    return create(exchange, account);
  }
}
