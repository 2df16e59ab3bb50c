/**
 * The DAG Manager's diff (SPEC §6): each submitted node is `reused` (its id is
 * registered), `buffering` (a registered node computes the same thing under
 * another schema_compat_id, so the new one needs `period` bars of warm-up
 * before it can stand in) or `new`; with the queue every node publishes on.
 */
import type { NodeIdentity } from './node-id';
import { queueMap, type QueueNode } from './queues';

export type NodeDiffStatus = 'reused' | 'new' | 'buffering';

export interface DiffInputNode extends QueueNode {
  period: number | null;
  identity: NodeIdentity;
}

/** A registered node, as far as the schema-variant rule needs it. */
export interface RegisteredVariant {
  nodeId: string;
  nodeType: string;
  interval: number | null;
  paramsJson: string;
  codeHash: string;
  schemaCompatId: string;
}

export interface RegistryView {
  /** Submitted ids the registry already holds. */
  known: ReadonlySet<string>;
  /** Registered nodes that may be schema variants of submitted ones (any superset is fine). */
  variants: readonly RegisteredVariant[];
}

export interface NodeDiff {
  node_id: string;
  status: NodeDiffStatus;
  queue: string;
  /** buffering only: bars of history to replay before the node is live. */
  warmup_bars?: number;
  /** buffering only: the registered node this one supersedes. */
  replaces?: string;
}

export interface DagDiff {
  nodes: NodeDiff[];
  queue_map: Record<string, string>;
}

/**
 * Same node type, interval, identity params and code: the computation is the
 * same and only the output schema moved. The interval is part of the key (the
 * brief's rule names type, code and params) because the same indicator on
 * other bars is another series, not a schema change.
 */
export function lineageKey(parts: {
  nodeType: string;
  interval: string;
  paramsJson: string;
  codeHash: string;
}): string {
  return [parts.nodeType, parts.interval, parts.paramsJson, parts.codeHash].join('|');
}

const variantKey = (v: RegisteredVariant): string =>
  lineageKey({ ...v, interval: v.interval ? String(Math.trunc(v.interval)) : '0' });

/** Classifies nodes given in topological order (the order of the answer). */
export function diffDag(nodes: readonly DiffInputNode[], registry: RegistryView): DagDiff {
  const queues = queueMap(nodes);
  const variants = new Map<string, RegisteredVariant>();
  for (const v of registry.variants) if (!variants.has(variantKey(v))) variants.set(variantKey(v), v);
  const diffed = nodes.map((node): NodeDiff => {
    const queue = queues.get(node.node_id)!;
    if (registry.known.has(node.node_id)) return { node_id: node.node_id, status: 'reused', queue };
    const variant = variants.get(lineageKey(node.identity));
    if (
      variant &&
      variant.nodeId !== node.node_id &&
      variant.schemaCompatId !== node.identity.schemaCompatId
    ) {
      return {
        node_id: node.node_id,
        status: 'buffering',
        queue,
        warmup_bars: node.period ?? 0,
        replaces: variant.nodeId,
      };
    }
    return { node_id: node.node_id, status: 'new', queue };
  });
  return { nodes: diffed, queue_map: Object.fromEntries(queues) };
}
