/**
 * The DAG a strategy author submits (SPEC §6): `{nodes: [...]}`, each node
 * content-addressed by its `node_id`. The shape is checked here; node-id
 * recomputation, checksums and node-type lookup belong to the DAG Manager.
 */
import { z } from 'zod';

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
    inputs: z.array(z.string().max(512)).max(1024).optional(),
    query_tags: z.array(shortText).max(64).optional(),
    match_mode: z.enum(['any', 'all']).optional(),
  })
  .meta({ id: 'DagNode' });

export const dagSchema = z
  .strictObject({
    nodes: z.array(dagNodeSchema).min(1).max(20_000),
  })
  .meta({ id: 'Dag' });

export type DagNode = z.infer<typeof dagNodeSchema>;
export type Dag = z.infer<typeof dagSchema>;

/** Per-node lists of required fields that are absent, in submitted order. */
export function missingNodeFields(nodes: readonly unknown[]): Array<{ index: number; missing: string[] }> {
  const out: Array<{ index: number; missing: string[] }> = [];
  nodes.forEach((node, index) => {
    const record = node !== null && typeof node === 'object' ? (node as Record<string, unknown>) : {};
    const missing = REQUIRED_NODE_FIELDS.filter((field) => !(field in record));
    if (missing.length > 0) out.push({ index, missing });
  });
  return out;
}
