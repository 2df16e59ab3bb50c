/**
 * Allocation and rebalancing requests at the Gateway edge, pure (SPEC §9):
 * QMTL's wire shapes, decimals accepted as strings or JSON numbers, and the
 * mapping of QMTL's plan body onto domain/world/rebalance.ts.
 *
 * JSON numbers: the Gateway parses bodies with JSON.parse, so a number
 * arrives as a float; it is turned into the shortest decimal that reads back
 * as that float (`0.3` → "0.3"), which is what the client wrote for up to 15
 * significant digits. Send strings when more digits matter.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './idempotency';
import { z } from 'zod';
import { Dec } from '../domain/execution/symbol';
import type { RebalanceInput as PlanInput, RebalancePlan } from '../domain/world/rebalance';
import { worldIdSchema } from '../domain/world/world';
import { SIM_VENUE } from './order-request';

const DECIMAL = /^-?\d{1,20}(\.\d{1,18})?$/;

/** A decimal as a string or a JSON number; always a plain decimal string afterwards. */
const decimal = z
  .union([z.string(), z.number().finite()])
  .transform((v) => (typeof v === 'number' ? new Dec(v).toFixed() : v))
  .pipe(z.string().regex(DECIMAL, 'must be a decimal such as "0.5" or 0.5'))
  .meta({ example: '0.5' });

export const signedAmount = decimal;
export const nonNegativeAmount = decimal.refine((v) => !v.startsWith('-'), 'must be >= 0');
export const positiveAmount = decimal.refine((v) => !v.startsWith('-') && /[1-9]/.test(v), 'must be > 0');
export const fractionSchema = decimal.refine((v) => {
  const d = new Dec(v);
  return d.gte(0) && d.lte(1);
}, 'must be a fraction in [0, 1]');

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
export const strategyIdSchema = z.string().regex(NAME, 'a strategy id');
export const symbolSchema = z.string().regex(NAME, 'a symbol such as "BTC/USDT"').max(40);
export const venueSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'a venue name such as "sim" or "binance"');
export const accountSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'an account name such as "default"');
export const runIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'a run id: letters, digits, _ . -');

export const worldFractions = z.record(worldIdSchema, fractionSchema);
export const strategyFractions = z.record(worldIdSchema, z.record(strategyIdSchema, fractionSchema));

export const positionSchema = z
  .strictObject({
    world_id: worldIdSchema,
    strategy_id: strategyIdSchema,
    symbol: symbolSchema,
    qty: signedAmount,
    mark: positiveAmount,
    venue: venueSchema.default(SIM_VENUE),
  })
  .meta({ id: 'RebalancePosition' });

/** Positions travel in workflow input: a book, not a data set. */
export const MAX_POSITIONS = 500;

export const planShape = {
  total_equity: positiveAmount,
  world_alloc_before: worldFractions,
  world_alloc_after: worldFractions,
  strategy_alloc_before_total: strategyFractions
    .optional()
    .meta({ description: "Strategy fractions of TOTAL equity (QMTL's convention), per world" }),
  strategy_alloc_after_total: strategyFractions.optional(),
  positions: z.array(positionSchema).max(MAX_POSITIONS),
  min_trade_notional: nonNegativeAmount.default('0'),
  lot_size_by_symbol: z.record(symbolSchema, positiveAmount).optional(),
  mode: z
    .enum(['scaling'])
    .default('scaling')
    .meta({ description: 'Proportional scaling; QMTL overlay modes are not offered' }),
};

export const planRequestSchema = z.object(planShape).meta({ id: 'RebalancePlanRequest' });
export type PlanRequest = z.output<typeof planRequestSchema>;

/**
 * QMTL's plan body as the domain's input. Strategy totals are fractions of
 * total equity; the domain wants fractions within the world, i.e. total ÷
 * world. That division need not terminate (0.1 / 0.3), and a remainder of
 * 1e-40 is enough to move a toward-zero lot rounding by a whole lot, so the
 * conversion is done exactly instead: a world with strategy totals is given
 * world fractions 1 → 1 and its strategies' totals as their "within" weights,
 * which makes every strategy's factor exactly after_total / before_total. The
 * reported `scale_world` is then put back to after / before of the world.
 */
export function planInput(body: PlanRequest): PlanInput {
  const before = body.strategy_alloc_before_total ?? {};
  const after = body.strategy_alloc_after_total ?? {};
  const worlds = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const w of worlds) {
    if (!before[w] || !after[w])
      throw new RangeError(`world ${w}: strategy totals need both a before and an after split`);
  }
  const unitFor = (fractions: Record<string, string>) =>
    Object.fromEntries(Object.entries(fractions).map(([w, f]) => [w, worlds.has(w) ? '1' : f]));
  return {
    world_alloc_before: unitFor(body.world_alloc_before),
    world_alloc_after: unitFor(body.world_alloc_after),
    strategy_weight_before: before,
    strategy_weight_after: after,
    positions: body.positions,
    min_trade_notional: body.min_trade_notional,
    ...(body.lot_size_by_symbol && { lot_size_by_symbol: body.lot_size_by_symbol }),
  };
}

/** Puts the world scale back for worlds that were planned on the strategy-totals basis. */
export function withWorldScales(plan: RebalancePlan, body: PlanRequest): RebalancePlan {
  for (const [w, worldPlan] of Object.entries(plan.per_world)) {
    if (!body.strategy_alloc_before_total?.[w]) continue;
    const wb = new Dec(body.world_alloc_before[w] ?? '0');
    const wa = new Dec(body.world_alloc_after[w] ?? '0');
    (worldPlan as { scale_world: string }).scale_world = wb.isZero() ? '1' : wa.div(wb).toString();
  }
  return plan;
}

export const bodyHash = (value: unknown): string =>
  createHash('sha256').update(canonicalJson(value)).digest('hex');

/** Drops the domain's bookkeeping field: an order on the wire is QMTL's six fields. */
export function wireOrder(order: RebalancePlan['orders_per_world'][string][number]) {
  const { attribution: _attribution, ...wire } = order;
  return wire;
}
