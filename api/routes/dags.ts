/**
 * DAG Manager endpoints (SPEC §5, §6): diff a DAG against the node registry,
 * read a registered node, find queues by tag. Also the one DAG body intake
 * that the strategy routes share: `{dag}` or `{dag_json}`, optional `node_ids_crc32`, validated
 * by domain/dag/intake.ts and answered as problem+json on failure.
 */
import type express from 'express';
import { z } from 'zod';
import { nodeRecordsOf } from '../../activities/node-records';
import type { NodeRecord, NodeRepo, Store } from '../../activities/store/port';
import { diffDag, type DagDiff, type DiffInputNode, type RegisteredVariant } from '../../domain/dag/diff';
import { intakeDag, isIntakeError, type ValidatedDag } from '../../domain/dag/intake';
import { nodeIdentity } from '../../domain/dag/node-id';
import { queueMap, type QueueNode } from '../../domain/dag/queues';
import type { NodeTypeCatalog } from '../../domain/dag/node-types';
import { NODE_ID_PATTERN } from '../../domain/dag/schema';
import type { DagProblem, DagProblemCode } from '../../domain/dag/validate';
import { ProblemError } from '../errors';
import { rawBodyText } from '../raw-body';
import { defineRoute, type RouteSpec } from '../route';

// --- the shared body intake ---------------------------------------------------

/** Body fields that carry a DAG; routes spread them into their own body schema. */
export const dagBodyFields = {
  dag: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ description: 'The DAG inline: {nodes: [DagNode, ...]}' }),
  dag_json: z.string().max(16_000_000).optional().meta({ description: 'Base64 of the DAG JSON text' }),
  node_ids_crc32: z
    .number()
    .int()
    .min(0)
    .max(0xffffffff)
    .optional()
    .meta({ description: 'CRC-32 of the node ids concatenated in submitted order; checked when sent' }),
};

export const exactlyOneDag = {
  check: (b: { dag?: unknown; dag_json?: unknown }) => (b.dag === undefined) !== (b.dag_json === undefined),
  message: { message: 'send exactly one of dag or dag_json', path: ['dag'] },
};

const PROBLEM_TITLES: Record<DagProblemCode, string> = {
  E_VALIDATION: 'Invalid DAG',
  E_NODE_ID_FIELDS: 'Node fields missing',
  E_SCHEMA_COMPAT_MISMATCH: 'Schema compatibility mismatch',
  E_CHECKSUM_MISMATCH: 'Node id checksum mismatch',
  E_NODE_ID_MISMATCH: 'Node id mismatch',
  E_DAG_CYCLE: 'DAG has a cycle',
  E_NODE_TYPE_UNKNOWN: 'Unknown node type',
};

export function dagProblem(problem: DagProblem): ProblemError {
  const { code, detail, extra, errors } = problem;
  return new ProblemError(400, code, PROBLEM_TITLES[code], detail, extra, errors);
}

/** The DAG a request carries, fully validated (SPEC §6 order); throws a 400 problem otherwise. */
export function readDagBody(
  body: { dag_json?: string; node_ids_crc32?: number },
  req: express.Request,
  catalog?: NodeTypeCatalog,
): ValidatedDag {
  // The inline DAG is re-read from the raw bytes: the parsed body has lost `1.0` vs `1`.
  const source =
    body.dag_json !== undefined ? { dagJson: body.dag_json } : { bodyText: rawBodyText(req) ?? '{}' };
  const result = intakeDag(source, { nodeIdsCrc32: body.node_ids_crc32, catalog });
  if (isIntakeError(result)) throw dagProblem(result);
  return result;
}

// --- the node registry -----------------------------------------------------------

/**
 * A registry query the store port does not offer yet: registered nodes with the
 * same type, code and params as given ones (schema variants). Used when the
 * store provides it; until then no node is classified `buffering`.
 */
interface SchemaVariantQuery {
  findSchemaVariants(
    keys: Array<{ nodeType: string; codeHash: string; paramsJson: string }>,
  ): Promise<NodeRecord[]>;
}

/** The store's node registry, or undefined while the store in use has none. */
function registryOf(store: Store): (NodeRepo & Partial<SchemaVariantQuery>) | undefined {
  return (store as Partial<Store>).nodes;
}

