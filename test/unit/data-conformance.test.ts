import {
  CONFORMANCE_VERSION,
  FAILING_FLAGS,
  conformBars,
  isOhlcInconsistent,
  type RawOhlcvRow,
} from '../../domain/data/conformance';

const MIN = 60_000;
const T0 = 1_700_000_040_000; // a minute boundary (2023-11-14T22:14:00Z)
const at = (minutes: number) => T0 + minutes * MIN;
const row = (ts: number, close = 100, volume: RawOhlcvRow[number] = 2): RawOhlcvRow => [
  ts,
  close,
  close + 1,
  close - 1,
  close,
  volume,
];
const ms = { intervalMs: MIN, timestampUnit: 'ms' } as const;

describe('conformBars', () => {
  it('passes a clean frame through untouched, with no flags', () => {
    const result = conformBars([row(at(0)), row(at(1), 101)], ms);
    expect(result).toEqual({
      bars: [
        { ts: at(0), open: 100, high: 101, low: 99, close: 100, volume: 2 },
        { ts: at(1), open: 101, high: 102, low: 100, close: 101, volume: 2 },
      ],
      flags: {},
      failing: [],
      ok: true,
    });
  });

  it('sorts ascending and keeps the LAST occurrence of a ts in input order', () => {
    const result = conformBars([row(at(2)), row(at(0), 50), row(at(1)), row(at(0), 60), row(at(0), 70)], ms);
    expect(result.bars.map((b) => [b.ts, b.close])).toEqual([
      [at(0), 70],
      [at(1), 100],
      [at(2), 100],
    ]);
    expect(result.flags).toEqual({ duplicate_ts: 2 });
    expect(result.ok).toBe(true);
  });

  it('never judges the values of a dropped duplicate', () => {
    const result = conformBars([[at(0), NaN, 1, 1, 1, 1], row(at(0))], ms);
    expect(result.flags).toEqual({ duplicate_ts: 1 });
    expect(result.ok).toBe(true);
  });

  it('converts seconds only when seconds are declared', () => {
    const seconds = conformBars([row(at(0) / 1000), row(`${at(1) / 1000}` as unknown as number)], {
      intervalMs: MIN,
      timestampUnit: 's',
    });
    expect(seconds.bars.map((b) => b.ts)).toEqual([at(0), at(1)]);
    expect(seconds.ok).toBe(true);
    // The same seconds declared as ms are off the 1-minute grid: flagged, not guessed.
    const wrong = conformBars([row(at(0) / 1000)], ms);
    expect(wrong).toMatchObject({ bars: [], flags: { misaligned_timestamp: 1 }, ok: false });
  });

  it('drops invalid timestamps and off-grid ones under separate flags', () => {
    const rows: RawOhlcvRow[] = [
      row(at(0)),
      row(null as unknown as number),
      row(-MIN),
      row(at(1) + 0.5),
      row(NaN),
      row(Infinity),
      row('abc' as unknown as number),
      row(at(2) + 1_000),
      [],
    ];
    const result = conformBars(rows, ms);
    expect(result.bars.map((b) => b.ts)).toEqual([at(0)]);
    expect(result.flags).toEqual({ invalid_timestamp: 7, misaligned_timestamp: 1 });
    expect(result.failing).toEqual(['invalid_timestamp', 'misaligned_timestamp']);
    expect(result.ok).toBe(false);
  });

  it('drops rows outside the inclusive window as a warning', () => {
    const rows = [row(at(-1)), row(at(0)), row(at(3)), row(at(4))];
    const result = conformBars(rows, { ...ms, window: { start: at(0), end: at(3) } });
    expect(result.bars.map((b) => b.ts)).toEqual([at(0), at(3)]);
    expect(result.flags).toEqual({ out_of_window: 2, gap: 2 });
    expect(result.ok).toBe(true);
  });

  it('turns non-finite values into null and counts affected rows, not values', () => {
    const result = conformBars(
      [
        [at(0), NaN, Infinity, 1, 1, 1],
        [at(1), 1, 1, 1, 1, -Infinity],
        [at(2), '1.5', '2', '1', '1.5', 'NaN'],
        [at(3), '0x10', '', ' 7 ', '1e5', 3],
      ],
      ms,
    );
    expect(result.bars).toEqual([
      { ts: at(0), open: null, high: null, low: 1, close: 1, volume: 1 },
      { ts: at(1), open: 1, high: 1, low: 1, close: 1, volume: null },
      { ts: at(2), open: 1.5, high: 2, low: 1, close: 1.5, volume: null },
      { ts: at(3), open: null, high: null, low: 7, close: 100_000, volume: 3 },
    ]);
    expect(result.flags).toEqual({ non_finite: 4 });
    expect(result.ok).toBe(false);
  });

  it('flags absent values separately from non-finite ones', () => {
    const result = conformBars([[at(0), 1, 1, 1, 1, null], [at(1), 1, 1, 1, undefined], [at(2)]], ms);
    expect(result.bars[1]).toEqual({ ts: at(1), open: 1, high: 1, low: 1, close: null, volume: null });
    expect(result.flags).toEqual({ missing_value: 3 });
    expect(result.failing).toEqual(['missing_value']);
  });

  it('counts missing bars between kept bars, a one-bar hole as 1', () => {
    const result = conformBars([row(at(0)), row(at(2)), row(at(3)), row(at(7))], ms);
    expect(result.flags).toEqual({ gap: 4 });
    expect(result.ok).toBe(true);
  });

  it('counts but keeps OHLC-inconsistent bars, and fails the frame', () => {
    const result = conformBars(
      [
        [at(0), 10, 9, 8, 9.5, 1], // high below open
        [at(1), 10, 12, 10.5, 11, 1], // low above open
        [at(2), 10, 12, 9, 11, 1],
      ],
      ms,
    );
    expect(result.bars).toHaveLength(3);
    expect(result.flags).toEqual({ ohlc_inconsistent: 2 });
    expect(result.ok).toBe(false);
  });

  it('returns an empty, ok frame for no rows', () => {
    expect(conformBars([], ms)).toEqual({ bars: [], flags: {}, failing: [], ok: true });
  });

  it('rejects a bad interval or an undeclared unit', () => {
    expect(() => conformBars([], { intervalMs: 0, timestampUnit: 'ms' })).toThrow(RangeError);
    expect(() => conformBars([], { intervalMs: MIN, timestampUnit: 'us' as 'ms' })).toThrow(RangeError);
  });

  it('fails on data faults and only warns on paging artefacts', () => {
    expect([...FAILING_FLAGS].sort()).toEqual([
      'invalid_timestamp',
      'misaligned_timestamp',
      'missing_value',
      'non_finite',
      'ohlc_inconsistent',
    ]);
    expect(CONFORMANCE_VERSION).toBe(1);
  });
});

describe('isOhlcInconsistent', () => {
  const bar = (open: number, high: number, low: number, close: number) => ({
    ts: 0,
    open,
    high,
    low,
    close,
    volume: 0,
  });
  it.each([
    [bar(1, 1, 1, 1), false],
    [bar(1, 2, 0.5, 1.5), false],
    [bar(1, 1.4, 0.5, 1.5), true],
    [bar(1, 2, 1.2, 1.5), true],
    [bar(1, 2, 2.5, 1.5), true],
  ])('%o → %s', (b, expected) => {
    expect(isOhlcInconsistent(b)).toBe(expected);
  });

  it('does not judge a bar with a missing price', () => {
    expect(isOhlcInconsistent({ ts: 0, open: null, high: 1, low: 2, close: 1, volume: 0 })).toBe(false);
  });
});
