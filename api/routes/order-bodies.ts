/**
 * How orders and accounts look on the wire: the workflows' views
 * (workflows/order-messages.ts, camelCase) mapped to the Gateway's snake_case
 * bodies, with the zod schemas that name them in the OpenAPI document.
 */
import { z } from 'zod';
import { expiryOf } from '../../domain/execution/tif';
import type { AccountView, FillWire, OrderView } from '../../workflows/order-messages';

const fillBodySchema = z.object({
  trade_id: z.string(),
  qty: z.string(),
  price: z.string(),
  fee: z.string(),
  ts: z.number().int(),
  liquidity: z.enum(['maker', 'taker']).optional(),
});

export const orderSchema = z
  .object({
    order_id: z.string(),
    world_id: z.string(),
    strategy_id: z.string(),
    intent_id: z.string(),
    replace_seq: z.number().int(),
    venue: z.string(),
    account: z.string(),
    symbol: z.string(),
    side: z.enum(['buy', 'sell']),
    type: z.string(),
    qty: z.string(),
    limit_price: z.string().optional(),
    stop_price: z.string().optional(),
    tif: z.enum(['GTC', 'IOC', 'FOK', 'GTD', 'DAY']),
    expire_at: z.number().int().optional().meta({ description: 'GTD expiry or DAY close, epoch ms' }),
    mode: z.enum(['paper', 'live']),
    status: z.string().meta({ description: 'PENDING_NEW, NEW, PARTIALLY_FILLED, FILLED, CANCELED, …' }),
    filled_qty: z.string(),
    avg_price: z.string(),
    fills: z.array(fillBodySchema),
    late_fills: z.array(fillBodySchema.extend({ state: z.string() })),
    venue_order_id: z.string().optional(),
    reject_reason: z.object({ code: z.string(), detail: z.string() }).optional(),
    replaces: z.string().optional(),
    replaced_by: z.string().optional(),
    events: z.array(
      z.object({ at: z.number().int(), event: z.string(), state: z.string(), detail: z.string().optional() }),
    ),
  })
  .meta({ id: 'Order' });

export const accountSchema = z
  .object({
    venue: z.string(),
    account: z.string(),
    quote_currency: z.string(),
    cash: z.object({
      settled: z.string(),
      unsettled: z.array(z.object({ amount: z.string(), settles_on: z.string() })),
    }),
    positions: z.record(z.string(), z.string()).meta({ description: 'Signed; negative is short' }),
    reservations: z.array(
      z.object({
        order_id: z.string(),
        symbol: z.string(),
        side: z.enum(['buy', 'sell']),
        quantity: z.string(),
        cash: z.string(),
      }),
    ),
    updated_at: z.number().int(),
  })
  .meta({ id: 'Account' });

const fillBody = (f: FillWire) => ({
  trade_id: f.tradeId,
  qty: f.qty,
  price: f.price,
  fee: f.fee,
  ts: f.ts,
  ...(f.liquidity && { liquidity: f.liquidity }),
});

export function toOrderBody(view: OrderView): z.input<typeof orderSchema> {
  const { input } = view;
  const expireAt = expiryOf(input.tif);
  return {
    order_id: input.clientOrderId,
    world_id: input.worldId,
    strategy_id: input.strategyId,
    intent_id: input.intentId,
    replace_seq: input.replaceSeq,
    venue: input.venue,
    account: input.account,
    symbol: input.symbol,
    side: input.side,
    type: input.type,
    qty: input.qty,
    ...(input.limitPrice !== undefined && { limit_price: input.limitPrice }),
    ...(input.stopPrice !== undefined && { stop_price: input.stopPrice }),
    tif: input.tif.kind,
    ...(expireAt !== null && { expire_at: expireAt }),
    mode: input.mode,
    status: view.state,
    filled_qty: view.filledQty,
    avg_price: view.avgPrice,
    fills: view.fills.map(fillBody),
    late_fills: view.lateFills.map((late) => ({ ...fillBody(late.fill), state: late.state })),
    ...(view.venueOrderId !== undefined && { venue_order_id: view.venueOrderId }),
    ...(view.rejectReason !== undefined && { reject_reason: view.rejectReason }),
    ...(input.replaces !== undefined && { replaces: input.replaces }),
    ...(view.replacedBy !== undefined && { replaced_by: view.replacedBy }),
    events: view.events.map((e) => ({
      at: e.at,
      event: e.event,
      state: e.state,
      ...(e.detail !== undefined && { detail: e.detail }),
    })),
  };
}

export function toAccountBody(view: AccountView): z.input<typeof accountSchema> {
  return {
    venue: view.venue,
    account: view.account,
    quote_currency: view.quoteCurrency,
    cash: {
      settled: view.cash.settled,
      unsettled: view.cash.unsettled.map((u) => ({ amount: u.amount, settles_on: u.settlesOn })),
    },
    positions: view.positions,
    reservations: view.reservations.map((r) => ({
      order_id: r.orderId,
      symbol: r.symbol,
      side: r.side,
      quantity: r.quantity,
      cash: r.cash,
    })),
    updated_at: view.updatedAt,
  };
}
