/**
 * Buying power (after LEAN's CashBuyingPowerModel and SecurityMarginModel): may
 * this order be submitted, and how much must be reserved until it is terminal?
 * Pure functions over an account value; the account workflow holds the value,
 * reserves at submit and releases at a terminal state (SPEC §8).
 */
import Decimal from 'decimal.js';
import { z } from 'zod';
import { decimalSchema, type Side } from './market';
import { totalCash, type CashBalance } from './settlement';
import type { ShortabilityProvider } from './shortability';

/** What a live order holds back: cash (or initial margin) and, for sells, the quantity. */
export interface Reservation {
  orderId: string;
  symbol: string;
  side: Side;
  quantity: Decimal;
  cash: Decimal;
}

export interface Account {
  cash: CashBalance;
  /** Signed quantities: negative is short. */
  positions: Readonly<Record<string, Decimal>>;
  reservations: readonly Reservation[];
}

export interface OrderRequest {
  orderId: string;
  symbol: string;
  side: Side;
  /** Unsigned, > 0. */
  quantity: Decimal;
  /** Expected fill price (limit price, or last/ask for a market order), > 0. */
  price: Decimal;
  /** Estimated fee from the venue's fee model; reserved with the order. */
  fee?: Decimal;
  ts: number;
}

export type BuyingPowerReason =
  | 'INSUFFICIENT_BUYING_POWER'
  | 'SHORT_NOT_ALLOWED'
  | 'INSUFFICIENT_BORROW'
  | 'MISSING_PRICE'
  | 'INVALID_ORDER';

export type BuyingPowerResult =
  { ok: true; reserve: Reservation } | { ok: false; reason: BuyingPowerReason; detail: string };

export interface BuyingPowerModel {
  /** `marks` prices every held symbol; a margin account values its portfolio with them. */
  check(account: Account, order: OrderRequest, marks: Readonly<Record<string, Decimal>>): BuyingPowerResult;
}

const ZERO = new Decimal(0);
const fraction = (min: 'gt' | 'gte') =>
  decimalSchema.refine((d) => d[min](0) && d.lte(1), `must be in ${min === 'gt' ? '(0' : '[0'}, 1]`);

export const buyingPowerConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('cash'),
    /** Spend sale proceeds before they settle (LEAN's default is no: a free-riding guard). */
    useUnsettledCash: z.boolean().default(false),
  }),
  z.strictObject({
    kind: z.literal('margin'),
    leverage: decimalSchema.refine((d) => d.gte(1), 'leverage must be >= 1'),
    /** Fraction of |position value| that must stay covered; defaults to 1 / leverage. */
    maintenanceMargin: fraction('gt').optional(),
    /** Buffer of portfolio value that must stay free after any opening order. */
    requiredFreeMargin: fraction('gte').default(ZERO),
  }),
]);
export type BuyingPowerConfig = z.output<typeof buyingPowerConfigSchema>;

const reject = (reason: BuyingPowerReason, detail: string): BuyingPowerResult => ({
  ok: false,
  reason,
  detail,
});
const sum = (values: Decimal[]) => values.reduce((a, b) => a.plus(b), ZERO);

/**
 * Splits an order into the part that reduces the current position and the part
 * that opens (or extends) one. Quantity already promised to pending orders on
 * the same side is not reducible twice. A sell that only reduces a long is never
 * a short (SPEC §12: every sell treated as a short).
 */
export function splitOrder(account: Account, order: OrderRequest): { reducing: Decimal; opening: Decimal } {
  const position = account.positions[order.symbol] ?? ZERO;
  const held = order.side === 'sell' ? Decimal.max(position, 0) : Decimal.max(position.neg(), 0);
  const pending = sum(
    account.reservations
      .filter((r) => r.symbol === order.symbol && r.side === order.side)
      .map((r) => r.quantity),
  );
  const reducing = Decimal.min(order.quantity, Decimal.max(held.minus(pending), 0));
  return { reducing, opening: order.quantity.minus(reducing) };
}

function invalid(order: OrderRequest): BuyingPowerResult | undefined {
  if (!order.quantity.isFinite() || order.quantity.lte(0))
    return reject('INVALID_ORDER', 'quantity must be > 0');
  if (!order.price.isFinite() || order.price.lte(0)) return reject('INVALID_ORDER', 'price must be > 0');
  if (order.fee?.isNegative()) return reject('INVALID_ORDER', 'fee must be >= 0');
  return undefined;
}

const reservedCash = (account: Account) => sum(account.reservations.map((r) => r.cash));

/** Cash account: buys are paid in full from usable cash; sells never exceed what is held. */
export function cashBuyingPower(config: { useUnsettledCash: boolean }): BuyingPowerModel {
  return {
    check(account, order) {
      const bad = invalid(order);
      if (bad) return bad;
      const existing = account.reservations.find((r) => r.orderId === order.orderId);
      if (existing) return { ok: true, reserve: existing }; // a retried submit, already counted
      const base = {
        orderId: order.orderId,
        symbol: order.symbol,
        side: order.side,
        quantity: order.quantity,
      };
      if (order.side === 'sell') {
        const { opening } = splitOrder(account, order);
        if (opening.gt(0))
          return reject('SHORT_NOT_ALLOWED', `cash account: sell exceeds held quantity by ${opening}`);
        return { ok: true, reserve: { ...base, cash: ZERO } };
      }
      const cost = order.quantity.times(order.price).plus(order.fee ?? ZERO);
      // Money owed for unsettled purchases is always spent; unsettled proceeds only when allowed.
      const usableUnsettled = sum(
        account.cash.unsettled.map((u) => (config.useUnsettledCash ? u.amount : Decimal.min(u.amount, 0))),
      );
      const available = account.cash.settled.plus(usableUnsettled).minus(reservedCash(account));
      if (cost.gt(available))
        return reject('INSUFFICIENT_BUYING_POWER', `cost ${cost} > available cash ${available}`);
      return { ok: true, reserve: { ...base, cash: cost } };
    },
  };
}

