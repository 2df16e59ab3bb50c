/**
 * Reconciliation (SPEC §8) as one pure diff: the venue's view of an account
 * (orders, their trades, balances) against ours (the order workflows and the
 * account workflow) → the repairs to make. The venue is the source of truth;
 * nothing here talks to it or to Temporal — the reconcile workflow fetches
 * both views and applies the actions.
 */
import type Decimal from 'decimal.js';
import type { OrderType } from './order';
import { CLIENT_ORDER_ID_PREFIX } from './order';
import { isTerminal, type OrderState } from './order-state';
import { Dec, type OrderSide } from './symbol';

export type VenueStatus = 'open' | 'filled' | 'canceled' | 'expired' | 'rejected';
export type OrphanPolicy = 'adopt' | 'cancel';

/** One venue trade, in the order workflow's fill wire form (decimal strings). */
export interface VenueFillSeen {
  tradeId: string;
  qty: string;
  price: string;
  fee: string;
  ts: number;
  liquidity?: 'maker' | 'taker';
}

export interface VenueOrderSeen {
  clientOrderId: string;
  venueOrderId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  qty: string;
  filledQty: string;
  limitPrice?: string;
  stopPrice?: string;
  status: VenueStatus;
  ts: number;
  /** Oldest first; absent when not fetched (an order no workflow tracks needs none). */
  trades?: VenueFillSeen[];
}

export interface VenueAccountSnapshot {
  /** When the venue was read (epoch ms); the grace period counts to it. */
  at: number;
  /** Every open order, and every order of ours the venue was asked about and knows. */
  orders: VenueOrderSeen[];
  /** Currency → total (free + used), decimal strings. */
  balances: Record<string, string>;
}

/** One running order workflow, as its `order` query answered (reduced to what the diff reads). */
export interface OrderSeen {
  clientOrderId: string;
  symbol: string;
  state: OrderState;
  /** Trade ids booked, late fills included (they are recorded, so never re-sent). */
  tradeIds: string[];
  /** When the order began (its first event), epoch ms. */
  since: number;
}

export interface ReconcilePolicy {
  orphanPolicy: OrphanPolicy;
  /** How long an order of ours may be unknown to the venue (in flight to it) before it is asked to sync. */
  graceMs: number;
}

export interface BalanceDifference {
  currency: string;
  ours: string;
  venue: string;
}

/** The account workflow as its `account` query answered (reduced to what the diff reads). */
export interface AccountSeen {
  /** Currency → total, as accountTotals reckons them. */
  totals: Record<string, string>;
  /** Trade ids booked, newest last (bounded: an order older than the window blocks the comparison, safely). */
  bookedTradeIds: string[];
}

/** The account's state a decision was made on: its totals and the newest trade it had booked. */
export interface AccountState {
  totals: Record<string, string>;
  lastTradeId?: string;
}

/**
 * What a resync hands the account: the venue balances of the snapshot, to be
 * adopted only while the account is still as the decision saw it (`expected`).
 */
export interface AccountResync {
  /** Currency → total, as the venue reported them. */
  balances: Record<string, string>;
  expected: AccountState;
}

/** A balance difference seen on one pass; resynced only when the next pass sees the very same. */
export interface DifferenceSeen {
  venue: Record<string, string>;
  account: AccountState;
}

export type ReconcileAction =
  | { kind: 'fill'; clientOrderId: string; fill: VenueFillSeen }
  | {
      kind: 'sync';
      clientOrderId: string;
      reason: 'venue_terminal' | 'unknown_at_venue';
      venueStatus?: VenueStatus;
    }
  /** `foreign`: the client order id is not one of ours (placed by hand or by another system). */
  | { kind: 'adopt'; order: Omit<VenueOrderSeen, 'trades'>; foreign: boolean }
  | { kind: 'cancel_orphan'; clientOrderId: string; symbol: string; foreign: boolean }
  /** `resync` absent (a pass begun before resyncs carried balances): the account reads the venue itself. */
  | { kind: 'resync_account'; differences: BalanceDifference[]; resync?: AccountResync };

