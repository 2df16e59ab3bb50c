import type { BarRange } from '../../domain/data/bars';
import {
  countBars,
  covered,
  gaps,
  intersect,
  mergeCoverage,
  missingBars,
  snapRange,
  stableEnd,
  stableRange,
  subtract,
} from '../../domain/data/coverage';

const MIN = 60_000;
/** Ranges are written in seconds as in SPEC's vectors; the algebra works in ms. */
const s = (start: number, end: number): BarRange => ({ start: start * 1000, end: end * 1000 });

describe('gaps (SPEC §7 vectors, 1-minute bars)', () => {
  it.each<[string, BarRange, BarRange[], BarRange[]]>([
    ['a hole on both sides', s(0, 600), [s(120, 300)], [s(0, 60), s(360, 600)]],
    ['adjacent ranges leave nothing missing', s(0, 300), [s(0, 120), s(180, 300)], []],
    ['a one-bar hole', s(0, 300), [s(0, 120), s(240, 300)], [s(180, 180)]],
    ['empty coverage', s(0, 300), [], [s(0, 300)]],
    ['misaligned coverage snaps inward', s(0, 300), [s(0, 90)], [s(120, 300)]],
  ])('%s', (_name, window, coverage, expected) => {
    expect(gaps(window, coverage, MIN)).toEqual(expected);
  });

  it('snaps a misaligned window inward too', () => {
    expect(gaps(s(30, 330), [s(120, 180)], MIN)).toEqual([s(60, 60), s(240, 300)]);
    expect(gaps(s(10, 50), [], MIN)).toEqual([]);
  });
});

describe('snapRange', () => {
  it('rounds start up and end down to the grid', () => {
    expect(snapRange(s(0, 90), MIN)).toEqual(s(0, 60));
    expect(snapRange(s(1, 179), MIN)).toEqual(s(60, 120));
    expect(snapRange(s(60, 60), MIN)).toEqual(s(60, 60));
  });

  it('is undefined when no aligned bar lies inside', () => {
    expect(snapRange(s(1, 59), MIN)).toBeUndefined();
    expect(snapRange(s(120, 60), MIN)).toBeUndefined();
  });

  it('snaps pre-epoch opens onto the same grid', () => {
    expect(snapRange(s(-90, -1), MIN)).toEqual(s(-60, -60));
  });

  it('throws RangeError on a bad interval or non-finite bounds', () => {
    expect(() => snapRange(s(0, 60), 0)).toThrow(RangeError);
    expect(() => snapRange(s(0, 60), -MIN)).toThrow(RangeError);
    expect(() => snapRange(s(0, 60), 1.5)).toThrow(RangeError);
    expect(() => snapRange({ start: 0, end: Infinity }, MIN)).toThrow(RangeError);
  });
});

describe('mergeCoverage', () => {
  it('sorts, snaps and merges overlapping and adjacent ranges', () => {
    expect(mergeCoverage([s(360, 420), s(0, 60), s(120, 180), s(60, 90), s(150, 240)], MIN)).toEqual([
      s(0, 240),
      s(360, 420),
    ]);
  });

  it('keeps ranges one missing bar apart separate and drops empty snaps', () => {
    expect(mergeCoverage([s(0, 60), s(180, 240), s(250, 290)], MIN)).toEqual([s(0, 60), s(180, 240)]);
  });

  it('does not mutate its input', () => {
    const input = [s(0, 60), s(60, 120)];
    mergeCoverage(input, MIN);
    expect(input).toEqual([s(0, 60), s(60, 120)]);
  });
});

describe('missingBars and covered', () => {
  it('counts a one-bar gap as 1, never 0 (SPEC §12)', () => {
    expect(missingBars(s(180, 180), MIN)).toBe(1);
    expect(missingBars(s(0, 600), MIN)).toBe(11);
    expect(countBars([s(0, 60), s(360, 600)], MIN)).toBe(7);
  });

  it('rejects a misaligned or inverted range', () => {
    expect(() => missingBars(s(0, 90), MIN)).toThrow(RangeError);
    expect(() => missingBars(s(120, 60), MIN)).toThrow(RangeError);
  });

  it('counts covered bars inside the window only', () => {
    expect(covered(s(0, 600), [s(120, 300)], MIN)).toBe(4);
    expect(covered(s(180, 600), [s(0, 240), s(540, 900)], MIN)).toBe(4);
    expect(covered(s(0, 300), [], MIN)).toBe(0);
  });
});

