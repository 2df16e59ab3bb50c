import type { BarRange } from '../../domain/data/bars';
import { advancePage, pageRequest, planChunks, type PageRequest } from '../../domain/data/chunks';
import { countBars } from '../../domain/data/coverage';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = 1_700_006_400_000; // 2023-11-15T00:00:00Z, a day boundary

describe('planChunks', () => {
  it('splits two days of 1m bars (2,880) into 900, 900, 900, 180', () => {
    const chunks = planChunks([{ start: T0, end: T0 + 2 * DAY - MIN }], MIN);
    expect(chunks.map((c) => c.bars)).toEqual([900, 900, 900, 180]);
    expect(chunks).toEqual([
      { start: T0, end: T0 + 899 * MIN, bars: 900 },
      { start: T0 + 900 * MIN, end: T0 + 1799 * MIN, bars: 900 },
      { start: T0 + 1800 * MIN, end: T0 + 2699 * MIN, bars: 900 },
      { start: T0 + 2700 * MIN, end: T0 + 2879 * MIN, bars: 180 },
    ]);
  });

  it('keeps gaps apart and in order, never merging chunks across a gap', () => {
    const gaps = [
      { start: T0, end: T0 + 4 * MIN },
      { start: T0 + 10 * MIN, end: T0 + 10 * MIN },
      { start: T0 + 20 * MIN, end: T0 + 26 * MIN },
    ];
    expect(planChunks(gaps, MIN, 3)).toEqual([
      { start: T0, end: T0 + 2 * MIN, bars: 3 },
      { start: T0 + 3 * MIN, end: T0 + 4 * MIN, bars: 2 },
      { start: T0 + 10 * MIN, end: T0 + 10 * MIN, bars: 1 },
      { start: T0 + 20 * MIN, end: T0 + 22 * MIN, bars: 3 },
      { start: T0 + 23 * MIN, end: T0 + 25 * MIN, bars: 3 },
      { start: T0 + 26 * MIN, end: T0 + 26 * MIN, bars: 1 },
    ]);
  });

  it('covers each gap exactly: chunk bars sum to the gap bars', () => {
    const gaps = [
      { start: T0, end: T0 + 899 * MIN },
      { start: T0 + 1000 * MIN, end: T0 + 1900 * MIN },
    ];
    const chunks = planChunks(gaps, MIN);
    expect(chunks.map((c) => c.bars)).toEqual([900, 900, 1]);
    expect(countBars(chunks, MIN)).toBe(countBars(gaps, MIN));
  });

  it('plans nothing for no gaps, and rejects bad input', () => {
    expect(planChunks([], MIN)).toEqual([]);
    expect(() => planChunks([{ start: T0, end: T0 + 30_000 }], MIN)).toThrow(RangeError);
    expect(() => planChunks([{ start: T0, end: T0 }], 0)).toThrow(RangeError);
    expect(() => planChunks([{ start: T0, end: T0 }], MIN, 0)).toThrow(RangeError);
    expect(() => planChunks([{ start: T0, end: T0 }], MIN, 2.5)).toThrow(RangeError);
  });
});

describe('pageRequest', () => {
  const chunk = { start: T0, end: T0 + 899 * MIN };

  it('asks for the page limit, but never past the chunk end', () => {
    expect(pageRequest(chunk, T0, 500, MIN)).toEqual({ since: T0, limit: 500 });
    expect(pageRequest(chunk, T0 + 500 * MIN, 500, MIN)).toEqual({ since: T0 + 500 * MIN, limit: 400 });
    expect(pageRequest(chunk, T0 + 899 * MIN, 500, MIN)).toEqual({ since: T0 + 899 * MIN, limit: 1 });
  });

  it('is done past the chunk, and clamps a cursor before it to the chunk start', () => {
    expect(pageRequest(chunk, T0 + 900 * MIN, 500, MIN)).toBeUndefined();
    expect(pageRequest(chunk, T0 - 5 * MIN, 500, MIN)).toEqual({ since: T0, limit: 500 });
  });

  it('rejects an off-grid cursor or a bad limit', () => {
    expect(() => pageRequest(chunk, T0 + 1, 500, MIN)).toThrow(RangeError);
    expect(() => pageRequest(chunk, T0, 0, MIN)).toThrow(RangeError);
  });
});

describe('advancePage', () => {
  const chunk = { start: T0, end: T0 + 9 * MIN }; // 10 bars
  const m = (n: number) => T0 + n * MIN;
  const page = (since: number, limit: number): PageRequest => ({ since, limit });

  it('moves past the last returned bar', () => {
    expect(advancePage(chunk, page(m(0), 4), [m(0), m(1), m(2), m(3)], MIN)).toEqual({
      next: m(4),
      empty: [],
    });
  });

  it('reports bars skipped inside the answered span as empty', () => {
    expect(advancePage(chunk, page(m(0), 4), [m(2), m(3), m(5)], MIN)).toEqual({
      next: m(6),
      empty: [
        { start: m(0), end: m(1) },
        { start: m(4), end: m(4) },
      ],
    });
  });

  it('skips a whole empty page instead of asking again forever', () => {
    expect(advancePage(chunk, page(m(0), 4), [], MIN)).toEqual({
      next: m(4),
      empty: [{ start: m(0), end: m(3) }],
    });
  });

  it('ignores bars before since (exchanges may echo one) and misaligned ones', () => {
    expect(advancePage(chunk, page(m(4), 4), [m(3), m(4) + 1], MIN)).toEqual({
      next: m(8),
      empty: [{ start: m(4), end: m(7) }],
    });
  });

  it('is done once the cursor passes the chunk end, clipping empties to the chunk', () => {
    expect(advancePage(chunk, page(m(8), 2), [m(8), m(9)], MIN)).toEqual({ next: undefined, empty: [] });
    expect(advancePage(chunk, page(m(8), 2), [], MIN)).toEqual({
      next: undefined,
      empty: [{ start: m(8), end: m(9) }],
    });
    // A bar beyond the chunk proves the rest of the chunk is absent.
    expect(advancePage(chunk, page(m(7), 3), [m(12)], MIN)).toEqual({
      next: undefined,
      empty: [{ start: m(7), end: m(9) }],
    });
  });

  it('walks a chunk to completion with pageRequest, always moving forward', () => {
    const big: BarRange = { start: T0, end: T0 + 1799 * MIN };
    const exchange = (req: PageRequest) =>
      Array.from({ length: req.limit }, (_, i) => req.since + i * MIN).filter(
        (ts) => ts < m(300) || ts >= m(400), // an outage of 100 bars
      );
    const cursors: number[] = [];
    const empty: BarRange[] = [];
    let since: number | undefined = big.start;
    while (since !== undefined) {
      const req = pageRequest(big, since, 1000, MIN);
      if (!req) break;
      cursors.push(req.since);
      const step = advancePage(big, req, exchange(req), MIN);
      empty.push(...step.empty);
      since = step.next;
    }
    expect(cursors).toEqual([m(0), m(1000)]);
    expect(empty).toEqual([{ start: m(300), end: m(399) }]);
  });
});