export type ReconcileActionKind = ReconcileAction['kind'];
export const RECONCILE_ACTION_KINDS: readonly ReconcileActionKind[] = [
  'fill',
  'sync',
  'adopt',
  'cancel_orphan',
  'resync_account',
];

export interface ReconcileInputs {
  venue: VenueAccountSnapshot;
  ours: OrderSeen[];
  /** The account workflow's view; undefined when the account has no workflow. */
  account?: AccountSeen;
  /** The difference the previous pass saw, if any. */
  differenceSeen?: DifferenceSeen;
  policy: ReconcilePolicy;
}

export interface ReconcileDecision {
  actions: ReconcileAction[];
  /** A difference seen on this pass and not yet resynced: hand it to the next pass. */
  differenceSeen?: DifferenceSeen;
}

/**
 * Actions in a fixed order: fills and syncs per order (venue order), then
 * orders of ours the venue does not know, then orphans, then the account.
 */
export function reconcile(inputs: ReconcileInputs): ReconcileDecision {
  const actions = orderRepairs(inputs);
  const check = accountCheck(inputs, actions);
  if (check === undefined) return { actions };
  const { seen, differences } = check;
  if (inputs.differenceSeen === undefined || !sameDifference(inputs.differenceSeen, seen)) {
    return { actions, differenceSeen: seen };
  }
  const resync: AccountResync = { balances: inputs.venue.balances, expected: seen.account };
  return { actions: [...actions, { kind: 'resync_account', differences, resync }] };
}

/**
 * The account's balances may be compared with the venue's only when every
 * fill the venue balances can hold is booked on the account: nothing else is
 * to be repaired first (a fill, a sync, an orphan whose adoption brings fills),
 * and every trade of every order of ours — as the order saw it and as the
 * venue reports it — is among the account's booked trade ids. The venue
 * balances were read before its trades (activities/reconcile), so a trade in
 * the balances is in the trade lists too. An order started after our side was
 * read is invisible here; its fill is booked before the next pass, which then
 * sees other account totals — hence a difference is resynced only when two
 * consecutive passes see the same one (reconcile()).
 */
function accountCheck(
  { venue, ours, account }: ReconcileInputs,
  actions: readonly ReconcileAction[],
): { seen: DifferenceSeen; differences: BalanceDifference[] } | undefined {
  if (account === undefined || actions.length > 0) return undefined;
  const booked = new Set(account.bookedTradeIds);
  const known = new Set(ours.map((mine) => mine.clientOrderId));
  const venueTradeIds = venue.orders
    .filter((order) => known.has(order.clientOrderId))
    .flatMap((order) => (order.trades ?? []).map((t) => t.tradeId));
  const tradeIds = [...ours.flatMap((mine) => mine.tradeIds), ...venueTradeIds];
  if (!tradeIds.every((id) => booked.has(id))) return undefined; // fills in flight: compare next pass
  const differences = balanceDifferences(account.totals, venue.balances);
  if (differences.length === 0) return undefined;
  const lastTradeId = account.bookedTradeIds.at(-1);
  const state: AccountState = { totals: account.totals, ...(lastTradeId !== undefined && { lastTradeId }) };
  return { seen: { venue: venue.balances, account: state }, differences };
}

function sameDifference(a: DifferenceSeen, b: DifferenceSeen): boolean {
  return balanceDifferences(a.venue, b.venue).length === 0 && accountStillIs(a.account, b.account);
}

/** The account is as `expected` said: the same totals and nothing booked since. */
export function accountStillIs(expected: AccountState, now: AccountState): boolean {
  return (
    expected.lastTradeId === now.lastTradeId && balanceDifferences(expected.totals, now.totals).length === 0
  );
}

