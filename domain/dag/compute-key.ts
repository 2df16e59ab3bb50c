/**
 * Compute keys and node-output fingerprints (SPEC §6). A node's output is
 * cached under a fingerprint that folds in its compute key — the node id plus
 * the context it ran in (world, execution domain, as-of, partition, dataset) —
 * so a backtest output can never be read by a live run (no cross-domain
 * leakage), while two strategies sharing a node in the same context share it.
 */
import { blake3 } from '@noble/hashes/blake3';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { canonicalJson } from '../canonical-json';

/** Where a computation's results may flow; QMTL's names (WorldService modes map onto them, SPEC §9). */
export const EXECUTION_DOMAINS = ['backtest', 'dryrun', 'live', 'shadow'] as const;
export type ExecutionDomain = (typeof EXECUTION_DOMAINS)[number];

export interface ComputeContext {
  worldId: string;
  executionDomain: ExecutionDomain;
  /** The instant the data is taken as of (ISO-8601); absent: ''. */
  asOf?: string;
  partition?: string;
  /** Fingerprint of the data the node (transitively) reads; absent: ''. */
  datasetFingerprint?: string;
}

/** The separator of SPEC §6 (ASCII unit separator). */
export const COMPUTE_KEY_SEPARATOR = '\x1f';

/**
 * The exact text hashed: the six fields joined by \x1f, absent ones empty. A
 * field holding the separator is refused: `a\x1fb` + `c` and `a` + `b\x1fc`
 * would otherwise hash alike and two contexts would share a key.
 */
export function computeKeyPayload(nodeId: string, context: ComputeContext): string {
  const fields = [
    nodeId,
    context.worldId,
    context.executionDomain,
    context.asOf ?? '',
    context.partition ?? '',
    context.datasetFingerprint ?? '',
  ];
  if (fields.some((field) => field.includes(COMPUTE_KEY_SEPARATOR))) {
    throw new RangeError('compute key fields must not contain the \\x1f separator');
  }
  if (!(EXECUTION_DOMAINS as readonly string[]).includes(context.executionDomain)) {
    throw new RangeError(`unknown execution domain '${context.executionDomain}'`);
  }
  return fields.join(COMPUTE_KEY_SEPARATOR);
}

/** `blake3:` + hex BLAKE3 of the payload, in the same form as node ids (and QMTL's compute keys). */
export function computeKey(nodeId: string, context: ComputeContext): string {
  return `blake3:${bytesToHex(blake3(utf8ToBytes(computeKeyPayload(nodeId, context))))}`;
}

/**
 * The dataset a node reads: its input frames' fingerprints. One frame is
 * named by its own fingerprint; several by a hash of their sorted set, so the
 * order dependencies are listed in does not matter and a node reading the
 * same frame twice reads one dataset.
 */
export function datasetFingerprintOf(frameFingerprints: readonly string[]): string {
  const frames = [...new Set(frameFingerprints)].sort();
  if (frames.length === 0) throw new RangeError('a dataset needs at least one frame');
  if (frames.length === 1) return frames[0]!;
  return `sha256:${bytesToHex(sha256(utf8ToBytes(frames.join('\n'))))}`;
}

/** Bumped when the stored form of node outputs changes, so old artifacts are not read as new ones. */
export const NODE_OUTPUT_VERSION = 1;

export interface NodeOutputIdentity {
  computeKey: string;
  /** Inclusive bar opens and the bar interval the output covers. */
  window: { start: number; end: number; intervalMs: number };
  /** Fingerprints of the node's inputs, in dependency order (order is meaningful: sma vs crossover inputs). */
  inputs: readonly string[];
}

/** `sha256:` over canonical JSON of what determines a node's output: compute key, window, inputs. */
export function nodeOutputFingerprint(identity: NodeOutputIdentity): string {
  const text = canonicalJson({
    version: NODE_OUTPUT_VERSION,
    compute_key: identity.computeKey,
    window: [identity.window.start, identity.window.end, identity.window.intervalMs],
    inputs: [...identity.inputs],
  });
  return `sha256:${bytesToHex(sha256(utf8ToBytes(text)))}`;
}
