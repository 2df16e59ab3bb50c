/**
 * Exchange API credentials, read once from the worker's environment at start-up
 * and handed to the venue registry by reference (SPEC §4, §7): they never enter
 * workflow payloads, histories or logs.
 *
 *   QMTL_VENUE_<EXCHANGE>[_<ACCOUNT>]_API_KEY   required with _SECRET
 *   QMTL_VENUE_<EXCHANGE>[_<ACCOUNT>]_SECRET
 *   QMTL_VENUE_<EXCHANGE>[_<ACCOUNT>]_PASSWORD  optional (okx, kucoin… passphrase)
 *
 * EXCHANGE is the ccxt id upper-cased (BINANCE, OKX); without ACCOUNT the account
 * is `default`. Account names may hold underscores (…_BINANCE_DESK_2_API_KEY →
 * account `desk_2`).
 */
import { inspect } from 'node:util';
import {
  DEFAULT_VENUE_ACCOUNT,
  type VenueCredential,
  type VenueCredentialLookup,
} from '../activities/venues/port';
import { ConfigError } from './config';

export type { VenueCredential };

const VARIABLE = /^QMTL_VENUE_([A-Z0-9]+)(?:_([A-Z0-9_]+?))?_(API_KEY|SECRET|PASSWORD)$/;
const FIELDS = { API_KEY: 'apiKey', SECRET: 'secret', PASSWORD: 'password' } as const;

/** Credentials by (exchange, account). Prints and serialises as the list of accounts only. */
export class VenueCredentials implements VenueCredentialLookup {
  private readonly byAccount: ReadonlyMap<string, Readonly<VenueCredential>>;

  constructor(
    entries: Iterable<readonly [exchange: string, account: string, credential: VenueCredential]> = [],
  ) {
    const byAccount = new Map<string, Readonly<VenueCredential>>();
    for (const [exchange, account, credential] of entries) {
      byAccount.set(key(exchange, account), Object.freeze({ ...credential }));
    }
    this.byAccount = byAccount;
  }

  get(exchange: string, account: string = DEFAULT_VENUE_ACCOUNT): Readonly<VenueCredential> | undefined {
    return this.byAccount.get(key(exchange, account));
  }

  /** `exchange/account` pairs that have credentials. */
  accounts(): string[] {
    return [...this.byAccount.keys()].sort();
  }

  toJSON(): { accounts: string[] } {
    return { accounts: this.accounts() };
  }

  [inspect.custom](): string {
    return `VenueCredentials(${this.accounts().join(', ')})`;
  }
}

/**
 * Collect every QMTL_VENUE_* credential from an environment map. A key without its
 * secret (or the reverse) stops start-up with a ConfigError naming the variable.
 */
export function loadVenueCredentials(env: NodeJS.ProcessEnv): VenueCredentials {
  const partial = new Map<
    string,
    { exchange: string; account: string; prefix: string } & Partial<VenueCredential>
  >();
  for (const [name, raw] of Object.entries(env)) {
    const match = VARIABLE.exec(name);
    const value = raw?.trim();
    if (!match || !value) continue;
    const [, exchangeUpper, accountUpper, field] = match as unknown as [
      string,
      string,
      string | undefined,
      keyof typeof FIELDS,
    ];
    const exchange = exchangeUpper.toLowerCase();
    const account = accountUpper?.toLowerCase() ?? DEFAULT_VENUE_ACCOUNT;
    const prefix = name.slice(0, -field.length);
    const entry = partial.get(key(exchange, account)) ?? { exchange, account, prefix };
    entry[FIELDS[field]] = value;
    partial.set(key(exchange, account), entry);
  }
  const entries: [string, string, VenueCredential][] = [];
  const problems: string[] = [];
  for (const { exchange, account, prefix, apiKey, secret, password } of partial.values()) {
    if (apiKey === undefined || secret === undefined) {
      const missing = apiKey === undefined ? 'API_KEY' : 'SECRET';
      problems.push(`${prefix}${missing}: required when other ${prefix}* variables are set`);
      continue;
    }
    entries.push([
      exchange,
      account,
      password === undefined ? { apiKey, secret } : { apiKey, secret, password },
    ]);
  }
  if (problems.length > 0) throw new ConfigError(`invalid venue credentials: ${problems.sort().join('; ')}`);
  return new VenueCredentials(entries);
}

function key(exchange: string, account: string): string {
  return `${exchange}/${account}`;
}
