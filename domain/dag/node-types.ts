/**
 * The node types a DAG may use, as one catalog: node type → the code_hash that
 * type must carry. Built-ins carry `builtin:<node_type>` (SPEC §6); the node
 * library and plugins extend the catalog with their own entries.
 */

/** The fixed built-in names of SPEC §6. */
export const BUILTIN_NODE_TYPES = [
  'StreamInput',
  'TagQueryNode',
  'sma',
  'ema',
  'rsi',
  'returns',
  'zscore',
  'volatility',
  'crossover',
  'threshold_signal',
  'target_position',
] as const;

export type BuiltinNodeType = (typeof BUILTIN_NODE_TYPES)[number];

/** node_type → the code_hash a node of that type must carry. */
export type NodeTypeCatalog = ReadonlyMap<string, string>;

export const builtinCodeHash = (nodeType: string): string => `builtin:${nodeType}`;

/** The built-ins, plus any further (node type, code hash) pairs, e.g. plugins keyed by a hash of their source. */
export function nodeTypeCatalog(extra: Iterable<readonly [string, string]> = []): NodeTypeCatalog {
  return new Map<string, string>([
    ...BUILTIN_NODE_TYPES.map((t) => [t, builtinCodeHash(t)] as const),
    ...extra,
  ]);
}

export const BUILTIN_CATALOG: NodeTypeCatalog = nodeTypeCatalog();

/** Why a node's type is not runnable here, or undefined when it is. */
export function nodeTypeProblem(
  catalog: NodeTypeCatalog,
  nodeType: string,
  codeHash: string,
): string | undefined {
  const expected = catalog.get(nodeType);
  if (expected === undefined) return `unknown node type '${nodeType}'`;
  // A built-in changes semantics only under a new name, so another code hash is another, unknown, node.
  if (expected !== codeHash) return `node type '${nodeType}' runs code_hash '${expected}', not '${codeHash}'`;
  return undefined;
}
