/**
 * The DAG a strategy author submits (SPEC §6): `{nodes: [...]}`, each node
 * content-addressed by its `node_id`. The shape is checked here; node-id
 * recomputation, checksums, graph and node-type checks are in validate.ts.
 */
import { isLosslessNumber } from 'lossless-json';
import { z } from 'zod';
import type { JsonValue } from '../canonical-json';
import { pyStrip, TAG_QUERY_NODE_TYPE, tagQueryParams, type JsonObject } from './node-id';

export const NODE_ID_PATTERN = /^blake3:[0-9a-f]{64}$/;

/** Fields without which a node id cannot be recomputed (E_NODE_ID_FIELDS). */
export const REQUIRED_NODE_FIELDS = [
  'node_id',
  'node_type',
  'interval',
  'period',
  'params',
  'dependencies',
  'schema_compat_id',
  'code_hash',
] as const;

const nodeId = z.string().regex(NODE_ID_PATTERN, 'must be "blake3:" followed by 64 lowercase hex digits');
const shortText = z.string().min(1).max(256);

export const dagNodeSchema = z
  .strictObject({
    node_id: nodeId,
    node_type: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/, 'must be an identifier'),
    /** Bar interval in seconds; null for nodes that are not periodic. */
    interval: z.number().int().min(0).nullable(),
    /** Bars of history the node needs. */
    period: z.number().int().min(0).nullable(),
    params: z.record(z.string(), z.unknown()),
    dependencies: z.array(nodeId).max(1024),
    schema_compat_id: z.string().max(256),
    code_hash: z.string().min(1).max(512),
    name: shortText.optional(),
    tags: z.array(shortText).max(64).optional(),
    config_hash: z.string().max(512).optional(),
    schema_hash: z.string().max(512).optional(),
    /** QMTL's legacy name for schema_compat_id: stands in when that is empty, must agree when both are set. */
    schema_id: z.string().max(256).optional(),
    inputs: z.array(z.string().max(512)).max(1024).optional(),
    query_tags: z.array(shortText).max(64).optional(),
    match_mode: z.enum(['any', 'all']).optional(),
  })
  .meta({ id: 'DagNode' });

export const dagSchema = z
  .strictObject({
    /** QMTL's SDK tags its DAGs `v1`; not part of the strategy id. */
    schema_version: z.enum(['v1', '1', '1.0']).optional(),
    nodes: z.array(dagNodeSchema).min(1).max(20_000),
  })
  .meta({ id: 'Dag' });

export type DagNode = z.infer<typeof dagNodeSchema>;
export type Dag = z.infer<typeof dagSchema>;

/**
 * Per-node lists of required fields that are absent, in submitted order. A
 * TagQuery node also needs tags to query and an interval (node or params),
 * as QMTL requires before it computes such a node's id.
 */
export function missingNodeFields(nodes: readonly unknown[]): Array<{ index: number; missing: string[] }> {
  const out: Array<{ index: number; missing: string[] }> = [];
  nodes.forEach((node, index) => {
    const record =
      node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as JsonObject) : {};
    const missing: string[] = REQUIRED_NODE_FIELDS.filter((field) => !(field in record));
    if (missing.length === 0 && record.node_type === TAG_QUERY_NODE_TYPE) {
      const tagQuery = tagQueryParams(record);
      if (tagQuery.ok && tagQuery.params.query_tags.length === 0) missing.push('query_tags');
      if (tagQuery.ok && tagQuery.params.interval === null) missing.push('interval');
    }
    if (missing.length > 0) out.push({ index, missing });
  });
  return out;
}

export interface NodeFieldError {
  /** Path inside the DAG, e.g. `nodes.3.inputs`. */
  path: string;
  message: string;
  code: string;
}

/**
 * Checks the schema cannot express, on nodes that passed it. Each guards a
 * place where QMTL's id code would read the node differently from us or crash:
 * `inputs` (QMTL hashes it in preference to `dependencies`), TagQuery settings
 * outside params, and unpaired UTF-16 surrogates (no UTF-8 form to hash).
 */
export function nodeShapeErrors(nodes: readonly JsonObject[]): NodeFieldError[] {
  return nodes.flatMap((node, index) => {
    const at = (field: string) => `nodes.${index}${field ? `.${field}` : ''}`;
    const errors: NodeFieldError[] = [];
    const surrogate = unpairedSurrogatePath(node);
    if (surrogate !== undefined) {
      errors.push({
        path: at(surrogate),
        message: 'holds an unpaired UTF-16 surrogate',
        code: 'invalid_unicode',
      });
    }
    const inputs = node.inputs as string[] | undefined;
    if (inputs && inputs.length > 0 && !sameMembers(inputs, node.dependencies as string[])) {
      errors.push({
        path: at('inputs'),
        message: 'must name the same nodes as dependencies',
        code: 'inputs_mismatch',
      });
    }
    if (node.node_type === TAG_QUERY_NODE_TYPE)
      errors.push(...tagQueryErrors(node).map((e) => ({ ...e, path: at(e.path) })));
    return errors;
  });
}

function tagQueryErrors(node: JsonObject): NodeFieldError[] {
  const resolved = tagQueryParams(node);
  if (!resolved.ok) return [{ path: resolved.path, message: resolved.message, code: 'invalid_type' }];
  const errors: NodeFieldError[] = [];
  const nodeTags = node.query_tags as string[] | undefined;
  const normalised = nodeTags && [...new Set(nodeTags.map(pyStrip).filter((t) => t !== ''))];
  if (normalised !== undefined && !sameMembers(normalised, resolved.params.query_tags)) {
    errors.push({
      path: 'query_tags',
      message: `disagrees with the tags the node id is computed from (${resolved.params.query_tags.join(', ')})`,
      code: 'tag_query_conflict',
    });
  }
  const mode = node.match_mode as string | undefined;
  if (mode !== undefined && mode !== resolved.params.match_mode) {
    errors.push({
      path: 'match_mode',
      message: `disagrees with params.match_mode (${resolved.params.match_mode})`,
      code: 'tag_query_conflict',
    });
  }
  return errors;
}

function sameMembers(left: readonly string[], right: readonly string[]): boolean {
  const a = [...left].sort();
  const b = [...right].sort();
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

// With the u flag a surrogate pair is one code point, so only unpaired halves match.
const UNPAIRED_SURROGATE = /[\uD800-\uDFFF]/u;

function unpairedSurrogatePath(value: JsonValue, path = ''): string | undefined {
  if (typeof value === 'string') return UNPAIRED_SURROGATE.test(value) ? path : undefined;
  if (value === null || typeof value !== 'object' || isLosslessNumber(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (UNPAIRED_SURROGATE.test(key)) return childPath;
    const found = unpairedSurrogatePath(child, childPath);
    if (found !== undefined) return found;
  }
  return undefined;
}
