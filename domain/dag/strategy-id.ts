/**
 * A strategy is identified by its content: sha256 over the canonical DAG
 * (nodes ordered by node id, Python-compatible canonical JSON), so the same
 * DAG resubmitted is recognised however its nodes or keys were ordered.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { canonicalJson, type JsonValue } from '../canonical-json';

export const STRATEGY_ID_PATTERN = /^[0-9a-f]{64}$/;

type NodeLike = { [key: string]: JsonValue };

/** Canonical text of a DAG parsed losslessly (`{nodes: [...]}` with node_id on every node). */
export function canonicalDagText(dag: { nodes: readonly NodeLike[] }): string {
  const nodes = [...dag.nodes].sort((a, b) => {
    const left = String(a.node_id);
    const right = String(b.node_id);
    return left < right ? -1 : left > right ? 1 : 0;
  });
  return canonicalJson({ nodes });
}

export function strategyIdOf(dag: { nodes: readonly NodeLike[] }): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalDagText(dag))));
}
