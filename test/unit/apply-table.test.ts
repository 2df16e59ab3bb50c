import type { ActivationEntry, ActivationTable } from '../../domain/world/activation';
import { ActivationRefusal } from '../../domain/world/activation';
import { applyStep, beginApply, type ApplyStepContext } from '../../domain/world/apply-table';
import type { ApplyStep } from '../../workflows/world-messages';
import { DEFAULT_GOVERNANCE, type ApplyPlan, type ApplyRecord } from '../../workflows/world-messages';

const T0 = '2026-01-01T00:00:00.000Z';
const T = (n: number): string => `2026-01-01T00:0${n}:00.000Z`;

function entry(
  strategy_id: string,
  side: 'long' | 'short',
  over: Partial<ActivationEntry> = {},
): ActivationEntry {
  return {
    strategy_id,
    side,
    active: true,
    weight: 0.5,
    freeze: false,
    drain: false,
    effective_mode: 'paper',
    etag: 3,
    run_id: 'manual:3',
    ts: T0,
    ...over,
  };
}

const A_LONG = entry('A', 'long', { valid_until: '2027-01-01T00:00:00.000Z' });
const A_SHORT = entry('A', 'short');
const B_LONG = entry('B', 'long', { weight: 0.4 });
const TABLE: ActivationTable = { etag: 5, entries: [A_LONG, A_SHORT, B_LONG] };
const PLAN: ApplyPlan = {
  activate: [
    { strategy_id: 'C', side: 'long', weight: 0.6 },
    { strategy_id: 'A', weight: 0.3 },
  ],
  deactivate: ['B'],
};
const REQ = { run_id: 'r1', mode: 'paper' as const, plan: PLAN, plan_hash: 'h1', actor: 'ops' };
const ctx = (n: number, over: Partial<ApplyStepContext> = {}): ApplyStepContext => ({
  ts: T(n),
  allow_live: false,
  governance: DEFAULT_GOVERNANCE,
  ...over,
});
const stamped = (e: ActivationEntry, etag: number, n: number, over: Partial<ActivationEntry> = {}) => ({
  ...e,
  etag,
  run_id: 'r1',
  ts: T(n),
  ...over,
});
const C_NEW: ActivationEntry = {
  strategy_id: 'C',
  side: 'long',
  active: false,
  weight: 0,
  freeze: true,
  drain: false,
  effective_mode: 'compute-only',
  etag: 0,
  run_id: '',
  ts: '',
};

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ActivationRefusal) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

/** Runs steps from the begun record; returns every intermediate state. */
function run(steps: ApplyStep[], mode: 'paper' | 'live' = 'paper', over: Partial<ApplyStepContext> = {}) {
  let state = { table: TABLE, apply: beginApply(undefined, { ...REQ, mode }, T0).apply };
  const out = [];
  for (const [i, step] of steps.entries()) {
    const result = applyStep(state.table, state.apply, step, ctx(i + 1, over));
    out.push(result);
    state = result;
  }
  return out;
}

/** The state after the last of `steps`. */
function final(steps: ApplyStep[], mode: 'paper' | 'live' = 'paper', over: Partial<ApplyStepContext> = {}) {
  const last = run(steps, mode, over).at(-1);
  if (last === undefined) throw new Error('no steps');
  return last;
}