/** Records the accepted DAG's nodes; ids already known keep their first strategy. */
export async function registerNodes(
  store: Store,
  dag: ValidatedDag,
  strategyId: string,
  at: string,
): Promise<void> {
  await registryOf(store)?.registerAll(nodeRecordsOf(dag, strategyId, at));
}

/** The DAG's diff against the registry, nodes in topological order. */
export async function diffAgainstRegistry(store: Store, dag: ValidatedDag): Promise<DagDiff> {
  const byId = new Map(dag.dag.nodes.map((node, index) => [node.node_id, index]));
  const nodes: DiffInputNode[] = dag.order.map((id) => {
    const index = byId.get(id)!;
    const node = dag.dag.nodes[index]!;
    return { ...node, identity: nodeIdentity(dag.nodes[index]!) };
  });
  const registry = registryOf(store);
  const known = registry ? await registry.known(nodes.map((n) => n.node_id)) : new Set<string>();
  const unknown = nodes.filter((n) => !known.has(n.node_id));
  const variants: RegisteredVariant[] =
    registry?.findSchemaVariants && unknown.length > 0
      ? await registry.findSchemaVariants(unknown.map((n) => n.identity))
      : [];
  return diffDag(nodes, { known, variants });
}

/** The nodes and their registered ancestors (enough to name their queues), breadth first. */
async function withAncestors(
  registry: NodeRepo,
  roots: readonly NodeRecord[],
  limit = 10_000,
): Promise<NodeRecord[]> {
  const found = new Map(roots.map((r) => [r.nodeId, r]));
  let frontier = [...roots];
  while (frontier.length > 0 && found.size < limit) {
    const next = [...new Set(frontier.flatMap((r) => r.dependencies))].filter((id) => !found.has(id));
    const records = (await Promise.all(next.map((id) => registry.get(id)))).filter((r) => r !== undefined);
    for (const record of records) found.set(record.nodeId, record);
    frontier = records;
  }
  return [...found.values()];
}

/**
 * Queue names of registered nodes. A name is a function of the node's lineage
 * (domain/dag/queues.ts), and the registry holds every ancestor of a registered
 * node, so names are recomputed rather than stored: the diff, GET /v1/nodes/{id}
 * and the tag query cannot disagree.
 */
async function registeredQueues(
  registry: NodeRepo,
  records: readonly NodeRecord[],
): Promise<Map<string, string>> {
  if (records.length === 0) return new Map();
  return queueMap((await withAncestors(registry, records)).map(asQueueNode));
}

const asQueueNode = (r: NodeRecord): QueueNode => ({
  node_id: r.nodeId,
  node_type: r.nodeType,
  params: JSON.parse(r.paramsJson) as unknown,
  dependencies: r.dependencies,
});

// --- routes ------------------------------------------------------------------------

const diffBodySchema = z
  .object(dagBodyFields)
  .refine(exactlyOneDag.check, exactlyOneDag.message)
  .meta({ id: 'DagDiffRequest' });

export const dagDiffSchema = z
  .object({
    nodes: z.array(
      z.object({
        node_id: z.string(),
        status: z.enum(['reused', 'new', 'buffering']),
        queue: z.string(),
        warmup_bars: z.number().int().optional().meta({ description: 'buffering: bars to replay first' }),
        replaces: z.string().optional().meta({ description: 'buffering: the registered node superseded' }),
      }),
    ),
    queue_map: z.record(z.string(), z.string()),
  })
  .meta({ id: 'DagDiff' });

const nodeSchema = z
  .object({
    node_id: z.string(),
    node_type: z.string(),
    interval: z.number().int().nullable(),
    period: z.number().int().nullable(),
    params: z.unknown().meta({ description: 'Identity params: excluded keys (world, seed, env_…) dropped' }),
    params_json: z.string().meta({ description: 'The canonical JSON the node id hashes, literals as sent' }),
    dependencies: z.array(z.string()),
    schema_compat_id: z.string(),
    code_hash: z.string(),
    tags: z.array(z.string()),
    queue: z.string(),
    first_strategy_id: z.string(),
    created_at: z.string(),
  })
  .meta({ id: 'Node' });

export const MAX_QUERY_TAGS = 32;
const MAX_TAG_LENGTH = 200;

