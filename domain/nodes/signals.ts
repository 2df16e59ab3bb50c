/**
 * Signal nodes of the built-in library (SPEC §6): indicator values → discrete
 * signals in {−1, 0, +1} → target positions (fraction of equity in [−1, 1]).
 * Same conventions as indicators.ts: pure, NaN = no value, array form = fold of
 * the step. A missing input gives NaN ("no decision": the simulator and the
 * execution nodes place no order), but unlike an indicator's warm-up it does not
 * erase what a signal remembers — a gap carries no information about the regime.
 */
import { foldSeries, present, type Incremental, type Series } from './indicators';

export type Side = -1 | 0 | 1;

export type CrossoverMode = 'event' | 'level';

export interface CrossoverState {
  /** Side of fast vs slow at the last bar where they differed; 0 before any. */
  side: Side;
}

export type Pair = readonly [number | null, number | null];

/**
 * `event` (the node's default): +1 on the bar where fast crosses above slow,
 * −1 where it crosses below, 0 otherwise. `level`: +1 while fast > slow, −1
 * while fast < slow. Ties keep the last strict side, so touching and bouncing
 * back is not a cross, and crossing through a tie counts once. The first
 * observation is never an event (no previous side to cross from).
 */
export function crossoverIncremental(mode: CrossoverMode = 'event'): Incremental<CrossoverState, Pair> {
  return {
    initial: { side: 0 },
    step(state, [fast, slow]) {
      if (!present(fast) || !present(slow)) return { state, output: NaN };
      const diff = fast - slow;
      const side: Side = diff > 0 ? 1 : diff < 0 ? -1 : state.side;
      if (mode === 'level') return { state: { side }, output: side };
      const crossed = state.side !== 0 && side !== state.side;
      return { state: { side }, output: crossed ? side : 0 };
    },
  };
}

function foldPairs<S>(incremental: Incremental<S, Pair>, a: Series, b: Series): Float64Array {
  if (a.length !== b.length) throw new RangeError(`inputs differ in length: ${a.length} vs ${b.length}`);
  const out = new Float64Array(a.length);
  let state = incremental.initial;
  for (let t = 0; t < a.length; t++) {
    const next = incremental.step(state, [a[t] ?? null, b[t] ?? null]);
    state = next.state;
    out[t] = next.output;
  }
  return out;
}

/** Cross events (see crossoverIncremental). */
export function crossover(fast: Series, slow: Series): Float64Array {
  return foldPairs(crossoverIncremental('event'), fast, slow);
}

/** The level form: which side fast is on. Feed this, not the events, to target_position. */
export function crossoverLevel(fast: Series, slow: Series): Float64Array {
  return foldPairs(crossoverIncremental('level'), fast, slow);
}

export interface ThresholdOptions {
  upper: number;
  lower: number;
  /** Between the bands: keep the previous signal (true) or go to 0 (false, default). */
  hold?: boolean;
  /**
   * `momentum` (default): +1 above upper, −1 below lower. `reversion`: the
   * opposite (buy oversold, sell overbought) — a sign flip no other node offers.
   */
  direction?: 'momentum' | 'reversion';
}

export interface ThresholdState {
  last: Side;
}

/** +1 when x > upper, −1 when x < lower (strict; flipped for `reversion`), else 0 or the held previous signal. */
export function thresholdSignalIncremental(options: ThresholdOptions): Incremental<ThresholdState> {
  const { upper, lower, hold = false, direction = 'momentum' } = options;
  const sign = direction === 'reversion' ? -1 : 1;
  if (!(Number.isFinite(upper) && Number.isFinite(lower) && lower <= upper)) {
    throw new RangeError(`need finite lower ≤ upper, got lower ${lower}, upper ${upper}`);
  }
  return {
    initial: { last: 0 },
    step(state, value) {
      if (!present(value)) return { state, output: NaN };
      const crossed = value > upper ? ((1 * sign) as Side) : value < lower ? ((-1 * sign) as Side) : null;
      const output: Side = crossed ?? (hold ? state.last : 0);
      return { state: { last: output }, output };
    },
  };
}

export function thresholdSignal(x: Series, options: ThresholdOptions): Float64Array {
  return foldSeries(thresholdSignalIncremental(options), x);
}

export interface TargetPositionOptions {
  /** Fraction of equity per unit of signal, in (0, 1]. */
  size: number;
  /** Clip short targets to 0 (spot accounts that cannot short). */
  long_only?: boolean;
}

/** One bar's target: clamp(signal × size, −1, 1), floored at 0 when long-only. */
export function targetFor(signal: number | null, options: TargetPositionOptions): number {
  if (!present(signal)) return NaN;
  const floor = options.long_only ? 0 : -1;
  const target = Math.min(1, Math.max(floor, signal * options.size));
  return target === 0 ? 0 : target; // no −0 in outputs
}

/** Stateless, but shaped like the others so the runner treats every node alike. */
export function targetPositionIncremental(options: TargetPositionOptions): Incremental<null> {
  if (!(options.size > 0 && options.size <= 1)) {
    throw new RangeError(`size must be in (0, 1], got ${options.size}`);
  }
  return { initial: null, step: (state, value) => ({ state, output: targetFor(value, options) }) };
}

export function targetPosition(signal: Series, options: TargetPositionOptions): Float64Array {
  return foldSeries(targetPositionIncremental(options), signal);
}
