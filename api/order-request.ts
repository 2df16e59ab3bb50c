/**
 * Order requests at the Gateway edge, pure: the wire schema of an order's
 * terms (shared by `POST /v1/orders` and the cost preview), the mapping of a
 * request to the order workflow's input, and the live-trading guard. No I/O:
 * the clock and the world are arguments.
 */
import { z } from 'zod';
import { ORDER_TYPES, clientOrderId } from '../domain/execution/order';
import { TIF_KINDS, utcCutoffAfter } from '../domain/execution/tif';
import { worldIdSchema, type World } from '../domain/world/world';
import type { OrderWorkflowInput, TimeInForceWire, TradingMode } from '../workflows/order-messages';

export const SIM_VENUE = 'sim';
export const LIVE_HEADER = 'X-Allow-Live';

const DECIMAL = /^\d{1,20}(\.\d{1,18})?$/;
/** Decimal strings stay strings: the workflow's wire form, never a float on the way. */
export const positiveDecimal = z
  .string()
  .regex(DECIMAL, 'must be a decimal string such as "0.5"')
  .refine((v) => /[1-9]/.test(v), 'must be > 0')
  .meta({ example: '0.5' });
export const signedDecimal = z
  .string()
  .regex(/^-?\d{1,20}(\.\d{1,18})?$/, 'must be a decimal string such as "0.03"')
  .meta({ example: '0.03' });

/** Epoch milliseconds, or ISO-8601 with Z or an offset. */
export const instant = z
  .union([z.number().int().min(0).max(8.64e15), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)))
  .meta({ description: 'Epoch milliseconds or ISO-8601', example: '2026-01-01T00:00:00Z' });

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
const name = (what: string) => z.string().regex(NAME, `${what}: 1-128 letters, digits or _ . : / -`);

/** What an order is, independent of who places it: the shape the preview prices too. */
export const orderTermsShape = {
  symbol: name('symbol').max(40),
  side: z.enum(['buy', 'sell']),
  type: z.enum(ORDER_TYPES),
  qty: positiveDecimal,
  limit_price: positiveDecimal.optional(),
  stop_price: positiveDecimal.optional(),
  tif: z.enum(TIF_KINDS),
  expire_at: instant.optional().meta({ description: 'Required for GTD, refused otherwise' }),
};

type OrderTerms = z.output<z.ZodObject<typeof orderTermsShape>>;

const PRICES: Record<OrderTerms['type'], { limit: boolean; stop: boolean }> = {
  market: { limit: false, stop: false },
  limit: { limit: true, stop: false },
  stop: { limit: false, stop: true },
  stop_limit: { limit: true, stop: true },
};

/** Prices must match the type and expire_at the TIF: a silently ignored field is a wrong order. */
export function checkOrderTerms(terms: OrderTerms, ctx: z.RefinementCtx): void {
  const needs = PRICES[terms.type];
  const mismatch = (field: string, needed: boolean) =>
    ctx.addIssue({
      code: 'custom',
      path: [field],
      message: `a ${terms.type} order ${needed ? 'needs' : 'takes no'} ${field}`,
    });
  if (needs.limit !== (terms.limit_price !== undefined)) mismatch('limit_price', needs.limit);
  if (needs.stop !== (terms.stop_price !== undefined)) mismatch('stop_price', needs.stop);
  if ((terms.tif === 'GTD') !== (terms.expire_at !== undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['expire_at'],
      message: terms.tif === 'GTD' ? 'GTD needs expire_at' : 'expire_at is only for GTD',
    });
  }
}

export const placeOrderSchema = z
  .object({
    world_id: worldIdSchema,
    strategy_id: name('strategy_id').default('manual'),
    intent_id: name('intent_id').meta({
      description: 'Chosen by the client; the same intent is the same order (idempotent)',
    }),
    venue: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'a venue name such as "sim" or "binance"')
      .default(SIM_VENUE),
    account: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'an account name such as "default"')
      .default('default'),
    ...orderTermsShape,
    mode: z.enum(['paper', 'live']).default('paper'),
  })
  .superRefine(checkOrderTerms)
  .meta({ id: 'PlaceOrder' });

export type PlaceOrder = z.output<typeof placeOrderSchema>;

/** TIF on the wire; DAY closes at the configured UTC cutoff (venues without sessions). */
export function tifWire(
  terms: Pick<OrderTerms, 'tif' | 'expire_at'>,
  now: number,
  dayCutoffMinute: number,
): TimeInForceWire {
  switch (terms.tif) {
    case 'GTD':
      return { kind: 'GTD', expireAt: terms.expire_at! };
    case 'DAY':
      return { kind: 'DAY', closeAt: utcCutoffAfter(now, dayCutoffMinute) };
    default:
      return { kind: terms.tif };
  }
}

/** 'HH:MM' (UTC) → minutes after midnight. */
export function cutoffMinute(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

export function orderWorkflowInput(
  req: PlaceOrder,
  clock: { now: number; dayCutoffMinute: number },
): OrderWorkflowInput {
  return {
    clientOrderId: clientOrderId(req.world_id, req.strategy_id, req.intent_id, 0),
    worldId: req.world_id,
    strategyId: req.strategy_id,
    intentId: req.intent_id,
    replaceSeq: 0,
    venue: req.venue,
    account: req.account,
    symbol: req.symbol,
    side: req.side,
    type: req.type,
    qty: req.qty,
    ...(req.limit_price !== undefined && { limitPrice: req.limit_price }),
    ...(req.stop_price !== undefined && { stopPrice: req.stop_price }),
    tif: tifWire(req, clock.now, clock.dayCutoffMinute),
    mode: req.mode,
  };
}

export type LiveGuardDecision = { ok: true } | { ok: false; detail: string };

/**
 * SPEC §5: anything that can touch real money — live mode, or any venue but
 * the simulator — needs both the caller's explicit header and a world that
 * allows live trading. Checked here at submit, not only in decide (SPEC §12).
 */
export function liveGuard(req: {
  mode: TradingMode;
  venue: string;
  header: string | undefined;
  world: Pick<World, 'id' | 'allow_live'>;
}): LiveGuardDecision {
  if (req.mode === 'paper' && req.venue === SIM_VENUE) return { ok: true };
  const what = req.mode === 'live' ? 'live mode' : `venue '${req.venue}'`;
  if (req.header?.trim().toLowerCase() !== 'true')
    return { ok: false, detail: `${what} needs the header ${LIVE_HEADER}: true` };
  if (!req.world.allow_live)
    return { ok: false, detail: `${what} needs a world with allow_live; '${req.world.id}' has it off` };
  return { ok: true };
}

/** Must an order with these terms satisfy the live guard? */
export const isLiveOrder = (mode: TradingMode, venue: string): boolean =>
  mode === 'live' || venue !== SIM_VENUE;
