/**
 * Fill models (SPEC §8, after LEAN's FillModel): given an open order and one
 * market snapshot, decide whether it fills, how much (volume limit) and at
 * what price. Order of operations is fixed: trigger/limit decision on the RAW
 * market → quantity cap → slippage → clamp to the limit. Slippage therefore
 * never decides a fill and a limit order never fills through its limit (§12).
 */
import Decimal from 'decimal.js';
import { z } from 'zod';
import {
  adverse,
  better,
  nonNegativeDecimalSchema,
  touch,
  withinLimit,
  worse,
  type MarketSnapshot,
  type Side,
} from './market';
import { createSlippageModel, slippageConfigSchema, type SlippageModel } from './slippage';

export type FillOrder = {
  side: Side;
  /** Quantity still open (order quantity minus what earlier bars filled). */
  qty: Decimal;
  /** A stop that triggered on an earlier snapshot (persisted by the order workflow). */
  triggered?: boolean;
} & (
  | { type: 'market' }
  | { type: 'limit'; limitPrice: Decimal }
  | { type: 'stop'; stopPrice: Decimal }
  | { type: 'stop_limit'; stopPrice: Decimal; limitPrice: Decimal }
);

export type OrderType = FillOrder['type'];

/** `maker` when the order rested on the book; fee models take it as input. */
export interface Fill {
  qty: Decimal;
  price: Decimal;
  liquidity: 'maker' | 'taker';
}

export interface FillResult {
  fills: Fill[];
  /** Set for stop orders: true once the stop has triggered (so the caller can persist it). */
  triggered?: boolean;
}

export interface FillModel {
  fill(order: FillOrder, market: MarketSnapshot): FillResult;
}

export const fillConfigSchema = z.strictObject({
  slippage: z.array(slippageConfigSchema).default([]),
  /** Fill at most maxVolumeShare × bar volume per bar; the rest stays open (partial fill). */
  volumeLimit: z
    .strictObject({
      maxVolumeShare: nonNegativeDecimalSchema.refine((d) => d.gt(0) && d.lte(1), 'must be in (0, 1]'),
      /** Round the cap DOWN to this step so a partial fill is always a tradeable lot. */
      lotStep: nonNegativeDecimalSchema.refine((d) => d.gt(0), 'must be > 0').optional(),
    })
    .optional(),
});

export type FillConfig = z.output<typeof fillConfigSchema>;

/** What the per-type rule decided, before quantity and slippage. */
interface Decision {
  reference?: Decimal;
  /** Price the fill must never be worse than, after slippage. */
  limit?: Decimal;
  liquidity: Fill['liquidity'];
  triggered?: boolean;
}

/** Market: the touch (buy at ask) when quoted, else last trade, else bar close — as LEAN. */
function marketRule(side: Side, market: MarketSnapshot): Decision {
  return { reference: touch(side, market) ?? market.last ?? market.bar?.close, liquidity: 'taker' };
}

/**
 * Limit on a bar: buy fills iff low ≤ limit, at min(open, limit) — a bar that
 * opens through the limit fills at the better open, never beyond the limit.
 * Without a bar, the touch (or last) must be within the limit.
 */
function limitReference(side: Side, limit: Decimal, market: MarketSnapshot): Decimal | undefined {
  const bar = market.bar;
  if (bar) {
    const reached = side === 'buy' ? bar.low.lte(limit) : bar.high.gte(limit);
    return reached ? better(side, bar.open, limit) : undefined;
  }
  const price = touch(side, market) ?? market.last;
  return price && withinLimit(side, price, limit) ? price : undefined;
}

/**
 * Stop: buy triggers when high ≥ stop (sell: low ≤ stop) and fills at
 * max(stop, open) (sell: min) — a gap through the stop fills at the open.
 * Returns the trigger price, or undefined when the stop did not trigger.
 */
