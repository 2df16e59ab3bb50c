/**
 * Conformance (SPEC §7): turns raw exchange OHLCV rows into the bars the store
 * keeps, and says with per-flag row counts what it had to change. Pure; the
 * caller decides whether a failing frame may still be used as partial.
 */
import type { Bar, BarRange } from './bars';
import { assertInterval, isAligned } from './coverage';

/** Bumped whenever a rule below changes the bars produced; part of every fingerprint. */
export const CONFORMANCE_VERSION = 1;

/** A ccxt OHLCV row `[ts, open, high, low, close, volume]`; some exchanges send numeric strings. */
export type RawOhlcvRow = readonly (number | string | null | undefined)[];

export type TimestampUnit = 'ms' | 's';

export interface ConformOptions {
  intervalMs: number;
  /** Declared by the source, never inferred from magnitudes (SPEC §12). */
  timestampUnit: TimestampUnit;
  /** Inclusive bar opens to keep; rows outside are dropped. */
  window?: BarRange;
}

/**
 * What conformance can report; each count is of rows, except `gap`, which
 * counts missing bars between consecutive kept bars.
 */
export const CONFORMANCE_FLAGS = {
  /** Timestamp missing, non-numeric, non-integer ms, negative or unsafe; row dropped. */
  invalid_timestamp: 'fail',
  /** Valid ms timestamp off the interval grid (wrong unit or timeframe); row dropped. */
  misaligned_timestamp: 'fail',
  /** A value was NaN, ±Infinity or an unparsable string; it became null, the row is kept. */
  non_finite: 'fail',
  /** A value was null/undefined/absent; it stays null, the row is kept. */
  missing_value: 'fail',
  /** high < max(open, close, low) or low > min(open, close, high); kept as sent. */
  ohlc_inconsistent: 'fail',
  /** Earlier rows with a repeated ts, dropped (paging overlaps are routine). */
  duplicate_ts: 'warn',
  /** Rows outside the requested window, dropped (exchanges pad pages). */
  out_of_window: 'warn',
  /** Missing bars between kept bars; coverage records them, the frame itself is sound. */
  gap: 'warn',
} as const;

export type ConformanceFlag = keyof typeof CONFORMANCE_FLAGS;
export type ConformanceFlags = Partial<Record<ConformanceFlag, number>>;

/** Flags that make a frame fail unless the request allows partial results. */
export const FAILING_FLAGS: readonly ConformanceFlag[] = (
  Object.keys(CONFORMANCE_FLAGS) as ConformanceFlag[]
).filter((flag) => CONFORMANCE_FLAGS[flag] === 'fail');

export interface ConformResult {
  bars: Bar[];
  /** Only flags that occurred, so a clean frame reports `{}`. */
  flags: ConformanceFlags;
  /** Failing flags that occurred, in FAILING_FLAGS order; empty when ok. */
  failing: ConformanceFlag[];
  ok: boolean;
}

const UNIT_MS: Record<TimestampUnit, number> = { ms: 1, s: 1_000 };

// Number('') is 0 and Number('0x10') is 16; only plain decimal text counts as a number.
const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

type Parsed = { kind: 'value'; value: number } | { kind: 'missing' } | { kind: 'non_finite' };

function toNumber(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && DECIMAL_TEXT.test(raw.trim())) return Number(raw);
  return NaN;
}

function parseValue(raw: unknown): Parsed {
  if (raw === null || raw === undefined) return { kind: 'missing' };
  const value = toNumber(raw);
  return Number.isFinite(value) ? { kind: 'value', value } : { kind: 'non_finite' };
}

type TimestampCheck = { ts: number } | { flag: 'invalid_timestamp' | 'misaligned_timestamp' };

function checkTimestamp(raw: unknown, unit: TimestampUnit, intervalMs: number): TimestampCheck {
  const parsed = parseValue(raw);
  if (parsed.kind !== 'value') return { flag: 'invalid_timestamp' };
  const ts = parsed.value * UNIT_MS[unit];
  if (!Number.isSafeInteger(ts) || ts < 0) return { flag: 'invalid_timestamp' };
  return isAligned(ts, intervalMs) ? { ts } : { flag: 'misaligned_timestamp' };
}

const VALUE_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;

function toBar(ts: number, row: RawOhlcvRow, flags: ConformanceFlags): Bar {
  const bar: Bar = { ts, open: null, high: null, low: null, close: null, volume: null };
  let missing = false;
  let nonFinite = false;
  VALUE_FIELDS.forEach((field, i) => {
    const parsed = parseValue(row[i + 1]);
    if (parsed.kind === 'value') bar[field] = parsed.value;
    else if (parsed.kind === 'missing') missing = true;
    else nonFinite = true;
  });
  if (missing) bump(flags, 'missing_value');
  if (nonFinite) bump(flags, 'non_finite');
  if (isOhlcInconsistent(bar)) bump(flags, 'ohlc_inconsistent');
  return bar;
}

/** Only judged when all four prices are present; a null is already flagged on its own. */
export function isOhlcInconsistent({ open, high, low, close }: Bar): boolean {
  if (open === null || high === null || low === null || close === null) return false;
  return high < Math.max(open, close, low) || low > Math.min(open, close, high);
}

function bump(flags: ConformanceFlags, flag: ConformanceFlag, by = 1): void {
  if (by > 0) flags[flag] = (flags[flag] ?? 0) + by;
}

/**
 * Steps, in order: read ts in the declared unit and drop invalid or off-grid
 * ones; drop rows outside the window; dedupe by ts keeping the last row in
 * input order (a later page is the fresher answer); sort ascending; parse
 * values (non-finite → null); count ohlc inconsistencies and inner gaps.
 * Values of dropped duplicates are never judged, so they cannot fail a frame.
 */
export function conformBars(rows: readonly RawOhlcvRow[], options: ConformOptions): ConformResult {
  const { intervalMs, timestampUnit, window } = options;
  assertInterval(intervalMs);
  if (!Object.hasOwn(UNIT_MS, timestampUnit))
    throw new RangeError(`unknown timestamp unit ${String(timestampUnit)}`);
  const flags: ConformanceFlags = {};
  const latest = new Map<number, RawOhlcvRow>();
  let kept = 0;
  for (const row of rows) {
    const check = checkTimestamp(Array.isArray(row) ? row[0] : undefined, timestampUnit, intervalMs);
    if ('flag' in check) {
      bump(flags, check.flag);
    } else if (window && (check.ts < window.start || check.ts > window.end)) {
      bump(flags, 'out_of_window');
    } else {
      latest.set(check.ts, row);
      kept++;
    }
  }
  bump(flags, 'duplicate_ts', kept - latest.size);
  const bars = [...latest.keys()].sort((a, b) => a - b).map((ts) => toBar(ts, latest.get(ts)!, flags));
  for (let i = 1; i < bars.length; i++) {
    bump(flags, 'gap', (bars[i]!.ts - bars[i - 1]!.ts) / intervalMs - 1);
  }
  const failing = FAILING_FLAGS.filter((flag) => flags[flag] !== undefined);
  return { bars, flags, failing, ok: failing.length === 0 };
}
