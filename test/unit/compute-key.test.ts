/**
 * Compute keys (SPEC §6) against digests made by the reference BLAKE3
 * implementation (Python `blake3` package) over the same \x1f-joined text, and
 * the fingerprints node outputs are cached under.
 */
import {
  computeKey,
  computeKeyPayload,
  datasetFingerprintOf,
  nodeOutputFingerprint,
  type ComputeContext,
} from '../../domain/dag/compute-key';

const NODE = 'blake3:' + 'ab'.repeat(32);
const DATA = 'sha256:' + 'cd'.repeat(32);
const BACKTEST: ComputeContext = {
  worldId: 'crypto-majors',
  executionDomain: 'backtest',
  asOf: '2025-01-08T00:00:00.000Z',
  partition: '',
  datasetFingerprint: DATA,
};

describe('computeKey', () => {
  it('is blake3 over node_id, world_id, execution_domain, as_of, partition, dataset_fingerprint joined by \\x1f', () => {
    expect(computeKeyPayload(NODE, BACKTEST)).toBe(
      [NODE, 'crypto-majors', 'backtest', '2025-01-08T00:00:00.000Z', '', DATA].join('\x1f'),
    );
    expect(computeKey(NODE, BACKTEST)).toBe(
      'blake3:ee22c67bef7b70c1ba7722b5a5ace7e39155bfbf3fe5ba4abec08f32bf414601',
    );
  });

  it('renders absent fields empty, and hashes UTF-8', () => {
    expect(computeKey(NODE, { worldId: '', executionDomain: 'backtest' })).toBe(
      'blake3:139ad86460a1d4a6fa0382731186d3451ea4689e688875f1a212817eacf48298',
    );
    expect(
      computeKey('n', {
        worldId: 'wörld',
        executionDomain: 'live',
        asOf: '2025',
        partition: 'p1',
        datasetFingerprint: 'fp',
      }),
    ).toBe('blake3:f6353defe489c32a3e63bb04e74334801a19f7e00096d04399ab73ab14c42fa4');
  });

  it('separates execution domains and worlds: a backtest key never names a live output', () => {
    const keys = new Set([
      computeKey(NODE, BACKTEST),
      computeKey(NODE, { ...BACKTEST, executionDomain: 'live' }),
      computeKey(NODE, { ...BACKTEST, executionDomain: 'dryrun' }),
      computeKey(NODE, { ...BACKTEST, worldId: 'other' }),
      computeKey(NODE, { ...BACKTEST, asOf: '2025-01-09T00:00:00.000Z' }),
      computeKey(NODE, { ...BACKTEST, partition: 'p' }),
      computeKey(NODE, { ...BACKTEST, datasetFingerprint: 'sha256:' + '00'.repeat(32) }),
    ]);
    expect(keys.size).toBe(7);
  });

  it('refuses a field holding the separator (it would make two contexts hash alike) and unknown domains', () => {
    expect(() => computeKey(NODE, { ...BACKTEST, worldId: 'a\x1fb' })).toThrow(RangeError);
    expect(() => computeKey(NODE, { ...BACKTEST, executionDomain: 'prod' as never })).toThrow(/domain/);
  });
});

describe('datasetFingerprintOf', () => {
  const a = 'sha256:' + '1'.repeat(64);
  const b = 'sha256:' + '2'.repeat(64);

  it('names one frame by itself, several by the hash of their sorted set', () => {
    expect(datasetFingerprintOf([a])).toBe(a);
    expect(datasetFingerprintOf([a, a])).toBe(a);
    const both = datasetFingerprintOf([a, b]);
    expect(both).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(datasetFingerprintOf([b, a, b])).toBe(both);
    expect(() => datasetFingerprintOf([])).toThrow(RangeError);
  });
});

describe('nodeOutputFingerprint', () => {
  const base = {
    computeKey: computeKey(NODE, BACKTEST),
    window: { start: 0, end: 60_000, intervalMs: 60_000 },
    inputs: ['sha256:x', 'sha256:y'],
  };

  it('changes with the compute key, the window and the inputs, input order included', () => {
    const fp = nodeOutputFingerprint(base);
    expect(fp).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(nodeOutputFingerprint({ ...base })).toBe(fp);
    const variants = [
      { ...base, computeKey: computeKey(NODE, { ...BACKTEST, executionDomain: 'live' }) },
      { ...base, window: { ...base.window, end: 120_000 } },
      { ...base, window: { ...base.window, intervalMs: 30_000 } },
      // Node ids sort dependencies, so crossover(fast, slow) and crossover(slow, fast) share an id: order must count here.
      { ...base, inputs: ['sha256:y', 'sha256:x'] },
    ];
    for (const variant of variants) expect(nodeOutputFingerprint(variant)).not.toBe(fp);
  });
});
