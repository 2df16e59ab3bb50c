/**
 * Coverage algebra on an interval grid (SPEC §7): which bar opens a store
 * holds, which are missing in a window, and which are final yet. Pure: every
 * range is an inclusive pair of aligned bar opens (epoch ms, grid origin 0).
 */
import type { BarRange } from './bars';

/** Throws RangeError unless the interval is a positive safe integer of ms. */
export function assertInterval(intervalMs: number): void {
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) {
    throw new RangeError(`interval must be a positive integer of ms, got ${intervalMs}`);
  }
}

function assertFinite(range: BarRange): void {
  if (!Number.isFinite(range.start) || !Number.isFinite(range.end)) {
    throw new RangeError(`range bounds must be finite, got [${range.start}, ${range.end}]`);
  }
}

/** True modulo (JavaScript's % keeps the dividend's sign), so pre-1970 opens snap the same way. */
function floorToGrid(ts: number, intervalMs: number): number {
  return ts - (((ts % intervalMs) + intervalMs) % intervalMs);
}

function ceilToGrid(ts: number, intervalMs: number): number {
  const floor = floorToGrid(ts, intervalMs);
  return floor === ts ? ts : floor + intervalMs;
}

export function isAligned(ts: number, intervalMs: number): boolean {
  return Number.isSafeInteger(ts) && floorToGrid(ts, intervalMs) === ts;
}

/**
 * The largest aligned range inside `range`: start rounds up, end rounds down,
 * so a snapped range never claims a bar the input did not fully name.
 * Undefined when no aligned bar open lies inside.
 */
export function snapRange(range: BarRange, intervalMs: number): BarRange | undefined {
  assertInterval(intervalMs);
  assertFinite(range);
  const start = ceilToGrid(range.start, intervalMs);
  const end = floorToGrid(range.end, intervalMs);
  return start <= end ? { start, end } : undefined;
}

/** Bars in an aligned inclusive range: (end − start)/interval + 1, so a one-bar gap is 1 (SPEC §12). */
export function missingBars(range: BarRange, intervalMs: number): number {
  assertInterval(intervalMs);
  if (!isAligned(range.start, intervalMs) || !isAligned(range.end, intervalMs) || range.start > range.end) {
    throw new RangeError(`not an aligned inclusive range: [${range.start}, ${range.end}] @ ${intervalMs}`);
  }
  return (range.end - range.start) / intervalMs + 1;
}

/** Sum of bars over a normalised range list. */
export function countBars(ranges: readonly BarRange[], intervalMs: number): number {
  return ranges.reduce((sum, range) => sum + missingBars(range, intervalMs), 0);
}

/**
 * Normal form of coverage: snapped, sorted, and merged wherever the next range
 * starts at or before the bar after the previous end (adjacent ranges leave no
 * missing bar between them, so keeping them apart would only fragment reads).
 */
export function mergeCoverage(ranges: readonly BarRange[], intervalMs: number): BarRange[] {
  const snapped = ranges
    .map((range) => snapRange(range, intervalMs))
    .filter((range): range is BarRange => range !== undefined)
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: BarRange[] = [];
  for (const range of snapped) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.start <= last.end + intervalMs) {
      last.end = Math.max(last.end, range.end);
    } else {
      merged.push({ ...range });
    }
  }
  return merged;
}

/** Bars in both lists. Inputs need not be normalised; the result is. */
export function intersect(a: readonly BarRange[], b: readonly BarRange[], intervalMs: number): BarRange[] {
  const left = mergeCoverage(a, intervalMs);
  const right = mergeCoverage(b, intervalMs);
  const out: BarRange[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const l = left[i]!;
    const r = right[j]!;
    const start = Math.max(l.start, r.start);
    const end = Math.min(l.end, r.end);
    if (start <= end) out.push({ start, end });
    if (l.end < r.end) i++;
    else j++;
  }
  return out;
}

/** Bars in `from` that are not in `remove`. Inputs need not be normalised; the result is. */
export function subtract(
  from: readonly BarRange[],
  remove: readonly BarRange[],
  intervalMs: number,
): BarRange[] {
  const base = mergeCoverage(from, intervalMs);
  const holes = mergeCoverage(remove, intervalMs);
  const out: BarRange[] = [];
  let first = 0;
  for (const range of base) {
    // A hole can span several base ranges, so only skip holes wholly before this one.
    while (first < holes.length && holes[first]!.end < range.start) first++;
    let cursor = range.start;
    for (let k = first; k < holes.length && holes[k]!.start <= range.end; k++) {
      const hole = holes[k]!;
      if (hole.start > cursor) out.push({ start: cursor, end: hole.start - intervalMs });
      cursor = Math.max(cursor, hole.end + intervalMs);
    }
    if (cursor <= range.end) out.push({ start: cursor, end: range.end });
  }
  return out;
}

/** Missing aligned ranges of `window` (itself snapped inward) given stored coverage. */
export function gaps(window: BarRange, coverage: readonly BarRange[], intervalMs: number): BarRange[] {
  return subtract([window], coverage, intervalMs);
}

/** Number of bars of `window` that coverage holds. */
export function covered(window: BarRange, coverage: readonly BarRange[], intervalMs: number): number {
  return countBars(intersect([window], coverage, intervalMs), intervalMs);
}

/**
 * The last bar open of `rangeEnd`'s range that is final at `nowMs`.
 *
 * `stabilizationBars` counts back from the bar that is still open at now
 * (open ≤ now < open + interval), which always counts as one of them: with
 * 1-minute bars and now = 10:05, bars 10:00 and 9:00 are excluded under the
 * default 2 and 8:00 is the last final bar; 1 means "closed bars only". A bar
 * closing exactly at now is closed. Ranges ending before the cut are untouched.
 */
export function stableEnd(
  rangeEnd: number,
  nowMs: number,
  intervalMs: number,
  stabilizationBars = 2,
): number {
  assertInterval(intervalMs);
  if (!Number.isSafeInteger(stabilizationBars) || stabilizationBars < 1) {
    throw new RangeError(`stabilizationBars must be an integer ≥ 1, got ${stabilizationBars}`);
  }
  if (!Number.isSafeInteger(nowMs) || !isAligned(rangeEnd, intervalMs)) {
    throw new RangeError(`need an integer now and an aligned range end, got ${nowMs}, ${rangeEnd}`);
  }
  const openBar = floorToGrid(nowMs, intervalMs);
  return Math.min(rangeEnd, openBar - stabilizationBars * intervalMs);
}

/** `range` cut to its final bars; undefined when none of them is final yet. */
export function stableRange(
  range: BarRange,
  nowMs: number,
  intervalMs: number,
  stabilizationBars = 2,
): BarRange | undefined {
  const end = stableEnd(range.end, nowMs, intervalMs, stabilizationBars);
  return range.start <= end ? { start: range.start, end } : undefined;
}
