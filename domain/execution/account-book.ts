/**
 * The account workflow's bookkeeping as pure functions (SPEC §8): an account
 * value from the venue's balances, a fill booked into positions and cash
 * through the venue's settlement rule, and the decimal-string wire form the
 * workflow keeps in its history. No clock: callers pass `now`.
 */
import type Decimal from 'decimal.js';
import {
  cashBuyingPower,
  consumeReservation,
  type Account,
  type OrderRequest,
} from '../brokerage/buying-power';
import { localDate, zonedTimeToUtc } from '../brokerage/calendar';
import { NO_PRIOR_VOLUME } from '../brokerage/fees';
import { createBrokerageModel, SIM_BROKERAGE, type BrokerageModel } from '../brokerage/model';
import {
  bookTradeCash,
  CRYPTO_SETTLEMENT,
  settlementDate,
  type SettlementRule,
} from '../brokerage/settlement';
import { Dec, type OrderSide } from './symbol';

/** The account's value in wire form (decimal strings), as the account workflow's view carries it. */
export interface AccountLedgerWire {
  cash: { settled: string; unsettled: Array<{ amount: string; settlesOn: string }> };
  positions: Record<string, string>;
  reservations: Array<{ orderId: string; symbol: string; side: OrderSide; quantity: string; cash: string }>;
}

/** One fill as the order workflow forwards it to its account. */
export interface BookedFill {
  orderId: string;
  tradeId: string;
  symbol: string;
  side: OrderSide;
  qty: string;
  price: string;
  fee: string;
  ts: number;
}

/** Trade ids remembered for dedup; older ones belong to orders long finished. */
export const BOOKED_TRADE_IDS_KEPT = 2_000;

/** Normal notation always ("0.00000001", never "1e-8"), and never "-0". */
export const decimalText = (value: Decimal): string => (value.isZero() ? '0' : value.toFixed());

export function accountOfLedger(ledger: AccountLedgerWire): Account {
  return {
    cash: {
      settled: new Dec(ledger.cash.settled),
      unsettled: ledger.cash.unsettled.map((u) => ({ amount: new Dec(u.amount), settlesOn: u.settlesOn })),
    },
    positions: Object.fromEntries(Object.entries(ledger.positions).map(([s, q]) => [s, new Dec(q)])),
    reservations: ledger.reservations.map((r) => ({
      ...r,
      quantity: new Dec(r.quantity),
      cash: new Dec(r.cash),
    })),
  };
}

export function ledgerOfAccount(account: Account): AccountLedgerWire {
  return {
    cash: {
      settled: decimalText(account.cash.settled),
      unsettled: account.cash.unsettled.map((u) => ({
        amount: decimalText(u.amount),
        settlesOn: u.settlesOn,
      })),
    },
    positions: Object.fromEntries(Object.entries(account.positions).map(([s, q]) => [s, decimalText(q)])),
    reservations: account.reservations.map((r) => ({
      orderId: r.orderId,
      symbol: r.symbol,
      side: r.side,
      quantity: decimalText(r.quantity),
      cash: decimalText(r.cash),
    })),
  };
}

/**
 * Cash and positions as the venue reports them: cash is the quote currency's
 * total (all of it settled: the venue has already settled what it reports);
 * every other non-zero currency is a position in `BASE/QUOTE`. Reservations
 * are ours, not the venue's, so they are kept.
 */
export function accountFromBalances(
  balances: ReadonlyArray<{ currency: string; total: string }>,
  quoteCurrency: string,
  reservations: Account['reservations'] = [],
): Account {
  const positions: Record<string, Decimal> = {};
  let settled = new Dec(0);
  for (const { currency, total } of balances) {
    const amount = new Dec(total);
    if (currency === quoteCurrency) settled = amount;
    else if (!amount.isZero()) positions[`${currency}/${quoteCurrency}`] = amount;
  }
  return { cash: { settled, unsettled: [] }, positions, reservations };
}

/**
 * Books one fill: the position moves by the signed quantity, cash by the
 * notional (paid on a buy, received on a sell) less the fee, settled at once
 * or on the settlement date; the order's reservation shrinks by the quantity.
 */
export function bookFill(account: Account, fill: BookedFill, rule: SettlementRule, now: number): Account {
  const qty = new Dec(fill.qty);
  const notional = qty.mul(fill.price);
  const cashFlow = (fill.side === 'buy' ? notional.neg() : notional).minus(fill.fee);
  const cash = bookTradeCash(
    account.cash,
    cashFlow,
    settlementDate(fill.ts, rule),
    localDate(now, rule.timeZone),
  );
  const position = new Dec(account.positions[fill.symbol] ?? 0).plus(fill.side === 'buy' ? qty : qty.neg());
  const positions = { ...account.positions };
  if (position.isZero()) delete positions[fill.symbol];
  else positions[fill.symbol] = position;
  return consumeReservation({ ...account, cash, positions }, fill.orderId, qty);
}

/** Remembers a booked trade id, forgetting the oldest beyond `kept`. */
export function rememberTrade(
  ids: readonly string[],
  tradeId: string,
  kept = BOOKED_TRADE_IDS_KEPT,
): string[] {
  const next = [...ids, tradeId];
  return next.length > kept ? next.slice(next.length - kept) : next;
}

/** When the earliest unsettled amount settles: local midnight of its date; null when none is pending. */
export function nextSettlementAt(account: Account, rule: SettlementRule): number | null {
  if (account.cash.unsettled.length === 0) return null;
  const first = account.cash.unsettled.map((u) => u.settlesOn).sort()[0]!;
  return zonedTimeToUtc(first, 0, rule.timeZone);
}

/** The settlement day `now` falls on (for `settleDue`). */
export const settlementToday = (rule: SettlementRule, now: number): string => localDate(now, rule.timeZone);

/**
 * The rules an account applies: the sim venue's own brokerage model (so
 * reservations match the fees the sim charges); every other venue, until it
 * is configured, a plain cash account settling at once (spot crypto).
 */
export interface AccountRules {
  buyingPower: BrokerageModel['buyingPower'];
  settlement: SettlementRule;
  /** Estimates the fee reserved with an order; zero when the venue's fees are unknown. */
  estimateFee(side: OrderSide, qty: Decimal, price: Decimal): Decimal;
}

export function accountRulesFor(venue: string): AccountRules {
  if (venue === 'sim') {
    const model = createBrokerageModel(SIM_BROKERAGE);
    return {
      buyingPower: model.buyingPower,
      settlement: model.settlement,
      estimateFee: (side, qty, price) =>
        model.fee.fee({ side, qty, price, liquidity: 'taker' }, NO_PRIOR_VOLUME),
    };
  }
  return {
    buyingPower: cashBuyingPower({ useUnsettledCash: false }),
    settlement: CRYPTO_SETTLEMENT,
    estimateFee: () => new Dec(0),
  };
}

/** A reservation request in the buying-power model's terms; the fee is the given one or the estimate. */
export function orderRequestOf(
  request: {
    orderId: string;
    symbol: string;
    side: OrderSide;
    qty: string;
    price: string;
    fee?: string;
    ts: number;
  },
  rules: AccountRules,
): OrderRequest {
  const quantity = new Dec(request.qty);
  const price = new Dec(request.price);
  const fee =
    request.fee !== undefined ? new Dec(request.fee) : rules.estimateFee(request.side, quantity, price);
  return {
    orderId: request.orderId,
    symbol: request.symbol,
    side: request.side,
    quantity,
    price,
    fee,
    ts: request.ts,
  };
}