export const queuesByTagQuerySchema = z.object({
  tags: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((tag) => tag.trim())
        .filter((tag) => tag !== ''),
    )
    .pipe(
      z
        .array(z.string().max(MAX_TAG_LENGTH, `a tag has at most ${MAX_TAG_LENGTH} characters`))
        .min(1, 'name at least one tag')
        .max(MAX_QUERY_TAGS, `at most ${MAX_QUERY_TAGS} tags`),
    )
    .meta({ description: `Comma-separated tags (1–${MAX_QUERY_TAGS}); surrounding spaces are ignored` }),
  match_mode: z
    .enum(['any', 'all'])
    .default('any')
    .meta({ description: 'any: a node carries at least one of the tags; all: every one of them' }),
  interval: z
    .string()
    .regex(/^\d{1,9}$/, 'must be a non-negative integer (seconds)')
    .transform(Number)
    .optional()
    .meta({ description: "Only nodes on this interval (seconds), as in the DAG's `interval`" }),
});

export const queuesByTagSchema = z
  .object({
    queues: z.array(
      z.object({
        node_id: z.string(),
        queue: z.string(),
        tags: z.array(z.string()),
        interval: z.number().int().nullable(),
        node_type: z.string(),
      }),
    ),
  })
  .meta({ id: 'QueuesByTag' });

export function dagRoutes({ store, catalog }: { store: Store; catalog?: NodeTypeCatalog }): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/dags/diff',
      operationId: 'diffDag',
      summary: 'Classify each node of a DAG as reused, new or buffering, with its queue',
      tags: ['dag manager'],
      access: 'reader',
      body: diffBodySchema,
      idempotent: false,
      responses: {
        200: { description: 'The diff, nodes in topological order', schema: dagDiffSchema },
        400: { description: 'The DAG failed validation (E_NODE_ID_FIELDS, E_NODE_ID_MISMATCH, …)' },
      },
      async handler({ body, req }) {
        return { status: 200, body: await diffAgainstRegistry(store, readDagBody(body, req, catalog)) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/nodes/:id',
      operationId: 'getNode',
      summary: 'A node from the registry: its identity, first strategy and queue',
      tags: ['dag manager'],
      access: 'reader',
      params: z.object({ id: z.string().regex(NODE_ID_PATTERN, 'must be "blake3:" and 64 lowercase hex') }),
      responses: { 200: { description: 'The node', schema: nodeSchema } },
      async handler({ params }) {
        const registry = registryOf(store);
        const record = await registry?.get(params.id);
        if (!registry || !record) {
          throw new ProblemError(
            404,
            'E_NOT_FOUND',
            'Node not found',
            `no node '${params.id}' is registered`,
          );
        }
        return {
          status: 200,
          body: {
            node_id: record.nodeId,
            node_type: record.nodeType,
            interval: record.interval,
            period: record.period,
            params: JSON.parse(record.paramsJson) as unknown,
            params_json: record.paramsJson,
            dependencies: record.dependencies,
            schema_compat_id: record.schemaCompatId,
            code_hash: record.codeHash,
            tags: record.tags,
            queue: (await registeredQueues(registry, [record])).get(record.nodeId)!,
            first_strategy_id: record.firstStrategyId,
            created_at: record.createdAt,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/queues/by_tag',
      operationId: 'getQueuesByTag',
      summary: 'Queues of registered nodes carrying any (or all) of the given tags, sorted by queue',
      tags: ['dag manager'],
      access: 'reader',
      query: queuesByTagQuerySchema,
      responses: { 200: { description: 'Matching queues', schema: queuesByTagSchema } },
      async handler({ query }) {
        const registry = registryOf(store);
        const records = registry
          ? await registry.findByTags(query.tags, query.match_mode, query.interval)
          : [];
        const queues = registry ? await registeredQueues(registry, records) : new Map<string, string>();
        const body = records
          .map((r) => ({
            node_id: r.nodeId,
            queue: queues.get(r.nodeId)!,
            tags: r.tags,
            interval: r.interval,
            node_type: r.nodeType,
          }))
          .sort((a, b) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : a.node_id < b.node_id ? -1 : 1));
        return { status: 200, body: { queues: body } };
      },
    }),
  ];
}
