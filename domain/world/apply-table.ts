/**
 * Two-phase apply on the activation table (SPEC §9), pure. The world workflow
 * calls these from its beginApply / applyStep update handlers; every phase
 * change goes through nextApplyPhase so no path outside the literal table
 * exists.
 *
 * Rollback choice: restore puts the entries the run found back exactly
 * (frozen, with a new etag/run_id/ts) and removes entries the run created —
 * an absent entry is closed anyway (default-safe), so nothing can trade.
 */
import {
  overAllocatedSides,
  ACTIVATION_SIDES,
  ActivationRefusal,
  type ActivationEntry,
  type ActivationSide,
  type ActivationTable,
} from './activation';
import { isTerminalApplyPhase, nextApplyPhase, type ApplyPhase } from './apply-phases';
import type Decimal from 'decimal.js';
import { Dec } from '../execution/symbol';
import type {
  ApplyPlan,
  ApplyRecord,
  ApplyStep,
  Governance,
  WORLD_REFUSALS as WorldRefusals,
} from '../../workflows/world-messages';

/** The refusal codes used here, checked against the world's list (a value import would pull Temporal into domain/). */
const WORLD_REFUSALS = {
  applyState: 'APPLY_STATE',
  applyInProgress: 'APPLY_IN_PROGRESS',
  invalid: 'WORLD_WRITE_INVALID',
  liveNotAllowed: 'LIVE_NOT_ALLOWED',
  governance: 'GOVERNANCE_BLOCKED',
} as const satisfies Partial<typeof WorldRefusals>;

export interface BeginApplyRequest {
  run_id: string;
  mode: 'paper' | 'live';
  plan: ApplyPlan;
  plan_hash: string;
  actor: string;
}

export interface ApplyStepContext {
  ts: string;
  allow_live: boolean;
  governance: Governance;
  /** Why the run rolls back (kept on the record by `restore`). */
  error?: string;
}

export interface ApplyStepResult {
  table: ActivationTable;
  apply: ApplyRecord;
  /** Entries this step wrote (after the write); removed ones are not listed. */
  entries: ActivationEntry[];
}

type Key = `${string}|${ActivationSide}`;
const keyOf = (strategyId: string, side: ActivationSide): Key => `${strategyId}|${side}`;
const sidesOf = (side: ActivationSide | undefined): readonly ActivationSide[] =>
  side === undefined ? ACTIVATION_SIDES : [side];

/** Registers a run, or answers the one already registered under that id. */
export function beginApply(
  current: ApplyRecord | undefined,
  req: BeginApplyRequest,
  ts: string,
): { apply: ApplyRecord; started: boolean } {
  if (current?.run_id === req.run_id) {
    if (current.plan_hash !== req.plan_hash) {
      throw new ActivationRefusal(
        WORLD_REFUSALS.applyState,
        `apply run ${req.run_id} already exists with a different plan`,
      );
    }
    return { apply: current, started: false };
  }
  if (current !== undefined && !isTerminalApplyPhase(current.phase)) {
    throw new ActivationRefusal(
      WORLD_REFUSALS.applyInProgress,
      `apply run ${current.run_id} is in progress (phase ${current.phase})`,
    );
  }
  validatePlan(req.plan);
  const apply: ApplyRecord = {
    run_id: req.run_id,
    mode: req.mode,
    plan: req.plan,
    plan_hash: req.plan_hash,
    phase: 'requested',
    requested_at: ts,
    updated_at: ts,
    actor: req.actor,
  };
  return { apply, started: true };
}