describe('intersect and subtract', () => {
  it('intersects range lists', () => {
    expect(intersect([s(0, 300), s(600, 900)], [s(240, 660), s(840, 1200)], MIN)).toEqual([
      s(240, 300),
      s(600, 660),
      s(840, 900),
    ]);
    expect(intersect([s(0, 60)], [s(120, 180)], MIN)).toEqual([]);
  });

  it('subtracts a hole that spans several ranges', () => {
    expect(subtract([s(0, 120), s(240, 360), s(480, 600)], [s(60, 540)], MIN)).toEqual([
      s(0, 0),
      s(600, 600),
    ]);
  });
});

describe('stableEnd: the last stabilizationBars of a range reaching now, open bar included', () => {
  const now = 10 * MIN + 5_000; // 10 min 5 s: the bar opening at minute 10 is still open

  it('with the default 2, minutes 10 and 9 are excluded and minute 8 is the last final bar', () => {
    expect(stableEnd(20 * MIN, now, MIN)).toBe(8 * MIN);
    expect(stableEnd(10 * MIN, now, MIN)).toBe(8 * MIN);
  });

  it('with 1, only the open bar is excluded', () => {
    expect(stableEnd(20 * MIN, now, MIN, 1)).toBe(9 * MIN);
  });

  it('treats a bar closing exactly at now as closed', () => {
    expect(stableEnd(20 * MIN, 10 * MIN, MIN, 1)).toBe(9 * MIN);
    expect(stableEnd(20 * MIN, 10 * MIN - 1, MIN, 1)).toBe(8 * MIN);
  });

  it('leaves a range that ends before the cut untouched', () => {
    expect(stableEnd(5 * MIN, now, MIN)).toBe(5 * MIN);
    expect(stableEnd(8 * MIN, now, MIN)).toBe(8 * MIN);
  });

  it('cuts ranges and drops one with no final bar', () => {
    expect(stableRange({ start: 0, end: 20 * MIN }, now, MIN)).toEqual({ start: 0, end: 8 * MIN });
    expect(stableRange({ start: 9 * MIN, end: 12 * MIN }, now, MIN)).toBeUndefined();
  });

  it('rejects a stabilization below 1, a bad interval or a misaligned end', () => {
    expect(() => stableEnd(20 * MIN, now, MIN, 0)).toThrow(RangeError);
    expect(() => stableEnd(20 * MIN, now, 0)).toThrow(RangeError);
    expect(() => stableEnd(20 * MIN + 1, now, MIN)).toThrow(RangeError);
  });
});

/** mulberry32: a tiny seeded PRNG, so a failing case reproduces from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('property: gaps ∪ covered = window, gaps ∩ covered = ∅', () => {
  const interval = 60_000;
  const random = mulberry32(0x5eed);
  const int = (max: number) => Math.floor(random() * max);
  // Unaligned ms offsets exercise snapping; the span stays small enough to check bar by bar.
  const cases = Array.from({ length: 400 }, (_, i) => {
    const window = { start: int(40 * interval), end: int(80 * interval) };
    const coverage = Array.from({ length: int(6) }, () => {
      const start = int(90 * interval) - 5 * interval;
      return { start, end: start + int(20 * interval) };
    });
    return { i, window, coverage };
  });

  /** Describes every broken invariant of one case; empty when the case holds. */
  function violations(window: BarRange, coverage: BarRange[]): string[] {
    const missing = gaps(window, coverage, interval);
    const present = intersect([window], coverage, interval);
    const snapped = snapRange(window, interval);
    const windowBars = snapped ? missingBars(snapped, interval) : 0;
    const out: string[] = [];
    if (intersect(missing, present, interval).length > 0) out.push('gaps overlap covered');
    const union = mergeCoverage([...missing, ...present], interval);
    if (JSON.stringify(union) !== JSON.stringify(snapped ? [snapped] : []))
      out.push('union is not the window');
    if (countBars(missing, interval) + covered(window, coverage, interval) !== windowBars) out.push('counts');
    // Bar-by-bar oracle: a bar is missing iff no raw coverage range contains its open.
    const inRanges = (ts: number, ranges: BarRange[]) => ranges.some((r) => r.start <= ts && ts <= r.end);
    for (let ts = snapped?.start ?? 0; snapped && ts <= snapped.end; ts += interval) {
      if (inRanges(ts, missing) === inRanges(ts, coverage)) out.push(`bar ${ts}`);
    }
    return out;
  }

  it(`holds for ${cases.length} seeded random cases`, () => {
    const failures = cases
      .map(({ i, window, coverage }) => ({ i, window, coverage, broken: violations(window, coverage) }))
      .filter((c) => c.broken.length > 0);
    expect(failures).toEqual([]);
    // Guard against a generator that only makes trivial cases.
    expect(cases.filter((c) => gaps(c.window, c.coverage, interval).length >= 2).length).toBeGreaterThan(50);
    expect(cases.filter((c) => covered(c.window, c.coverage, interval) > 0).length).toBeGreaterThan(150);
  });
});