describe('beginApply', () => {
  it('registers a new run in phase requested', () => {
    expect(beginApply(undefined, REQ, T0)).toEqual({
      started: true,
      apply: {
        run_id: 'r1',
        mode: 'paper',
        plan: PLAN,
        plan_hash: 'h1',
        phase: 'requested',
        requested_at: T0,
        updated_at: T0,
        actor: 'ops',
      },
    });
  });

  it('same run id and hash answers the existing record, whatever its phase', () => {
    const current: ApplyRecord = { ...beginApply(undefined, REQ, T0).apply, phase: 'awaiting_acks' };
    expect(beginApply(current, REQ, T(1))).toEqual({ apply: current, started: false });
  });

  it('same run id with another plan hash is APPLY_STATE', () => {
    const current = beginApply(undefined, REQ, T0).apply;
    expect(refusal(() => beginApply(current, { ...REQ, plan_hash: 'h2' }, T(1))).code).toBe('APPLY_STATE');
  });

  it('another run id while one is in progress is APPLY_IN_PROGRESS', () => {
    const current: ApplyRecord = { ...beginApply(undefined, REQ, T0).apply, phase: 'awaiting_acks' };
    expect(refusal(() => beginApply(current, { ...REQ, run_id: 'r2' }, T(1)))).toEqual({
      code: 'APPLY_IN_PROGRESS',
      message: 'apply run r1 is in progress (phase awaiting_acks)',
    });
  });

  it.each(['completed', 'rolled_back'] as const)('another run id after a %s run starts', (phase) => {
    const current: ApplyRecord = { ...beginApply(undefined, REQ, T0).apply, phase };
    const next = beginApply(current, { ...REQ, run_id: 'r2' }, T(1));
    expect(next.started).toBe(true);
    expect(next.apply.run_id).toBe('r2');
    expect(next.apply.phase).toBe('requested');
  });

  it.each<[string, ApplyPlan, string]>([
    ['empty', { activate: [], deactivate: [] }, 'apply plan is empty'],
    [
      'both lists',
      { activate: [{ strategy_id: 'B', weight: 0.1 }], deactivate: ['B'] },
      'strategy B is both activated and deactivated',
    ],
    [
      'weight > 1',
      { activate: [{ strategy_id: 'A', weight: 1.5 }], deactivate: [] },
      'weight of A must be within [0, 1]',
    ],
    [
      'weight < 0',
      { activate: [{ strategy_id: 'A', weight: -0.1 }], deactivate: [] },
      'weight of A must be within [0, 1]',
    ],
    [
      'long sum > 1',
      {
        activate: [
          { strategy_id: 'A', weight: 0.7 },
          { strategy_id: 'B', side: 'long', weight: 0.4 },
        ],
        deactivate: [],
      },
      'activated weights on side long sum to 1.1 > 1',
    ],
    [
      'twice on a side',
      {
        activate: [
          { strategy_id: 'A', side: 'short', weight: 0.1 },
          { strategy_id: 'A', weight: 0.1 },
        ],
        deactivate: [],
      },
      'strategy A is activated twice on side short',
    ],
    [
      'deactivated twice',
      { activate: [], deactivate: ['B', 'B'] },
      'apply plan deactivates a strategy twice',
    ],
  ])('refuses a plan: %s', (_name, plan, message) => {
    expect(refusal(() => beginApply(undefined, { ...REQ, plan }, T0))).toEqual({
      code: 'WORLD_WRITE_INVALID',
      message,
    });
  });

  it('weights summing to exactly 1 per side pass (decimal sum: 0.1 + 0.2 + 0.7)', () => {
    const plan: ApplyPlan = {
      activate: [
        { strategy_id: 'A', weight: 0.1 },
        { strategy_id: 'B', weight: 0.2 },
        { strategy_id: 'C', weight: 0.7 },
      ],
      deactivate: [],
    };
    expect(beginApply(undefined, { ...REQ, plan }, T0).started).toBe(true);
  });
});

