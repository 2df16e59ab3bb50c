/**
 * Names of the queues (topics) node outputs are published on, SPEC §6:
 * `{asset}_{node_type}_{first 8 hex of the id}_v{n}`, optionally prefixed
 * `{world}.{domain}.`. A name is a function of the node id alone (the asset
 * comes from the node's StreamInput ancestors, which its id fixes), so every
 * Gateway and worker derives the same name without coordination.
 */
import { topologicalOrder } from './graph';

export const QUEUE_VERSION = 1;
export const NO_ASSET = 'na';

export interface QueueNode {
  node_id: string;
  node_type: string;
  params: unknown;
  dependencies: readonly string[];
}

/** `ohlcv:sim:BTC/USDT:1m` → `btc`: the base of the source's symbol, lower-case alphanumerics. */
export function assetOfSource(source: string): string | undefined {
  const symbol = source.split(':')[2];
  const base = symbol
    ?.split('/')[0]
    ?.toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  return base ? base : undefined;
}

/**
 * Each node's asset: a StreamInput's own; any other node's is the one asset
 * all its StreamInput ancestors share, and `na` when they name none or several.
 */
export function nodeAssets(nodes: readonly QueueNode[]): Map<string, string> {
  const byId = new Map(nodes.map((n) => [n.node_id, n]));
  const sets = new Map<string, ReadonlySet<string>>();
  for (const id of topologicalOrder(nodes)) {
    const node = byId.get(id)!;
    if (node.node_type === 'StreamInput') {
      const source = (node.params as { source?: unknown } | null)?.source;
      const asset = typeof source === 'string' ? assetOfSource(source) : undefined;
      sets.set(id, new Set(asset ? [asset] : []));
    } else {
      sets.set(id, new Set(node.dependencies.flatMap((dep) => [...(sets.get(dep) ?? [])])));
    }
  }
  return new Map([...sets].map(([id, assets]) => [id, assets.size === 1 ? [...assets][0]! : NO_ASSET]));
}

export interface QueueNameParts {
  asset: string;
  nodeType: string;
  nodeId: string;
  version?: number;
  /** `{world}.{domain}.` prefix for world-scoped queues. */
  namespace?: { world: string; domain: string };
}

// Dots separate the namespace from the name, so they may not appear inside a segment.
const segment = (text: string): string => text.replace(/[^A-Za-z0-9_-]/g, '-');

export function queueName({
  asset,
  nodeType,
  nodeId,
  version = QUEUE_VERSION,
  namespace,
}: QueueNameParts): string {
  const digest = nodeId.slice(nodeId.indexOf(':') + 1, nodeId.indexOf(':') + 9);
  const name = `${segment(asset)}_${segment(nodeType)}_${digest}_v${version}`;
  if (!namespace) return name;
  return `${segment(namespace.world.toLowerCase())}.${segment(namespace.domain.toLowerCase())}.${name}`;
}

/** node id → queue name for every node of a DAG. */
export function queueMap(nodes: readonly QueueNode[]): Map<string, string> {
  const assets = nodeAssets(nodes);
  return new Map(
    nodes.map((n) => [
      n.node_id,
      queueName({ asset: assets.get(n.node_id) ?? NO_ASSET, nodeType: n.node_type, nodeId: n.node_id }),
    ]),
  );
}
