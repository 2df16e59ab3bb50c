/**
 * The activation gate of POST /v1/orders (SPEC §9): an order of a strategy
 * passes only through that strategy's open gate in its world (unknown,
 * inactive, frozen, draining or expired is closed; the answer names why).
 * Operator orders (strategy 'manual') are not gated: the kill switch and the
 * live guard cover them, as before the WorldService existed.
 */
import { orderGate } from '../../domain/world/activation';
import { ProblemError, notFound } from '../errors';
import type { WorldServiceControl } from '../temporal-worlds';

/** The strategy id of orders an operator places by hand (api/order-request.ts' default). */
export const MANUAL_STRATEGY = 'manual';

export async function requireOpenGate(
  worlds: Pick<WorldServiceControl, 'worldSnapshot'>,
  order: { worldId: string; strategyId: string; side: 'buy' | 'sell'; mode: 'paper' | 'live' },
): Promise<void> {
  const { worldId, strategyId, side, mode } = order;
  if (strategyId === MANUAL_STRATEGY) return;
  const snapshot = await worlds.worldSnapshot(worldId);
  if (!snapshot) throw notFound('world', worldId);
  // A buy opens or adds to the long side, a sell the short side.
  const query = { strategy_id: strategyId, side: side === 'buy' ? 'long' : 'short', mode } as const;
  const gate = orderGate(snapshot.activation, query, snapshot.world, Date.now());
  if (gate.open) return;
  throw new ProblemError(
    409,
    'E_GATE_CLOSED',
    'Activation gate closed',
    `strategy '${strategyId}' may not ${side} in ${mode} now: ${gate.reason}`,
    { world_id: worldId, strategy_id: strategyId, reason: gate.reason },
  );
}
