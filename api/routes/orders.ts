/**
 * Orders over HTTP (SPEC §5, §8): place, read, cancel, replace, report fills,
 * read an account. Each order is the workflow `order:{clientOrderId}`; the
 * Gateway only validates, guards (world, live, kill switch, a strategy's
 * activation gate: order-gate.ts) and calls the order door (api/temporal-orders.ts). Cancel is never guarded: cutting risk
 * must always be possible.
 */
import type express from 'express';
import { z } from 'zod';
import { killScopeKey, type Store } from '../../activities/store/port';
import { Dec } from '../../domain/execution/symbol';
import type { World } from '../../domain/world/world';
import type { OrderView, OrderWorkflowInput } from '../../workflows/order-messages';
import { ProblemError, notFound } from '../errors';
import {
  LIVE_HEADER,
  cutoffMinute,
  instant,
  isLiveOrder,
  liveGuard,
  orderWorkflowInput,
  placeOrderSchema,
  positiveDecimal,
  signedDecimal,
} from '../order-request';
import { defineRoute, type RouteSpec } from '../route';
import type { WorldControl } from '../temporal-client';
import type { OrderControl } from '../temporal-orders';
import type { WorldServiceControl } from '../temporal-worlds';
import { accountSchema, orderSchema, toAccountBody, toOrderBody } from './order-bodies';
import { requireOpenGate } from './order-gate';

export interface OrderRouteDeps {
  store: Store;
  temporal: OrderControl & WorldControl & Pick<WorldServiceControl, 'worldSnapshot'>;
  /** DAY orders on venues without sessions end at this UTC time, HH:MM (config.dayCutoffUtc). */
  dayCutoffUtc?: string;
  /** How often working orders poll their venue (config.orderPollMs; default: the workflow's 5 s). */
  orderPollMs?: number;
}

const orderIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a client order id');
const nameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/);
const statusUrl = (orderId: string) => `/v1/orders/${orderId}`;

const placedSchema = z
  .object({
    order_id: z.string(),
    status_url: z.string(),
    created: z.boolean().meta({ description: 'false when this intent had been placed before' }),
  })
  .meta({ id: 'OrderAccepted' });

const replacedSchema = z
  .object({ order_id: z.string(), replaced_order_id: z.string(), status_url: z.string() })
  .meta({ id: 'OrderReplaced' });

const fillSchema = z
  .object({
    order_id: orderIdSchema,
    trade_id: z.string().min(1).max(128),
    qty: positiveDecimal,
    price: positiveDecimal,
    fee: signedDecimal.meta({ description: 'Negative for a rebate' }),
    ts: instant,
  })
  .meta({ id: 'ReportFill' });

const replaceSchema = z
  .object({ qty: positiveDecimal.optional(), limit_price: positiveDecimal.optional() })
  .refine((r) => r.qty !== undefined || r.limit_price !== undefined, {
    message: 'give qty, limit_price or both',
    path: ['qty'],
  })
  .meta({ id: 'ReplaceOrder' });

