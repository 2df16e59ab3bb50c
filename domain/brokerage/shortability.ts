/**
 * Shortability (after LEAN's IShortableProvider): how much of a symbol can be
 * borrowed to sell short at an instant. Buying power asks it only for the part
 * of a sell that would open or extend a short, never for a sell that reduces a long.
 */
import Decimal from 'decimal.js';
import { z } from 'zod';

export interface ShortabilityProvider {
  /**
   * Quantity available to borrow for `symbol` at `ts`: 0 = not shortable,
   * Decimal(Infinity) = no limit (decimal.js compares Infinity exactly).
   */
  borrowable(symbol: string, ts: number): Decimal;
}

const UNLIMITED = new Decimal(Infinity);
const NONE = new Decimal(0);

const borrowQuantitySchema = z.union([
  z.literal('unlimited').transform(() => UNLIMITED),
  z
    .union([z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal number'), z.number().finite().min(0)])
    .transform((value) => new Decimal(value)),
]);

export const shortabilityConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('always') }),
  z.strictObject({ kind: z.literal('never') }),
  /** A locate list: symbols not listed cannot be shorted. */
  z.strictObject({
    kind: z.literal('static'),
    borrowable: z.record(z.string().min(1), borrowQuantitySchema),
  }),
]);
export type ShortabilityConfig = z.output<typeof shortabilityConfigSchema>;

export const alwaysShortable: ShortabilityProvider = { borrowable: () => UNLIMITED };

export const neverShortable: ShortabilityProvider = { borrowable: () => NONE };

export function staticShortable(borrowable: Readonly<Record<string, Decimal>>): ShortabilityProvider {
  return { borrowable: (symbol) => borrowable[symbol] ?? NONE };
}

export function createShortabilityProvider(config: ShortabilityConfig): ShortabilityProvider {
  switch (config.kind) {
    case 'always':
      return alwaysShortable;
    case 'never':
      return neverShortable;
    case 'static':
      return staticShortable(config.borrowable);
  }
}

export function parseShortabilityConfig(input: unknown): ShortabilityConfig {
  return shortabilityConfigSchema.parse(input);
}
