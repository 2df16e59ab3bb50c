/**
 * Slippage models (SPEC §8): how far, in price units, a fill lands from the
 * reference price the fill model chose. A model only returns a non-negative
 * cost; the fill model applies it against the trader and then enforces the
 * limit, so slippage can never decide whether a limit order fills (SPEC §12).
 */
import Decimal from 'decimal.js';
import { z } from 'zod';
import { nonNegativeDecimalSchema, type MarketSnapshot, type Side } from './market';

export interface SlippageInput {
  side: Side;
  /** Quantity of THIS fill (after any volume limit), not the order's. */
  qty: Decimal;
  /** Price the fill model starts from: the touch, a trade print, the open or the stop. */
  reference: Decimal;
  market: MarketSnapshot;
}

export interface SlippageModel {
  /** Non-negative price distance to move the fill against the trader. */
  slippage(input: SlippageInput): Decimal;
}

const BPS = new Decimal(10_000);

export const slippageConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('constant'), bps: nonNegativeDecimalSchema }),
  // No parameters: the spread comes from the snapshot's bid/ask.
  z.strictObject({ kind: z.literal('spread') }),
  z.strictObject({
    kind: z.literal('volume_share'),
    // LEAN's VolumeShareSlippageModel defaults.
    priceImpact: nonNegativeDecimalSchema.default(new Decimal('0.1')),
    volumeLimit: nonNegativeDecimalSchema
      .refine((d) => d.lte(1), 'volumeLimit is a share of bar volume, <= 1')
      .default(new Decimal('0.025')),
  }),
]);

export type SlippageConfig = z.output<typeof slippageConfigSchema>;

const none: SlippageModel = { slippage: () => new Decimal(0) };

function constant(bps: Decimal): SlippageModel {
  return { slippage: ({ reference }) => reference.times(bps).div(BPS) };
}

/**
 * Spread cost = distance from the reference to the touch the trader must
 * cross, floored at zero: buy → max(0, ask − reference), sell → max(0,
 * reference − bid). From a mid or a mid-priced print that is half the spread;
 * from a reference that already IS the touch (a market buy filled at the ask)
 * it is zero. Defined this way a market order cannot pay the spread twice,
 * whatever the fill model picked, and no caller has to remember a flag.
 * Without a quote there is no spread to measure, so the cost is zero.
 */
const spread: SlippageModel = {
  slippage: ({ side, reference, market }) => {
    const far = side === 'buy' ? market.ask : market.bid;
    if (far === undefined) return new Decimal(0);
    const distance = side === 'buy' ? far.minus(reference) : reference.minus(far);
    return Decimal.max(0, distance);
  },
};

/**
 * LEAN VolumeShareSlippageModel: share = min(fillQty / barVolume, volumeLimit);
 * cost = priceImpact × share² × reference. With no bar volume we cannot
 * measure the share, so we charge the capped (worst) share rather than zero:
 * a missing datum must not make a fill look free.
 */
function volumeShare(priceImpact: Decimal, volumeLimit: Decimal): SlippageModel {
  return {
    slippage: ({ qty, reference, market }) => {
      const volume = market.bar?.volume;
      const share =
        volume === undefined || volume.isZero() ? volumeLimit : Decimal.min(qty.div(volume), volumeLimit);
      return priceImpact.times(share.pow(2)).times(reference);
    },
  };
}

const builders: {
  [K in SlippageConfig['kind']]: (c: Extract<SlippageConfig, { kind: K }>) => SlippageModel;
} = {
  none: () => none,
  constant: (c) => constant(c.bps),
  spread: () => spread,
  volume_share: (c) => volumeShare(c.priceImpact, c.volumeLimit),
};

function build<C extends SlippageConfig>(config: C): SlippageModel {
  return (builders[config.kind] as (c: C) => SlippageModel)(config);
}

/** Several slippage sources add up (e.g. spread + impact); an empty list is no slippage. */
export function createSlippageModel(configs: readonly SlippageConfig[]): SlippageModel {
  const models = configs.map(build);
  return {
    slippage: (input) => models.reduce((sum, m) => sum.plus(m.slippage(input)), new Decimal(0)),
  };
}

/** Parses an untrusted config list; unknown kinds and unknown keys are rejected. */
export function parseSlippageConfig(input: unknown): SlippageConfig[] {
  return z.array(slippageConfigSchema).parse(input);
}