/** Throws ActivationRefusal(WORLD_WRITE_INVALID) naming the first problem. */
export function validatePlan(plan: ApplyPlan): void {
  const invalid = (message: string): never => {
    throw new ActivationRefusal(WORLD_REFUSALS.invalid, message);
  };
  if (plan.activate.length === 0 && plan.deactivate.length === 0) invalid('apply plan is empty');
  const deactivated = new Set(plan.deactivate);
  if (deactivated.size !== plan.deactivate.length) invalid('apply plan deactivates a strategy twice');
  const seen = new Set<Key>();
  const sums: Record<ActivationSide, Decimal> = { long: new Dec(0), short: new Dec(0) };
  for (const entry of plan.activate) {
    if (deactivated.has(entry.strategy_id)) {
      invalid(`strategy ${entry.strategy_id} is both activated and deactivated`);
    }
    if (!Number.isFinite(entry.weight) || entry.weight < 0 || entry.weight > 1) {
      invalid(`weight of ${entry.strategy_id} must be within [0, 1]`);
    }
    for (const side of sidesOf(entry.side)) {
      const key = keyOf(entry.strategy_id, side);
      if (seen.has(key)) invalid(`strategy ${entry.strategy_id} is activated twice on side ${side}`);
      seen.add(key);
      sums[side] = sums[side].plus(entry.weight);
    }
  }
  for (const side of ACTIVATION_SIDES) {
    if (sums[side].gt(1)) invalid(`activated weights on side ${side} sum to ${sums[side].toString()} > 1`);
  }
}

/** Every (strategy, side) the plan touches: activated keys, and both sides of deactivated ids. */
function planKeys(plan: ApplyPlan): { activate: Map<Key, number>; deactivate: Set<Key> } {
  const activate = new Map<Key, number>();
  for (const entry of plan.activate) {
    for (const side of sidesOf(entry.side)) activate.set(keyOf(entry.strategy_id, side), entry.weight);
  }
  const deactivate = new Set<Key>();
  for (const id of plan.deactivate) for (const side of ACTIVATION_SIDES) deactivate.add(keyOf(id, side));
  return { activate, deactivate };
}

const STEP_EVENTS = {
  freeze: ['freeze_started', 'all_frozen'],
  switch: ['all_acked', 'switched'],
  unfreeze: ['unfrozen'],
} as const;

/** One phase of the run; throws ActivationRefusal when the step does not fit the phase or is refused. */
export function applyStep(
  table: ActivationTable,
  apply: ApplyRecord,
  step: ApplyStep,
  ctx: ApplyStepContext,
): ApplyStepResult {
  const phase = step === 'restore' ? restorePhase(apply) : stepPhase(apply, step);
  const etag = table.etag + 1;
  const stamp = (entry: ActivationEntry): ActivationEntry => ({
    ...entry,
    etag,
    run_id: apply.run_id,
    ts: ctx.ts,
  });
  const keys = planKeys(apply.plan);
  const byKey = new Map(table.entries.map((e) => [keyOf(e.strategy_id, e.side), e] as const));
  const written = new Map<Key, ActivationEntry>();
  const removed = new Set<Key>();
  let next: ApplyRecord = { ...apply, phase, updated_at: ctx.ts };

  if (step === 'freeze') {
    const previous: ActivationEntry[] = [];
    for (const key of [...keys.activate.keys(), ...keys.deactivate]) {
      const found = byKey.get(key);
      if (found !== undefined) previous.push(found);
      if (found === undefined && keys.deactivate.has(key)) continue; // nothing to close
      written.set(key, stamp({ ...(found ?? closedEntry(key)), freeze: true }));
    }
    next = { ...next, previous };
  } else if (step === 'switch') {
    for (const [key, weight] of keys.activate) {
      const { valid_until: _window, ...found } = byKey.get(key) ?? closedEntry(key);
      // The plan gives no window: an old one would silently close the new entry.
      written.set(key, stamp({ ...found, active: true, weight, effective_mode: apply.mode, freeze: true }));
    }
    for (const key of keys.deactivate) {
      const found = byKey.get(key);
      if (found !== undefined) written.set(key, stamp({ ...found, active: false, weight: 0, freeze: true }));
    }
    if (apply.mode === 'live') checkLive(table, written, ctx);
    const over = overAllocatedSides(mergeTable(table, table.etag, written, new Set()).entries);
    if (over.length > 0)
      throw new ActivationRefusal(
        WORLD_REFUSALS.invalid,
        `active weights of side ${over.join(' and ')} would sum above 1 after the switch`,
      );
  } else if (step === 'unfreeze') {
    for (const key of [...keys.activate.keys(), ...keys.deactivate]) {
      const found = byKey.get(key);
      if (found !== undefined) written.set(key, stamp({ ...found, freeze: false }));
    }
  } else {
    // Before freeze nothing changed yet: what is there now is the previous set.
    const previous = new Map(
      (apply.previous ?? [...byKey.values()]).map((e) => [keyOf(e.strategy_id, e.side), e] as const),
    );
    for (const key of [...keys.activate.keys(), ...keys.deactivate]) {
      const before = previous.get(key);
      if (before !== undefined) written.set(key, stamp({ ...before, freeze: true }));
      else if (byKey.has(key)) removed.add(key);
    }
    next = { ...next, ...(ctx.error !== undefined ? { error: ctx.error } : {}) };
  }

  return { table: mergeTable(table, etag, written, removed), apply: next, entries: [...written.values()] };
}

