/**
 * The DAG Manager's checks on a DAG whose nodes have every id field and the
 * right shape (intake.ts runs those first). One table, in SPEC §6 order: the
 * first check that fails answers, so a client always sees the same code for
 * the same DAG. Pure; the Gateway maps a DagProblem to a 400.
 */
import { nodeIdsCrc32 } from './checksum';
import { duplicateNodeIds, findCycle, unknownDependencies } from './graph';
import { computeNodeId, schemaCompatOf, type JsonObject } from './node-id';
import { nodeTypeProblem, type NodeTypeCatalog } from './node-types';
import type { Dag } from './schema';

export type DagProblemCode =
  | 'E_VALIDATION'
  | 'E_NODE_ID_FIELDS'
  | 'E_SCHEMA_COMPAT_MISMATCH'
  | 'E_CHECKSUM_MISMATCH'
  | 'E_NODE_ID_MISMATCH'
  | 'E_DAG_CYCLE'
  | 'E_NODE_TYPE_UNKNOWN';

export interface DagProblem {
  code: DagProblemCode;
  detail: string;
  errors: Array<{ path: string; message: string; code?: string }>;
  /** Members of the problem body beside the standard ones (e.g. `node_id` and `expected`). */
  extra?: Record<string, unknown>;
}

export interface DagUnderCheck {
  /** Where the DAG came from in the request body; prefixes every error path. */
  field: 'dag' | 'dag_json';
  dag: Dag;
  /** The same nodes parsed losslessly (ids are computed from these). */
  nodes: readonly JsonObject[];
  /** Checked only when the client sent one. */
  nodeIdsCrc32?: number;
  catalog: NodeTypeCatalog;
}

type Finding = Omit<DagProblem, 'code'> | undefined;

interface DagCheck {
  code: DagProblemCode;
  run(dag: DagUnderCheck): Finding;
}

/**
 * SPEC §6 order after missing fields and shape. Dependencies naming no node
 * of the DAG are E_VALIDATION (a DAG is self-contained: runs compute every
 * node from its own definition), checked where the graph is first needed.
 * A cycle cannot carry correct content ids (each id would hash the other), so
 * E_DAG_CYCLE guards only against id checking being bypassed or broken.
 */
export const DAG_CHECKS: readonly DagCheck[] = [
  { code: 'E_SCHEMA_COMPAT_MISMATCH', run: schemaCompatConflicts },
  { code: 'E_CHECKSUM_MISMATCH', run: checksumMismatch },
  { code: 'E_NODE_ID_MISMATCH', run: nodeIdMismatches },
  { code: 'E_VALIDATION', run: danglingReferences },
  { code: 'E_DAG_CYCLE', run: cycle },
  { code: 'E_NODE_TYPE_UNKNOWN', run: unknownNodeTypes },
];

export function validateDag(dag: DagUnderCheck): DagProblem | undefined {
  for (const { code, run } of DAG_CHECKS) {
    const finding = run(dag);
    if (finding) return { code, ...finding };
  }
  return undefined;
}

const nodePath = (d: DagUnderCheck, index: number, field?: string): string =>
  `${d.field}.nodes.${index}${field === undefined ? '' : `.${field}`}`;

/** QMTL's rule: a legacy `schema_id` must name the same schema as `schema_compat_id` when both are set. */
function schemaCompatConflicts(d: DagUnderCheck): Finding {
  const conflicts = d.nodes.flatMap((node, index) => {
    const { conflict } = schemaCompatOf(node);
    return conflict ? [{ index, node_id: d.dag.nodes[index]!.node_id, ...conflict }] : [];
  });
  if (conflicts.length === 0) return undefined;
  return {
    detail: 'schema_compat_id and the legacy schema_id must match when both are given',
    errors: conflicts.map((c) => ({
      path: nodePath(d, c.index, 'schema_id'),
      message: `schema_id '${c.schema_id}' differs from schema_compat_id '${c.schema_compat_id}'`,
      code: 'schema_compat_conflict',
    })),
    extra: { schema_conflicts: conflicts },
  };
}

function checksumMismatch(d: DagUnderCheck): Finding {
  if (d.nodeIdsCrc32 === undefined) return undefined;
  const expected = nodeIdsCrc32(d.dag.nodes.map((n) => n.node_id));
  if (expected === d.nodeIdsCrc32) return undefined;
  return {
    detail: `node_ids_crc32 ${d.nodeIdsCrc32} is not the CRC-32 of the node ids in submitted order (${expected})`,
    errors: [{ path: 'node_ids_crc32', message: `expected ${expected}`, code: 'checksum_mismatch' }],
    extra: { node_ids_crc32: d.nodeIdsCrc32, expected },
  };
}

function nodeIdMismatches(d: DagUnderCheck): Finding {
  const mismatches = d.nodes.flatMap((node, index) => {
    const nodeId = d.dag.nodes[index]!.node_id;
    const expected = computeNodeId(node);
    return expected === nodeId ? [] : [{ index, node_id: nodeId, expected }];
  });
  const first = mismatches[0];
  if (!first) return undefined;
  return {
    detail: `${mismatches.length} node id(s) do not match the node's content; first: ${first.node_id}, expected ${first.expected}`,
    errors: mismatches.map((m) => ({
      path: nodePath(d, m.index, 'node_id'),
      message: `expected ${m.expected}`,
      code: 'node_id_mismatch',
    })),
    extra: { node_id: first.node_id, expected: first.expected, node_id_mismatch: mismatches },
  };
}

function danglingReferences(d: DagUnderCheck): Finding {
  const errors = [
    ...duplicateNodeIds(d.dag.nodes).flatMap(({ node_id, indices }) =>
      indices.slice(1).map((index) => ({
        path: nodePath(d, index, 'node_id'),
        message: `node ${node_id} appears more than once (first at index ${indices[0]})`,
        code: 'duplicate_node_id',
      })),
    ),
    ...unknownDependencies(d.dag.nodes).map(({ index, position, dependency }) => ({
      path: nodePath(d, index, `dependencies.${position}`),
      message: `${dependency} is not a node of this DAG`,
      code: 'unknown_dependency',
    })),
  ];
  return errors.length === 0 ? undefined : { detail: 'the DAG refers to nodes inconsistently', errors };
}

function cycle(d: DagUnderCheck): Finding {
  const found = findCycle(d.dag.nodes);
  if (!found) return undefined;
  const index = d.dag.nodes.findIndex((n) => n.node_id === found[0]);
  return {
    detail: `the DAG has a cycle: ${found.join(' -> ')}`,
    errors: [
      {
        path: nodePath(d, index, 'dependencies'),
        message: 'depends on itself through the cycle',
        code: 'cycle',
      },
    ],
    extra: { cycle: found },
  };
}

function unknownNodeTypes(d: DagUnderCheck): Finding {
  const unknown = d.dag.nodes.flatMap((node, index) => {
    const problem = nodeTypeProblem(d.catalog, node.node_type, node.code_hash);
    return problem ? [{ index, nodeType: node.node_type, problem }] : [];
  });
  if (unknown.length === 0) return undefined;
  const types = [...new Set(unknown.map((u) => u.nodeType))];
  return {
    detail: `node type(s) not available here: ${types.join(', ')}`,
    errors: unknown.map((u) => ({
      path: nodePath(d, u.index, 'node_type'),
      message: u.problem,
      code: 'unknown_node_type',
    })),
    extra: { node_types: types },
  };
}
