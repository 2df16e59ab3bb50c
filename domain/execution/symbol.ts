/**
 * Symbol properties (SPEC §8): min qty, lot step, tick size, min notional, in
 * decimal arithmetic so no float drift reaches a venue (SPEC §12: float lot
 * rounding turned −0.1 into −0.099). One rounding function per concern.
 */
import Decimal from 'decimal.js';
import { z } from 'zod';

/**
 * Decimal for quantities and prices. 40 significant digits so a division by a
 * lot or tick never rounds before we choose the direction ourselves.
 */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

export type OrderSide = 'buy' | 'sell';

/** Decimal text only: numbers in configuration would already carry float error. */
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;
const decimalText = z
  .string()
  .regex(DECIMAL_TEXT, 'expected a decimal string')
  .transform((text) => new Dec(text));
const positive = decimalText.refine((value) => value.gt(0), 'must be > 0');
const nonNegative = decimalText.refine((value) => value.gte(0), 'must be >= 0');

export const symbolPropertiesSchema = z.strictObject({
  symbol: z.string().min(1),
  minQty: nonNegative,
  lotStep: positive,
  tickSize: positive,
  minNotional: nonNegative,
});
export type SymbolProperties = z.output<typeof symbolPropertiesSchema>;

function positiveStep(step: Decimal.Value, name: string): Decimal {
  const value = new Dec(step);
  if (!value.gt(0)) throw new RangeError(`${name} must be > 0, got ${value.toString()}`);
  return value;
}

/** Positive zero: `-0` would print as "0" but still compare as negative in places. */
function unsignedZero(value: Decimal): Decimal {
  return value.isZero() ? new Dec(0) : value;
}

/**
 * Quantity to a whole number of lots, toward zero, so a signed delta never
 * grows past what was asked: −0.1 on lot 0.001 stays −0.1; −1.2345 → −1.234.
 */
export function roundQtyToLot(qty: Decimal.Value, lot: Decimal.Value): Decimal {
  const step = positiveStep(lot, 'lot');
  // divToInt truncates toward zero; exact because Dec carries 40 digits.
  return unsignedZero(new Dec(qty).divToInt(step).mul(step));
}

/**
 * Limit price to the tick, toward the passive side: a buy rounds down and a
 * sell rounds up, so rounding can never make an order more aggressive than
 * the strategy asked (it may make it less likely to fill, never worse-priced).
 */
export function roundPriceToTick(price: Decimal.Value, tick: Decimal.Value, side: OrderSide): Decimal {
  const step = positiveStep(tick, 'tick');
  const mode = side === 'buy' ? Decimal.ROUND_FLOOR : Decimal.ROUND_CEIL;
  return unsignedZero(new Dec(price).toNearest(step, mode));
}

export const SYMBOL_REJECTION_REASONS = [
  'BELOW_MIN_QTY',
  'NOT_ON_LOT',
  'NOT_ON_TICK',
  'BELOW_MIN_NOTIONAL',
] as const;
export type SymbolRejectionReason = (typeof SYMBOL_REJECTION_REASONS)[number];

export interface SymbolRejection {
  readonly reason: SymbolRejectionReason;
  readonly detail: string;
}

export interface OrderTerms {
  /** Signed or unsigned; checks use the magnitude. */
  readonly qty: Decimal.Value;
  readonly limitPrice?: Decimal.Value;
  readonly stopPrice?: Decimal.Value;
  /** Price used for the notional of a market order (e.g. last trade or mid). */
  readonly referencePrice?: Decimal.Value;
}

function isOnStep(value: Decimal, step: Decimal): boolean {
  return value.mod(step).isZero();
}

/**
 * Every way the order breaks the symbol's rules (empty = acceptable). The
 * notional uses the limit price, else the reference price, else the stop
 * price; a market order with none of them is not notional-checked.
 */
export function checkOrderAgainstSymbol(terms: OrderTerms, symbol: SymbolProperties): SymbolRejection[] {
  const qty = new Dec(terms.qty).abs();
  const rejections: SymbolRejection[] = [];
  if (qty.lt(symbol.minQty)) {
    rejections.push({ reason: 'BELOW_MIN_QTY', detail: `qty ${qty} < min ${symbol.minQty}` });
  }
  if (!isOnStep(qty, symbol.lotStep)) {
    rejections.push({ reason: 'NOT_ON_LOT', detail: `qty ${qty} not a multiple of ${symbol.lotStep}` });
  }
  for (const [name, price] of [
    ['limit', terms.limitPrice],
    ['stop', terms.stopPrice],
  ] as const) {
    if (price !== undefined && !isOnStep(new Dec(price), symbol.tickSize)) {
      rejections.push({
        reason: 'NOT_ON_TICK',
        detail: `${name} price ${new Dec(price)} not a multiple of ${symbol.tickSize}`,
      });
    }
  }
  const notionalPrice = terms.limitPrice ?? terms.referencePrice ?? terms.stopPrice;
  if (notionalPrice !== undefined) {
    const notional = qty.mul(new Dec(notionalPrice).abs());
    if (notional.lt(symbol.minNotional)) {
      rejections.push({
        reason: 'BELOW_MIN_NOTIONAL',
        detail: `notional ${notional} < min ${symbol.minNotional}`,
      });
    }
  }
  return rejections;
}
