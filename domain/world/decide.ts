/**
 * Default-safe decision rules (SPEC §9), pure. Every doubt lands on the safe
 * side: no fresh decision → compute-only; no fresh activation → inactive with
 * weight 0; freeze or drain → gate closed. Nothing becomes live without a
 * fresh decision on a world that allows live.
 *
 * Timestamps are ISO-8601 strings only; an unparseable one counts as missing
 * rather than being guessed at (SPEC §12: timestamp units guessed from data).
 */

export type DecisionMode = 'validate' | 'compute-only' | 'paper' | 'live';
export type EffectiveMode = 'compute-only' | 'paper' | 'live';

export interface DecisionInput {
  readonly as_of?: string;
  /** Expiry; without it, `as_of + ttl` (seconds). */
  readonly valid_until?: string;
  readonly ttl?: number;
  readonly mode: DecisionMode;
}

export interface ActivationInput {
  readonly active: boolean;
  readonly weight: number;
  readonly frozen: boolean;
  readonly draining: boolean;
  readonly updated_at: string;
  /** Seconds the read stays fresh after `updated_at`. */
  readonly ttl: number;
}

export interface DecideInput {
  readonly decision?: DecisionInput;
  readonly activation?: ActivationInput;
  readonly world: { readonly allow_live: boolean };
  readonly now: string;
}

export const DECISION_REASONS = [
  'OK',
  'DECISION_MISSING',
  'DECISION_AS_OF_MISSING',
  'DECISION_FROM_FUTURE',
  'DECISION_EXPIRY_MISSING',
  'DECISION_STALE',
  'DECISION_COMPUTE_ONLY',
  'LIVE_NOT_ALLOWED',
] as const;
export type DecisionReason = (typeof DECISION_REASONS)[number];

export const ACTIVATION_REASONS = [
  'OK',
  'ACTIVATION_MISSING',
  'ACTIVATION_INVALID',
  'ACTIVATION_STALE',
  'ACTIVATION_INACTIVE',
  'ACTIVATION_FROZEN',
  'ACTIVATION_DRAINING',
] as const;
export type ActivationReason = (typeof ACTIVATION_REASONS)[number];

export interface DecideResult {
  readonly effective_mode: EffectiveMode;
  /** Order gate: true only when activation is fresh, active, not frozen or draining. */
  readonly active: boolean;
  readonly weight: number;
  /** First rule that restricted the outcome (decision rules before activation rules), else OK. */
  readonly reason: DecisionReason | ActivationReason;
  readonly decision_reason: DecisionReason;
  readonly activation_reason: ActivationReason;
}

