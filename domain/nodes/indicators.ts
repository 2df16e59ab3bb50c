/**
 * Indicator nodes of the built-in library (SPEC §6), pure: whole-array forms for
 * backtests and incremental `step(state, value)` forms for paper/live runs. Each
 * array form IS the fold of its step, so the two agree bit for bit.
 *
 * Conventions shared by every indicator here:
 * - Output NaN means "no value" (not enough history yet); serialise it as null.
 * - A missing input (null, NaN, ±Infinity) yields NaN and restarts the warm-up:
 *   a window never spans a gap, and a recursive average never bridges one.
 * - Window statistics are recomputed from the window's values each bar (O(window))
 *   instead of a running sum, so a value depends only on its window and never on
 *   where the run started or on accumulated rounding drift.
 * - States are plain JSON (no NaN, no typed arrays) so they can be persisted
 *   between bars by a workflow and restored exactly.
 */

/** A series aligned on the bar grid; null/NaN are missing values. */
export type Series = ArrayLike<number | null>;

export interface Step<S> {
  state: S;
  output: number;
}

/** An incremental computation: paper/live runs keep `state` between bars. */
export interface Incremental<S, V = number | null> {
  readonly initial: S;
  step(state: S, value: V): Step<S>;
}

/** Runs an incremental computation over a whole series: the array form. */
export function foldSeries<S>(incremental: Incremental<S>, x: Series): Float64Array {
  const out = new Float64Array(x.length);
  let state = incremental.initial;
  for (let t = 0; t < x.length; t++) {
    const next = incremental.step(state, x[t] ?? null);
    state = next.state;
    out[t] = next.output;
  }
  return out;
}

/** null, undefined, NaN and ±Infinity are all "missing". */
export function present(value: number | null | undefined): value is number {
  return value !== null && value !== undefined && Number.isFinite(value);
}

export function assertWindow(window: number, minimum: number): void {
  if (!Number.isInteger(window) || window < minimum) {
    throw new RangeError(`window must be an integer ≥ ${minimum}, got ${window}`);
  }
}

/** Sum in chronological order divided by the count (the order fixes the rounding). */
export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (ddof = 1), two-pass for accuracy; needs ≥ 2 values. */
export function sampleStd(values: readonly number[]): number {
  const m = mean(values);
  let squares = 0;
  for (const v of values) squares += (v - m) * (v - m);
  return Math.sqrt(squares / (values.length - 1));
}

/** The last `window` values after appending `value` (a new array: states stay immutable). */
function slide(values: readonly number[], value: number, window: number): number[] {
  const kept = values.length >= window ? values.slice(values.length - window + 1) : values.slice();
  kept.push(value);
  return kept;
}

export interface WindowState {
  values: number[];
}

/** Simple moving average: mean of the last `window` values; first output at index window − 1. */
export function smaIncremental(window: number): Incremental<WindowState> {
  assertWindow(window, 1);
  return {
    initial: { values: [] },
    step(state, value) {
      if (!present(value)) return { state: { values: [] }, output: NaN };
      const values = slide(state.values, value, window);
      return { state: { values }, output: values.length === window ? mean(values) : NaN };
    },
  };
}

export function sma(x: Series, window: number): Float64Array {
  return foldSeries(smaIncremental(window), x);
}

export interface EmaState {
  /** Values collected for the SMA seed; emptied once seeded. */
  seed: number[];
  last: number | null;
}

/**
 * Exponential moving average with alpha = 2 / (window + 1). Seeded with the SMA
 * of the first `window` values (first output at index window − 1, like the SMA)
 * rather than with x[0], so early values do not over-weight the first bar; then
 * ema[t] = alpha·x[t] + (1 − alpha)·ema[t−1].
 */
export function emaIncremental(window: number): Incremental<EmaState> {
  assertWindow(window, 1);
  const alpha = 2 / (window + 1);
  const initial: EmaState = { seed: [], last: null };
  return {
    initial,
    step(state, value) {
      if (!present(value)) return { state: initial, output: NaN };
      if (state.last !== null) {
        const output = alpha * value + (1 - alpha) * state.last;
        return { state: { seed: [], last: output }, output };
      }
      const seed = [...state.seed, value];
      if (seed.length < window) return { state: { seed, last: null }, output: NaN };
      const output = mean(seed);
      return { state: { seed: [], last: output }, output };
    },
  };
}

export function ema(x: Series, window: number): Float64Array {
  return foldSeries(emaIncremental(window), x);
}

export interface RsiState {
  prev: number | null;
  /** Gains and losses of the first `window` changes, until the averages are seeded. */
  gains: number[];
  losses: number[];
  avgGain: number | null;
  avgLoss: number | null;
}

/**
 * RSI with Wilder's smoothing. The first averages are the plain means of the
 * first `window` gains/losses (so the first output is at index `window`); then
 * avg = (avg·(window − 1) + current) / window. RSI = 100·G / (G + L), which
 * equals 100 − 100/(1 + G/L) and gives 100 when L = 0; a flat window (G = L = 0)
 * is 50, neither overbought nor oversold.
 */
