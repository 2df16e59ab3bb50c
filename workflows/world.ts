/**
 * world:{worldId} — the world's entity workflow (SPEC §9): config, policy
 * versions, bindings, evaluation runs, the activation table, apply runs,
 * promotions and the audit sequence. Reads are queries, writes are updates
 * with validators (workflows/world-messages.ts).
 *
 * Runs started before WorldService take the legacy path (`patched` false) so
 * their histories replay. The v2 main loop only flushes the outbox (audit
 * records, ControlBus events), closes activation windows on a workflow timer,
 * and continues as new when the history grows long.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { WorldActivities } from '../activities/world';
import { expireActivation, nextExpiry } from '../domain/world/activation';
import { storeCall } from './activity-options';
import { registerActivationHandlers } from './world-activation-handlers';
import { registerWorldHandlers } from './world-handlers';
import { legacyWorld } from './world-legacy';
import type { WorldWorkflowInput } from './world-messages';
import { WorldState } from './world-state';

export type { WorldWorkflowInput } from './world-messages';
export {
  MAX_POLICY_BYTES,
  MAX_POLICY_VERSIONS,
  POLICY_REFUSED,
  UNKNOWN_POLICY_VERSION,
  WORLD_RETIRED,
  addPolicyUpdate,
  retireWorldSignal,
  setDefaultPolicyUpdate,
  worldPoliciesQuery,
  worldQuery,
  type PolicyVersion,
  type WorldPolicies,
} from './world-policies';

/** Continue-as-new past this many history events, unless the server suggests it earlier. */
export const MAX_HISTORY_EVENTS = 2000;

export async function worldWorkflow(input: WorldWorkflowInput): Promise<{ retired: string }> {
  if (!patched('world-service')) return legacyWorld(input.world);
  const { appendWorldAudit, publishWorldEvents } = proxyActivities<WorldActivities>(storeCall);
  const state = new WorldState(input);
  // Before the handlers: an update buffered with the first task runs as soon as its handler is set.
  if (input.carried === undefined) state.write(input.world.owner, 'world.created', { world: input.world });
  else if (input.carried.snapshot === undefined)
    state.write('system', 'world.upgraded', { world: input.world });
  registerWorldHandlers(state);
  registerActivationHandlers(state);

  const flush = async () => {
    const { audit, events, mark } = state.takeOutbox();
    if (audit.length > 0) await appendWorldAudit(audit);
    if (events.length > 0) await publishWorldEvents(events);
    state.done(mark);
  };
  const maxEvents = input.max_history_events ?? MAX_HISTORY_EVENTS;
  const historyLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxEvents;

  for (;;) {
    const due = nextExpiry(state.book.activation, Date.now());
    const seenEtag = state.book.activation.etag;
    const wake = () =>
      state.hasOutbox() || state.book.deleted !== undefined || state.book.activation.etag !== seenEtag;
    if (due === undefined) await condition(wake);
    else await condition(wake, due - Date.now());

    // Windows close on workflow time, whether or not anybody reads the world.
    const { table, expired } = expireActivation(state.book.activation, Date.now());
    if (expired.length > 0) {
      state.book = { ...state.book, activation: table };
      const detail = {
        activation_etag: table.etag,
        entries: expired.map((e) => `${e.strategy_id}:${e.side}`),
      };
      state.write('system', 'activation.expired', detail, state.activationEvents(expired));
    }
    if (state.hasOutbox()) await flush();

    if (state.book.deleted !== undefined || historyLong()) {
      // Handlers wait on flushes: keep flushing until every handler has answered.
      while (!allHandlersFinished() || state.hasOutbox()) {
        await condition(() => allHandlersFinished() || state.hasOutbox());
        if (state.hasOutbox()) await flush();
      }
      if (state.book.deleted !== undefined) return { retired: state.book.deleted.reason };
      await continueAsNew<typeof worldWorkflow>(state.carried(input.max_history_events));
    }
  }
}
