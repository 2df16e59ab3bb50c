/**
 * Content fingerprint of a conformed frame (SPEC §7): `sha256:` over the
 * canonical JSON of its rows and what they mean (node, interval, coverage
 * bounds, conformance version). Same bars in any order → same fingerprint;
 * any changed value, bound or rule version → a different one.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { LosslessNumber } from 'lossless-json';
import { canonicalJson, pythonFloatRepr, type JsonValue } from '../canonical-json';
import type { Bar, BarRange } from './bars';
import { CONFORMANCE_VERSION } from './conformance';
import { assertInterval, isAligned } from './coverage';

export const FINGERPRINT_PATTERN = /^sha256:[0-9a-f]{64}$/;

export interface FrameToFingerprint {
  nodeId: string;
  intervalMs: number;
  /** Inclusive bar-open bounds the frame claims; every bar must lie inside. */
  coverage: BarRange;
  bars: readonly Bar[];
  /** Defaults to the current rules; pass an older one only to re-check a stored artifact. */
  conformanceVersion?: number;
}

/**
 * Prices and volumes are rendered as Python floats (`100.0`, never `100`),
 * as a float64 column would print, so a value's text does not depend on
 * whether it happened to be whole; ts stays an integer of ms. -0 is
 * written as 0.0: the two compare equal, so they must hash equal.
 */
function floatJson(value: number | null): JsonValue {
  if (value === null) return null;
  if (!Number.isFinite(value)) throw new RangeError(`bar values must be finite or null, got ${value}`);
  return new LosslessNumber(pythonFloatRepr(value === 0 ? 0 : value));
}

function rowJson(bar: Bar): JsonValue {
  return [bar.ts, ...[bar.open, bar.high, bar.low, bar.close, bar.volume].map(floatJson)];
}

function checkFrame({ nodeId, intervalMs, coverage, bars }: FrameToFingerprint): void {
  assertInterval(intervalMs);
  if (typeof nodeId !== 'string' || nodeId === '') throw new RangeError('nodeId must be a non-empty string');
  const { start, end } = coverage;
  if (!isAligned(start, intervalMs) || !isAligned(end, intervalMs) || start > end) {
    throw new RangeError(`coverage must be an aligned inclusive range, got [${start}, ${end}]`);
  }
  const seen = new Set<number>();
  for (const { ts } of bars) {
    // A repeated ts would make the row order, and so the hash, depend on input order.
    if (seen.has(ts)) throw new RangeError(`duplicate bar ts ${ts}; conform the frame first`);
    if (!isAligned(ts, intervalMs) || ts < start || ts > end) {
      throw new RangeError(`bar ts ${ts} is off the grid or outside coverage [${start}, ${end}]`);
    }
    seen.add(ts);
  }
}

/** The exact text that is hashed; exported so a mismatch can be diagnosed by diffing it. */
export function fingerprintText(frame: FrameToFingerprint): string {
  checkFrame(frame);
  const rows = [...frame.bars].sort((a, b) => a.ts - b.ts).map(rowJson);
  return canonicalJson({
    meta: {
      node_id: frame.nodeId,
      interval: frame.intervalMs,
      coverage: [frame.coverage.start, frame.coverage.end],
      conformance_version: frame.conformanceVersion ?? CONFORMANCE_VERSION,
    },
    rows,
  });
}

export function fingerprintBars(frame: FrameToFingerprint): string {
  return `sha256:${bytesToHex(sha256(utf8ToBytes(fingerprintText(frame))))}`;
}