/** Fills, syncs, orders of ours the venue does not know, orphans. */
function orderRepairs({ venue, ours, policy }: ReconcileInputs): ReconcileAction[] {
  const ourOrders = new Map(ours.map((order) => [order.clientOrderId, order]));
  const atVenue = new Map(venue.orders.map((order) => [order.clientOrderId, order]));
  const actions: ReconcileAction[] = [];
  for (const order of venue.orders) {
    // The order port addresses orders by client order id: one without can be neither adopted nor canceled.
    if (order.clientOrderId === '') continue;
    const mine = ourOrders.get(order.clientOrderId);
    if (mine) actions.push(...repairsOf(order, mine));
    else if (order.status === 'open') actions.push(orphanAction(order, policy.orphanPolicy));
  }
  const unknown = [...ourOrders.values()]
    .filter((mine) => !atVenue.has(mine.clientOrderId) && !isTerminal(mine.state))
    .filter((mine) => venue.at - mine.since > policy.graceMs)
    .sort((a, b) => a.clientOrderId.localeCompare(b.clientOrderId));
  for (const mine of unknown) {
    actions.push({ kind: 'sync', clientOrderId: mine.clientOrderId, reason: 'unknown_at_venue' });
  }
  return actions;
}

/** Venue trades the workflow lacks, and a sync when the venue has ended the order and we have not. */
function repairsOf(order: VenueOrderSeen, mine: OrderSeen): ReconcileAction[] {
  const booked = new Set(mine.tradeIds);
  const actions: ReconcileAction[] = (order.trades ?? [])
    .filter((trade) => !booked.has(trade.tradeId))
    .map((fill) => ({ kind: 'fill', clientOrderId: order.clientOrderId, fill }));
  if (order.status !== 'open' && !isTerminal(mine.state)) {
    actions.push({
      kind: 'sync',
      clientOrderId: order.clientOrderId,
      reason: 'venue_terminal',
      venueStatus: order.status,
    });
  }
  return actions;
}

function orphanAction(order: VenueOrderSeen, policy: OrphanPolicy): ReconcileAction {
  const foreign = !order.clientOrderId.startsWith(CLIENT_ORDER_ID_PREFIX);
  if (policy === 'cancel') {
    return { kind: 'cancel_orphan', clientOrderId: order.clientOrderId, symbol: order.symbol, foreign };
  }
  const { trades: _trades, ...terms } = order;
  return { kind: 'adopt', order: terms, foreign };
}

/** Currencies whose totals differ (a currency missing on one side counts as zero), sorted. */
export function balanceDifferences(
  ours: Record<string, string>,
  venue: Record<string, string>,
): BalanceDifference[] {
  const currencies = [...new Set([...Object.keys(ours), ...Object.keys(venue)])].sort();
  return currencies
    .map((currency) => ({ currency, ours: ours[currency] ?? '0', venue: venue[currency] ?? '0' }))
    .filter((d) => !new Dec(d.ours).eq(new Dec(d.venue)));
}

/** The account workflow's view as currency totals: quote cash (settled + unsettled) and each position's base. */
export function accountTotals(view: {
  quoteCurrency: string;
  cash: { settled: string; unsettled: ReadonlyArray<{ amount: string }> };
  positions: Record<string, string>;
}): Record<string, string> {
  const cash = view.cash.unsettled.reduce((sum, u) => sum.plus(u.amount), new Dec(view.cash.settled));
  const totals = new Map<string, Decimal>([[view.quoteCurrency, cash]]);
  for (const [symbol, qty] of Object.entries(view.positions)) {
    const base = baseCurrency(symbol);
    totals.set(base, (totals.get(base) ?? new Dec(0)).plus(qty));
  }
  return Object.fromEntries([...totals].map(([currency, total]) => [currency, total.toString()]));
}

/** `BTC/USDT` (or `BTC/USDT:USDT`) → `BTC`. */
export function baseCurrency(symbol: string): string {
  return symbol.split('/')[0] ?? symbol;
}

/** How many actions of each kind: the reconcile workflow's pass summary. */
export function countActions(actions: readonly ReconcileAction[]): Record<ReconcileActionKind, number> {
  const counts = Object.fromEntries(RECONCILE_ACTION_KINDS.map((k) => [k, 0])) as Record<
    ReconcileActionKind,
    number
  >;
  for (const action of actions) counts[action.kind] += 1;
  return counts;
}