export interface MarginTerms {
  leverage: Decimal;
  maintenanceMargin?: Decimal;
  requiredFreeMargin: Decimal;
}

/**
 * Margin account: portfolio value = cash + Σ signed quantity × mark; margin used
 * = Σ |value| × maintenance; free margin = portfolio value − margin used −
 * unsettled proceeds − reservations. An order's opening part needs initial
 * margin (notional / leverage) plus its fee, and is accepted only if free margin
 * afterwards is still ≥ requiredFreeMargin × portfolio value. Reducing parts
 * need nothing and free their maintenance margin: risk can always be cut.
 */
export function marginBuyingPower(terms: MarginTerms, shortability: ShortabilityProvider): BuyingPowerModel {
  const initial = new Decimal(1).div(terms.leverage);
  const maintenance = terms.maintenanceMargin ?? initial;
  return {
    check(account, order, marks) {
      const bad = invalid(order);
      if (bad) return bad;
      const existing = account.reservations.find((r) => r.orderId === order.orderId);
      if (existing) return { ok: true, reserve: existing };
      const held = Object.entries(account.positions).filter(([, quantity]) => !quantity.isZero());
      const unpriced = held.find(([symbol]) => !marks[symbol]);
      if (unpriced) return reject('MISSING_PRICE', `no mark for held ${unpriced[0]}`);
      const value = ([symbol, quantity]: [string, Decimal]) => quantity.times(marks[symbol]!);

      const { reducing, opening } = splitOrder(account, order);
      const base = {
        orderId: order.orderId,
        symbol: order.symbol,
        side: order.side,
        quantity: order.quantity,
      };
      if (opening.isZero()) return { ok: true, reserve: { ...base, cash: ZERO } };

      if (order.side === 'sell') {
        const borrowable = shortability.borrowable(order.symbol, order.ts);
        if (borrowable.isZero()) return reject('SHORT_NOT_ALLOWED', `${order.symbol} is not shortable`);
        if (borrowable.lt(opening))
          return reject('INSUFFICIENT_BORROW', `short ${opening} > borrowable ${borrowable}`);
      }

      const portfolioValue = totalCash(account.cash).plus(sum(held.map(value)));
      const marginUsed = sum(held.map((p) => value(p).abs())).times(maintenance);
      const unsettledProceeds = sum(account.cash.unsettled.map((u) => Decimal.max(u.amount, 0)));
      const free = portfolioValue.minus(marginUsed).minus(unsettledProceeds).minus(reservedCash(account));
      const freed = reducing.times(marks[order.symbol] ?? order.price).times(maintenance);
      const required = opening
        .times(order.price)
        .times(initial)
        .plus(order.fee ?? ZERO);
      const buffer = portfolioValue.times(terms.requiredFreeMargin);
      const freeAfter = free.plus(freed).minus(required);
      if (freeAfter.lt(buffer)) {
        return reject(
          'INSUFFICIENT_BUYING_POWER',
          `free margin after order ${freeAfter} < required ${buffer}`,
        );
      }
      return { ok: true, reserve: { ...base, cash: required } };
    },
  };
}

export function createBuyingPowerModel(
  config: BuyingPowerConfig,
  shortability: ShortabilityProvider,
): BuyingPowerModel {
  return config.kind === 'cash' ? cashBuyingPower(config) : marginBuyingPower(config, shortability);
}

/** Holds an accepted order's reservation; a second reserve for the same order is a no-op (retries). */
export function reserve(account: Account, reservation: Reservation): Account {
  if (account.reservations.some((r) => r.orderId === reservation.orderId)) return account;
  return { ...account, reservations: [...account.reservations, reservation] };
}

/** Frees an order's reservation at its terminal state; releasing twice is harmless. */
export function release(account: Account, orderId: string): Account {
  const reservations = account.reservations.filter((r) => r.orderId !== orderId);
  return reservations.length === account.reservations.length ? account : { ...account, reservations };
}

/**
 * Shrinks a reservation pro rata as fills arrive, since the filled part now sits
 * in positions and cash; otherwise a partly filled order would be counted twice.
 */
export function consumeReservation(account: Account, orderId: string, filledQuantity: Decimal): Account {
  return {
    ...account,
    reservations: account.reservations.map((r) => {
      if (r.orderId !== orderId) return r;
      const quantity = Decimal.max(r.quantity.minus(filledQuantity), 0);
      const cash = r.quantity.isZero() ? ZERO : r.cash.times(quantity).div(r.quantity);
      return { ...r, quantity, cash };
    }),
  };
}

export function parseBuyingPowerConfig(input: unknown): BuyingPowerConfig {
  return buyingPowerConfigSchema.parse(input);
}
