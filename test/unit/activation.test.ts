/**
 * The activation table's rules (domain/world/activation.ts): writes with their
 * refusals and etags, default-safe views and order gates, the world's
 * decision, and window expiry.
 */
import {
  ActivationRefusal,
  EMPTY_ACTIVATION,
  activationView,
  activationWriteSchema,
  currentDecision,
  expireActivation,
  nextExpiry,
  orderGate,
  writeActivation,
  type ActivationTable,
  type ActivationWrite,
} from '../../domain/world/activation';
import { NYSE_HOURS } from '../../domain/brokerage/hours';

const TS = '2026-01-05T15:00:00.000Z'; // a Monday, NYSE open
const NOW = Date.parse(TS);
const ctx = { ts: TS, allow_live: false };
const write = (input: Partial<ActivationWrite> & { strategy_id: string }): ActivationWrite =>
  activationWriteSchema.parse({ active: true, ...input });

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ActivationRefusal) return err.code;
    throw err;
  }
  throw new Error('expected an ActivationRefusal');
}

describe('writeActivation', () => {
  it('writes both sides when side is omitted, one etag bump for the write', () => {
    const { table, written } = writeActivation(
      EMPTY_ACTIVATION,
      write({ strategy_id: 's1', weight: 0.25 }),
      ctx,
    );
    expect(table.etag).toBe(1);
    expect(written.map((e) => e.side)).toEqual(['long', 'short']);
    expect(table.entries).toEqual([
      {
        strategy_id: 's1',
        side: 'long',
        active: true,
        weight: 0.25,
        freeze: false,
        drain: false,
        effective_mode: 'paper',
        etag: 1,
        run_id: 'manual:1',
        ts: TS,
      },
      {
        strategy_id: 's1',
        side: 'short',
        active: true,
        weight: 0.25,
        freeze: false,
        drain: false,
        effective_mode: 'paper',
        etag: 1,
        run_id: 'manual:1',
        ts: TS,
      },
    ]);
  });

  it('replaces one side only, and the table etag grows by one per write', () => {
    const first = writeActivation(EMPTY_ACTIVATION, write({ strategy_id: 's1' }), ctx).table;
    const second = writeActivation(first, write({ strategy_id: 's1', side: 'short', active: false }), ctx);
    expect(second.table.etag).toBe(2);
    expect(second.written).toHaveLength(1);
    expect(second.table.entries.map((e) => [e.side, e.active, e.etag])).toEqual([
      ['long', true, 1],
      ['short', false, 2],
    ]);
    const third = writeActivation(
      second.table,
      write({ strategy_id: 'a0', side: 'long', weight: 0 }),
      ctx,
    ).table;
    expect(third.etag).toBe(3);
    expect(third.entries.map((e) => `${e.strategy_id}:${e.side}`)).toEqual([
      'a0:long',
      's1:long',
      's1:short',
    ]);
  });

  it('refuses a write that read an older etag, accepts the current one', () => {
    const table = writeActivation(EMPTY_ACTIVATION, write({ strategy_id: 's1' }), ctx).table;
    expect(refusal(() => writeActivation(table, write({ strategy_id: 's1', etag: 0 }), ctx))).toBe(
      'ETAG_MISMATCH',
    );
    expect(writeActivation(table, write({ strategy_id: 's1', etag: 1 }), ctx).table.etag).toBe(2);
  });

  it('refuses live on a world without allow_live, and accepts it with allow_live', () => {
    const live = write({ strategy_id: 's1', effective_mode: 'live' });
    expect(refusal(() => writeActivation(EMPTY_ACTIVATION, live, ctx))).toBe('LIVE_NOT_ALLOWED');
    expect(
      writeActivation(EMPTY_ACTIVATION, live, { ...ctx, allow_live: true }).written[0]!.effective_mode,
    ).toBe('live');
  });

  it('refuses a weight outside [0, 1] (schema and rule both)', () => {
    expect(activationWriteSchema.safeParse({ strategy_id: 's1', active: true, weight: 1.5 }).success).toBe(
      false,
    );
    const raw = { ...write({ strategy_id: 's1' }), weight: -0.1 };
    expect(refusal(() => writeActivation(EMPTY_ACTIVATION, raw, ctx))).toBe('WORLD_WRITE_INVALID');
    expect(writeActivation(EMPTY_ACTIVATION, { ...raw, weight: 1 }, ctx).written[0]!.weight).toBe(1);
  });
});

