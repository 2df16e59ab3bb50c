/**
 * The checks a rebalance's orders pass before any is sent, the same as a
 * single order's (api/routes/orders.ts): every world exists, orders that can
 * touch real money pass the live guard (header + world allow_live), and no
 * kill switch of a world or venue account in scope is engaged. Also the role
 * check for sending orders from a route any reader may call.
 */
import type express from 'express';
import { killScopeKey, type Store } from '../activities/store/port';
import type { World } from '../domain/world/world';
import type { RebalanceOrderSpec } from '../workflows/rebalance-messages';
import { ProblemError, notFound } from './errors';
import { LIVE_HEADER, isLiveOrder, liveGuard } from './order-request';
import { roleAllows, type Principal } from './route';
import type { WorldControl } from './temporal-client';
import { modeOfVenue } from '../activities/order-start';

export function requireOperator(principal: Principal | undefined, what: string): void {
  if (principal && roleAllows(principal.role, 'operator')) return;
  throw new ProblemError(403, 'E_PERMISSION_DENIED', 'Permission denied', `${what} needs the operator role`);
}

export async function guardRebalanceOrders(
  deps: { store: Store; temporal: WorldControl },
  req: express.Request,
  worldIds: readonly string[],
  orders: readonly Pick<RebalanceOrderSpec, 'worldId' | 'venue' | 'account'>[],
): Promise<void> {
  const worlds = new Map<string, World>();
  for (const id of new Set([...worldIds, ...orders.map((o) => o.worldId)])) {
    const world = await deps.temporal.world(id);
    if (!world) throw notFound('world', id);
    worlds.set(id, world);
  }
  for (const order of orders) {
    const mode = modeOfVenue(order.venue);
    if (!isLiveOrder(mode, order.venue)) continue;
    const world = worlds.get(order.worldId)!;
    const decision = liveGuard({ mode, venue: order.venue, header: req.get(LIVE_HEADER), world });
    if (!decision.ok) {
      throw new ProblemError(403, 'E_PERMISSION_DENIED', 'Live trading not allowed', decision.detail, {
        world_id: world.id,
      });
    }
  }
  const scopes = [
    ...[...worlds.keys()].map((worldId) => ({ kind: 'world' as const, worldId })),
    ...orders.map((o) => ({ kind: 'venue' as const, venue: o.venue, account: o.account })),
  ];
  for (const scope of scopes) {
    const record = await deps.store.killSwitches.get(killScopeKey(scope));
    if (record?.engaged) {
      throw new ProblemError(409, 'E_KILL_SWITCH', 'Kill switch engaged', record.reason, {
        scope: record.scopeKey,
      });
    }
  }
}
