/**
 * The DAG as a graph: each node names its dependencies by id. Structure checks
 * (duplicate ids, dependencies outside the DAG, cycles) and the order runs
 * use: every node after all of its dependencies. Walks are iterative, so a
 * 20 000-node chain does not exhaust the call stack.
 */

export interface GraphNode {
  node_id: string;
  dependencies: readonly string[];
}

/** Ids carried by more than one node, with the indices that carry them. */
export function duplicateNodeIds(nodes: readonly GraphNode[]): Array<{ node_id: string; indices: number[] }> {
  const seen = new Map<string, number[]>();
  nodes.forEach((node, index) => seen.set(node.node_id, [...(seen.get(node.node_id) ?? []), index]));
  return [...seen]
    .filter(([, indices]) => indices.length > 1)
    .map(([node_id, indices]) => ({ node_id, indices }));
}

/** Dependencies that name no node of the DAG, with where they appear. */
export function unknownDependencies(
  nodes: readonly GraphNode[],
): Array<{ index: number; position: number; dependency: string }> {
  const ids = new Set(nodes.map((n) => n.node_id));
  return nodes.flatMap((node, index) =>
    node.dependencies.flatMap((dependency, position) =>
      ids.has(dependency) ? [] : [{ index, position, dependency }],
    ),
  );
}

type Walk = { order: string[]; cycle?: undefined } | { cycle: string[] };

/**
 * Depth-first from each node in submitted order, dependencies in listed order:
 * the result is deterministic. Dependencies outside the DAG are skipped.
 */
function walk(nodes: readonly GraphNode[]): Walk {
  const byId = new Map<string, GraphNode>();
  for (const node of nodes) if (!byId.has(node.node_id)) byId.set(node.node_id, node);
  const state = new Map<string, 'open' | 'done'>();
  const order: string[] = [];
  for (const root of byId.keys()) {
    if (state.has(root)) continue;
    const path: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    state.set(root, 'open');
    while (path.length > 0) {
      const frame = path[path.length - 1]!;
      const deps = byId.get(frame.id)!.dependencies;
      if (frame.next >= deps.length) {
        state.set(frame.id, 'done');
        order.push(frame.id);
        path.pop();
        continue;
      }
      const dep = deps[frame.next++]!;
      if (!byId.has(dep) || state.get(dep) === 'done') continue;
      if (state.get(dep) === 'open') {
        const from = path.findIndex((f) => f.id === dep);
        return { cycle: [...path.slice(from).map((f) => f.id), dep] };
      }
      state.set(dep, 'open');
      path.push({ id: dep, next: 0 });
    }
  }
  return { order };
}

/** A cycle as `[a, b, …, a]` (a depends on b … depends on a), or undefined. */
export function findCycle(nodes: readonly GraphNode[]): string[] | undefined {
  return walk(nodes).cycle;
}

/** Node ids with every node after its dependencies; throws on a cycle. */
export function topologicalOrder(nodes: readonly GraphNode[]): string[] {
  const result = walk(nodes);
  if (result.cycle) throw new Error(`the DAG has a cycle: ${result.cycle.join(' -> ')}`);
  return result.order;
}