describe('weights are fractions of the world', () => {
  it('refuses a write that would make a side sum above 1, and takes exactly 1', () => {
    const { table } = writeActivation(EMPTY_ACTIVATION, write({ strategy_id: 'a', weight: 0.6 }), ctx);
    expect(() => writeActivation(table, write({ strategy_id: 'b', weight: 0.5 }), ctx)).toThrow(
      "active weights of side long and short would sum above 1 (weights are fractions of the world's capital)",
    );
    expect(() =>
      writeActivation(table, write({ strategy_id: 'b', side: 'short', weight: 0.41 }), ctx),
    ).toThrow('active weights of side short would sum above 1');
    // An inactive entry holds no capital; 0.6 + 0.4 is exactly 1.
    expect(
      writeActivation(table, write({ strategy_id: 'b', active: false, weight: 1 }), ctx).table.etag,
    ).toBe(2);
    expect(writeActivation(table, write({ strategy_id: 'b', weight: 0.4 }), ctx).table.etag).toBe(2);
  });
});

describe('views and the order gate', () => {
  const tableWith = (...writes: ActivationWrite[]): ActivationTable =>
    writes.reduce((t, w) => writeActivation(t, w, { ts: TS, allow_live: true }).table, EMPTY_ACTIVATION);
  const gate = (table: ActivationTable, strategy_id: string, mode: 'paper' | 'live' = 'paper', now = NOW) =>
    orderGate(table, { strategy_id, side: 'long', mode }, { allow_live: true }, now);

  it('an open paper entry opens the paper gate with its weight', () => {
    const table = tableWith(write({ strategy_id: 's1', weight: 0.4 }));
    expect(gate(table, 's1')).toEqual({ open: true, weight: 0.4, reason: 'OK' });
    expect(activationView(table, NOW)[0]).toMatchObject({
      active: true,
      weight: 0.4,
      gate_open: true,
      gate_reason: 'OK',
    });
  });

  it('reads past valid_until as active=false weight=0 and closes the gate', () => {
    const until = '2026-01-08T15:00:00.000Z';
    const table = tableWith(write({ strategy_id: 's1', weight: 0.4, valid_until: until }));
    const after = Date.parse(until);
    expect(gate(table, 's1', 'paper', after - 1)).toEqual({ open: true, weight: 0.4, reason: 'OK' });
    expect(gate(table, 's1', 'paper', after)).toEqual({ open: false, weight: 0, reason: 'ACTIVATION_STALE' });
    expect(activationView(table, after)[0]).toMatchObject({
      active: false,
      weight: 0,
      gate_open: false,
      gate_reason: 'ACTIVATION_STALE',
    });
  });

  it('closes the gate outside the entry trading session', () => {
    const table = tableWith({ ...write({ strategy_id: 's1', weight: 0.5 }), session: NYSE_HOURS });
    const saturday = Date.parse('2026-01-03T15:00:00.000Z');
    expect(gate(table, 's1')).toEqual({ open: true, weight: 0.5, reason: 'OK' });
    expect(gate(table, 's1', 'paper', saturday)).toEqual({
      open: false,
      weight: 0,
      reason: 'ACTIVATION_SESSION_CLOSED',
    });
    expect(activationView(table, saturday)[0]).toMatchObject({ active: false, weight: 0, gate_open: false });
  });

  it.each([
    ['frozen', { freeze: true }, 'ACTIVATION_FROZEN'],
    ['draining', { drain: true }, 'ACTIVATION_DRAINING'],
    ['inactive', { active: false }, 'ACTIVATION_INACTIVE'],
  ] as const)('a %s entry closes the gate (%s)', (_name, patch, reason) => {
    const table = tableWith(write({ strategy_id: 's1', weight: 0.5, ...patch }));
    expect(gate(table, 's1')).toEqual({ open: false, weight: 0, reason });
  });

  it('a missing entry closes the gate', () => {
    expect(gate(tableWith(write({ strategy_id: 's1' })), 'nobody')).toEqual({
      open: false,
      weight: 0,
      reason: 'ACTIVATION_MISSING',
    });
  });

  it('a paper entry does not open a live order, and live needs allow_live', () => {
    const paper = tableWith(write({ strategy_id: 's1' }));
    expect(gate(paper, 's1', 'live')).toEqual({ open: false, weight: 0, reason: 'ACTIVATION_MODE_MISMATCH' });
    const live = tableWith(write({ strategy_id: 's1', effective_mode: 'live', weight: 0.3 }));
    expect(gate(live, 's1', 'live')).toEqual({ open: true, weight: 0.3, reason: 'OK' });
    expect(
      orderGate(live, { strategy_id: 's1', side: 'long', mode: 'live' }, { allow_live: false }, NOW),
    ).toEqual({
      open: false,
      weight: 0,
      reason: 'LIVE_NOT_ALLOWED',
    });
    const computeOnly = tableWith(write({ strategy_id: 's1', effective_mode: 'compute-only' }));
    expect(gate(computeOnly, 's1')).toEqual({ open: false, weight: 0, reason: 'DECISION_COMPUTE_ONLY' });
  });
});

