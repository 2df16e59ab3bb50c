import type { Bar } from '../../domain/data/bars';
import {
  FINGERPRINT_PATTERN,
  fingerprintBars,
  fingerprintText,
  type FrameToFingerprint,
} from '../../domain/data/fingerprint';

const MIN = 60_000;
const T0 = 1_700_000_040_000;
const BARS: Bar[] = [
  { ts: T0, open: 100, high: 101.5, low: 99.25, close: 100.5, volume: 12 },
  { ts: T0 + MIN, open: 100.5, high: 102, low: 100, close: 101, volume: null },
];
const FRAME: FrameToFingerprint = {
  nodeId: 'ohlcv-node-1',
  intervalMs: MIN,
  coverage: { start: T0, end: T0 + MIN },
  bars: BARS,
};

// Produced once by CPython 3: json.dumps(doc, sort_keys=True, separators=(",", ":"),
// ensure_ascii=False) of the same document with float prices, then hashlib.sha256.
const GOLDEN_TEXT =
  '{"meta":{"conformance_version":1,"coverage":[1700000040000,1700000100000],"interval":60000,' +
  '"node_id":"ohlcv-node-1"},"rows":[[1700000040000,100.0,101.5,99.25,100.5,12.0],' +
  '[1700000100000,100.5,102.0,100.0,101.0,null]]}';
const GOLDEN = 'sha256:c693079d732a903ff2733d8bf0cdff4eb6e540cac87de175c82a6b061408951f';

describe('fingerprintBars', () => {
  it('matches the pinned Python-computed text and hash for a 2-bar frame', () => {
    expect(fingerprintText(FRAME)).toBe(GOLDEN_TEXT);
    expect(fingerprintBars(FRAME)).toBe(GOLDEN);
    expect(fingerprintBars(FRAME)).toMatch(FINGERPRINT_PATTERN);
  });

  it('is stable under input row order', () => {
    expect(fingerprintBars({ ...FRAME, bars: [...BARS].reverse() })).toBe(GOLDEN);
  });

  it('changes with any single value, including null ↔ 0 and a whole ↔ tiny fraction', () => {
    const variants: Array<Partial<Bar>> = [
      { open: 100.000001 },
      { high: 101.6 },
      { low: 99 },
      { close: 100.4 },
      { volume: 12.5 },
      { volume: null },
      { volume: 0 },
    ];
    const seen = new Set([GOLDEN]);
    for (const change of variants) {
      const bars = [{ ...BARS[0]!, ...change }, BARS[1]!];
      seen.add(fingerprintBars({ ...FRAME, bars }));
    }
    seen.add(fingerprintBars({ ...FRAME, bars: [BARS[0]!, { ...BARS[1]!, volume: 0 }] }));
    expect(seen.size).toBe(variants.length + 2);
  });

  it('changes with the node, the interval, the coverage bounds or the conformance version', () => {
    const others = [
      fingerprintBars({ ...FRAME, nodeId: 'ohlcv-node-2' }),
      fingerprintBars({ ...FRAME, intervalMs: 30_000 }),
      fingerprintBars({ ...FRAME, coverage: { start: T0, end: T0 + 2 * MIN } }),
      fingerprintBars({ ...FRAME, coverage: { start: T0 - MIN, end: T0 + MIN } }),
      fingerprintBars({ ...FRAME, conformanceVersion: 2 }),
      fingerprintBars({ ...FRAME, bars: BARS.slice(0, 1) }),
    ];
    expect(new Set([GOLDEN, ...others]).size).toBe(others.length + 1);
  });

  it('hashes -0 like 0, since the two compare equal', () => {
    const zero = fingerprintBars({ ...FRAME, bars: [{ ...BARS[0]!, volume: 0 }] });
    expect(fingerprintBars({ ...FRAME, bars: [{ ...BARS[0]!, volume: -0 }] })).toBe(zero);
  });

  it('fingerprints an empty frame (a known-empty range is content too)', () => {
    expect(fingerprintBars({ ...FRAME, bars: [] })).toMatch(FINGERPRINT_PATTERN);
  });

  it.each<[string, Partial<FrameToFingerprint>]>([
    ['a duplicate ts', { bars: [BARS[0]!, { ...BARS[0]!, close: 1 }] }],
    ['a bar outside coverage', { coverage: { start: T0, end: T0 } }],
    ['a misaligned bar', { bars: [{ ...BARS[0]!, ts: T0 + 1 }] }],
    ['misaligned coverage', { coverage: { start: T0 + 1, end: T0 + MIN } }],
    ['a non-finite value', { bars: [{ ...BARS[0]!, close: NaN }] }],
    ['an empty node id', { nodeId: '' }],
    ['a bad interval', { intervalMs: 0 }],
  ])('refuses a frame with %s (its hash would be ambiguous or meaningless)', (_name, change) => {
    expect(() => fingerprintBars({ ...FRAME, ...change })).toThrow(RangeError);
  });
});
