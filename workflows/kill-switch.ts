/**
 * kill:{scopeKey}:{requestId} — pulls the kill switch of a world or a venue
 * account (SPEC §8): close the gate, cancel every working order in scope,
 * optionally flatten, audit each step. Flattening applies to venue scopes
 * only: positions are held per venue account, and a world does not own a
 * share of them, so a world kill with flatten=true records that it skipped it.
 * Release is not a workflow: the Gateway writes the record (and its audit).
 */
import { defineQuery, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { FlattenedOrder, KillRequest, KillSwitchActivities } from '../activities/kill-switch';
import { storeCall, workflowMessage } from './activity-options';

export type KillSwitchInput = KillRequest;

export interface KillSwitchResult {
  /** Orders whose cancel ended CANCELED (or was already pending). */
  canceled: number;
  /** Working orders found in scope. */
  orders: number;
  flattened: FlattenedOrder[];
  /** Why flatten was asked for and not done. */
  flattenSkipped?: string;
}

export type KillSwitchPhase = 'engaging' | 'canceling' | 'flattening' | 'done';

/** `scopeKey` is the store's killScopeKey(scope): `world:{id}` or `venue:{venue}:{account}`. */
export const killSwitchWorkflowId = (scopeKey: string, requestId: string): string =>
  `kill:${scopeKey}:${requestId}`;

export const killSwitchQuery = defineQuery<{ phase: KillSwitchPhase } & Partial<KillSwitchResult>>(
  'killSwitch',
);

/** Visibility lags starts by a moment: list again until a round finds no new order, this many at most. */
const LISTING_ROUNDS = 3;
const BETWEEN_ROUNDS = '1 second';

export async function killSwitchWorkflow(input: KillSwitchInput): Promise<KillSwitchResult> {
  const { engageKillSwitch, recordKillStep } = proxyActivities<KillSwitchActivities>(storeCall);
  const { openOrdersInScope, cancelOrderForKill, accountPositions, startFlattenOrder } =
    proxyActivities<KillSwitchActivities>(workflowMessage);
  let phase: KillSwitchPhase = 'engaging';
  const result: KillSwitchResult = { canceled: 0, orders: 0, flattened: [] };
  setHandler(killSwitchQuery, () => ({ phase, ...result }));

  await engageKillSwitch(input);

  phase = 'canceling';
  const seen = new Set<string>();
  for (let round = 0; round < LISTING_ROUNDS; round++) {
    if (round > 0) await sleep(BETWEEN_ROUNDS);
    const fresh = (await openOrdersInScope({ scope: input.scope })).filter((id) => !seen.has(id));
    if (fresh.length === 0) break;
    fresh.forEach((id) => seen.add(id));
    const outcomes = await Promise.all(
      fresh.map((clientOrderId) => cancelOrderForKill({ ...input, clientOrderId })),
    );
    result.canceled += outcomes.filter((o) => o.state === 'CANCELED' || o.state === 'PENDING_CANCEL').length;
  }
  result.orders = seen.size;

  if (input.flatten) {
    phase = 'flattening';
    const { scope } = input;
    if (scope.kind === 'venue') {
      const positions = await accountPositions({ venue: scope.venue, account: scope.account });
      result.flattened = await Promise.all(
        positions.map(({ symbol, qty }) =>
          startFlattenOrder({ ...input, venue: scope.venue, account: scope.account, symbol, position: qty }),
        ),
      );
    } else {
      result.flattenSkipped = 'positions are held per venue account: flatten a venue scope';
      await recordKillStep({ ...input, step: 'flatten_skipped', detail: { why: result.flattenSkipped } });
    }
  }
  await recordKillStep({ ...input, step: 'completed', detail: { ...result } });
  phase = 'done';
  return { ...result };
}