describe('currentDecision', () => {
  it('picks the highest open mode, the newest write and the earliest valid_until', () => {
    let table = writeActivation(
      EMPTY_ACTIVATION,
      write({ strategy_id: 'a', valid_until: '2026-01-09T00:00:00Z', weight: 0.3 }),
      { ts: '2026-01-05T10:00:00.000Z', allow_live: true },
    ).table;
    table = writeActivation(
      table,
      write({ strategy_id: 'b', effective_mode: 'live', valid_until: '2026-01-07T00:00:00Z', weight: 0.3 }),
      { ts: '2026-01-05T11:00:00.000Z', allow_live: true },
    ).table;
    table = writeActivation(
      table,
      write({ strategy_id: 'c', effective_mode: 'live', freeze: true, weight: 0.3 }),
      {
        ts: '2026-01-05T12:00:00.000Z',
        allow_live: true,
      },
    ).table;
    expect(currentDecision(table, NOW)).toEqual({
      mode: 'live',
      made_at: '2026-01-05T11:00:00.000Z',
      valid_until: '2026-01-07T00:00:00Z',
      run_id: 'manual:2',
    });
    // After b's window only a (paper) is open.
    expect(currentDecision(table, Date.parse('2026-01-07T00:00:00Z'))).toEqual({
      mode: 'paper',
      made_at: '2026-01-05T10:00:00.000Z',
      valid_until: '2026-01-09T00:00:00Z',
      run_id: 'manual:1',
    });
    expect(currentDecision(table, Date.parse('2026-01-09T00:00:00Z'))).toBeUndefined();
    expect(currentDecision(EMPTY_ACTIVATION, NOW)).toBeUndefined();
  });
});

describe('expiry', () => {
  const table = [
    write({ strategy_id: 'a', side: 'long', valid_until: '2026-01-06T00:00:00Z', weight: 0.5 }),
    write({ strategy_id: 'b', side: 'long', valid_until: '2026-01-08T00:00:00Z', weight: 0.25 }),
    write({ strategy_id: 'c', side: 'long', weight: 0.25 }),
  ].reduce((t, w) => writeActivation(t, w, ctx).table, EMPTY_ACTIVATION);

  it('nextExpiry is the earliest valid_until still ahead', () => {
    expect(table.etag).toBe(3);
    expect(nextExpiry(table, NOW)).toBe(Date.parse('2026-01-06T00:00:00Z'));
    expect(nextExpiry(table, Date.parse('2026-01-06T00:00:00Z'))).toBe(Date.parse('2026-01-08T00:00:00Z'));
    expect(nextExpiry(table, Date.parse('2026-01-08T00:00:00Z'))).toBeUndefined();
  });

  it('closes due entries with one etag bump and leaves the rest alone', () => {
    const at = Date.parse('2026-01-06T00:00:00Z');
    expect(expireActivation(table, at - 1)).toEqual({ table, expired: [] });
    const { table: after, expired } = expireActivation(table, at);
    expect(after.etag).toBe(4);
    expect(expired).toEqual([
      { ...table.entries[0], active: false, weight: 0, etag: 4, ts: '2026-01-06T00:00:00.000Z' },
    ]);
    expect(after.entries.map((e) => [e.strategy_id, e.active, e.weight, e.etag])).toEqual([
      ['a', false, 0, 4],
      ['b', true, 0.25, 2],
      ['c', true, 0.25, 3],
    ]);
    // Already closed: nothing more to do, and the timer looks past it.
    expect(expireActivation(after, at + 1).expired).toEqual([]);
    expect(nextExpiry(after, at)).toBe(Date.parse('2026-01-08T00:00:00Z'));
  });
});
