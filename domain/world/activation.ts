/**
 * The activation table (SPEC §9), pure: one entry per (strategy, side) saying
 * whether that strategy may send orders on that side, with which weight and in
 * which mode. The world workflow owns the table; every rule about it lives
 * here so the workflow only orchestrates.
 *
 * Default-safe throughout: an unknown entry is closed, an entry past its
 * window reads `active=false, weight=0`, freeze or drain closes the gate even
 * when active.
 */
import { z } from 'zod';
import { isOpen, venueHoursSchema, type VenueHours } from '../brokerage/hours';

export const STAGES = ['backtest', 'paper', 'live'] as const;
export type Stage = (typeof STAGES)[number];

export const ACTIVATION_SIDES = ['long', 'short'] as const;
export type ActivationSide = (typeof ACTIVATION_SIDES)[number];

/** Execution mode an active entry trades in; compute-only never sends orders. */
export const ACTIVATION_MODES = ['compute-only', 'paper', 'live'] as const;
export type ActivationMode = (typeof ACTIVATION_MODES)[number];

export interface ActivationEntry {
  readonly strategy_id: string;
  readonly side: ActivationSide;
  readonly active: boolean;
  /** Fraction of the world's capital, in [0, 1]. */
  readonly weight: number;
  readonly freeze: boolean;
  readonly drain: boolean;
  readonly effective_mode: ActivationMode;
  /** The table's etag right after this entry was last written. */
  readonly etag: number;
  /** Apply run that wrote it, or `manual:{etag}` for a direct write. */
  readonly run_id: string;
  /** Workflow time of the last write (ISO-8601 UTC). */
  readonly ts: string;
  /** The entry closes at this instant (a timer in the world workflow enforces it). */
  readonly valid_until?: string;
  /** Trading sessions: outside them the gate is closed. */
  readonly session?: VenueHours;
}

/** One write through `PUT /v1/worlds/{id}/activation`; side omitted = both sides. */
export const activationWriteSchema = z
  .strictObject({
    strategy_id: z.string().min(1).max(128),
    side: z.enum(ACTIVATION_SIDES).optional(),
    active: z.boolean(),
    weight: z.number().min(0).max(1).default(1),
    freeze: z.boolean().default(false),
    drain: z.boolean().default(false),
    effective_mode: z.enum(ACTIVATION_MODES).default('paper'),
    valid_until: z.iso.datetime({ offset: true }).optional(),
    session: venueHoursSchema.optional(),
    /** Optimistic concurrency: the table etag the writer read; a newer table refuses the write. */
    etag: z.number().int().nonnegative().optional(),
  })
  .meta({ id: 'ActivationWrite' });
export type ActivationWrite = z.output<typeof activationWriteSchema>;

export interface ActivationTable {
  /** Monotonic: every write (direct, apply phase, expiry) increments it. */
  readonly etag: number;
  readonly entries: readonly ActivationEntry[];
}

export const EMPTY_ACTIVATION: ActivationTable = { etag: 0, entries: [] };

/** An entry as a reader sees it at `now`: closed windows and sessions read inactive with weight 0. */
export interface ActivationView extends ActivationEntry {
  /** What the order gate would answer for this entry now. */
  readonly gate_open: boolean;
  readonly gate_reason: string;
}

/** Why a write or phase is refused; `code` is one of WORLD_REFUSALS' values. */
export class ActivationRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ActivationRefusal';
  }
}

/** The world's standing decision, derived from the table (never stored apart from it). */
export interface WorldDecisionState {
  /** Highest mode among active, unfrozen, undrained, in-window entries. */
  readonly mode: ActivationMode;
  /** Newest `ts` among those entries. */
  readonly made_at: string;
  /** Earliest `valid_until` among those entries. */
  readonly valid_until?: string;
  readonly run_id: string;
}

// ---------------------------------------------------------------------------
// Rules.
// ---------------------------------------------------------------------------

/** Gate reasons beyond decide.ts' names: a closed trading session and a mode the entry does not trade in. */
export const ACTIVATION_SESSION_CLOSED = 'ACTIVATION_SESSION_CLOSED';
export const ACTIVATION_MODE_MISMATCH = 'ACTIVATION_MODE_MISMATCH';

const MODE_RANK: Record<ActivationMode, number> = { 'compute-only': 0, paper: 1, live: 2 };