/** Epoch ms of a full ISO-8601 timestamp with zone, else undefined. */
function instant(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  // Date-only or zone-less text would be read in an implied zone; refuse it.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

const validTtl = (ttl: number | undefined): ttl is number =>
  ttl !== undefined && Number.isFinite(ttl) && ttl > 0;

export function decideMode(
  decision: DecisionInput | undefined,
  allowLive: boolean,
  now: number,
): { mode: EffectiveMode; reason: DecisionReason } {
  const computeOnly = (reason: DecisionReason) => ({ mode: 'compute-only' as const, reason });
  if (decision === undefined) return computeOnly('DECISION_MISSING');
  const asOf = instant(decision.as_of);
  if (asOf === undefined) return computeOnly('DECISION_AS_OF_MISSING');
  // A decision dated after "now" cannot have been made from data seen so far.
  if (asOf > now) return computeOnly('DECISION_FROM_FUTURE');
  const expiry =
    decision.valid_until !== undefined
      ? instant(decision.valid_until)
      : validTtl(decision.ttl)
        ? asOf + decision.ttl * 1000
        : undefined;
  if (expiry === undefined) return computeOnly('DECISION_EXPIRY_MISSING');
  if (now >= expiry) return computeOnly('DECISION_STALE');
  switch (decision.mode) {
    case 'validate':
    case 'compute-only':
      return computeOnly('DECISION_COMPUTE_ONLY');
    case 'paper':
      return { mode: 'paper', reason: 'OK' };
    case 'live':
      // Live falls to compute-only, not paper: a world that forbids live gets no orders from this decision.
      return allowLive ? { mode: 'live', reason: 'OK' } : computeOnly('LIVE_NOT_ALLOWED');
    default:
      return computeOnly('DECISION_MISSING');
  }
}

export function decideGate(
  activation: ActivationInput | undefined,
  now: number,
): { active: boolean; weight: number; reason: ActivationReason } {
  const closed = (reason: ActivationReason) => ({ active: false, weight: 0, reason });
  if (activation === undefined) return closed('ACTIVATION_MISSING');
  const { weight } = activation;
  if (!Number.isFinite(weight) || weight < 0 || weight > 1) return closed('ACTIVATION_INVALID');
  const updated = instant(activation.updated_at);
  if (updated === undefined || !validTtl(activation.ttl) || updated > now) return closed('ACTIVATION_STALE');
  if (now >= updated + activation.ttl * 1000) return closed('ACTIVATION_STALE');
  if (!activation.active) return closed('ACTIVATION_INACTIVE');
  if (activation.frozen) return closed('ACTIVATION_FROZEN');
  if (activation.draining) return closed('ACTIVATION_DRAINING');
  return { active: true, weight, reason: 'OK' };
}

export function decide(input: DecideInput): DecideResult {
  const now = instant(input.now);
  if (now === undefined)
    throw new RangeError(`decide: "now" must be an ISO-8601 timestamp, got "${input.now}"`);
  const mode = decideMode(input.decision, input.world.allow_live, now);
  const gate = decideGate(input.activation, now);
  return {
    effective_mode: mode.mode,
    active: gate.active,
    weight: gate.weight,
    reason: mode.reason !== 'OK' ? mode.reason : gate.reason,
    decision_reason: mode.reason,
    activation_reason: gate.reason,
  };
}

/** The world's standing decision as the decide endpoint reads it (from the activation table). */
export interface StandingDecision {
  readonly mode: EffectiveMode;
  /** When the decision was made (the newest open entry's write). */
  readonly made_at: string;
  readonly valid_until?: string;
}

export interface DecideAsOfInput {
  readonly decision?: StandingDecision;
  /** The reader's as_of; the answer is about that instant. */
  readonly as_of?: string;
  /** Epoch ms of the Gateway's clock. */
  readonly now: number;
  /** A read older than now − ttl is stale (world settings.decision_ttl_sec). */
  readonly ttl_sec: number;
  readonly allow_live: boolean;
}

/**
 * `GET /v1/worlds/{id}/decide`, default-safe: the first rule that doubts the
 * decision answers compute-only with its reason. Unlike `decideMode`, the
 * instant judged is the reader's `as_of`, and a decision without expiry
 * stands until the activation table changes.
 */
export function decideAsOf(input: DecideAsOfInput): { mode: EffectiveMode; reason: DecisionReason } {
  const computeOnly = (reason: DecisionReason) => ({ mode: 'compute-only' as const, reason });
  const { decision } = input;
  if (decision === undefined) return computeOnly('DECISION_MISSING');
  const asOf = instant(input.as_of);
  if (asOf === undefined) return computeOnly('DECISION_AS_OF_MISSING');
  const madeAt = instant(decision.made_at);
  if (madeAt === undefined) return computeOnly('DECISION_MISSING');
  // A decision made after the instant asked about did not exist yet then.
  if (asOf < madeAt) return computeOnly('DECISION_FROM_FUTURE');
  if (!validTtl(input.ttl_sec) || asOf < input.now - input.ttl_sec * 1000)
    return computeOnly('DECISION_STALE');
  if (decision.valid_until !== undefined) {
    const until = instant(decision.valid_until);
    if (until === undefined || asOf >= until) return computeOnly('DECISION_STALE');
  }
  if (decision.mode === 'compute-only') return computeOnly('DECISION_COMPUTE_ONLY');
  if (decision.mode === 'live' && !input.allow_live) return computeOnly('LIVE_NOT_ALLOWED');
  return { mode: decision.mode, reason: 'OK' };
}