export function rsiIncremental(window: number): Incremental<RsiState> {
  assertWindow(window, 1);
  const initial: RsiState = { prev: null, gains: [], losses: [], avgGain: null, avgLoss: null };
  const rsiOf = (g: number, l: number): number => (g + l === 0 ? 50 : (100 * g) / (g + l));
  return {
    initial,
    step(state, value) {
      if (!present(value)) return { state: initial, output: NaN };
      if (state.prev === null) return { state: { ...initial, prev: value }, output: NaN };
      const change = value - state.prev;
      const gain = change > 0 ? change : 0;
      const loss = change < 0 ? -change : 0;
      if (state.avgGain !== null && state.avgLoss !== null) {
        const avgGain = (state.avgGain * (window - 1) + gain) / window;
        const avgLoss = (state.avgLoss * (window - 1) + loss) / window;
        return { state: { ...initial, prev: value, avgGain, avgLoss }, output: rsiOf(avgGain, avgLoss) };
      }
      const gains = [...state.gains, gain];
      const losses = [...state.losses, loss];
      if (gains.length < window) return { state: { ...initial, prev: value, gains, losses }, output: NaN };
      const avgGain = mean(gains);
      const avgLoss = mean(losses);
      return { state: { ...initial, prev: value, avgGain, avgLoss }, output: rsiOf(avgGain, avgLoss) };
    },
  };
}

export function rsi(x: Series, window: number): Float64Array {
  return foldSeries(rsiIncremental(window), x);
}

/**
 * One-bar return from `prev` to `value`: simple x[t]/x[t−1] − 1, or log ln(x[t]/x[t−1]).
 * NaN where it is undefined (previous value 0; for log, a non-positive value).
 */
export function barReturn(prev: number, value: number, log: boolean): number {
  if (log) return prev > 0 && value > 0 ? Math.log(value / prev) : NaN;
  return prev !== 0 ? value / prev - 1 : NaN;
}

export interface ReturnsState {
  prev: number | null;
}

/** Returns of a series; the first output is at index 1. */
export function returnsIncremental(options: { log?: boolean } = {}): Incremental<ReturnsState> {
  const log = options.log ?? false;
  return {
    initial: { prev: null },
    step(state, value) {
      if (!present(value)) return { state: { prev: null }, output: NaN };
      const output = state.prev === null ? NaN : barReturn(state.prev, value, log);
      return { state: { prev: value }, output };
    },
  };
}

export function returns(x: Series, options: { log?: boolean } = {}): Float64Array {
  return foldSeries(returnsIncremental(options), x);
}

/**
 * Rolling z-score (x[t] − mean) / std over the last `window` values, with the
 * sample std (ddof = 1, hence window ≥ 2). A flat window (std 0) gives 0: the
 * value does not deviate from its mean.
 */
export function zscoreIncremental(window: number): Incremental<WindowState> {
  assertWindow(window, 2);
  return {
    initial: { values: [] },
    step(state, value) {
      if (!present(value)) return { state: { values: [] }, output: NaN };
      const values = slide(state.values, value, window);
      if (values.length < window) return { state: { values }, output: NaN };
      const std = sampleStd(values);
      return { state: { values }, output: std === 0 ? 0 : (value - mean(values)) / std };
    },
  };
}

export function zscore(x: Series, window: number): Float64Array {
  return foldSeries(zscoreIncremental(window), x);
}

export interface VolatilityState {
  prev: number | null;
  returns: number[];
}

/**
 * Rolling sample std (ddof = 1) of the last `window` simple returns, times
 * sqrt(periodsPerYear) when given (e.g. 365 for daily crypto bars). The first
 * output is at index `window` (window returns need window + 1 prices).
 */
export function volatilityIncremental(window: number, periodsPerYear?: number): Incremental<VolatilityState> {
  assertWindow(window, 2);
  if (periodsPerYear !== undefined && !(periodsPerYear > 0 && Number.isFinite(periodsPerYear))) {
    throw new RangeError(`periodsPerYear must be a positive number, got ${periodsPerYear}`);
  }
  const scale = periodsPerYear === undefined ? 1 : Math.sqrt(periodsPerYear);
  const initial: VolatilityState = { prev: null, returns: [] };
  return {
    initial,
    step(state, value) {
      if (!present(value)) return { state: initial, output: NaN };
      if (state.prev === null) return { state: { prev: value, returns: [] }, output: NaN };
      const r = barReturn(state.prev, value, false);
      if (!present(r)) return { state: { prev: value, returns: [] }, output: NaN };
      const rets = slide(state.returns, r, window);
      const output = rets.length === window ? sampleStd(rets) * scale : NaN;
      return { state: { prev: value, returns: rets }, output };
    },
  };
}

export function volatility(x: Series, window: number, periodsPerYear?: number): Float64Array {
  return foldSeries(volatilityIncremental(window, periodsPerYear), x);
}
