/**
 * Market snapshot seen by the brokerage models (fill, slippage, fee): the best
 * bid/ask, the last trade and the current bar, all decimal. Pure data: no
 * clocks, no I/O; callers build it from a quote, a bar or both.
 */
import Decimal from 'decimal.js';
import { z } from 'zod';

export type Side = 'buy' | 'sell';

export interface Bar {
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  volume: Decimal;
}

export interface MarketSnapshot {
  bid?: Decimal;
  ask?: Decimal;
  last?: Decimal;
  bar?: Bar;
}

/**
 * Decimal config values arrive as strings ("0.0035") so no binary float ever
 * touches a rate; finite numbers are accepted for hand-written configs.
 */
export const decimalSchema = z
  .union([z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal number'), z.number().finite()])
  .transform((value) => new Decimal(value));

export const nonNegativeDecimalSchema = decimalSchema.refine((d) => d.gte(0), 'must be >= 0');

const barSchema = z
  .strictObject({
    open: decimalSchema,
    high: decimalSchema,
    low: decimalSchema,
    close: decimalSchema,
    volume: nonNegativeDecimalSchema,
  })
  .refine((b) => b.low.lte(b.open) && b.low.lte(b.close) && b.high.gte(b.open) && b.high.gte(b.close), {
    message: 'bar must satisfy low <= open, close <= high',
  });

export const marketSnapshotSchema = z
  .strictObject({
    bid: decimalSchema.optional(),
    ask: decimalSchema.optional(),
    last: decimalSchema.optional(),
    bar: barSchema.optional(),
  })
  .refine((m) => !(m.bid && m.ask) || m.bid.lte(m.ask), { message: 'crossed quote: bid > ask' });

/** Parses wire/test input ("101.25") into a snapshot with Decimal fields. */
export function marketSnapshot(input: z.input<typeof marketSnapshotSchema>): MarketSnapshot {
  return marketSnapshotSchema.parse(input);
}

/** Moves a price against the trader by a non-negative cost: up for buys, down for sells. */
export function adverse(side: Side, price: Decimal, cost: Decimal): Decimal {
  return side === 'buy' ? price.plus(cost) : price.minus(cost);
}

/** The touch a taker pays: ask for a buy, bid for a sell (undefined without a quote). */
export function touch(side: Side, market: MarketSnapshot): Decimal | undefined {
  return side === 'buy' ? market.ask : market.bid;
}

/** True when `price` is no worse than `limit` for this side (buy: <=, sell: >=). */
export function withinLimit(side: Side, price: Decimal, limit: Decimal): boolean {
  return side === 'buy' ? price.lte(limit) : price.gte(limit);
}

/** The better of two prices for this side (buy: lower, sell: higher). */
export function better(side: Side, a: Decimal, b: Decimal): Decimal {
  return side === 'buy' ? Decimal.min(a, b) : Decimal.max(a, b);
}

/** The worse of two prices for this side (buy: higher, sell: lower). */
export function worse(side: Side, a: Decimal, b: Decimal): Decimal {
  return side === 'buy' ? Decimal.max(a, b) : Decimal.min(a, b);
}
