/**
 * The registry rows of an accepted DAG's nodes: one mapping for the Gateway
 * (registering at submission) and the DAG run's planning activity (registering
 * a strategy stored without them).
 */
import type { AcceptedDag } from '../domain/dag/intake';
import { nodeIdentity, type NodeIdentity } from '../domain/dag/node-id';
import type { NodeRecord } from './store/port';

/** `identities` are the nodes' `nodeIdentity`, when the caller has them already. */
export function nodeRecordsOf(
  dag: AcceptedDag,
  firstStrategyId: string,
  createdAt: string,
  identities: NodeIdentity[] = dag.nodes.map(nodeIdentity),
): NodeRecord[] {
  return dag.dag.nodes.map((node, index) => {
    const identity = identities[index]!;
    return {
      nodeId: node.node_id,
      nodeType: node.node_type,
      interval: node.interval,
      period: node.period,
      // The identity params: what makes two nodes the same computation (excluded keys are context).
      paramsJson: identity.paramsJson,
      dependencies: identity.dependencies,
      schemaCompatId: identity.schemaCompatId,
      codeHash: node.code_hash,
      tags: node.tags ?? [],
      firstStrategyId,
      createdAt,
    };
  });
}