export function orderRoutes({
  store,
  temporal,
  dayCutoffUtc = '00:00',
  orderPollMs,
}: OrderRouteDeps): RouteSpec[] {
  const guards = new OrderGuards(store, temporal);
  const existing = async (id: string): Promise<OrderView> => {
    const view = await temporal.order(id);
    if (!view) throw notFound('order', id);
    return view;
  };
  return [
    defineRoute({
      method: 'post',
      path: '/v1/orders',
      operationId: 'placeOrder',
      summary: 'Place an order; the same intent id places it once',
      tags: ['orders'],
      access: 'operator',
      body: placeOrderSchema,
      responses: {
        202: { description: 'Accepted; follow status_url', schema: placedSchema },
        403: { description: `Live trading needs ${LIVE_HEADER}: true and a world with allow_live` },
        404: { description: 'Unknown world (E_NOT_FOUND)' },
        409: {
          description:
            "Kill switch engaged (E_KILL_SWITCH), the strategy's activation gate closed (E_GATE_CLOSED, `reason`) or intent reused (E_CONFLICT)",
        },
      },
      async handler({ body, req }) {
        const world = await guards.world(body.world_id);
        guards.live(req, body, world);
        await guards.killSwitch(body.world_id, body.venue, body.account);
        await guards.gate(body.world_id, body.strategy_id, body.side, body.mode);
        const input = {
          ...orderWorkflowInput(body, { now: Date.now(), dayCutoffMinute: cutoffMinute(dayCutoffUtc) }),
          ...(orderPollMs !== undefined && { pollIntervalMs: orderPollMs }),
        };
        const placed = await temporal.placeOrder(input);
        if (!placed.created) sameIntent(input, await temporal.order(placed.orderId));
        return {
          status: 202,
          headers: { Location: statusUrl(placed.orderId) },
          body: { order_id: placed.orderId, status_url: statusUrl(placed.orderId), created: placed.created },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/orders/:id',
      operationId: 'getOrder',
      summary: 'An order, its fills and its audit trail, read from its workflow',
      tags: ['orders'],
      access: 'reader',
      params: z.object({ id: orderIdSchema }),
      responses: { 200: { description: 'The order', schema: orderSchema } },
      async handler({ params }) {
        return { status: 200, body: toOrderBody(await existing(params.id)) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/orders/:id/cancel',
      operationId: 'cancelOrder',
      summary: 'Cancel an order; answers once the venue has',
      tags: ['orders'],
      access: 'operator',
      params: z.object({ id: orderIdSchema }),
      body: z
        .object({ reason: z.string().min(1).max(500).optional() })
        .optional()
        .meta({ id: 'CancelOrder' }),
      responses: {
        200: { description: 'The order after the cancel', schema: orderSchema },
        409: { description: 'The order is terminal or has a request pending (E_CONFLICT)' },
      },
      async handler({ params, body, principal }) {
        const reason = body?.reason ?? `canceled by ${principal?.name ?? 'unknown'}`;
        return { status: 200, body: toOrderBody(await temporal.cancelOrder(params.id, reason)) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/orders/:id/replace',
      operationId: 'replaceOrder',
      summary: 'Replace quantity and/or limit price: the old order is canceled, a child order works the rest',
      tags: ['orders'],
      access: 'operator',
      params: z.object({ id: orderIdSchema }),
      body: replaceSchema,
      responses: {
        202: { description: 'Replaced; follow status_url for the new order', schema: replacedSchema },
        409: { description: 'Refused by the order (terminal, qty below filled, off tick) or kill switch' },
      },
      async handler({ params, body, req }) {
        const { input } = await existing(params.id);
        // A replacement is a new order at the venue: the same guards as placing one.
        guards.live(req, input, await guards.world(input.worldId));
        await guards.killSwitch(input.worldId, input.venue, input.account);
        await guards.gate(input.worldId, input.strategyId, input.side, input.mode);
        const { newOrderId } = await temporal.replaceOrder(params.id, {
          ...(body.qty !== undefined && { qty: body.qty }),
          ...(body.limit_price !== undefined && { limitPrice: body.limit_price }),
        });
        return {
          status: 202,
          headers: { Location: statusUrl(newOrderId) },
          body: { order_id: newOrderId, replaced_order_id: params.id, status_url: statusUrl(newOrderId) },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/fills',
      operationId: 'reportFill',
      summary: 'Report a fill for an order; a trade id already booked changes nothing',
      tags: ['orders'],
      access: 'operator',
      body: fillSchema,
      responses: {
        202: {
          description: 'Forwarded to the order',
          schema: z.object({ order_id: z.string(), trade_id: z.string() }).meta({ id: 'FillAccepted' }),
        },
        404: { description: 'Unknown order (E_NOT_FOUND)' },
        409: { description: 'The order workflow has ended (E_CONFLICT); reconciliation books it' },
      },
      async handler({ body }) {
        const { order_id: orderId, trade_id: tradeId, ...fill } = body;
        await temporal.ingestFill(orderId, { tradeId, ...fill });
        return { status: 202, body: { order_id: orderId, trade_id: tradeId } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/accounts/:venue/:account',
      operationId: 'getAccount',
      summary: 'A venue account: cash, positions and reservations, read from its workflow',
      tags: ['orders'],
      access: 'reader',
      params: z.object({ venue: nameSchema, account: nameSchema }),
      responses: { 200: { description: 'The account', schema: accountSchema } },
      async handler({ params }) {
        const view = await temporal.account(params.venue, params.account);
        if (!view) throw notFound('account', `${params.venue}:${params.account}`);
        return { status: 200, body: toAccountBody(view) };
      },
    }),
  ];
}

/** The checks every order that reaches a venue passes, in the order a client should fix them. */
class OrderGuards {
  constructor(
    private readonly store: Store,
    private readonly worlds: WorldControl & Pick<WorldServiceControl, 'worldSnapshot'>,
  ) {}

  async world(worldId: string): Promise<World> {
    const world = await this.worlds.world(worldId);
    if (!world) throw notFound('world', worldId);
    return world;
  }

  live(req: express.Request, order: { mode: 'paper' | 'live'; venue: string }, world: World): void {
    if (!isLiveOrder(order.mode, order.venue)) return;
    const decision = liveGuard({ ...order, header: req.get(LIVE_HEADER), world });
    if (!decision.ok) {
      throw new ProblemError(403, 'E_PERMISSION_DENIED', 'Live trading not allowed', decision.detail, {
        world_id: world.id,
      });
    }
  }

  gate(worldId: string, strategyId: string, side: 'buy' | 'sell', mode: 'paper' | 'live'): Promise<void> {
    return requireOpenGate(this.worlds, { worldId, strategyId, side, mode });
  }

  async killSwitch(worldId: string, venue: string, account: string): Promise<void> {
    for (const scope of [
      { kind: 'world' as const, worldId },
      { kind: 'venue' as const, venue, account },
    ]) {
      const record = await this.store.killSwitches.get(killScopeKey(scope));
      if (record?.engaged) {
        throw new ProblemError(409, 'E_KILL_SWITCH', 'Kill switch engaged', record.reason, {
          scope: record.scopeKey,
        });
      }
    }
  }
}

/** A repeated intent must be the same order; other terms under a used intent id are a client bug. */
function sameIntent(input: OrderWorkflowInput, existing: OrderView | undefined): void {
  if (!existing) return;
  // Decimals compared as numbers ("0.50" is "0.5"); a DAY close moves with the clock, so only the TIF kind.
  const num = (v: string | undefined) => (v === undefined ? null : new Dec(v).toString());
  const terms = (i: OrderWorkflowInput) =>
    JSON.stringify([
      [i.venue, i.account, i.symbol, i.side, i.type, i.tif.kind, i.mode],
      [num(i.qty), num(i.limitPrice), num(i.stopPrice)],
    ]);
  if (terms(existing.input) !== terms(input)) {
    throw new ProblemError(
      409,
      'E_CONFLICT',
      'Intent already placed',
      `intent '${input.intentId}' was placed with other terms as order ${input.clientOrderId}`,
      { order_id: input.clientOrderId },
    );
  }
}