function stepPhase(apply: ApplyRecord, step: Exclude<ApplyStep, 'restore'>): ApplyPhase {
  const from: Record<typeof step, ApplyPhase> = {
    freeze: 'requested',
    switch: 'awaiting_acks',
    unfreeze: 'unfreezing',
  };
  if (apply.phase !== from[step]) refuseState(apply, step);
  return STEP_EVENTS[step].reduce<ApplyPhase>((phase, event) => nextApplyPhase(phase, event), apply.phase);
}

function restorePhase(apply: ApplyRecord): ApplyPhase {
  if (isTerminalApplyPhase(apply.phase)) refuseState(apply, 'restore');
  const rolling = apply.phase === 'rolling_back' ? apply.phase : nextApplyPhase(apply.phase, 'failed');
  return nextApplyPhase(rolling, 'restored');
}

function refuseState(apply: ApplyRecord, step: ApplyStep): never {
  throw new ActivationRefusal(
    WORLD_REFUSALS.applyState,
    `apply run ${apply.run_id}: step ${step} does not fit phase ${apply.phase}`,
  );
}

/** A new entry starts closed: inactive, weight 0, never sends orders. */
function closedEntry(key: Key): ActivationEntry {
  const cut = key.lastIndexOf('|');
  return {
    strategy_id: key.slice(0, cut),
    side: key.slice(cut + 1) as ActivationSide,
    active: false,
    weight: 0,
    freeze: true,
    drain: false,
    effective_mode: 'compute-only',
    etag: 0,
    run_id: '',
    ts: '',
  };
}

/** Live needs allow_live, and at most `max_live_slots` strategies active in live mode afterwards. */
function checkLive(table: ActivationTable, written: Map<Key, ActivationEntry>, ctx: ApplyStepContext): void {
  if (!ctx.allow_live) {
    throw new ActivationRefusal(WORLD_REFUSALS.liveNotAllowed, 'live apply on a world without allow_live');
  }
  const after = mergeTable(table, table.etag, written, new Set()).entries;
  const live = new Set(
    after.filter((e) => e.active && e.effective_mode === 'live').map((e) => e.strategy_id),
  );
  const slots = ctx.governance.max_live_slots;
  if (live.size > slots) {
    throw new ActivationRefusal(
      WORLD_REFUSALS.governance,
      `MAX_LIVE_SLOTS: ${live.size} strategies would be live, ${slots} allowed (${[...live].sort().join(', ')})`,
    );
  }
}

/** Existing order kept, new entries appended in plan order. */
function mergeTable(
  table: ActivationTable,
  etag: number,
  written: Map<Key, ActivationEntry>,
  removed: Set<Key>,
): ActivationTable {
  const entries: ActivationEntry[] = [];
  const placed = new Set<Key>();
  for (const entry of table.entries) {
    const key = keyOf(entry.strategy_id, entry.side);
    if (removed.has(key)) continue;
    entries.push(written.get(key) ?? entry);
    placed.add(key);
  }
  for (const [key, entry] of written) if (!placed.has(key)) entries.push(entry);
  return { etag, entries };
}