const instant = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
};

/** Past its window: an unparseable valid_until counts as past (default-safe). */
function windowClosed(entry: ActivationEntry, now: number): boolean {
  if (entry.valid_until === undefined) return false;
  const until = instant(entry.valid_until);
  return until === undefined || now >= until;
}

const sessionClosed = (entry: ActivationEntry, now: number): boolean =>
  entry.session !== undefined && !isOpen(entry.session, now);

/** The first rule that closes the entry's gate regardless of the order's mode, else OK. */
function entryGate(entry: ActivationEntry, now: number): string {
  if (windowClosed(entry, now)) return 'ACTIVATION_STALE';
  if (sessionClosed(entry, now)) return ACTIVATION_SESSION_CLOSED;
  if (!entry.active) return 'ACTIVATION_INACTIVE';
  if (entry.freeze) return 'ACTIVATION_FROZEN';
  if (entry.drain) return 'ACTIVATION_DRAINING';
  return 'OK';
}

/** Every entry as a reader sees it at `now` (epoch ms). */
export function activationView(table: ActivationTable, now: number): ActivationView[] {
  return table.entries.map((entry) => {
    let reason = entryGate(entry, now);
    const readsInactive = reason === 'ACTIVATION_STALE' || reason === ACTIVATION_SESSION_CLOSED;
    // Compute-only never sends orders, whatever else holds.
    if (reason === 'OK' && entry.effective_mode === 'compute-only') reason = 'DECISION_COMPUTE_ONLY';
    return {
      ...entry,
      ...(readsInactive ? { active: false, weight: 0 } : {}),
      gate_open: reason === 'OK',
      gate_reason: reason,
    };
  });
}

/** Undefined when no entry is open: the world has no decision (default-safe). */
export function currentDecision(table: ActivationTable, now: number): WorldDecisionState | undefined {
  const open = table.entries.filter((entry) => entryGate(entry, now) === 'OK');
  if (open.length === 0) return undefined;
  const mode = open.reduce<ActivationMode>(
    (best, e) => (MODE_RANK[e.effective_mode] > MODE_RANK[best] ? e.effective_mode : best),
    'compute-only',
  );
  const newest = open.reduce((a, b) => (instant(b.ts)! > instant(a.ts)! ? b : a));
  const untils = open.filter((e) => e.valid_until !== undefined).map((e) => e.valid_until!);
  const earliest = untils.reduce<string | undefined>(
    (a, b) => (a === undefined || instant(b)! < instant(a)! ? b : a),
    undefined,
  );
  return {
    mode,
    made_at: newest.ts,
    ...(earliest !== undefined ? { valid_until: earliest } : {}),
    run_id: newest.run_id,
  };
}

/**
 * The order gate for one strategy and side: open only when the entry exists,
 * is active, in its window and session, not frozen or draining, and its mode
 * matches the order's (`live` also needs allow_live). Reason codes are decide.ts'
 * ACTIVATION_* and DECISION_* names, plus the two above.
 */
export function orderGate(
  table: ActivationTable,
  query: { strategy_id: string; side: ActivationSide; mode: 'paper' | 'live' },
  world: { allow_live: boolean },
  now: number,
): { open: boolean; weight: number; reason: string } {
  const closed = (reason: string) => ({ open: false, weight: 0, reason });
  const entry = table.entries.find((e) => e.strategy_id === query.strategy_id && e.side === query.side);
  if (entry === undefined) return closed('ACTIVATION_MISSING');
  const reason = entryGate(entry, now);
  if (reason !== 'OK') return closed(reason);
  if (query.mode === 'live' && !world.allow_live) return closed('LIVE_NOT_ALLOWED');
  if (entry.effective_mode === 'compute-only') return closed('DECISION_COMPUTE_ONLY');
  if (entry.effective_mode !== query.mode) return closed(ACTIVATION_MODE_MISMATCH);
  return { open: true, weight: entry.weight, reason: 'OK' };
}

const sameSlot = (a: ActivationEntry, b: { strategy_id: string; side: ActivationSide }) =>
  a.strategy_id === b.strategy_id && a.side === b.side;