describe('applyStep', () => {
  it('freeze: plan entries frozen, new ones created closed, previous kept, phase awaiting_acks', () => {
    const freeze = final(['freeze']);
    const frozenA = [stamped(A_LONG, 6, 1, { freeze: true }), stamped(A_SHORT, 6, 1, { freeze: true })];
    const frozenB = stamped(B_LONG, 6, 1, { freeze: true });
    const newC = stamped(C_NEW, 6, 1);
    expect(freeze.table).toEqual({ etag: 6, entries: [...frozenA, frozenB, newC] });
    expect(freeze.entries).toEqual([newC, ...frozenA, frozenB]);
    expect(freeze.apply.phase).toBe('awaiting_acks');
    expect(freeze.apply.updated_at).toBe(T(1));
    expect(freeze.apply.previous).toEqual([A_LONG, A_SHORT, B_LONG]);
  });

  it('switch: new set written in the run mode, still frozen; deactivated closed with weight 0', () => {
    const sw = final(['freeze', 'switch']);
    // The plan gives no window, so the activated entry's old one is dropped.
    const { valid_until: _dropped, ...aLongWithoutWindow } = A_LONG;
    expect(sw.apply.phase).toBe('unfreezing');
    expect(sw.table).toEqual({
      etag: 7,
      entries: [
        stamped(aLongWithoutWindow, 7, 2, { weight: 0.3, freeze: true }),
        stamped(A_SHORT, 7, 2, { weight: 0.3, freeze: true }),
        stamped(B_LONG, 7, 2, { active: false, weight: 0, freeze: true }),
        stamped(C_NEW, 7, 2, { active: true, weight: 0.6, effective_mode: 'paper' }),
      ],
    });
    expect(sw.entries.map((e) => `${e.strategy_id}/${e.side}`)).toEqual([
      'C/long',
      'A/long',
      'A/short',
      'B/long',
    ]);
  });

  it('unfreeze: gates reopen, phase completed, previous kept on the record', () => {
    const un = final(['freeze', 'switch', 'unfreeze']);
    expect(un.apply.phase).toBe('completed');
    expect(un.table.etag).toBe(8);
    expect(
      un.table.entries.map((e) => [e.strategy_id, e.side, e.active, e.weight, e.freeze, e.etag, e.ts]),
    ).toEqual([
      ['A', 'long', true, 0.3, false, 8, T(3)],
      ['A', 'short', true, 0.3, false, 8, T(3)],
      ['B', 'long', false, 0, false, 8, T(3)],
      ['C', 'long', true, 0.6, false, 8, T(3)],
    ]);
    expect(un.apply.previous).toEqual([A_LONG, A_SHORT, B_LONG]);
  });

  const restored = (etag: number, n: number) => ({
    etag,
    entries: [
      stamped(A_LONG, etag, n, { freeze: true }),
      stamped(A_SHORT, etag, n, { freeze: true }),
      stamped(B_LONG, etag, n, { freeze: true }),
    ],
  });

  it.each<[string, ApplyStep[]]>([
    ['awaiting_acks (after freeze)', ['freeze']],
    ['unfreezing (after switch)', ['freeze', 'switch']],
  ])('restore from %s: previous set back exactly, frozen; created entry removed', (_name, before) => {
    const last = final([...before, 'restore'], 'paper', { error: 'boom' });
    const n = before.length + 1;
    expect(last.table).toEqual(restored(5 + n, n));
    expect(last.entries).toEqual(restored(5 + n, n).entries);
    expect(last.apply.phase).toBe('rolled_back');
    expect(last.apply.error).toBe('boom');
  });

  it('restore from requested freezes the existing plan entries (nothing to remove)', () => {
    const rb = final(['restore'], 'paper', { error: 'early' });
    expect(rb.table).toEqual(restored(6, 1));
    expect(rb.apply.phase).toBe('rolled_back');
    expect(rb.apply.error).toBe('early');
  });

  it('switch refuses a set whose active weights of a side would sum above 1', () => {
    // An incumbent D (long 0.6) outside the plan: C long 0.6 + A long 0.3 + D 0.6 = 1.5.
    const table: ActivationTable = {
      ...TABLE,
      entries: [...TABLE.entries, entry('D', 'long', { weight: 0.6 })],
    };
    const begun = beginApply(undefined, REQ, T0).apply;
    const frozen = applyStep(table, begun, 'freeze', ctx(1));
    expect(refusal(() => applyStep(frozen.table, frozen.apply, 'switch', ctx(2)))).toEqual({
      code: 'WORLD_WRITE_INVALID',
      message: 'active weights of side long would sum above 1 after the switch',
    });
  });

  it('live switch needs allow_live', () => {
    expect(() => run(['freeze', 'switch'], 'live')).toThrow(ActivationRefusal);
    expect(refusal(() => run(['freeze', 'switch'], 'live')).code).toBe('LIVE_NOT_ALLOWED');
  });

  it('live switch counts strategies against max_live_slots', () => {
    const governance = { ...DEFAULT_GOVERNANCE, max_live_slots: 1 };
    expect(refusal(() => run(['freeze', 'switch'], 'live', { allow_live: true, governance }))).toEqual({
      code: 'GOVERNANCE_BLOCKED',
      message: 'MAX_LIVE_SLOTS: 2 strategies would be live, 1 allowed (A, C)',
    });
    const sw = final(['freeze', 'switch'], 'live', {
      allow_live: true,
      governance: { ...governance, max_live_slots: 2 },
    });
    expect(sw.table.entries.filter((e) => e.effective_mode === 'live').map((e) => e.strategy_id)).toEqual([
      'A',
      'A',
      'C',
    ]);
  });

  it.each<[ApplyStep[], ApplyStep, string]>([
    [[], 'switch', 'requested'],
    [[], 'unfreeze', 'requested'],
    [['freeze'], 'freeze', 'awaiting_acks'],
    [['freeze'], 'unfreeze', 'awaiting_acks'],
    [['freeze', 'switch'], 'switch', 'unfreezing'],
    [['freeze', 'switch', 'unfreeze'], 'unfreeze', 'completed'],
    [['freeze', 'switch', 'unfreeze'], 'restore', 'completed'],
    [['freeze', 'restore'], 'restore', 'rolled_back'],
    [['freeze', 'restore'], 'switch', 'rolled_back'],
  ])('after %j, %s is refused APPLY_STATE without a change', (before, step, phase) => {
    const last = run(before).at(-1) ?? { table: TABLE, apply: beginApply(undefined, REQ, T0).apply };
    const snapshot = JSON.stringify(last);
    expect(refusal(() => applyStep(last.table, last.apply, step, ctx(9)))).toEqual({
      code: 'APPLY_STATE',
      message: `apply run r1: step ${step} does not fit phase ${phase}`,
    });
    expect(JSON.stringify(last)).toBe(snapshot);
  });
});
