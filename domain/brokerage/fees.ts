/**
 * Fee models (SPEC §8): commission + per-fill add-ons, charged per fill on the
 * FILLED quantity — never on the order quantity (SPEC §12). Order-level
 * minimums and caps are charged as the increment of the order's cumulative
 * fee, so the per-fill sum always equals the fee on the total filled quantity.
 */
import Decimal from 'decimal.js';
import { z } from 'zod';
import { decimalSchema, nonNegativeDecimalSchema, type Side } from './market';

export interface FeeFill {
  side: Side;
  qty: Decimal;
  price: Decimal;
  /** Maker when the fill provided liquidity (reported by the fill model / venue). */
  liquidity: 'maker' | 'taker';
}

/** Volume already traded BEFORE this fill; month totals include this order's earlier fills. */
export interface FeeContext {
  orderFilledQty: Decimal;
  orderFilledNotional: Decimal;
  monthShares: Decimal;
  monthNotional: Decimal;
  /** The order's full notional (qty × reference price); only for tiers chosen by order size. */
  orderNotional?: Decimal;
}

export const NO_PRIOR_VOLUME: FeeContext = {
  orderFilledQty: new Decimal(0),
  orderFilledNotional: new Decimal(0),
  monthShares: new Decimal(0),
  monthNotional: new Decimal(0),
};

export interface FeeModel {
  fee(fill: FeeFill, context: FeeContext): Decimal;
}

const ZERO = new Decimal(0);
const rate = nonNegativeDecimalSchema;

/** Ascending thresholds; at least two tiers so a "tiered" fee can never be flat (SPEC §12). */
const notionalTiers = z
  .array(z.strictObject({ fromNotional: rate, rate: decimalSchema }))
  .min(2, 'a tier table needs at least two tiers')
  .refine((t) => t[0]?.fromNotional.isZero(), 'the first tier must start at 0')
  .refine((t) => t.every((x, i) => i === 0 || x.fromNotional.gt(t[i - 1]!.fromNotional)), 'ascending tiers');

/** Marginal share tiers: each bounded by `upToShares` (cumulative), the last unbounded. */
const shareTiers = z
  .array(z.strictObject({ upToShares: rate.optional(), perShare: rate }))
  .min(2, 'a tier table needs at least two tiers')
  .refine((t) => t.every((x, i) => (x.upToShares === undefined) === (i === t.length - 1)), {
    message: 'every tier but the last needs upToShares; the last is unbounded',
  })
  .refine((t) => t.every((x, i) => i === 0 || !x.upToShares || x.upToShares.gt(t[i - 1]!.upToShares!)), {
    message: 'upToShares must be strictly ascending',
  });

export const commissionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('percent'), rate, minimum: rate.default(ZERO) }),
  z.strictObject({
    kind: z.literal('per_share'),
    perShare: rate,
    minimum: rate.default(ZERO),
    /** IBKR-style cap: at most this fraction of the notional (wins over the minimum). */
    maxPercentOfNotional: rate.optional(),
  }),
  // A negative maker rate is a rebate.
  z.strictObject({ kind: z.literal('maker_taker'), makerRate: decimalSchema, takerRate: rate }),
  z.strictObject({
    kind: z.literal('tiered_notional'),
    basis: z.enum(['month', 'order']),
    tiers: notionalTiers,
  }),
  z.strictObject({
    kind: z.literal('marginal_share_tiers'),
    tiers: shareTiers,
    minimum: rate.default(ZERO),
    maxPercentOfNotional: rate.optional(),
  }),
]);

export const addOnSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('per_share'),
    name: z.string().min(1),
    rate,
    sides: z.enum(['both', 'buy', 'sell']).default('both'),
    /** Cap per order (e.g. FINRA TAF per trade). */
    maxPerOrder: rate.optional(),
  }),
  z.strictObject({
    kind: z.literal('per_notional'),
    name: z.string().min(1),
    rate,
    sides: z.enum(['both', 'buy', 'sell']).default('both'),
  }),
]);

export const feeScheduleSchema = z.strictObject({
  commission: commissionSchema,
  addOns: z.array(addOnSchema).default([]),
});

export type CommissionConfig = z.output<typeof commissionSchema>;
export type AddOnConfig = z.output<typeof addOnSchema>;
export type FeeSchedule = z.output<typeof feeScheduleSchema>;

const notionalOf = (fill: FeeFill) => fill.qty.times(fill.price);

/** The order's fee as a function of its cumulative filled quantity and notional. */
type OrderFee = (qty: Decimal, notional: Decimal) => Decimal;

/** This fill's share of the order fee: fee(filled after) − fee(filled before). */
function increment(fill: FeeFill, ctx: FeeContext, orderFee: OrderFee): Decimal {
  const before = ctx.orderFilledQty.isZero() ? ZERO : orderFee(ctx.orderFilledQty, ctx.orderFilledNotional);
  const after = orderFee(ctx.orderFilledQty.plus(fill.qty), ctx.orderFilledNotional.plus(notionalOf(fill)));
  return after.minus(before);
}

/** Minimum first, then the notional cap: a tiny trade pays the cap, as IBKR does. */
function bounded(raw: Decimal, notional: Decimal, minimum: Decimal, maxPct?: Decimal): Decimal {
  const floored = Decimal.max(raw, minimum);
  return maxPct ? Decimal.min(floored, notional.times(maxPct)) : floored;
}