/** Entries in (strategy, side) order, so every table reads the same whatever the write order. */
export function withEntries(
  table: ActivationTable,
  written: readonly ActivationEntry[],
  etag: number,
): ActivationTable {
  const kept = table.entries.filter((e) => !written.some((w) => sameSlot(e, w)));
  const entries = [...kept, ...written].sort((a, b) =>
    a.strategy_id === b.strategy_id ? a.side.localeCompare(b.side) : a.strategy_id < b.strategy_id ? -1 : 1,
  );
  return { etag, entries };
}

/** A direct write; throws ActivationRefusal (etag, live on a world without allow_live, bad weight). */
export function writeActivation(
  table: ActivationTable,
  write: ActivationWrite,
  context: { ts: string; allow_live: boolean },
): { table: ActivationTable; written: ActivationEntry[] } {
  if (write.etag !== undefined && write.etag !== table.etag)
    throw new ActivationRefusal(
      'ETAG_MISMATCH',
      `activation etag is ${table.etag}, the write read ${write.etag}`,
    );
  if (write.effective_mode === 'live' && !context.allow_live)
    throw new ActivationRefusal('LIVE_NOT_ALLOWED', 'a live activation needs a world with allow_live');
  if (!Number.isFinite(write.weight) || write.weight < 0 || write.weight > 1)
    throw new ActivationRefusal('WORLD_WRITE_INVALID', `weight must be in [0, 1], got ${write.weight}`);
  if (write.valid_until !== undefined && instant(write.valid_until) === undefined)
    throw new ActivationRefusal(
      'WORLD_WRITE_INVALID',
      `valid_until is not a timestamp: ${write.valid_until}`,
    );
  const etag = table.etag + 1;
  const sides: ActivationSide[] = write.side !== undefined ? [write.side] : [...ACTIVATION_SIDES];
  const written = sides.map((side): ActivationEntry => ({
    strategy_id: write.strategy_id,
    side,
    active: write.active,
    weight: write.weight,
    freeze: write.freeze,
    drain: write.drain,
    effective_mode: write.effective_mode,
    etag,
    run_id: `manual:${etag}`,
    ts: context.ts,
    ...(write.valid_until !== undefined ? { valid_until: write.valid_until } : {}),
    ...(write.session !== undefined ? { session: write.session } : {}),
  }));
  const next = withEntries(table, written, etag);
  const over = overAllocatedSides(next.entries);
  if (over.length > 0)
    throw new ActivationRefusal(
      'WORLD_WRITE_INVALID',
      `active weights of side ${over.join(' and ')} would sum above 1 (weights are fractions of the world's capital)`,
    );
  return { table: next, written };
}

/**
 * Sides whose active weights sum above 1 (with a 1e-9 tolerance for binary
 * fractions): weights are fractions of the world's capital, so such a table
 * would promise more than the world has.
 */
export function overAllocatedSides(entries: readonly ActivationEntry[]): ActivationSide[] {
  return ACTIVATION_SIDES.filter(
    (side) =>
      entries.filter((e) => e.side === side && e.active).reduce((sum, e) => sum + e.weight, 0) > 1 + 1e-9,
  );
}

/** Still to be closed by a timer: past-window entries already inactive with weight 0 need nothing. */
const needsClosing = (entry: ActivationEntry) => entry.active || entry.weight !== 0;

/** Entries whose `valid_until` ≤ now become inactive with weight 0 (one etag bump for all). */
export function expireActivation(
  table: ActivationTable,
  now: number,
): { table: ActivationTable; expired: ActivationEntry[] } {
  const due = table.entries.filter(
    (e) => e.valid_until !== undefined && needsClosing(e) && windowClosed(e, now),
  );
  if (due.length === 0) return { table, expired: [] };
  const etag = table.etag + 1;
  const ts = new Date(now).toISOString();
  const expired = due.map((e) => ({ ...e, active: false, weight: 0, etag, ts }));
  return { table: withEntries(table, expired, etag), expired };
}

/** Epoch ms of the earliest `valid_until` still ahead of `now`, for the world's timer. */
export function nextExpiry(table: ActivationTable, now: number): number | undefined {
  const ahead = table.entries
    .filter(needsClosing)
    .map((e) => instant(e.valid_until))
    .filter((ms): ms is number => ms !== undefined && ms > now);
  return ahead.length === 0 ? undefined : Math.min(...ahead);
}