function stopTrigger(side: Side, stop: Decimal, market: MarketSnapshot): Decimal | undefined {
  const bar = market.bar;
  if (bar) {
    const hit = side === 'buy' ? bar.high.gte(stop) : bar.low.lte(stop);
    return hit ? worse(side, stop, bar.open) : undefined;
  }
  const price = touch(side, market) ?? market.last;
  // A stop is "a limit the other way": hit when the price is NOT better than the stop.
  return price && withinLimit(side, stop, price) ? price : undefined;
}

function stopRule(side: Side, stop: Decimal, triggered: boolean, market: MarketSnapshot): Decision {
  if (triggered) return { ...marketRule(side, market), triggered: true };
  const reference = stopTrigger(side, stop, market);
  return { reference, liquidity: 'taker', triggered: reference !== undefined };
}

/**
 * Stop-limit: once triggered it is a limit order. In the trigger bar we cannot
 * tell whether the low came before or after the trigger, so the fill needs the
 * trigger price itself to be within the limit (conservative); later bars use
 * the plain limit rule.
 */
function stopLimitRule(
  side: Side,
  stop: Decimal,
  limit: Decimal,
  triggered: boolean,
  market: MarketSnapshot,
): Decision {
  if (triggered)
    return { reference: limitReference(side, limit, market), limit, liquidity: 'maker', triggered };
  const trigger = stopTrigger(side, stop, market);
  if (trigger === undefined) return { liquidity: 'taker', triggered: false };
  const reference = withinLimit(side, trigger, limit) ? trigger : undefined;
  return { reference, limit, liquidity: 'taker', triggered: true };
}

const rules: { [T in OrderType]: (o: Extract<FillOrder, { type: T }>, m: MarketSnapshot) => Decision } = {
  market: (o, m) => marketRule(o.side, m),
  limit: (o, m) => ({
    reference: limitReference(o.side, o.limitPrice, m),
    limit: o.limitPrice,
    liquidity: 'maker',
  }),
  stop: (o, m) => stopRule(o.side, o.stopPrice, o.triggered ?? false, m),
  stop_limit: (o, m) => stopLimitRule(o.side, o.stopPrice, o.limitPrice, o.triggered ?? false, m),
};

function decide<O extends FillOrder>(order: O, market: MarketSnapshot): Decision {
  return (rules[order.type] as (o: O, m: MarketSnapshot) => Decision)(order, market);
}

/** Volume cap per bar; without a bar there is no volume to share, so no cap. */
function fillableQty(open: Decimal, market: MarketSnapshot, limit: FillConfig['volumeLimit']): Decimal {
  if (!limit || !market.bar) return open;
  let cap = market.bar.volume.times(limit.maxVolumeShare);
  if (limit.lotStep) cap = cap.divToInt(limit.lotStep).times(limit.lotStep);
  return Decimal.min(open, cap);
}

function priceFill(side: Side, qty: Decimal, d: Decision, slippage: SlippageModel, market: MarketSnapshot) {
  const reference = d.reference as Decimal;
  const slipped = adverse(side, reference, slippage.slippage({ side, qty, reference, market }));
  // Slippage only worsens the price AFTER the fill decision; the limit caps it
  // (LEAN fills resting limits at the limit or better) rather than cancelling it.
  return d.limit ? better(side, slipped, d.limit) : slipped;
}

export function createFillModel(config: FillConfig): FillModel {
  const slippage = createSlippageModel(config.slippage);
  return {
    fill(order, market) {
      if (!order.qty.gt(0)) throw new RangeError(`open quantity must be > 0, got ${order.qty.toString()}`);
      const decision = decide(order, market);
      const triggered = decision.triggered === undefined ? {} : { triggered: decision.triggered };
      const qty = decision.reference ? fillableQty(order.qty, market, config.volumeLimit) : new Decimal(0);
      if (qty.isZero()) return { fills: [], ...triggered };
      const price = priceFill(order.side, qty, decision, slippage, market);
      return { fills: [{ qty, price, liquidity: decision.liquidity }], ...triggered };
    },
  };
}

/** Parses an untrusted fill config; unknown keys are rejected. */
export function parseFillConfig(input: unknown): FillConfig {
  return fillConfigSchema.parse(input);
}
