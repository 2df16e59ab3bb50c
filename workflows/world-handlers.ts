/**
 * The v2 world workflow's config handlers: world settings, delete, bindings,
 * evaluation runs, policies and the queries. Each write is synchronous up to
 * `state.write`, then waits for its audit record to be flushed.
 */
import { setHandler } from '@temporalio/workflow';
import type { WorldPatch, WorldSettings } from './world-messages';
import {
  WORLD_REFUSALS,
  bindStrategiesUpdate,
  deleteWorldUpdate,
  recordEvaluationUpdate,
  updateWorldUpdate,
  worldSnapshotQuery,
} from './world-messages';
import {
  UNKNOWN_POLICY_VERSION,
  addPolicyUpdate,
  policyRefusal,
  retireWorldSignal,
  setDefaultPolicyUpdate,
  worldPoliciesQuery,
  worldQuery,
} from './world-policies';
import { MAX_EVALUATIONS, nowIso, refuse, type WorldState } from './world-state';

function mergeSettings(settings: WorldSettings, patch: WorldPatch['settings']): WorldSettings {
  if (patch === undefined) return settings;
  const { governance, ...rest } = patch;
  return { ...settings, ...rest, governance: { ...settings.governance, ...governance } };
}

/** Deletes; with active entries (forced) every entry is closed first, default-safe. */
export function deleteWorld(state: WorldState, actor: string, reason: string): number {
  const { activation } = state.book;
  if (state.hasActiveEntries()) {
    const etag = activation.etag + 1;
    const ts = nowIso();
    const closed = activation.entries
      .filter((e) => e.active)
      .map((e) => ({ ...e, active: false, weight: 0, etag, ts }));
    const entries = activation.entries.map(
      (e) => closed.find((c) => c.strategy_id === e.strategy_id && c.side === e.side) ?? e,
    );
    state.book = { ...state.book, activation: { etag, entries } };
    state.write(
      actor,
      'activation.closed',
      { etag, reason: 'world deleted', entries: closed.length },
      state.activationEvents(closed),
    );
  }
  const mark = state.write(actor, 'world.deleted', { reason });
  state.book = { ...state.book, deleted: { at: nowIso(), actor, reason } };
  return mark;
}

export function registerWorldHandlers(state: WorldState): void {
  setHandler(worldQuery, () => state.world);
  setHandler(worldPoliciesQuery, () => state.policies);
  setHandler(worldSnapshotQuery, () => state.snapshot());

  setHandler(
    updateWorldUpdate,
    async ({ actor, patch }) => {
      const before = state.world;
      // Only the patchable fields: id, owner and created_at never change.
      const { name, allow_live, labels, state: worldState, settings } = patch;
      const fields = { name, allow_live, labels, state: worldState };
      const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      state.world = { ...before, ...defined };
      state.settings = mergeSettings(state.settings, settings);
      let mark = state.write(actor, 'world.updated', { patch });
      if (patch.allow_live !== undefined && patch.allow_live !== before.allow_live)
        mark = state.write(actor, 'world.allow_live_changed', {
          from: before.allow_live,
          to: patch.allow_live,
        });
      await state.flushedThrough(mark);
      return state.snapshot();
    },
    {
      validator: ({ if_match }) => {
        state.refuseIfDeleted();
        if (if_match !== undefined && if_match !== state.book.etag)
          refuse(WORLD_REFUSALS.etagMismatch, `world etag is ${state.book.etag}, if_match was ${if_match}`);
      },
    },
  );

  setHandler(
    deleteWorldUpdate,
    async ({ actor, reason }) => {
      await state.flushedThrough(deleteWorld(state, actor, reason));
      return { deleted: true as const };
    },
    {
      validator: ({ force }) => {
        state.refuseIfDeleted();
        if (!force && state.hasActiveEntries())
          refuse(WORLD_REFUSALS.hasActive, `world ${state.id} has active strategies; delete with force`);
      },
    },
  );

  // Retiring (the pre-WorldService signal) is a forced delete.
  setHandler(retireWorldSignal, ({ reason }) => {
    if (state.book.deleted === undefined) deleteWorld(state, 'system', reason);
  });

  setHandler(
    bindStrategiesUpdate,
    async ({ actor, strategy_ids }) => {
      const added = [...new Set(strategy_ids)].filter((id) => !state.book.bindings.includes(id)).sort();
      if (added.length > 0) {
        const bindings = [...state.book.bindings, ...added].sort();
        state.book = { ...state.book, bindings };
        await state.flushedThrough(state.write(actor, 'world.bound', { added }));
      }
      return { bindings: state.book.bindings };
    },
    { validator: (_input) => state.refuseIfDeleted() },
  );

  setHandler(
    recordEvaluationUpdate,
    async ({ actor, evaluation }) => {
      const stored = state.book.evaluations.find((e) => e.evaluation_run_id === evaluation.evaluation_run_id);
      if (stored !== undefined) return { evaluation: stored, replayed: true };
      const run = { ...evaluation, at: nowIso() };
      state.book = { ...state.book, evaluations: [...state.book.evaluations, run].slice(-MAX_EVALUATIONS) };
      const detail = { evaluation_run_id: run.evaluation_run_id, stage: run.stage, active: run.active };
      await state.flushedThrough(state.write(actor, 'evaluation.recorded', detail));
      return { evaluation: run, replayed: false };
    },
    { validator: (_input) => state.refuseIfDeleted() },
  );

  setHandler(
    addPolicyUpdate,
    async ({ policy, actor }) => {
      const version = state.policies.versions.length + 1;
      const versions = [...state.policies.versions, { version, created_at: nowIso(), actor, policy }];
      const default_version = state.policies.default_version ?? version;
      state.policies = { default_version, versions };
      await state.flushedThrough(
        state.write(actor, 'policy.added', { policy_version: version }, [
          policyEvent(state, version, 'added'),
        ]),
      );
      return { version };
    },
    {
      validator: (input) => {
        state.refuseIfDeleted();
        const refusal = policyRefusal(state.policies, input);
        if (refusal) refuse(refusal.type, refusal.message);
      },
    },
  );

  setHandler(
    setDefaultPolicyUpdate,
    async ({ version, actor }) => {
      state.policies = { ...state.policies, default_version: version };
      const event = policyEvent(state, version, 'default_set');
      await state.flushedThrough(
        state.write(actor, 'policy.default_set', { policy_version: version }, [event]),
      );
      return { default_version: version };
    },
    {
      validator: ({ version }) => {
        state.refuseIfDeleted();
        if (!state.policies.versions.some((v) => v.version === version))
          refuse(UNKNOWN_POLICY_VERSION, `world ${state.id} has no policy version ${version}`);
      },
    },
  );
}

function policyEvent(state: WorldState, version: number, change: 'added' | 'default_set') {
  return {
    eventKey: `world:${state.id}:policy:${state.book.audit_version + 1}`,
    topic: 'policy',
    worldId: state.id,
    key: `world:${state.id}:policy`,
    payload: { world_id: state.id, policy_version: version, change },
  };
}