/** Cost of shares [from, to) of the month's volume, each share at its own tier's rate. */
export function marginalTierCost(tiers: FeeTiers, from: Decimal, to: Decimal): Decimal {
  let cost = ZERO;
  let lower = ZERO;
  for (const tier of tiers) {
    const upper = tier.upToShares ?? Decimal.max(to, lower);
    const overlap = Decimal.min(to, upper).minus(Decimal.max(from, lower));
    if (overlap.gt(0)) cost = cost.plus(overlap.times(tier.perShare));
    lower = upper;
  }
  return cost;
}
type FeeTiers = Extract<CommissionConfig, { kind: 'marginal_share_tiers' }>['tiers'];

function tierRate(tiers: Extract<CommissionConfig, { kind: 'tiered_notional' }>['tiers'], volume: Decimal) {
  return tiers.reduce((chosen, t) => (volume.gte(t.fromNotional) ? t.rate : chosen), tiers[0]!.rate);
}

type CommissionFn<K extends CommissionConfig['kind']> = (
  c: Extract<CommissionConfig, { kind: K }>,
) => FeeModel['fee'];

const commissions: { [K in CommissionConfig['kind']]: CommissionFn<K> } = {
  percent: (c) => (fill, ctx) => increment(fill, ctx, (_q, n) => bounded(n.times(c.rate), n, c.minimum)),
  per_share: (c) => (fill, ctx) =>
    increment(fill, ctx, (q, n) => bounded(q.times(c.perShare), n, c.minimum, c.maxPercentOfNotional)),
  // Liquidity is a property of each fill, so there is no order-level minimum to spread.
  maker_taker: (c) => (fill) =>
    notionalOf(fill).times(fill.liquidity === 'maker' ? c.makerRate : c.takerRate),
  // Volume tier (crypto VIP style): the whole fill pays the rate of the tier the
  // volume BEFORE this fill reached; marginal splitting is marginal_share_tiers.
  tiered_notional: (c) => (fill, ctx) => {
    const volume = c.basis === 'month' ? ctx.monthNotional : ctx.orderNotional;
    if (!volume) throw new RangeError('tiered_notional with basis "order" needs context.orderNotional');
    return notionalOf(fill).times(tierRate(c.tiers, volume));
  },
  // IBKR tiered: the order occupies shares [start, start + filled) of the
  // month's volume; a fill crossing a boundary is split between tiers.
  marginal_share_tiers: (c) => (fill, ctx) => {
    const start = ctx.monthShares.minus(ctx.orderFilledQty);
    if (start.lt(0)) throw new RangeError('monthShares must include the order’s earlier fills');
    const orderFee: OrderFee = (q, n) =>
      bounded(marginalTierCost(c.tiers, start, start.plus(q)), n, c.minimum, c.maxPercentOfNotional);
    return increment(fill, ctx, orderFee);
  },
};

function addOnFee(a: AddOnConfig, fill: FeeFill, ctx: FeeContext): Decimal {
  if (a.sides !== 'both' && a.sides !== fill.side) return ZERO;
  if (a.kind === 'per_notional') return notionalOf(fill).times(a.rate);
  const cap = a.maxPerOrder;
  return increment(fill, ctx, (q) => (cap ? Decimal.min(q.times(a.rate), cap) : q.times(a.rate)));
}

export function createFeeModel(schedule: FeeSchedule): FeeModel {
  const commission = (commissions[schedule.commission.kind] as CommissionFn<CommissionConfig['kind']>)(
    schedule.commission as never,
  );
  return {
    fee(fill, ctx) {
      if (!fill.qty.gt(0)) throw new RangeError(`fill quantity must be > 0, got ${fill.qty.toString()}`);
      return schedule.addOns.reduce((sum, a) => sum.plus(addOnFee(a, fill, ctx)), commission(fill, ctx));
    },
  };
}

/** Parses an untrusted schedule; unknown kinds and unknown keys are rejected. */
export function parseFeeSchedule(input: unknown): FeeSchedule {
  return feeScheduleSchema.parse(input);
}

export const borrowFeeSchema = z.strictObject({
  kind: z.literal('borrow'),
  annualRate: rate,
  /** US equities lending accrues on ACT/360. */
  dayCount: z.union([z.literal(360), z.literal(365)]).default(360),
});
export type BorrowFeeConfig = z.output<typeof borrowFeeSchema>;

/** Holding cost of a short, not a fill fee: annualRate × short notional × days / dayCount. */
export function borrowFee(config: BorrowFeeConfig, shortNotional: Decimal, days: Decimal.Value): Decimal {
  return config.annualRate.times(shortNotional.abs()).times(days).div(config.dayCount);
}

/** The context for the order's next fill, after `fill` (callers keep it per order and per month). */
export function advanceFeeContext(ctx: FeeContext, fill: FeeFill): FeeContext {
  const notional = notionalOf(fill);
  return {
    ...ctx,
    orderFilledQty: ctx.orderFilledQty.plus(fill.qty),
    orderFilledNotional: ctx.orderFilledNotional.plus(notional),
    monthShares: ctx.monthShares.plus(fill.qty),
    monthNotional: ctx.monthNotional.plus(notional),
  };
}
